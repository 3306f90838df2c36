// GET /_sandbox/: the dashboard page (lib/control/dashboard.html, embedded at
// build time so the single binary carries it).
//
// With --admin-token, a browser opens /_sandbox/?admin_token=TOKEN once (the
// edge has checked it by then, http/admin_gate.h): the page answers with a
// cookie holding the token, so that its own fetches carry it, and sends the
// browser on to the address without the token in it.
#include "control/routes.h"
#include "http/admin_gate.h"

namespace sandbox::control {

extern const char* const kDashboardHtml;

void Dashboard(const Deps&, const httplib::Request& req, httplib::Response& res) {
  res.set_header("Cache-Control", "no-store");
  if (req.has_param(http::kAdminTokenParam)) {
    res.set_header("Set-Cookie", std::string(http::kAdminTokenCookie) + "=" +
                                     req.get_param_value(http::kAdminTokenParam) +
                                     "; Path=/_sandbox; HttpOnly; SameSite=Strict");
    std::string target = "/_sandbox/";
    if (req.has_param("namespace"))
      target += "?namespace=" + httplib::detail::encode_query_param(req.get_param_value("namespace"));
    res.set_redirect(target, 303);
    return;
  }
  res.set_content(kDashboardHtml, "text/html; charset=utf-8");
}

}  // namespace sandbox::control
