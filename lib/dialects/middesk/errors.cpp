// Error bodies in the Middesk shape; see errors.h.
#include "dialects/middesk/errors.h"

#include "http/json_response.h"

namespace sandbox::middesk {

int HttpStatusOf(Code code) {
  switch (code) {
    case Code::kOk:
      return 200;
    case Code::kBadRequest:
      return 400;
    case Code::kUnauthenticated:
      return 401;
    case Code::kNotFound:
      return 404;
    case Code::kConflict:
      return 409;
    case Code::kInvalidArgument:
      return 422;
    case Code::kInternal:
      return 500;
    case Code::kUnavailable:
      return 503;
  }
  return 500;
}

OrderedJson ErrorBody(const std::string& message, const std::string& parameter) {
  OrderedJson e = {{"message", message}};
  if (!parameter.empty()) e["parameter"] = parameter;
  return OrderedJson{{"errors", OrderedJson::array({e})}};
}

void RespondJson(httplib::Response& res, int http_status, const OrderedJson& body) {
  http::SetJsonBody(res, http_status, body);
}

void WriteError(httplib::Response& res, int http_status, const std::string& message, const std::string& parameter) {
  RespondJson(res, http_status, ErrorBody(message, parameter));
}

void RespondError(httplib::Response& res, const Status& status) {
  RespondJson(res, HttpStatusOf(status.code()), ErrorBody(status.message(), status.parameter()));
}

}  // namespace sandbox::middesk
