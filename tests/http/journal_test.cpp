// The request journal's ring, matching and verification (http/journal.h),
// with a fake wall clock: bounds, masking, filters, count expectations and
// the order of near misses.
#include <catch2/catch.hpp>

#include "http/journal.h"

namespace sandbox::http::http_journal_test {
namespace {

JournalEntry Entry(const std::string& method, const std::string& path, int status, const std::string& body = "") {
  JournalEntry e;
  e.method = method;
  e.path = path;
  e.status = status;
  e.body = body;
  e.body_bytes = body.size();
  return e;
}

struct FakeWall {
  int64_t now = 1767225600000;
  RequestJournal::WallClock fn() {
    return [this] { return now; };
  }
};

}  // namespace

TEST_CASE("journal: the ring keeps the newest entries, ids keep counting", "[http]") {
  FakeWall wall;
  RequestJournal j(3, wall.fn());
  for (int i = 0; i < 5; ++i) {
    wall.now += 10;
    CHECK(j.Record(Entry("GET", "/v1/agents", 200)) == static_cast<uint64_t>(i + 1));
  }
  auto page = j.List({}, 10, false);
  REQUIRE(page.entries.size() == 3);
  CHECK(page.entries[0].id == 3);
  CHECK(page.entries[0].at_ms == 1767225600030);
  CHECK(page.entries[2].id == 5);
  CHECK(j.List({}, 10, true).entries[0].id == 5);
  j.Complete(4, 12, 201, "reset (fault f_1)");
  j.Complete(1, 99, 500, "");  // has left the ring: nothing happens
  CHECK(j.List({}, 10, false).entries[1].latency_ms == 12);
  CHECK(j.List({}, 10, false).entries[1].status == 201);
  CHECK(j.List({}, 10, false).entries[1].fault == "reset (fault f_1)");
  j.Clear();
  CHECK(j.List({}, 10, false).total == 0);
  CHECK(j.Record(Entry("GET", "/", 200)) == 6);
}

TEST_CASE("journal: a journal of size 0 records nothing", "[http]") {
  FakeWall wall;
  RequestJournal j(0, wall.fn());
  CHECK_FALSE(j.enabled());
  CHECK(j.Record(Entry("GET", "/", 200)) == 0);
  CHECK(j.List({}, 10, false).total == 0);
}

TEST_CASE("journal: secrets keep only their ends, schemes stay readable", "[http]") {
  CHECK(IsSecretHeader("Authorization"));
  CHECK(IsSecretHeader("x-sandbox-admin-token"));
  CHECK(IsSecretHeader("X-Api-Key"));
  CHECK_FALSE(IsSecretHeader("Content-Type"));
  CHECK(MaskSecret("Bearer mk_test_journal1234") == "Bearer mk_t****1234");
  CHECK(MaskSecret("Bearer short") == "Bearer ****");
  CHECK(MaskSecret("abcdefghijklmnop") == "abcd****mnop");
}

TEST_CASE("journal: path patterns match one segment per star, any depth for two", "[http]") {
  CHECK(PathMatches("/v1/runs/*/resume", "/v1/runs/abc/resume"));
  CHECK_FALSE(PathMatches("/v1/runs/*/resume", "/v1/runs/a/b/resume"));
  CHECK_FALSE(PathMatches("/v1/runs/*", "/v1/runs/abc/resume"));
  CHECK(PathMatches("/v1/runs/**", "/v1/runs/abc/resume"));
  CHECK(PathMatches("/v1/runs", "/v1/runs"));
  CHECK_FALSE(PathMatches("/v1/runs", "/v1/runs/x"));
  CHECK(PathMatches("*", ""));
}

TEST_CASE("journal: bodies match by subset of objects, equality otherwise", "[http]") {
  Json actual = Json::parse(R"({"interrupt_id":"i1","input":{"approved":true,"note":"ok"},"tags":[1,2]})");
  CHECK(JsonContains(actual, Json::parse(R"({"interrupt_id":"i1"})")));
  CHECK(JsonContains(actual, Json::parse(R"({"input":{"approved":true}})")));
  CHECK_FALSE(JsonContains(actual, Json::parse(R"({"input":{"approved":false}})")));
  CHECK_FALSE(JsonContains(actual, Json::parse(R"({"tags":[1]})")));
  CHECK_FALSE(JsonContains(actual, Json::parse(R"({"missing":null})")));
}

TEST_CASE("journal: filters combine, and each names what it did not match", "[http]") {
  FakeWall wall;
  RequestJournal j(10, wall.fn());
  JournalEntry resume = Entry("POST", "/v1/runs/r1/resume", 200, R"({"interrupt_id":"i1"})");
  resume.run_id = "r1";
  resume.ns = "acct-1";
  resume.interaction = "resumed";
  resume.query = "include=steps&x=1";
  resume.headers = {{"Idempotency-Key", "k1"}};
  j.Record(resume);
  j.Record(Entry("GET", "/v1/nope", 404));

  JournalFilter f;
  f.status_class = 4;
  REQUIRE(j.List(f, 10, false).total == 1);
  CHECK(j.List(f, 10, false).entries[0].path == "/v1/nope");

  JournalFilter all;
  all.method = "post";
  all.path = "/v1/runs/*/resume";
  all.status = 200;
  all.ns = "acct-1";
  all.run_id = "r1";
  all.interaction = "resumed";
  all.query = {{"include", "steps"}};
  all.headers = {{"idempotency-key", "k1"}};
  all.body = Json::parse(R"({"interrupt_id":"i1"})");
  CHECK(j.List(all, 10, false).total == 1);

  JournalFilter wrong = all;
  wrong.method = "GET";
  wrong.body = Json::parse(R"({"interrupt_id":"i2"})");
  wrong.query = {{"include", "none"}};
  auto diffs = Differences(wrong, j.List({}, 10, false).entries[0]);
  REQUIRE(diffs.size() == 3);
  CHECK(diffs[0] == "method is POST, not GET");
  CHECK(diffs[1] == "query parameter `include` is not `none`");
  CHECK(diffs[2] == R"(body {"interrupt_id":"i1"} does not contain {"interrupt_id":"i2"})");
}

TEST_CASE("journal: verification counts matches and lists the nearest misses", "[http]") {
  FakeWall wall;
  RequestJournal j(10, wall.fn());
  j.Record(Entry("POST", "/v1/runs", 201));
  j.Record(Entry("POST", "/v1/runs/r1/resume", 409));
  j.Record(Entry("GET", "/v1/runs/r1", 200));
  j.Record(Entry("POST", "/v1/runs/r1/resume", 200));

  JournalFilter f;
  f.method = "POST";
  f.path = "/v1/runs/*/resume";
  f.status = 200;
  CountExpectation once;
  once.eq = 1;
  VerifyResult ok = j.Verify(f, once, 3);
  CHECK(ok.pass);
  CHECK(ok.count == 1);
  CHECK(ok.matched == std::vector<uint64_t>{4});
  CHECK(ok.near_misses.empty());

  CountExpectation twice;
  twice.gte = 2;
  VerifyResult miss = j.Verify(f, twice, 2);
  CHECK_FALSE(miss.pass);
  CHECK(twice.Describe() == "at least 2");
  REQUIRE(miss.near_misses.size() == 2);
  CHECK(miss.near_misses[0].first.id == 2);  // one difference: its status
  CHECK(miss.near_misses[0].second == std::vector<std::string>{"status is 409, not 200"});
  CHECK(miss.near_misses[1].first.id == 3);  // two differences, the most recent of those with two
  CHECK(miss.near_misses[1].second.size() == 2);

  CountExpectation none;
  none.eq = 0;
  CHECK_FALSE(j.Verify(f, none, 3).pass);
  CHECK(CountExpectation{}.Holds(1));
  CHECK_FALSE(CountExpectation{}.Holds(0));
}

}  // namespace sandbox::http::http_journal_test
