// Writing a JSON answer, the same way in every dialect and the control API.
// Serialising replaces, never throws: the edge refuses bad UTF-8 in requests,
// so a byte of it reaching a body is a bug, and the answer must still go out.
#pragma once

#include <httplib.h>

#include <nlohmann/json.hpp>

namespace sandbox::http {

inline std::string JsonText(const nlohmann::ordered_json& body) {
  return body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

inline void SetJsonBody(httplib::Response& res, int http_status, const nlohmann::ordered_json& body) {
  res.status = http_status;
  res.set_content(JsonText(body), "application/json");
}

}  // namespace sandbox::http
