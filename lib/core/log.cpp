// The log; see log.h.
#include "core/log.h"

namespace sandbox {
namespace {

std::string Dumped(const Json& v) { return v.dump(-1, ' ', false, Json::error_handler_t::replace); }

std::string TextValue(const Json& v) {
  if (!v.is_string()) return Dumped(v);
  const std::string& s = v.get_ref<const std::string&>();
  for (unsigned char c : s) {
    if (c <= ' ' || c == '"' || c == '=' || c == 0x7f) return Dumped(v);
  }
  return s.empty() ? "\"\"" : s;
}

}  // namespace

const char* LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kError:
      return "error";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kDebug:
      return "debug";
  }
  return "info";
}

std::string Logger::Format(LogLevel level, std::string_view message, const Fields& fields) const {
  if (format_ == LogFormat::kJson) {
    Json line{{"level", LogLevelName(level)}, {"msg", std::string(message)}};
    for (const auto& [key, value] : fields) line[key] = value;
    return Dumped(line);
  }
  std::string line(message);
  for (const auto& [key, value] : fields) line += " " + key + "=" + TextValue(value);
  return line;
}

void Logger::Log(LogLevel level, std::string_view message, const Fields& fields) const {
  if (!Enabled(level)) return;
  std::string line = Format(level, message, fields);
  line.push_back('\n');
  std::fwrite(line.data(), 1, line.size(), sink_);
  std::fflush(sink_);
}

}  // namespace sandbox
