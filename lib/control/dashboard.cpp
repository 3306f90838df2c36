// GET /_sandbox/: the dashboard page (lib/control/dashboard.html, embedded at
// build time so the single binary carries it).
#include "control/routes.h"

namespace sandbox::control {

extern const char* const kDashboardHtml;

void Dashboard(const Deps&, const httplib::Request&, httplib::Response& res) {
  res.set_header("Cache-Control", "no-store");
  res.set_content(kDashboardHtml, "text/html; charset=utf-8");
}

}  // namespace sandbox::control
