// Error bodies in the sandbox's Modus shape; see errors.h.
#include "dialects/modus/errors.h"

#include "http/json_response.h"

namespace sandbox::modus {
namespace {

const char* CodeName(Code code) {
  switch (code) {
    case Code::kOk:
      return "ok";
    case Code::kBadRequest:
    case Code::kInvalidArgument:
      return "invalid_argument";
    case Code::kUnauthenticated:
      return "unauthenticated";
    case Code::kNotFound:
      return "not_found";
    case Code::kConflict:
      return "conflict";
    case Code::kInternal:
      return "internal";
    case Code::kUnavailable:
      return "unavailable";
  }
  return "internal";
}

}  // namespace

int HttpStatusOf(Code code) {
  switch (code) {
    case Code::kOk:
      return 200;
    case Code::kBadRequest:
    case Code::kInvalidArgument:
      return 400;
    case Code::kUnauthenticated:
      return 401;
    case Code::kNotFound:
      return 404;
    case Code::kConflict:
      return 409;
    case Code::kInternal:
      return 500;
    case Code::kUnavailable:
      return 503;
  }
  return 500;
}

void RespondJson(httplib::Response& res, int http_status, const OrderedJson& body) {
  http::SetJsonBody(res, http_status, body);
}

void RespondError(httplib::Response& res, const Status& status) {
  OrderedJson e = {{"code", CodeName(status.code())}, {"message", status.message()}};
  if (!status.parameter().empty()) e["field"] = status.parameter();
  RespondJson(res, HttpStatusOf(status.code()), OrderedJson{{"error", e}});
}

void WriteError(httplib::Response& res, int http_status, const std::string& message, const std::string& parameter) {
  const char* code = http_status == 404                                               ? "not_found"
                     : http_status == 400                                             ? "invalid_argument"
                     : http_status == 401                                             ? "unauthenticated"
                     : http_status == 403                                             ? "permission_denied"
                     : http_status == 408                                             ? "deadline_exceeded"
                     : http_status == 409                                             ? "conflict"
                     : http_status == 413 || http_status == 414 || http_status == 431 ? "invalid_argument"
                     : http_status == 429                                             ? "resource_exhausted"
                     : http_status == 503                                             ? "unavailable"
                                                                                      : "internal";
  OrderedJson e = {{"code", code}, {"message", message}};
  if (!parameter.empty()) e["field"] = parameter;
  RespondJson(res, http_status, OrderedJson{{"error", e}});
}

}  // namespace sandbox::modus
