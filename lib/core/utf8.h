// UTF-8 validity (issue 10): every byte string that enters the sandbox from
// outside (a request's path, query, headers and body; a fixture file) is
// checked before anything stores, renders or serialises it, because the
// JSON writer refuses invalid UTF-8 and a refusal deep inside a handler is a
// 500, or worse.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace sandbox {

// The offset of the first byte that does not belong to a well-formed UTF-8
// sequence (RFC 3629: no overlong forms, no surrogates, nothing past
// U+10FFFF), or nullopt when `text` is valid throughout.
std::optional<size_t> FirstInvalidUtf8(std::string_view text);

inline bool IsValidUtf8(std::string_view text) { return !FirstInvalidUtf8(text).has_value(); }

// `text` with every ill-formed byte replaced by U+FFFD: for echoing hostile
// input back inside an error message.
std::string ScrubUtf8(std::string_view text);

}  // namespace sandbox
