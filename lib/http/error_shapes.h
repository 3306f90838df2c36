// Error bodies for responses no handler wrote: unknown paths, and requests
// cpp-httplib refuses before routing (a POST without Content-Length). Each
// dialect claims its path prefixes, so every answer is in the shape its
// clients parse.
#pragma once

#include <httplib.h>

#include <functional>
#include <string>
#include <vector>

namespace sandbox::http {

// Writes `message` as a dialect's error body with `status`.
using ErrorWriter = std::function<void(httplib::Response& res, int status, const std::string& message)>;

struct ErrorShape {
  std::string path_prefix;
  ErrorWriter write;
};

// The first shape whose prefix starts the path writes the body; `fallback`
// writes it for every other path.
void InstallErrorBodies(httplib::Server& server, std::vector<ErrorShape> shapes, ErrorWriter fallback);

}  // namespace sandbox::http
