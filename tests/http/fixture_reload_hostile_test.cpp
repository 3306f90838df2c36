// Hostile edits of a running server's fixtures (issue 10). The real binary
// serves a temporary copy of fixtures/ with a 50 ms watcher; one fixture is
// rewritten with each hostile content of tests/script/hostile_fixtures.h
// (1e400, 100,000 levels of nesting, a 100,000-character regex, steps nested
// 20,000 deep, invalid UTF-8, a truncated file, an empty file). After each,
// the server is alive, still serves runs of the agent whose file was broken
// with its previous scenario, and reports exactly the expected line in the
// reload's answer, in GET /_sandbox/fixtures and on stderr.
//
// Files are replaced atomically (written beside, then renamed over), so the
// watcher never reads half a file; reloads run one at a time, so whether the
// watcher or the explicit reload reads an edit first, the outcome asserted
// is the same. Nothing sleeps to wait: the explicit reload is synchronous,
// and the one wait for the watcher polls a condition with a bound.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "script/hostile_fixtures.h"
#include "support/sandbox_process.h"

namespace http_fixture_reload_hostile_test {

namespace {

using sandbox::testing::HttpResponse;
using sandbox::testing::SandboxOptions;
using sandbox::testing::SandboxProcess;
using sandbox::testing::TempDir;
using Json = nlohmann::json;
namespace fs = std::filesystem;

constexpr const char* kBusiness = "8d1c4f0e-2b6a-4c1e-9f7d-3a5b6c7d8e9f";
constexpr const char* kVictim = "address_verification.json";

void WriteAtomically(const TempDir& dir, const std::string& name, const std::string& content) {
  const std::string tmp = dir.WriteFile("." + name + ".tmp", content);
  REQUIRE(std::rename(tmp.c_str(), dir.File(name).c_str()) == 0);
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

// A copy of the repository's fixtures in `dir`.
void CopyFixtures(const TempDir& dir) {
  for (const auto& entry : fs::directory_iterator(FIXTURES_DIR)) {
    if (entry.path().extension() == ".json") dir.WriteFile(entry.path().filename().string(), ReadFile(entry.path()));
  }
}

std::vector<std::string> AgentTypes(const SandboxProcess& sb) {
  HttpResponse r = sb.Get("/v1/agents");
  REQUIRE_STATUS(r, 200);
  std::vector<std::string> types;
  for (const auto& a : r.json.at("data")) types.push_back(a.at("type"));
  return types;
}

std::vector<std::string> Messages(const Json& report) {
  std::vector<std::string> out;
  if (!report.contains("errors")) return out;
  for (const auto& e : report.at("errors")) out.push_back(e.at("message"));
  return out;
}

// The server still runs the broken file's agent with its previous script:
// the shipped address_verification scenario, which runs to the end at once
// in virtual time.
void ServesTheVictimAsBefore(const SandboxProcess& sb) {
  CHECK_STATUS(sb.Get("/_sandbox/health"), 200);
  HttpResponse created = sb.Post("/v1/runs", Json{{"type", "address_verification"}, {"business_id", kBusiness}}.dump());
  REQUIRE_STATUS(created, 201);
  HttpResponse run = sb.Get("/v1/runs/" + created.json.at("id").get<std::string>() + "?include=steps");
  REQUIRE_STATUS(run, 200);
  CHECK(run.json.at("status") == "completed");
  REQUIRE_FALSE(run.json.at("steps").empty());
  CHECK(run.json.at("steps")[0].at("name") == "collect_addresses");
}

}  // namespace

TEST_CASE("every hostile edit of a watched fixture is reported and the previous fixtures stay in force", "[http]") {
  TempDir dir;
  CopyFixtures(dir);
  const std::string original = ReadFile(dir.File(kVictim));
  SandboxProcess sb(SandboxOptions{.args = {"--watch-ms", "50"}, .fixtures = dir.path()});
  const std::vector<std::string> types = AgentTypes(sb);
  REQUIRE(types.size() == 5);

  for (const auto& h : sandbox::testing::AllHostileFixtures()) {
    INFO(h.name);
    WriteAtomically(dir, kVictim, h.text);
    const std::string expected = sandbox::testing::ExpectedFor(h, dir.File(kVictim));

    HttpResponse reload = sb.Post("/_sandbox/fixtures/reload", "");
    REQUIRE_STATUS(reload, 422);
    CHECK(reload.json.at("ok") == false);
    CHECK(reload.json.at("agents") == 5);
    CHECK(Messages(reload.json) == std::vector<std::string>{expected});

    HttpResponse status = sb.Get("/_sandbox/fixtures");
    REQUIRE_STATUS(status, 200);
    CHECK(status.json.at("ok") == false);
    CHECK(Messages(status.json) == std::vector<std::string>{expected});
    CHECK(sb.Stderr().find(expected) != std::string::npos);

    CHECK(AgentTypes(sb) == types);
    ServesTheVictimAsBefore(sb);
  }

  // The watcher alone reports an edit too: wait (bounded) until it has.
  const auto h = sandbox::testing::NumberOutOfRange();
  WriteAtomically(dir, kVictim, original);
  REQUIRE_STATUS(sb.Post("/_sandbox/fixtures/reload", ""), 200);
  const int64_t generation = sb.Get("/_sandbox/fixtures").json.at("generation");
  WriteAtomically(dir, kVictim, h.text);
  const std::string expected = sandbox::testing::ExpectedFor(h, dir.File(kVictim));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  HttpResponse status = sb.Get("/_sandbox/fixtures");
  while (Messages(status.json) != std::vector<std::string>{expected} && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // between polls, not instead of one
    status = sb.Get("/_sandbox/fixtures");
  }
  CHECK(Messages(status.json) == std::vector<std::string>{expected});
  CHECK(status.json.at("generation") == generation);
  ServesTheVictimAsBefore(sb);

  // Repaired: applied again.
  WriteAtomically(dir, kVictim, original);
  HttpResponse fixed = sb.Post("/_sandbox/fixtures/reload", "");
  REQUIRE_STATUS(fixed, 200);
  CHECK(fixed.json.at("ok") == true);
  CHECK(fixed.json.at("generation").get<int64_t>() > generation);
  CHECK(AgentTypes(sb) == types);
  CHECK(sb.Stop() == 0);
}

TEST_CASE("a fixture file whose name is not UTF-8 is reported in valid JSON", "[http]") {
  TempDir dir;
  CopyFixtures(dir);
  SandboxProcess sb(SandboxOptions{.args = {"--watch-ms", "50"}, .fixtures = dir.path()});
  dir.WriteFile("bad\xFF.json", "");
  HttpResponse reload = sb.Post("/_sandbox/fixtures/reload", "");
  REQUIRE_STATUS(reload, 422);
  CHECK(Messages(reload.json) ==
        std::vector<std::string>{dir.path() +
                                 "/bad\xEF\xBF\xBD.json:1:1: syntax error while parsing value - unexpected end "
                                 "of input; expected '[', '{', or a literal"});
  HttpResponse status = sb.Get("/_sandbox/fixtures");
  REQUIRE_STATUS(status, 200);
  CHECK(Messages(status.json) == Messages(reload.json));
  ServesTheVictimAsBefore(sb);
  fs::remove(dir.File("bad\xFF.json"));
  CHECK_STATUS(sb.Post("/_sandbox/fixtures/reload", ""), 200);
}

TEST_CASE("a fixture folder whose path is not UTF-8 is shown with U+FFFD in GET /_sandbox/fixtures", "[http]") {
  TempDir dir;
  const std::string folder = dir.File("fixtures\xFF");
  fs::create_directory(folder);
  for (const auto& entry : fs::directory_iterator(FIXTURES_DIR)) {
    if (entry.path().extension() != ".json") continue;
    std::ofstream(fs::path(folder) / entry.path().filename(), std::ios::binary) << ReadFile(entry.path());
  }
  SandboxProcess sb(SandboxOptions{.args = {"--watch-ms", "50"}, .fixtures = folder});
  HttpResponse status = sb.Get("/_sandbox/fixtures");
  REQUIRE_STATUS(status, 200);
  CHECK(status.json.at("path") == dir.File("fixtures\xEF\xBF\xBD"));
  // A failed reload names the file the same way.
  std::ofstream(fs::path(folder) / "zz.json") << "[";
  HttpResponse reload = sb.Post("/_sandbox/fixtures/reload", "");
  REQUIRE_STATUS(reload, 422);
  CHECK(Messages(reload.json) ==
        std::vector<std::string>{dir.File("fixtures\xEF\xBF\xBD") +
                                 "/zz.json:1:2: syntax error while parsing value - unexpected end of input; expected "
                                 "'[', '{', or a literal"});
  CHECK_STATUS(sb.Get("/_sandbox/fixtures"), 200);
}

}  // namespace http_fixture_reload_hostile_test
