// Which dialect's error body a response gets (issue 10: every error answer
// is in the error shape of the dialect that owns the path, even when no
// handler ran: unknown paths, requests refused at the edge, requests the
// HTTP library could not parse). Each dialect claims its path prefixes.
#pragma once

#include <httplib.h>

#include <functional>
#include <string>
#include <vector>

namespace sandbox::http {

// Writes a dialect's error body: `message` (valid UTF-8) with `status`,
// naming `parameter` when it is not empty.
using ErrorWriter =
    std::function<void(httplib::Response& res, int status, const std::string& message, const std::string& parameter)>;

struct ErrorShape {
  std::string path_prefix;
  ErrorWriter write;
};

class ErrorShapes {
 public:
  ErrorShapes() = default;
  ErrorShapes(std::vector<ErrorShape> shapes, ErrorWriter fallback)
      : shapes_(std::move(shapes)), fallback_(std::move(fallback)) {}
  // The writer of the first shape whose prefix starts `path`, else the fallback.
  const ErrorWriter& For(const std::string& path) const;

 private:
  std::vector<ErrorShape> shapes_;
  ErrorWriter fallback_;
};

// The path of a raw request head's request line ("GET /a/b?c HTTP/1.1" ->
// "/a/b"), for choosing a shape when the library could not parse it.
std::string PathOfRawHead(const std::string& head);

}  // namespace sandbox::http
