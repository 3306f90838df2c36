// Excerpts of fixture text for messages; see excerpt.h.
#include "script/excerpt.h"

#include "core/utf8.h"

namespace sandbox::script {

std::string_view Utf8Prefix(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t cut = max_bytes;
  // Back up over continuation bytes (10xxxxxx) to the start of a sequence;
  // at most 3 of them belong to one character.
  for (int k = 0; k < 3 && cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80; ++k) --cut;
  return text.substr(0, cut);
}

std::string Printable(std::string_view text) {
  std::string clean = ScrubUtf8(text);
  std::string out;
  out.reserve(clean.size());
  for (char c : clean) {
    unsigned char b = static_cast<unsigned char>(c);
    if (b >= 0x20 && b != 0x7F) {
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else {
      const char* hex = "0123456789abcdef";
      out += "\\u00";
      out.push_back(hex[b >> 4]);
      out.push_back(hex[b & 0xF]);
    }
  }
  return out;
}

std::string Excerpt(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return Printable(text);
  return Printable(Utf8Prefix(text, max_bytes)) + "...";
}

std::string ExcerptJson(const Json& value, size_t max_bytes) {
  return Excerpt(value.dump(-1, ' ', false, Json::error_handler_t::replace), max_bytes);
}

std::string ExcerptList(const std::vector<std::string>& words, size_t max_items) {
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    if (i == max_items) return out + ", ...";
    out += (out.empty() ? "" : ", ") + Excerpt(words[i]);
  }
  return out;
}

}  // namespace sandbox::script
