// Reading a request body as a JSON object, the same way in every dialect:
// an empty body is {}; malformed JSON, another JSON type, or nesting deeper
// than limits.max_json_depth is a BadRequest naming "body"; a string (or an
// object key) longer than limits.max_string_bytes anywhere in it is an
// InvalidArgument naming the top-level member that holds it. Each dialect
// writes the Status in its own error shape.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "core/status.h"
#include "http/limits.h"

namespace sandbox::http {

Result<nlohmann::ordered_json> ParseJsonObjectBody(const std::string& body, const RequestLimits& limits = {});

}  // namespace sandbox::http
