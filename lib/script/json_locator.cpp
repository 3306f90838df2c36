// Pointer-to-position scanner. Descends along the pointer one container at a
// time and skips sibling values with a bracket counter that is aware of
// strings, so there is no recursion and every byte is visited a bounded number
// of times. Every read is bounds-checked; any surprise ends the descent at the
// deepest value reached.
#include "script/json_locator.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace sandbox::script {
namespace {

using Offset = std::size_t;

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool IsValueStart(char c) {
  return c == '{' || c == '[' || c == '"' || c == '-' || (c >= '0' && c <= '9') || c == 't' || c == 'f' || c == 'n';
}

class Scanner {
 public:
  explicit Scanner(const std::string& text) : s_(text) {}

  Offset SkipSpace(Offset p) const {
    while (p < s_.size() && IsSpace(s_[p])) ++p;
    return p;
  }

  char At(Offset p) const { return p < s_.size() ? s_[p] : '\0'; }

  // `p` is at an opening quote. Returns the offset after the closing quote,
  // or nullopt when the string is unterminated. Appends the decoded UTF-8 to
  // `out` when given.
  std::optional<Offset> ReadString(Offset p, std::string* out) const {
    ++p;
    while (p < s_.size()) {
      char c = s_[p];
      if (c == '"') return p + 1;
      if (c != '\\') {
        if (out) out->push_back(c);
        ++p;
        continue;
      }
      if (p + 1 >= s_.size()) return std::nullopt;
      char e = s_[p + 1];
      p += 2;
      if (e == 'u') {
        auto cp = Hex4(p);
        if (!cp) {  // malformed escape: keep the text as written
          if (out) out->append("\\u");
          continue;
        }
        p += 4;
        uint32_t code = *cp;
        if (code >= 0xD800 && code <= 0xDBFF && At(p) == '\\' && At(p + 1) == 'u') {
          auto lo = Hex4(p + 2);
          if (lo && *lo >= 0xDC00 && *lo <= 0xDFFF) {
            code = 0x10000 + ((code - 0xD800) << 10) + (*lo - 0xDC00);
            p += 6;
          }
        }
        if (out) AppendUtf8(code, *out);
        continue;
      }
      if (!out) continue;
      switch (e) {
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'n':
          out->push_back('\n');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 't':
          out->push_back('\t');
          break;
        default:
          out->push_back(e);
          break;  // \" \\ \/ and anything unknown
      }
    }
    return std::nullopt;
  }

  // Returns the offset just past the value starting at `p` (a container is
  // skipped to its matching close, or to the end of the text).
  Offset SkipValue(Offset p) const {
    char c = At(p);
    if (c == '"') return ReadString(p, nullptr).value_or(s_.size());
    if (c == '{' || c == '[') {
      std::size_t depth = 0;
      while (p < s_.size()) {
        char d = s_[p];
        if (d == '"') {
          auto end = ReadString(p, nullptr);
          if (!end) return s_.size();
          p = *end;
          continue;
        }
        if (d == '{' || d == '[') ++depth;
        if ((d == '}' || d == ']') && --depth == 0) return p + 1;
        ++p;
      }
      return p;
    }
    while (p < s_.size() && !IsSpace(s_[p]) && s_[p] != ',' && s_[p] != '}' && s_[p] != ']' && s_[p] != ':') ++p;
    return p;
  }

  struct Member {
    Offset key;
    Offset value;
  };

  // `obj` is at '{'. Finds the first member named `name`.
  std::optional<Member> FindMember(Offset obj, const std::string& name) const {
    Offset p = SkipSpace(obj + 1);
    if (At(p) == '}') return std::nullopt;
    while (At(p) == '"') {
      Offset key = p;
      std::string decoded;
      auto after = ReadString(p, &decoded);
      if (!after) return std::nullopt;
      p = SkipSpace(*after);
      if (At(p) != ':') return std::nullopt;
      p = SkipSpace(p + 1);
      if (!IsValueStart(At(p))) return std::nullopt;
      if (decoded == name) return Member{key, p};
      p = SkipSpace(SkipValue(p));
      if (At(p) != ',') return std::nullopt;
      p = SkipSpace(p + 1);
    }
    return std::nullopt;
  }

  // `arr` is at '['. Finds the element at `index`.
  std::optional<Offset> FindElement(Offset arr, std::size_t index) const {
    Offset p = SkipSpace(arr + 1);
    for (std::size_t i = 0;; ++i) {
      if (!IsValueStart(At(p))) return std::nullopt;
      if (i == index) return p;
      p = SkipSpace(SkipValue(p));
      if (At(p) != ',') return std::nullopt;
      p = SkipSpace(p + 1);
    }
  }

 private:
  std::optional<uint32_t> Hex4(Offset p) const {
    if (p + 4 > s_.size()) return std::nullopt;
    uint32_t v = 0;
    for (Offset i = p; i < p + 4; ++i) {
      char c = s_[i];
      v <<= 4;
      if (c >= '0' && c <= '9')
        v |= static_cast<uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f')
        v |= static_cast<uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        v |= static_cast<uint32_t>(c - 'A' + 10);
      else
        return std::nullopt;
    }
    return v;
  }

  static void AppendUtf8(uint32_t cp, std::string& out) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  const std::string& s_;
};

std::vector<std::string> SplitPointer(const std::string& pointer) {
  std::vector<std::string> tokens;
  if (pointer.empty() || pointer == "/") return tokens;
  std::size_t i = pointer[0] == '/' ? 1 : 0;  // tolerate a missing leading '/'
  std::string token;
  for (; i <= pointer.size(); ++i) {
    if (i == pointer.size() || pointer[i] == '/') {
      tokens.push_back(token);
      token.clear();
    } else if (pointer[i] == '~' && i + 1 < pointer.size() && (pointer[i + 1] == '0' || pointer[i + 1] == '1')) {
      token.push_back(pointer[i + 1] == '0' ? '~' : '/');
      ++i;
    } else {
      token.push_back(pointer[i]);
    }
  }
  return tokens;
}

// RFC 6901 array index: "0" or digits without a leading zero.
std::optional<std::size_t> ParseIndex(const std::string& token) {
  if (token.empty() || token.size() > 9 || (token.size() > 1 && token[0] == '0')) return std::nullopt;
  std::size_t v = 0;
  for (char c : token) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::size_t>(c - '0');
  }
  return v;
}

}  // namespace

TextPosition PositionAt(const std::string& text, Offset offset) {
  TextPosition pos;
  Offset i = text.rfind("\xEF\xBB\xBF", 0) == 0 ? 3 : 0;  // a BOM takes no column
  for (; i < offset && i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\n' || (c == '\r' && (i + 1 >= text.size() || text[i + 1] != '\n'))) {
      ++pos.line;
      pos.column = 1;
    } else if (c != '\r' && (c & 0xC0) != 0x80) {
      ++pos.column;
    }
  }
  return pos;
}

TextPosition LocatePointer(const std::string& text, const std::string& pointer, bool key_position) {
  Scanner scan(text);
  Offset start = text.rfind("\xEF\xBB\xBF", 0) == 0 ? 3 : 0;
  Offset at = scan.SkipSpace(start);
  std::vector<std::string> tokens = SplitPointer(pointer);
  for (std::size_t t = 0; t < tokens.size(); ++t) {
    bool last = t + 1 == tokens.size();
    char c = scan.At(at);
    if (c == '{') {
      auto member = scan.FindMember(at, tokens[t]);
      if (!member) break;
      if (last && key_position) return PositionAt(text, member->key);
      at = member->value;
    } else if (c == '[') {
      auto index = ParseIndex(tokens[t]);
      auto element = index ? scan.FindElement(at, *index) : std::nullopt;
      if (!element) break;
      at = *element;
    } else {
      break;  // a scalar (or garbage) where a container was expected
    }
  }
  return PositionAt(text, at);
}

std::string FormatPosition(const std::string& file, TextPosition p) {
  return file + ":" + std::to_string(p.line) + ":" + std::to_string(p.column);
}

}  // namespace sandbox::script
