// Sending one webhook POST: the interface the dispatcher calls (Sender,
// Transport) and the real network behind it (HttpSender, http_post.cpp).
//
// What a receiver can do to the sandbox is bounded here (issue 10): every
// phase of a POST has a deadline of its own (not per read: a receiver that
// trickles a byte a second still runs out of time), a bounded number of
// bytes of status line, headers and body are read (SendLimits), redirects are never followed (a 3xx is the attempt's
// outcome), and Transport::abort ends every POST under way at once, so a
// hanging receiver cannot hold up a shutdown.
#pragma once

#include <httplib.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace sandbox::webhooks {

// The bounds of one POST; the defaults are the sandbox's (docs/middesk.md).
struct SendLimits {
  int64_t connect_timeout_ms = 2000;           // name lookup excluded (see http_post.cpp)
  int64_t write_timeout_ms = 5000;             // the whole request
  int64_t read_timeout_ms = 5000;              // from the request's end to the end of the response's head
  size_t max_response_head_bytes = 16 * 1024;  // status line and headers, 1xx answers included
  size_t max_response_body_bytes = 64 * 1024;  // read and dropped; the status decides
};

// What came of one POST: the HTTP status, or why there was none. `error`
// is the sandbox's own words, never text from the receiver.
struct Outcome {
  std::optional<int> status_code;
  std::optional<std::string> error;
  // Any 2xx delivers; anything else (3xx included: redirects are never
  // followed) is a failed attempt.
  bool delivered() const { return status_code && *status_code >= 200 && *status_code < 300; }
};

// POSTs `body` to `url` with `headers` (plus Host, Content-Type:
// application/json and Content-Length), on a kept-alive connection to the
// same origin when there is one (idle_connections.h). Called from several
// threads at once, for different endpoints.
using Sender = std::function<Outcome(const std::string& url, const std::string& body, const httplib::Headers& headers)>;

// A Sender and a way to cut short every send under way (they then return
// an error promptly). `abort` may be empty: Dispatcher::Stop then waits a
// short grace period and leaves a send that is still running behind.
struct Transport {
  Sender send;
  std::function<void()> abort;
};

// The network. http:// goes through http_post.cpp's own HTTP/1.1 client
// (every byte the receiver sends is bounded by `limits`); https:// through
// cpp-httplib's SSLClient, with the same timeouts, no redirects and a
// capped body (see http_post.cpp for what that leaves open).
Transport HttpSender(SendLimits limits = {});

}  // namespace sandbox::webhooks
