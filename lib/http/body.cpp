// ParseJsonObjectBody; see body.h.
#include "http/body.h"

namespace sandbox::http {

Result<nlohmann::ordered_json> ParseJsonObjectBody(const std::string& text) {
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) return nlohmann::ordered_json::object();
  auto body = nlohmann::ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return Status::BadRequest("Request body is not valid JSON", "body");
  if (!body.is_object()) return Status::BadRequest("Request body must be a JSON object", "body");
  return body;
}

}  // namespace sandbox::http
