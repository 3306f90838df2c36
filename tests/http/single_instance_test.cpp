// One server per database (issue 10, part 6). Measured before the fix: a
// second server on the same file started, and its writes failed with 500
// `UNIQUE constraint failed`. Now the second one exits at once with status 1
// and one line naming the first, which keeps serving; a SIGKILLed server
// leaves no stale lock; replay and export still read beside a server.
#include <catch2/catch.hpp>

#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "support/sandbox_process.h"

namespace http_single_instance_test {

using sandbox::testing::CliResult;
using sandbox::testing::RunCli;
using sandbox::testing::SandboxOptions;
using sandbox::testing::SandboxProcess;
using sandbox::testing::TempDir;
using Json = nlohmann::json;

namespace {

const std::string kCreate =
    Json{{"type", "cip_orchestrator"}, {"business_id", "8d1c4f0e-2b6a-4c1e-9f7d-3a5b6c7d8e9f"}}.dump();

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The pid the server holding `db`'s lock wrote beside it, checked to be a
// child of this test process (so the test only ever signals its own child).
pid_t LockHolder(const std::string& db) {
  std::string text = ReadFile(db + ".lock");
  REQUIRE_FALSE(text.empty());
  pid_t pid = static_cast<pid_t>(std::stol(text));
  std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  // pid (comm) state ppid ...; comm may hold spaces, so read after the last ')'.
  std::istringstream rest(stat.substr(stat.rfind(')') + 1));
  std::string state;
  pid_t ppid = 0;
  rest >> state >> ppid;
  REQUIRE(ppid == ::getpid());
  return pid;
}

std::vector<std::string> ServeArgs(const std::string& db) {
  return {"--port", "0", "--db", db, "--fixtures", FIXTURES_DIR};
}

}  // namespace

TEST_CASE("issue 10: a second server on the same database exits at once, naming the first", "[http]") {
  TempDir dir;
  const std::string db = dir.File("x.db");
  SandboxProcess first(SandboxOptions{.db = db});
  REQUIRE_STATUS(first.Post("/v1/runs", kCreate), 201);
  const pid_t holder = LockHolder(db);

  CliResult second = RunCli(ServeArgs(db));
  REQUIRE_FALSE(second.timed_out);
  CHECK(second.exit_code == 1);
  CHECK(second.out.empty());
  CHECK(second.err == "agent-sandbox: database " + db + " is in use by another agent-sandbox process (pid " +
                          std::to_string(holder) + ")\n");
  // Another spelling of the same file is the same database.
  CliResult third = RunCli(ServeArgs(dir.path() + "/./x.db"));
  CHECK(third.exit_code == 1);

  // The first one never noticed.
  CHECK_STATUS(first.Get("/_sandbox/health", {}), 200);
  REQUIRE_STATUS(first.Post("/v1/runs", kCreate), 201);
  CHECK(first.Get("/v1/runs").json["total_count"] == 2);
}

TEST_CASE("issue 10: after a server is killed, a new one starts on the same database", "[http]") {
  TempDir dir;
  const std::string db = dir.File("x.db");
  std::string id;
  {
    SandboxProcess first(SandboxOptions{.db = db});
    auto created = first.Post("/v1/runs", kCreate);
    REQUIRE_STATUS(created, 201);
    id = created.json["id"];
    REQUIRE(::kill(LockHolder(db), SIGKILL) == 0);
    CHECK(first.Stop() == 128 + SIGKILL);
  }
  // The kernel released the lock with the process; the file stays behind.
  SandboxProcess second(SandboxOptions{.db = db});
  CHECK_STATUS(second.Get("/v1/runs/" + id), 200);
  REQUIRE_STATUS(second.Post("/v1/runs", kCreate), 201);
}

TEST_CASE("issue 10: in-memory servers take no lock", "[http]") {
  SandboxProcess a(SandboxOptions{.db = ":memory:"});
  SandboxProcess b(SandboxOptions{.db = ":memory:"});
  CHECK_STATUS(a.Get("/_sandbox/health", {}), 200);
  CHECK_STATUS(b.Get("/_sandbox/health", {}), 200);
}

TEST_CASE("issue 10: replay and export read a database while its server runs", "[http]") {
  TempDir dir;
  const std::string db = dir.File("x.db");
  SandboxProcess sb(SandboxOptions{.db = db});
  auto created = sb.Post("/v1/runs", kCreate);
  REQUIRE_STATUS(created, 201);
  std::string id = created.json["id"];
  auto waiting = sb.Get("/v1/runs/" + id);
  REQUIRE_STATUS(sb.Post("/v1/runs/" + id + "/resume",
                         Json{{"interrupt_id", waiting.json["interrupts"][0]["id"]}, {"input", "approve"}}.dump()),
                 200);

  CliResult replay = RunCli({"replay", "--db", db, "--run", id});
  INFO(replay.err);
  CHECK(replay.exit_code == 0);
  CHECK_FALSE(replay.out.empty());
  CliResult exported = RunCli({"export", "--db", db, "--run", id});
  INFO(exported.err);
  CHECK(exported.exit_code == 0);
  CHECK(Json::parse(exported.out, nullptr, false).contains("agents"));

  // The server writes on as before.
  CHECK_STATUS(sb.Get("/_sandbox/health", {}), 200);
  CHECK_STATUS(sb.Post("/v1/runs", kCreate), 201);
}

}  // namespace http_single_instance_test
