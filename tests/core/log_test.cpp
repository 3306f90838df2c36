// The log's two formats: what a text line and a JSON line hold, and how a
// value that would break a text line is quoted.
#include <catch2/catch.hpp>

#include "core/log.h"

namespace core_log_test {

using namespace sandbox;

TEST_CASE("a log line in text quotes only the values that need it, in JSON it is one object", "[core]") {
  const Logger::Fields fields{{"method", "GET"},       {"path", "/v1/runs"},   {"status", 200},
                              {"note", "two words"},   {"eq", "a=b"},          {"empty", ""},
                              {"quote", "say \"hi\""}, {"list", Json{1, "x"}}, {"none", nullptr}};
  const Logger text(LogLevel::kInfo, LogFormat::kText, nullptr);
  CHECK(text.Format(LogLevel::kInfo, "request", fields) ==
        "request method=GET path=/v1/runs status=200 note=\"two words\" eq=\"a=b\" empty=\"\" "
        "quote=\"say \\\"hi\\\"\" list=[1,\"x\"] none=null");
  const Logger json(LogLevel::kInfo, LogFormat::kJson, nullptr);
  CHECK(json.Format(LogLevel::kWarn, "request", {{"status", 502}, {"bad", std::string("\xff")}}) ==
        "{\"level\":\"warn\",\"msg\":\"request\",\"status\":502,\"bad\":\"\xEF\xBF\xBD\"}");
}

TEST_CASE("a logger writes the levels up to its own, and nothing without a sink", "[core]") {
  CHECK_FALSE(Logger().Enabled(LogLevel::kError));
  const Logger warn(LogLevel::kWarn, LogFormat::kText, stderr);
  CHECK(warn.Enabled(LogLevel::kError));
  CHECK(warn.Enabled(LogLevel::kWarn));
  CHECK_FALSE(warn.Enabled(LogLevel::kInfo));
  CHECK_FALSE(warn.Enabled(LogLevel::kDebug));
}

}  // namespace core_log_test
