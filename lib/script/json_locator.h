// Maps a JSON pointer back to a line and column in the original fixture text,
// so validation errors can say "file:LINE:COL". Owns a small standalone
// scanner (not nlohmann's parser): it never throws, never recurses, runs in
// time linear in the text, and on malformed or truncated text returns the best
// position found so far.
#pragma once

#include <cstddef>
#include <string>

namespace sandbox::script {

// 1-based. Columns count UTF-8 code points (a tab is 1). A line ends at "\n",
// "\r\n" or a lone "\r".
struct TextPosition {
  int line = 1;
  int column = 1;
};

// Where the value at `pointer` (RFC 6901; "" and "/" both mean the root,
// "~0" and "~1" are unescaped) begins in `text`. Pointer tokens are compared
// with decoded member names, so keys written with escapes match. When the
// pointer goes past the document (missing key, index out of range, a scalar
// in the way), returns the deepest existing value on the path. When
// `key_position` is true and the last token names an existing object member,
// returns the member's key (its opening quote) instead. With duplicate keys
// the first occurrence is used.
TextPosition LocatePointer(const std::string& text, const std::string& pointer, bool key_position = false);

// The position of byte `offset` of `text` (the end of the text when past it).
// Linear in `offset`.
TextPosition PositionAt(const std::string& text, std::size_t offset);

// "file:LINE:COL".
std::string FormatPosition(const std::string& file, TextPosition p);

}  // namespace sandbox::script
