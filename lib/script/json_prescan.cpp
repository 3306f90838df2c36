// PrescanJson; see json_prescan.h. A stack of open containers (at most
// kMaxJsonDepth of them, since deeper is the first thing reported) records,
// for each, where inside it the scan is: the current key of an object, the
// current index of an array. That is all a pointer needs.
#include "script/json_prescan.h"

#include <cmath>
#include <cstdlib>
#include <vector>

#include "core/utf8.h"
#include "script/excerpt.h"
#include "script/limits.h"

namespace sandbox::script {
namespace {

struct Level {
  bool object = false;
  bool at_value = false;  // object: after the ':' of the current member
  size_t members = 0;     // object: keys seen
  size_t index = 0;       // array: the current element
  std::string key;        // object: the current member's key, decoded
};

std::string PointerToken(const std::string& key) {
  std::string out;
  for (char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Appends the UTF-8 form of `cp`; a lone surrogate becomes U+FFFD (the
// parser refuses it anyway, but a message must stay valid UTF-8).
void AppendCodePoint(uint32_t cp, std::string& out) {
  if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;
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

size_t Utf8Length(uint32_t cp) { return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4; }

bool IsNumberByte(char c) { return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'; }

class Scan {
 public:
  explicit Scan(std::string_view text) : s_(text) {}

  std::optional<PrescanProblem> Run() {
    // Only the well-formed prefix is scanned: a problem in it comes first in
    // text order; if there is none, the invalid byte is the problem.
    const auto bad = FirstInvalidUtf8(s_);
    end_ = bad.value_or(s_.size());
    for (size_t p = 0; p < end_ && !problem_;) p = Step(p);
    if (problem_) return problem_;
    if (bad) {
      std::string what =
          "invalid UTF-8 (byte 0x" + Hex(static_cast<unsigned char>(s_[*bad])) + "); fixture files must be UTF-8";
      return PrescanProblem{*bad, Pointer(in_key_), what};
    }
    return std::nullopt;
  }

 private:
  static std::string Hex(unsigned char b) {
    const char* digits = "0123456789ABCDEF";
    return {digits[b >> 4], digits[b & 0xF]};
  }

  // The pointer of the value the scan is in; `container_only` leaves out the
  // last level's member (for a key that is being read, say).
  std::string Pointer(bool container_only = false) const {
    std::string out;
    for (size_t i = 0; i < stack_.size(); ++i) {
      const Level& l = stack_[i];
      bool last = i + 1 == stack_.size();
      if (l.object) {
        if (last && (container_only || !l.at_value)) break;
        out += '/';
        out += PointerToken(l.key);
      } else {
        if (last && container_only) break;
        out += '/';
        out += std::to_string(l.index);
      }
    }
    return out;
  }

  void Fail(size_t offset, std::string pointer, std::string message) {
    problem_ = PrescanProblem{offset, std::move(pointer), std::move(message)};
  }

  // Handles the token at `p` and returns the offset after it.
  size_t Step(size_t p) {
    char c = s_[p];
    switch (c) {
      case '{':
      case '[':
        if (stack_.size() >= static_cast<size_t>(limits::kMaxJsonDepth)) {
          Fail(p, Pointer(),
               "arrays and objects nested more than " + std::to_string(limits::kMaxJsonDepth) + " levels deep");
          return p + 1;
        }
        stack_.push_back(Level{c == '{', false, 0, 0, {}});
        return p + 1;
      case '}':
      case ']':
        if (!stack_.empty()) stack_.pop_back();
        return p + 1;
      case ',':
        if (!stack_.empty()) {
          if (stack_.back().object)
            stack_.back().at_value = false;
          else
            ++stack_.back().index;
        }
        return p + 1;
      case ':':
        if (!stack_.empty() && stack_.back().object) stack_.back().at_value = true;
        return p + 1;
      case '"':
        return String(p);
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return Number(p);
        return p + 1;
    }
  }

  // `p` is at an opening quote; returns the offset after the closing one.
  size_t String(size_t p) {
    const bool key = !stack_.empty() && stack_.back().object && !stack_.back().at_value;
    const size_t limit = key ? limits::kMaxKeyBytes : limits::kMaxStringBytes;
    Level* level = key ? &stack_.back() : nullptr;
    if (level) {
      level->key.clear();
      if (++level->members > limits::kMaxObjectMembers) {
        Fail(p, Pointer(true), "an object with more than " + std::to_string(limits::kMaxObjectMembers) + " members");
        return p + 1;
      }
    }
    in_key_ = key;
    const size_t start = p;
    size_t length = 0;  // decoded bytes
    ++p;
    while (p < end_) {
      char c = s_[p];
      if (c == '"') {
        in_key_ = false;
        return p + 1;
      }
      uint32_t cp = static_cast<unsigned char>(c);
      size_t width = 1;
      if (c == '\\' && p + 1 < end_) {
        char e = s_[p + 1];
        p += 2;
        if (e == 'u') {
          cp = Hex4(p);
          if (cp != kNoHex) {
            p += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF && p + 6 <= end_ && s_[p] == '\\' && s_[p + 1] == 'u') {
              uint32_t lo = Hex4(p + 2);
              if (lo >= 0xDC00 && lo <= 0xDFFF) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                p += 6;
              }
            }
          } else {
            cp = 0xFFFD;  // malformed: the parser will say so
          }
        } else {
          cp = static_cast<unsigned char>(e == 'n'   ? '\n'
                                          : e == 't' ? '\t'
                                          : e == 'r' ? '\r'
                                          : e == 'b' ? '\b'
                                          : e == 'f' ? '\f'
                                                     : e);
        }
        width = Utf8Length(cp);
        if (level && level->key.size() <= limit) AppendCodePoint(cp, level->key);
      } else {
        if (level && level->key.size() <= limit) level->key.push_back(c);
        ++p;
      }
      length += width;
      if (length > limit) {
        if (key) {
          level->key.clear();
          Fail(start, Pointer(true), "a key longer than " + std::to_string(limit) + " bytes");
        } else {
          Fail(start, Pointer(), "a string longer than " + std::to_string(limit) + " bytes");
        }
        return p;
      }
    }
    return p;  // unterminated (or cut by invalid UTF-8): in_key_ stays for the message
  }

  size_t Number(size_t p) {
    size_t start = p;
    while (p < end_ && IsNumberByte(s_[p])) ++p;
    std::string token(s_.substr(start, p - start));
    char* stop = nullptr;
    double v = std::strtod(token.c_str(), &stop);
    if (stop != token.c_str() && !std::isfinite(v)) {
      Fail(start, Pointer(), "number out of range: " + Excerpt(token));
    }
    return p;
  }

  static constexpr uint32_t kNoHex = 0xFFFFFFFF;
  uint32_t Hex4(size_t p) const {
    if (p + 4 > end_) return kNoHex;
    uint32_t v = 0;
    for (size_t i = p; i < p + 4; ++i) {
      int d = HexDigit(s_[i]);
      if (d < 0) return kNoHex;
      v = (v << 4) | static_cast<uint32_t>(d);
    }
    return v;
  }

  std::string_view s_;
  size_t end_ = 0;
  std::vector<Level> stack_;
  bool in_key_ = false;
  std::optional<PrescanProblem> problem_;
};

}  // namespace

std::optional<PrescanProblem> PrescanJson(std::string_view text) { return Scan(text).Run(); }

}  // namespace sandbox::script
