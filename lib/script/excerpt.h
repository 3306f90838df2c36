// Echoing fixture text inside a message (issue 10). A message quotes what it
// refused ("got \"soon\"", "unknown variable \"x\""), and a hostile file can
// hold a 64 KiB name or bytes that are not UTF-8; messages end up in JSON
// (GET /_sandbox/fixtures), whose writer refuses invalid UTF-8, and on a
// terminal. So every echo goes through here: valid UTF-8, bounded length.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/types.h"
#include "script/limits.h"

namespace sandbox::script {

// The longest prefix of `text` of at most `max_bytes` bytes that does not
// end inside a UTF-8 sequence (for valid UTF-8; other bytes count as one).
std::string_view Utf8Prefix(std::string_view text, size_t max_bytes);

// `text` made fit for a one-line message: ill-formed UTF-8 replaced by
// U+FFFD and control characters written as JSON escapes (\n, \u0000), so
// that a message is always one line of valid UTF-8. No length limit: for
// names the message must show whole (a file name, a JSON pointer).
std::string Printable(std::string_view text);

// Printable(text) of at most `max_bytes` bytes of `text` (cut at a character
// boundary), ending with "..." when it was cut.
std::string Excerpt(std::string_view text, size_t max_bytes = limits::kMaxEchoBytes);

// A JSON value as compact JSON, excerpted the same way. Never throws.
std::string ExcerptJson(const Json& value, size_t max_bytes = limits::kMaxEchoBytes);

// "a, b, c": each word excerpted, at most `max_items` of them, then ", ...".
std::string ExcerptList(const std::vector<std::string>& words, size_t max_items = 20);

}  // namespace sandbox::script
