// The limits on what one request may carry (issue 10). Each has a flag
// (cli/options.cpp) and is listed, with the status a breach gets, in
// docs/operations.md. The edge (request_guard.cpp, connection_stream.cpp)
// enforces the size of the head, the path and the body; the dialects enforce
// JSON depth and the lengths of the strings they store.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sandbox::http {

struct RequestLimits {
  size_t max_body_bytes = 1 << 20;     // --max-body-bytes; 413
  size_t max_head_bytes = 64 << 10;    // --max-header-bytes: request line + headers; 431
  size_t max_path_bytes = 2048;        // the decoded path (routing is a regex match per byte); 414
  int max_json_depth = 64;             // --max-json-depth: nested arrays/objects in a body; 400
  size_t max_string_bytes = 16384;     // --max-string-bytes: any string in a JSON body; 422
  size_t max_url_bytes = 2048;         // --max-url-bytes: a webhook URL; 422
  size_t max_page_token_bytes = 1024;  // --max-page-token-bytes: a page token or Last-Event-ID; 400
};

}  // namespace sandbox::http
