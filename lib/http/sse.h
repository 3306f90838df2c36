// Server-Sent Events framing (the WHATWG "text/event-stream" format): one
// frame is optional id/event lines, a single-line data field, a blank line.
#pragma once

#include <string>

namespace sandbox::http {

// `data` must not contain a newline (compact JSON never does).
std::string SseFrame(const std::string& id, const std::string& event, const std::string& data);
// A comment line: ignored by clients, keeps idle connections and proxies alive.
std::string SseComment(const std::string& text);

}  // namespace sandbox::http
