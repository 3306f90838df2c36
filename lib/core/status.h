// Status and Result: how every layer reports failure to the layer above.
// Exceptions never cross a layer boundary (DESIGN.md "Errors"); only http/ and
// dialects/ turn a Code into an HTTP status and the vendor's error body.
// Both are [[nodiscard]]: a dropped failure is a compile warning, and a
// deliberate drop says so with (void) and a comment.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace sandbox {

enum class Code {
  kOk,
  kBadRequest,       // the request as a whole is unacceptable (missing field, bad JSON)
  kInvalidArgument,  // a parameter is present but badly formatted
  kNotFound,
  kConflict,  // the object is not in a state that allows the operation
  kUnauthenticated,
  kUnavailable,  // not now, try again (e.g. while a snapshot is restored): 503
  kInternal,
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status BadRequest(std::string msg, std::string param = {}) {
    return Status(Code::kBadRequest, std::move(msg), std::move(param));
  }
  static Status InvalidArgument(std::string msg, std::string param = {}) {
    return Status(Code::kInvalidArgument, std::move(msg), std::move(param));
  }
  static Status NotFound(std::string msg, std::string param = {}) {
    return Status(Code::kNotFound, std::move(msg), std::move(param));
  }
  static Status Conflict(std::string msg, std::string param = {}) {
    return Status(Code::kConflict, std::move(msg), std::move(param));
  }
  static Status Unauthenticated(std::string msg) { return Status(Code::kUnauthenticated, std::move(msg), {}); }
  static Status Unavailable(std::string msg) { return Status(Code::kUnavailable, std::move(msg), {}); }
  static Status Internal(std::string msg) { return Status(Code::kInternal, std::move(msg), {}); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // The request parameter at fault, empty when none is.
  const std::string& parameter() const { return parameter_; }

 private:
  Status(Code code, std::string msg, std::string param)
      : code_(code), message_(std::move(msg)), parameter_(std::move(param)) {}
  Code code_ = Code::kOk;
  std::string message_;
  std::string parameter_;
};

// A value or the Status saying why there is none.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT
  bool ok() const { return std::holds_alternative<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T& value() & { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace sandbox
