// Fault rules (issue 13, http/faults.h): which requests a rule's scope
// covers, how a count is spent, and that a seeded probability makes the same
// choices for the same requests. The faults as clients see them are in
// faults_http_test.cpp.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "http/faults.h"

namespace http_faults_test {

using sandbox::Fault;
using sandbox::FaultKind;
using sandbox::FaultPhase;
using sandbox::FaultRandom;
using sandbox::http::FaultRegistry;
using sandbox::FaultRequest;
using sandbox::FaultRule;
using sandbox::FaultScopeMatches;

namespace {

FaultRule Status503() {
  FaultRule r;
  r.kind = FaultKind::kStatus;
  r.status = 503;
  return r;
}

// "x" for each request that drew a fault, "." for each that did not.
std::string Pattern(FaultRegistry& reg, const FaultRequest& req, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += reg.Match(req, FaultPhase::kRequest) ? "x" : ".";
  return out;
}

}  // namespace

TEST_CASE("faults: a rule's scope covers namespace, method and path", "[http]") {
  struct Case {
    const char* what;
    std::optional<std::string> ns;
    std::string method, path;
    FaultRequest req;
    bool matches;
  };
  const std::vector<Case> cases = {
      {"no scope: everything", std::nullopt, "", "", {"GET", "/v1/runs", ""}, true},
      {"no namespace scope: any header", std::nullopt, "", "", {"GET", "/v1/runs", "ci-7"}, true},
      {"namespace scope: same header", "ci-7", "", "", {"GET", "/v1/runs", "ci-7"}, true},
      {"namespace scope: other header", "ci-7", "", "", {"GET", "/v1/runs", "ci-8"}, false},
      {"namespace scope: no header", "ci-7", "", "", {"GET", "/v1/runs", ""}, false},
      {"empty namespace scope: no header only", "", "", "", {"GET", "/v1/runs", ""}, true},
      {"empty namespace scope: a header", "", "", "", {"GET", "/v1/runs", "ci-7"}, false},
      {"method, any case", std::nullopt, "post", "", {"POST", "/v1/runs", ""}, true},
      {"other method", std::nullopt, "POST", "", {"GET", "/v1/runs", ""}, false},
      {"* is one segment", std::nullopt, "", "/v1/runs/*", {"GET", "/v1/runs/r1", ""}, true},
      {"* is not two", std::nullopt, "", "/v1/runs/*", {"GET", "/v1/runs/r1/stream", ""}, false},
      {"** is any", std::nullopt, "", "/v1/**", {"GET", "/v1/runs/r1/stream", ""}, true},
      {"exact path", std::nullopt, "", "/v1/runs", {"POST", "/v1/runs", ""}, true},
      {"never the faults API", std::nullopt, "", "", {"GET", "/_sandbox/faults", ""}, false},
      {"never a fault rule", std::nullopt, "", "/_sandbox/**", {"DELETE", "/_sandbox/faults/f_1", ""}, false},
      {"other control routes", std::nullopt, "", "/_sandbox/**", {"GET", "/_sandbox/faultsx", ""}, true},
  };
  for (const auto& c : cases) {
    FaultRule r = Status503();
    r.ns = c.ns;
    r.method = c.method;
    r.path = c.path;
    INFO(c.what);
    CHECK(FaultScopeMatches(r, c.req) == c.matches);
  }
}

TEST_CASE("faults: a count rule fires on the next N matching requests, then is spent", "[http]") {
  FaultRegistry reg;
  FaultRule r = Status503();
  r.path = "/v1/**";
  r.count = 2;
  auto added = reg.Add(r);
  REQUIRE(added);
  CHECK(added->id == "f_1");
  CHECK(Pattern(reg, {"GET", "/api/v1/agents", ""}, 2) == "..");  // out of scope: not counted
  CHECK(Pattern(reg, {"GET", "/v1/runs", ""}, 4) == "xx..");
  auto listed = reg.List();
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].fired == 2);
  CHECK(listed[0].matched == 2);  // a spent rule no longer looks
  CHECK_FALSE(reg.Any(FaultPhase::kStream));
  CHECK(reg.Remove("f_1"));
  CHECK_FALSE(reg.Remove("f_1"));
  CHECK_FALSE(reg.Any(FaultPhase::kRequest));
}

TEST_CASE("faults: rules apply in the order added, one per phase", "[http]") {
  FaultRegistry reg;
  FaultRule first = Status503();
  first.count = 1;
  FaultRule second = Status503();
  second.status = 500;
  FaultRule stream;
  stream.kind = FaultKind::kDropAfter;
  stream.frames = 2;
  REQUIRE(reg.Add(first));
  REQUIRE(reg.Add(second));
  REQUIRE(reg.Add(stream));
  FaultRequest req{"GET", "/v1/runs/r1/stream", ""};
  CHECK(reg.Match(req, FaultPhase::kRequest)->Describe() == "status 503 (fault f_1)");
  CHECK(reg.Match(req, FaultPhase::kRequest)->Describe() == "status 500 (fault f_2)");
  CHECK(reg.Match(req, FaultPhase::kStream)->Describe() == "drop_after 2 frames (fault f_3)");
  CHECK(reg.Clear() == 3);
  CHECK_FALSE(reg.Match(req, FaultPhase::kRequest));
}

TEST_CASE("faults: a seeded probability makes the same choices for the same requests", "[http]") {
  auto run = [](uint64_t seed, double p) {
    FaultRegistry reg;
    FaultRule r = Status503();
    r.probability = p;
    r.seed = seed;
    REQUIRE(reg.Add(r));
    return Pattern(reg, {"GET", "/v1/runs", ""}, 64);
  };
  std::string a = run(42, 0.5);
  CHECK(a == run(42, 0.5));
  CHECK(a != run(43, 0.5));
  size_t fired = std::count(a.begin(), a.end(), 'x');
  CHECK(fired > 16);  // about half of 64
  CHECK(fired < 48);
  CHECK(run(42, 0.0) == std::string(64, '.'));
  CHECK(run(42, 1.0) == std::string(64, 'x'));
}

TEST_CASE("faults: a random latency is drawn from the rule's seed, within its bounds", "[http]") {
  auto draws = [](uint64_t seed) {
    FaultRegistry reg;
    FaultRule r;
    r.kind = FaultKind::kLatency;
    r.min_ms = 10;
    r.max_ms = 20;
    r.seed = seed;
    REQUIRE(reg.Add(r));
    std::vector<int64_t> out;
    for (int i = 0; i < 32; ++i) out.push_back(reg.Match({"GET", "/", ""}, FaultPhase::kRequest)->ms);
    return out;
  };
  auto a = draws(7);
  CHECK(a == draws(7));
  for (int64_t ms : a) {
    CHECK(ms >= 10);
    CHECK(ms <= 20);
  }
  FaultRandom r(0);
  CHECK(r.Next() == 0xe220a8397b1dcdafULL);  // splitmix64's published first output for seed 0
}

TEST_CASE("faults: a latency wait ends at once when the registry stops", "[http]") {
  FaultRegistry reg;
  reg.Stop();
  CHECK_FALSE(reg.Delay(60000, nullptr));
  FaultRegistry other;
  CHECK(other.Delay(1, nullptr));
  CHECK_FALSE(other.Delay(60000, [] { return true; }));  // the client left
}

}  // namespace http_faults_test
