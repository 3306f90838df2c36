// SSE framing; see sse.h.
#include "http/sse.h"

namespace sandbox::http {

std::string SseFrame(const std::string& id, const std::string& event, const std::string& data) {
  std::string out;
  if (!id.empty()) out += "id: " + id + "\n";
  if (!event.empty()) out += "event: " + event + "\n";
  out += "data: " + data + "\n\n";
  return out;
}

std::string SseComment(const std::string& text) { return ": " + text + "\n\n"; }

}  // namespace sandbox::http
