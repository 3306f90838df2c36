// libFuzzer target: raw bytes as everything one client sends on one
// connection, served by the whole sandbox (fuzz_app.h: in memory, shipped
// fixtures, both dialects and the control API). Beyond the sanitizers'
// findings, two outcomes are bugs here: an answer whose status is 5xx (no
// input may make the server fail), but for the one 5xx the sandbox gives by
// design, and an answer that is not HTTP at all when the client sent a
// whole request line. The seed corpus
// (fuzz/corpus/http_request/) holds one request of each route family.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_app.h"

namespace {

// Inputs past this are cut: the edge refuses heads over 64 KiB and bodies
// over 1 MiB without reading them, which the seeds already show.
constexpr size_t kMaxInput = 256 * 1024;

bool IsServerError(const std::string& answer, size_t at) {
  // "HTTP/1.1 5xx" at the start of a response.
  return answer.compare(at, 9, "HTTP/1.1 ") == 0 && answer.size() > at + 9 && answer[at + 9] == '5';
}

// The 5xx the sandbox gives by design: 503 naming --max-namespaces once
// that many namespaces are in use (docs/operations.md, limits). The app
// lives as long as the fuzzing process, and a long run makes up that many
// keys and organisations; it used to stop there, as if it had crashed. The
// answer to a HEAD has no body to name the flag, so a 503 without a body is
// taken for the limit only while every namespace is in use.
bool IsNamespaceLimit(const std::string& answer, size_t at, size_t end) {
  if (answer.compare(at, 12, "HTTP/1.1 503") != 0) return false;
  if (answer.find("--max-namespaces", at) < end) return true;
  const size_t head_end = answer.find("\r\n\r\n", at);
  // `end` is the newline before the next response (npos after the last).
  const size_t next_starts = end == std::string::npos ? answer.size() : end + 1;
  const bool no_body = head_end != std::string::npos && head_end + 4 == next_starts;
  return no_body && sandbox::fuzz::NamespacesFull();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > kMaxInput) size = kMaxInput;
  const std::string answer = sandbox::fuzz::Exchange(data, size);
  // Every response on the connection: each one starts a line of its own
  // right after the previous response's body; a search for the status line
  // pattern at line starts finds them without parsing the bodies.
  for (size_t at = 0; at < answer.size();) {
    const size_t next = answer.find("\nHTTP/1.1 ", at);
    if (IsServerError(answer, at) && !IsNamespaceLimit(answer, at, next)) __builtin_trap();
    if (next == std::string::npos) break;
    at = next + 1;
  }
  const std::string sent(reinterpret_cast<const char*>(data), size);
  if (sent.find("\r\n") != std::string::npos && !answer.empty() && answer.compare(0, 9, "HTTP/1.1 ") != 0) {
    __builtin_trap();
  }
  return 0;
}
