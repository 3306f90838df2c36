// ErrorShapes; see error_shapes.h.
#include "http/error_shapes.h"

namespace sandbox::http {

const ErrorWriter& ErrorShapes::For(const std::string& path) const {
  for (const auto& shape : shapes_) {
    if (path.rfind(shape.path_prefix, 0) == 0) return shape.write;
  }
  return fallback_;
}

std::string PathOfRawHead(const std::string& head) {
  size_t start = head.find(' ');
  if (start == std::string::npos) return {};
  ++start;
  size_t end = head.find_first_of(" ?\r\n", start);
  return head.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

}  // namespace sandbox::http
