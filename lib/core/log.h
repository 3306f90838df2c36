// The sandbox's log: one line per event, at a level, as text or as JSON
// (--log-level, --log-format), written to a sink the caller hands in. Lines
// never carry secrets: callers pass what identifies (a namespace, a run id,
// a webhook id), never keys, tokens, headers or URLs a user may have put a
// credential in.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/types.h"

namespace sandbox {

enum class LogLevel { kError, kWarn, kInfo, kDebug };
enum class LogFormat { kText, kJson };

const char* LogLevelName(LogLevel level);

class Logger {
 public:
  using Fields = std::vector<std::pair<std::string, Json>>;

  // Writes nothing.
  Logger() = default;
  Logger(LogLevel level, LogFormat format, std::FILE* sink) : level_(level), format_(format), sink_(sink) {}

  bool Enabled(LogLevel level) const { return sink_ && level <= level_; }
  LogFormat format() const { return format_; }

  // Text: `message key=value ...` (a string value quoted as JSON when it
  // holds a space, a quote, '=' or a control character). JSON: one object,
  // {"level", "msg", then the fields in order}. One write per line, so
  // lines from several threads never interleave.
  void Log(LogLevel level, std::string_view message, const Fields& fields = {}) const;
  // The line Log writes, without its newline.
  std::string Format(LogLevel level, std::string_view message, const Fields& fields) const;

 private:
  LogLevel level_ = LogLevel::kError;
  LogFormat format_ = LogFormat::kText;
  std::FILE* sink_ = nullptr;
};

}  // namespace sandbox
