// InstallErrorBodies; see fallback.h.
#include "http/fallback.h"

namespace sandbox::http {

void InstallErrorBodies(httplib::Server& s, std::vector<ErrorShape> shapes, ErrorWriter fallback) {
  s.set_error_handler(httplib::Server::HandlerWithResponse(
      [shapes = std::move(shapes), fallback = std::move(fallback)](const httplib::Request& req,
                                                                   httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        std::string what = res.status == 404 ? "No route for " + req.method + " " + req.path
                           : res.status == 400 && req.method == "POST" && !req.has_header("Content-Length")
                               ? "Bad request: send a body (or Content-Length: 0) with POST " + req.path
                               : "HTTP " + std::to_string(res.status) + " for " + req.method + " " + req.path;
        const ErrorWriter* writer = &fallback;
        for (const auto& shape : shapes) {
          if (req.path.rfind(shape.path_prefix, 0) == 0) {
            writer = &shape.write;
            break;
          }
        }
        (*writer)(res, res.status, what);
        return httplib::Server::HandlerResponse::Handled;
      }));
}

}  // namespace sandbox::http
