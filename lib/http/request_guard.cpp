// GuardRequest; see request_guard.h.
#include "http/request_guard.h"

#include <cctype>
#include <string_view>

#include "core/decimal.h"
#include "core/utf8.h"

namespace sandbox::http {
namespace {

// Headers the library adds itself; a client may not supply them.
bool IsLibraryHeader(const std::string& name) {
  return name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" || name == "LOCAL_PORT";
}

bool IsTokenChar(unsigned char c) {
  if (c >= '0' && c <= '9') return true;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool IsSpaceOrTab(char c) { return c == ' ' || c == '\t'; }

Refusal Bad(std::string message, std::string parameter) {
  return Refusal{400, std::move(message), std::move(parameter)};
}

std::string ByteAt(size_t offset) { return " at byte " + std::to_string(offset + 1); }

// The header fields of a raw head, as sent. Lines end in CRLF; like the
// library, a line ending in a bare LF is not a header line (it skips those).
std::optional<Refusal> ParseRawHeaders(const std::string& head, httplib::Headers& out) {
  size_t pos = head.find("\r\n");  // end of the request line
  if (pos == std::string::npos) return Bad("Malformed request head", "");
  pos += 2;
  while (pos < head.size()) {
    size_t eol = head.find('\n', pos);
    if (eol == std::string::npos) break;
    std::string_view line(head.data() + pos, eol - pos);
    pos = eol + 1;
    if (line.empty() || line.back() != '\r') continue;
    line.remove_suffix(1);
    if (line.empty()) break;  // the blank line ending the head
    if (IsSpaceOrTab(line.front())) return Bad("Folded header lines are not accepted", "");
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return Bad("Malformed header line (expected `Name: value`)", "");
    }
    std::string name(line.substr(0, colon));
    for (unsigned char c : name) {
      if (!IsTokenChar(c)) return Bad("Malformed header name", "");
    }
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && IsSpaceOrTab(value.front())) value.remove_prefix(1);
    while (!value.empty() && IsSpaceOrTab(value.back())) value.remove_suffix(1);
    if (auto bad = FirstInvalidUtf8(value)) {
      return Bad("Invalid UTF-8 in header `" + name + "`" + ByteAt(*bad), name);
    }
    for (unsigned char c : value) {
      if ((c < 0x20 && c != '\t') || c == 0x7f) {
        return Bad("Control character in header `" + name + "`", name);
      }
    }
    if (IsLibraryHeader(name)) continue;
    out.emplace(std::move(name), std::string(value));
  }
  return std::nullopt;
}

// Bodies are JSON whatever Content-Type says (curl -d sends form encoding),
// but the library would parse a form body into parameters (refusing one past
// 8 KiB) and a multipart body with regexes: neither may reach it.
std::optional<Refusal> CheckContentType(httplib::Request& req) {
  std::string type = req.get_header_value("Content-Type");
  for (auto& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (type.rfind("multipart/", 0) == 0) {
    return Refusal{415, "Send the request body as application/json", "Content-Type"};
  }
  if (type.rfind("application/x-www-form-urlencoded", 0) == 0) {
    req.headers.erase("Content-Type");
    req.set_header("Content-Type", "application/json");
  }
  return std::nullopt;
}

std::optional<Refusal> CheckBodyFraming(httplib::Request& req, const RequestLimits& limits) {
  size_t lengths = req.get_header_value_count("Content-Length");
  bool chunked = req.has_header("Transfer-Encoding");
  if (lengths > 1) return Bad("More than one Content-Length header", "Content-Length");
  if (chunked) {
    if (lengths == 1) return Bad("Send either Content-Length or Transfer-Encoding, not both", "Transfer-Encoding");
    if (req.get_header_value_count("Transfer-Encoding") > 1 || req.get_header_value("Transfer-Encoding") != "chunked") {
      return Bad("Transfer-Encoding must be `chunked`", "Transfer-Encoding");
    }
    return std::nullopt;  // the library enforces max_body_bytes while reading chunks
  }
  if (lengths == 0) {
    req.set_header("Content-Length", "0");  // no framing: no body
    return std::nullopt;
  }
  const std::string v = req.get_header_value("Content-Length");
  auto length = ParseDecimal(v);
  if (!length) return Bad("Content-Length must be a decimal number of bytes", "Content-Length");
  if (*length > limits.max_body_bytes) {
    return Refusal{413, "Request body is larger than " + std::to_string(limits.max_body_bytes) + " bytes", "body"};
  }
  return std::nullopt;
}

std::optional<Refusal> CheckTarget(const httplib::Request& req, const RequestLimits& limits) {
  if (req.path.size() > limits.max_path_bytes) {
    return Refusal{414, "Request path is longer than " + std::to_string(limits.max_path_bytes) + " bytes", "path"};
  }
  if (auto bad = FirstInvalidUtf8(req.path)) return Bad("Invalid UTF-8 in the path" + ByteAt(*bad), "path");
  for (const auto& [key, value] : req.params) {
    if (auto bad = FirstInvalidUtf8(key)) return Bad("Invalid UTF-8 in a query parameter name" + ByteAt(*bad), "query");
    if (auto bad = FirstInvalidUtf8(value)) {
      return Bad("Invalid UTF-8 in query parameter `" + key + "`" + ByteAt(*bad), key);
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<Refusal> GuardRequest(httplib::Request& req, const std::string& raw_head, const RequestLimits& limits) {
  httplib::Headers headers;
  if (auto refusal = ParseRawHeaders(raw_head, headers)) return refusal;
  // Keep what the library learnt about the socket, and nothing it decoded.
  for (const char* name : {"REMOTE_ADDR", "REMOTE_PORT", "LOCAL_ADDR", "LOCAL_PORT"}) {
    if (req.has_header(name)) headers.emplace(name, req.get_header_value(name));
  }
  req.headers = std::move(headers);
  req.ranges.clear();
  if (auto refusal = CheckBodyFraming(req, limits)) return refusal;
  if (auto refusal = CheckContentType(req)) return refusal;
  return CheckTarget(req, limits);
}

}  // namespace sandbox::http
