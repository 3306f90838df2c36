// libFuzzer target: Last-Event-ID, as both dialects' streams read it, through
// the whole sandbox: a Middesk AG-UI stream, and a Modus runtime stream and
// long-poll, of runs that exist (created through the API before fuzzing),
// each asked to resume after the fuzzer's cursor.
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "dialects/modus/runtime_frames.h"
#include "fuzz_app.h"

namespace {

const char* kKey = "Bearer mk_test_fuzz";
const char* kOrg = "11111111-2222-4333-8444-555555555555";
const std::string kPat = std::string("Bearer modus_") + kOrg + "_fz_s1";

std::string Post(const std::string& target, const std::string& auth, const std::string& body) {
  return "POST " + target + " HTTP/1.1\r\nAuthorization: " + auth + "\r\nAccept: application/json\r\n" +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// The `field` of the JSON body of an HTTP answer.
std::string FieldOf(const std::string& answer, const char* field) {
  auto body = nlohmann::json::parse(answer.substr(answer.find("\r\n\r\n") + 4), nullptr, false);
  if (!body.is_object() || !body.contains(field)) __builtin_trap();  // the set-up itself failed
  return body[field];
}

struct Runs {
  std::string middesk;
  std::string modus;
};

// One finished run per dialect. Set-up answers may take long on a loaded
// machine under the sanitizers (the first request starts everything up):
// their exchanges wait up to 30 s, where a fuzzed one waits 300 ms.
constexpr int64_t kSetUpMs = 30000;

const Runs& Targets() {
  static const Runs runs = [] {
    Runs r;
    r.middesk = FieldOf(sandbox::fuzz::Exchange(Post("/v1/runs", kKey,
                                                     R"({"type":"address_verification",)"
                                                     R"("business_id":"8d1c4f0e-2b6a-4c1e-9f7d-3a5b6c7d8e9f"})"),
                                                kSetUpMs),
                        "id");
    r.modus = FieldOf(sandbox::fuzz::Exchange(Post("/agent/runs", kPat,
                                                   std::string(R"({"message":"hi","sessionId":"s1",)") +
                                                       R"("organizationId":")" + kOrg + "\"}"),
                                              kSetUpMs),
                      "runId");
    return r;
  }();
  return runs;
}

std::string Get(const std::string& target, const std::string& auth, const std::string& cursor) {
  return "GET " + target + " HTTP/1.1\r\nAuthorization: " + auth + "\r\nLast-Event-ID: " + cursor + "\r\n\r\n";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string cursor(reinterpret_cast<const char*>(data), size);
  (void)sandbox::modus::ParseRuntimeCursor(cursor);
  const Runs& runs = Targets();
  (void)sandbox::fuzz::Exchange(Get("/v1/runs/" + runs.middesk + "/stream", kKey, cursor));
  (void)sandbox::fuzz::Exchange(Get("/agent/runs/" + runs.modus + "/stream", kPat, cursor));
  (void)sandbox::fuzz::Exchange(Get("/agent/runs/" + runs.modus + "/events?waitMs=0", kPat, cursor));
  return 0;
}
