// The checks every request passes before any handler sees it (issue 10), and
// the repairs it needs after cpp-httplib 0.11.4 has parsed it:
//   - headers are read again from the raw head: the library percent-decodes
//     header values (`X-Sandbox-Namespace: %00` became a NUL) and silently
//     drops malformed lines; here a malformed line is a 400;
//   - a request with neither Content-Length nor Transfer-Encoding has no body
//     (RFC 9112 6.3): the library would wait for one until its read timeout;
//   - Range is ignored (the API serves no files); a body is JSON whatever
//     Content-Type says (curl -d sends a form type), multipart is a 415;
//   - the body may not exceed max_body_bytes (413, refused before it is read),
//     the path max_path_bytes (414), and the path, query and header values
//     must be valid UTF-8 (400 naming the part at fault).
#pragma once

#include <httplib.h>

#include <optional>
#include <string>

#include "http/limits.h"

namespace sandbox::http {

// Why a request is refused at the edge: the HTTP status, a message (valid
// UTF-8) and the part of the request at fault ("path", a query parameter or
// a header name).
struct Refusal {
  int status = 400;
  std::string message;
  std::string parameter;
};

// Repairs `req` as described above and checks it; nullopt when it may go on
// to routing. `raw_head` is the request line and headers exactly as received.
std::optional<Refusal> GuardRequest(httplib::Request& req, const std::string& raw_head, const RequestLimits& limits);

}  // namespace sandbox::http
