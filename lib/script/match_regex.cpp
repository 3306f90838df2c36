// RE2 for `matches` rules; see match_regex.h.
#include "script/match_regex.h"

#include <re2/re2.h>

#include "script/excerpt.h"
#include "script/limits.h"

namespace sandbox::script {
namespace {

// RE2 reports what it refused; say why when it is a feature RE2 leaves out on
// purpose, since the pattern may well be valid elsewhere. (For "(?<" RE2 only
// quotes those three characters, so the pattern tells which feature it was.)
std::string Hint(const re2::RE2& re, const std::string& pattern) {
  const std::string& arg = re.error_arg();
  if (re.error_code() == re2::RE2::ErrorBadEscape && arg.size() >= 2 && arg[1] >= '1' && arg[1] <= '9') {
    return " (RE2 has no backreferences)";
  }
  if (re.error_code() != re2::RE2::ErrorBadPerlOp) return "";
  if (arg.rfind("(?=", 0) == 0 || arg.rfind("(?!", 0) == 0 || pattern.find("(?<=") != std::string::npos ||
      pattern.find("(?<!") != std::string::npos) {
    return " (RE2 has no lookahead or lookbehind)";
  }
  if (arg.rfind("(?<", 0) == 0) return " (write a named group as (?P<name>...))";
  return "";
}

}  // namespace

Result<std::shared_ptr<const re2::RE2>> CompileMatchPattern(const std::string& pattern) {
  if (pattern.size() > limits::kMaxRegexBytes) {
    return Status::InvalidArgument("a regular expression longer than " + std::to_string(limits::kMaxRegexBytes) +
                                   " bytes");
  }
  re2::RE2::Options options;
  options.set_log_errors(false);  // the loader reports it; RE2 would also write to stderr
  options.set_max_mem(limits::kRegexMaxMemBytes);
  auto re = std::make_shared<const re2::RE2>(pattern, options);
  if (!re->ok()) {
    return Status::InvalidArgument("invalid regular expression (RE2 syntax): " + Excerpt(re->error()) +
                                   Hint(*re, pattern));
  }
  if (re->ProgramSize() > limits::kMaxRegexProgramSize) {
    return Status::InvalidArgument("regular expression too complex: it compiles to " +
                                   std::to_string(re->ProgramSize()) + " instructions, more than " +
                                   std::to_string(limits::kMaxRegexProgramSize) +
                                   " (large counted repetitions such as {1,500} cost the most)");
  }
  return std::shared_ptr<const re2::RE2>(std::move(re));
}

bool SearchMatch(const re2::RE2& re, std::string_view text) {
  if (text.size() > limits::kMaxMatchInputBytes) return false;
  return re2::RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), re);
}

}  // namespace sandbox::script
