// ParseJsonObjectBody; see body.h.
#include "http/body.h"

#include "core/json_depth.h"

namespace sandbox::http {
namespace {

using Json = nlohmann::ordered_json;

// True when every string and key in `v` is at most `max` bytes. Recursion is
// bounded: the text's depth was checked before parsing.
bool StringsWithin(const Json& v, size_t max) {
  if (v.is_string()) return v.get_ref<const std::string&>().size() <= max;
  if (v.is_array()) {
    for (const auto& e : v) {
      if (!StringsWithin(e, max)) return false;
    }
  } else if (v.is_object()) {
    for (const auto& [key, e] : v.items()) {
      if (key.size() > max || !StringsWithin(e, max)) return false;
    }
  }
  return true;
}

}  // namespace

Result<Json> ParseJsonObjectBody(const std::string& text, const RequestLimits& limits) {
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) return Json::object();
  if (!JsonDepthWithin(text, limits.max_json_depth)) {
    return Status::BadRequest(
        "Request body nests arrays and objects more than " + std::to_string(limits.max_json_depth) + " levels deep",
        "body");
  }
  Json body;
  try {
    body = Json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // e.byte says where; invalid UTF-8 inside a string lands here too.
    return Status::BadRequest("Request body is not valid JSON (at byte " + std::to_string(e.byte) + ")", "body");
  } catch (const nlohmann::json::exception&) {
    // Valid JSON the parser cannot hold: a number beyond a double (1e400).
    return Status::BadRequest("Request body holds a number out of range (beyond +-1.8e308)", "body");
  }
  if (!body.is_object()) return Status::BadRequest("Request body must be a JSON object", "body");
  for (const auto& [key, value] : body.items()) {
    if (key.size() > limits.max_string_bytes) {
      return Status::InvalidArgument(
          "A member name is longer than " + std::to_string(limits.max_string_bytes) + " bytes", "body");
    }
    if (!StringsWithin(value, limits.max_string_bytes)) {
      return Status::InvalidArgument(
          "Parameter `" + key + "` holds a string longer than " + std::to_string(limits.max_string_bytes) + " bytes",
          key);
    }
  }
  return body;
}

}  // namespace sandbox::http
