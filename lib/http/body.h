// Reading a request body as a JSON object, the same way in every dialect:
// an empty body is {}, malformed JSON or another JSON type is a BadRequest
// naming "body". Each dialect writes the Status in its own error shape.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "core/status.h"

namespace sandbox::http {

Result<nlohmann::ordered_json> ParseJsonObjectBody(const std::string& body);

}  // namespace sandbox::http
