// Reading a Server-Sent Events body in tests that only care which frames
// arrived: the ids, in order.
#pragma once

#include <string>
#include <vector>

namespace sandbox::testing {

// The `id:` of each frame of `text` that has one, in order (keep-alive
// comments and frames without an id left out).
inline std::vector<std::string> FrameIds(const std::string& text) {
  std::vector<std::string> out;
  size_t pos = 0;
  for (size_t end; (end = text.find("\n\n", pos)) != std::string::npos; pos = end + 2) {
    std::string frame = text.substr(pos, end - pos);
    if (frame.rfind("id: ", 0) == 0) out.push_back(frame.substr(4, frame.find('\n') - 4));
  }
  return out;
}

}  // namespace sandbox::testing
