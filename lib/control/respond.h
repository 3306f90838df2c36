// JSON answers of the control API. Errors use the same
// {"errors":[{"message","parameter"}]} shape as the sandbox's default dialect,
// so one client-side check reads both.
#pragma once

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string>

#include "core/status.h"
#include "http/json_response.h"

namespace sandbox::control {

using OrderedJson = nlohmann::ordered_json;

inline void RespondJson(httplib::Response& res, int status, const OrderedJson& body) {
  http::SetJsonBody(res, status, body);
}

inline void RespondError(httplib::Response& res, int status, const std::string& message,
                         const std::string& parameter = {}) {
  OrderedJson e = {{"message", message}};
  if (!parameter.empty()) e["parameter"] = parameter;
  RespondJson(res, status, OrderedJson{{"errors", OrderedJson::array({e})}});
}

// 400 / 404 / 409 / 422 / 503 / 500 by the Status code.
inline void RespondStatus(httplib::Response& res, const Status& st) {
  int code = st.code() == Code::kNotFound          ? 404
             : st.code() == Code::kConflict        ? 409
             : st.code() == Code::kInvalidArgument ? 422
             : st.code() == Code::kBadRequest      ? 400
             : st.code() == Code::kUnavailable     ? 503
                                                   : 500;
  RespondError(res, code, st.message(), st.parameter());
}

}  // namespace sandbox::control
