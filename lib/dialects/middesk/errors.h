// Middesk's error body, {"errors":[{"message":..., "parameter":...}]}, and the
// mapping from a Status code to the HTTP status the Middesk docs use.
#pragma once

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace sandbox::middesk {

using OrderedJson = nlohmann::ordered_json;

int HttpStatusOf(Code code);
OrderedJson ErrorBody(const std::string& message, const std::string& parameter = {});
void RespondError(httplib::Response& res, const Status& status);
void RespondJson(httplib::Response& res, int http_status, const OrderedJson& body);
// A message with a given HTTP status in the Middesk shape (http::ErrorWriter).
void WriteError(httplib::Response& res, int http_status, const std::string& message, const std::string& parameter);

}  // namespace sandbox::middesk
