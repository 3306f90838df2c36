// The Modus error body (a sandbox choice: the contract documents none),
// {"error":{"code":..., "message":..., "field":...}}, and the HTTP status of
// each Status code.
#pragma once

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace sandbox::modus {

using OrderedJson = nlohmann::ordered_json;

int HttpStatusOf(Code code);
void RespondError(httplib::Response& res, const Status& status);
void RespondJson(httplib::Response& res, int http_status, const OrderedJson& body);
// A message with a given HTTP status in the Modus shape (http::ErrorWriter).
void WriteError(httplib::Response& res, int http_status, const std::string& message, const std::string& parameter);

}  // namespace sandbox::modus
