// replay, export and import with the real binary (issue 5): a run exported
// from one sandbox and served by another, answered the same way, streams the
// same events, statuses, steps, artifacts and instants (ids differ); a run
// captured as GET ?include=steps JSON or as a saved stream imports to a
// fixture that runs the same step tree at the same instants.
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "support/sandbox_process.h"

namespace http_transfer_test {

using sandbox::testing::AuthHeaders;
using sandbox::testing::CliResult;
using sandbox::testing::RunCli;
using sandbox::testing::SandboxOptions;
using sandbox::testing::SandboxProcess;
using sandbox::testing::TempDir;
using Json = nlohmann::json;

namespace {

const std::string kBusiness = "8d1c4f0e-2b6a-4c1e-9f7d-3a5b6c7d8e9f";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

std::string Stream(const SandboxProcess& sb, const std::string& run_id) {
  auto client = sb.client();
  std::string body;
  client.Get(("/v1/runs/" + run_id + "/stream").c_str(), AuthHeaders(), [&](const char* d, size_t n) {
    body.append(d, n);
    return true;
  });
  return body;
}

// Creates a cip_orchestrator run, answers its interrupt with approve, and
// returns the run's id.
std::string RunAndApprove(const SandboxProcess& sb) {
  auto created = sb.Post("/v1/runs", Json{{"type", "cip_orchestrator"}, {"business_id", kBusiness}}.dump());
  REQUIRE_STATUS(created, 201);
  std::string id = created.json["id"];
  auto waiting = sb.Get("/v1/runs/" + id);
  REQUIRE(waiting.json["status"] == "interrupted");
  auto resumed =
      sb.Post("/v1/runs/" + id + "/resume",
              Json{{"interrupt_id", waiting.json["interrupts"][0]["id"]}, {"input", {{"decision", "approve"}}}}.dump());
  REQUIRE_STATUS(resumed, 200);
  REQUIRE(sb.Get("/v1/runs/" + id).json["status"] == "completed");
  return id;
}

CliResult Cli(const std::vector<std::string>& args) {
  CliResult r = RunCli(args);
  INFO(args[0] << ": " << r.err);
  REQUIRE_FALSE(r.timed_out);
  REQUIRE(r.exit_code == 0);
  return r;
}

// name, type, status, label, agent, started_at, completed_at, artifact titles, children.
Json StepShape(const Json& steps) {
  Json out = Json::array();
  for (const auto& s : steps) {
    Json titles = Json::array();
    for (const auto& a : s["artifacts"]) titles.push_back(a["title"]);
    out.push_back({s["name"], s["type"], s["status"], s["label"], s["agent"], s["started_at"], s["completed_at"],
                   titles, StepShape(s["steps"])});
  }
  return out;
}

// What a reproduction keeps of a stream, frame by frame: the event, its
// timestamp, and the run's status, instants, steps and output (never ids).
std::vector<Json> StreamShape(const std::string& sse) {
  std::vector<Json> out;
  size_t start = 0;
  while (start < sse.size()) {
    size_t end = sse.find("\n\n", start);
    if (end == std::string::npos) end = sse.size();
    std::string frame = sse.substr(start, end - start);
    start = end + 2;
    std::string event, data;
    std::istringstream lines(frame);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("event: ", 0) == 0) event = line.substr(7);
      if (line.rfind("data: ", 0) == 0) data = line.substr(6);
    }
    if (data.empty()) continue;
    Json d = Json::parse(data);
    Json shape = {event, d["timestamp"]};
    if (d.contains("snapshot")) {
      const Json& run = d["snapshot"];
      Json output = Json::array();
      if (run["output"].is_object()) {
        for (const auto& a : run["output"]["artifacts"]) output.push_back(a["title"]);
      }
      shape.push_back({run["status"], run["created_at"], run["updated_at"], run["started_at"], run["ended_at"],
                       run["interrupts"].size(), output, StepShape(run["steps"])});
    }
    if (d.contains("status")) shape.push_back(d["status"]);
    out.push_back(shape);
  }
  return out;
}

}  // namespace

TEST_CASE("an exported run, served by a new sandbox and answered the same way, streams the same run", "[http]") {
  TempDir dir;
  std::string first_id;
  std::string live_stream;
  {
    SandboxProcess a(SandboxOptions{.db = dir.File("a.db")});
    first_id = RunAndApprove(a);
    live_stream = Stream(a, first_id);
    a.Stop();
  }
  // replay prints exactly what the stream sent.
  CliResult first = Cli({"replay", "--db", dir.File("a.db"), "--run", first_id});
  CHECK(first.out == live_stream);
  CHECK(first.out.rfind("id: 1\nevent: RUN_STARTED\n", 0) == 0);

  const std::string exported = dir.File("exported.json");
  CliResult wrote = Cli({"export", "--db", dir.File("a.db"), "--run", first_id, "--out", exported});
  CHECK(wrote.out.find(exported + ": exported run " + first_id) == 0);
  // Without --out the same document goes to stdout.
  CHECK(Cli({"export", "--db", dir.File("a.db"), "--run", first_id}).out == ReadFile(exported));
  CliResult valid = Cli({"validate", exported});
  CHECK(valid.out == exported + ": ok (1 agents, 1 scenarios)\n");
  Json doc = Json::parse(ReadFile(exported));
  CHECK(doc["agents"][0]["type"] == "cip_orchestrator");
  CHECK(doc["agents"][0]["scenarios"][0]["name"] == "exported_" + first_id.substr(0, 8));

  std::string second_id;
  {
    SandboxProcess b(SandboxOptions{.db = dir.File("b.db"), .fixtures = exported});
    second_id = RunAndApprove(b);
    b.Stop();
  }
  CliResult second = Cli({"replay", "--db", dir.File("b.db"), "--run", second_id});
  auto a = StreamShape(first.out), b = StreamShape(second.out);
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    INFO("frame " << i + 1);
    CHECK(b[i] == a[i]);
  }
  CHECK(a.back()[0] == "RUN_FINISHED");
}

TEST_CASE("replay of a run waiting for an answer prints what its live stream sent, the ending included", "[http]") {
  TempDir dir;
  std::string id, live;
  {
    SandboxProcess a(SandboxOptions{.db = dir.File("a.db")});
    auto created = a.Post("/v1/runs", Json{{"type", "cip_orchestrator"}, {"business_id", kBusiness}}.dump());
    REQUIRE_STATUS(created, 201);
    id = created.json["id"];
    live = Stream(a, id);  // returns: the stream ends while the run waits
    a.Stop();
  }
  CHECK(Cli({"replay", "--db", dir.File("a.db"), "--run", id}).out == live);
  const size_t last = live.rfind("event: RUN_FINISHED\n");
  REQUIRE(last != std::string::npos);
  CHECK(live.find("\"outcome\":{\"type\":\"interrupt\"", last) != std::string::npos);
}

TEST_CASE("a run captured as JSON or as a saved stream imports to a fixture that runs the same steps", "[http]") {
  TempDir dir;
  Json original;
  {
    SandboxProcess a(SandboxOptions{.db = dir.File("a.db")});
    std::string id = RunAndApprove(a);
    auto got = a.Get("/v1/runs/" + id + "?include=steps");
    REQUIRE_STATUS(got, 200);
    original = got.json;
    dir.WriteFile("run.json", got.body);
    dir.WriteFile("run.sse", Stream(a, id));
    a.Stop();
  }
  const std::string imported = dir.File("imported.json");
  Cli({"import", dir.File("run.json"), "--out", imported});
  Cli({"validate", imported});
  // The stream's last snapshot is the same run: the same fixture, byte for byte.
  CliResult from_stream = Cli({"import", dir.File("run.sse")});
  CHECK(from_stream.out == ReadFile(imported));
  Json doc = Json::parse(ReadFile(imported));
  CHECK(doc["agents"][0]["scenarios"][0]["name"] == "imported_" + original["id"].get<std::string>().substr(0, 8));

  Json again;
  {
    SandboxProcess c(SandboxOptions{.db = dir.File("c.db"), .fixtures = imported});
    std::string id = RunAndApprove(c);
    again = c.Get("/v1/runs/" + id + "?include=steps").json;
    c.Stop();
  }
  CHECK(StepShape(again["steps"]) == StepShape(original["steps"]));
  for (const char* k : {"status", "created_at", "updated_at", "started_at", "ended_at"}) {
    INFO(k);
    CHECK(again[k] == original[k]);
  }
  Json titles_a = Json::array(), titles_b = Json::array();
  for (const auto& x : original["output"]["artifacts"]) titles_a.push_back(x["title"]);
  for (const auto& x : again["output"]["artifacts"]) titles_b.push_back(x["title"]);
  CHECK(titles_b == titles_a);

  // --agent renames the agent.
  Json renamed = Json::parse(Cli({"import", dir.File("run.json"), "--agent", "cip_copy"}).out);
  CHECK(renamed["agents"][0]["type"] == "cip_copy");
}

TEST_CASE("replay, export and import refuse what they cannot read, in one line", "[http]") {
  TempDir dir;
  {
    SandboxProcess a(SandboxOptions{.db = dir.File("a.db")});  // leaves an empty database behind
    a.Stop();
  }
  struct Case {
    std::vector<std::string> args;
    int code;
    std::string message;
  };
  const std::string missing = dir.File("missing.db");
  const std::vector<Case> cases = {
      {{"replay", "--db", missing, "--run", "r"}, 1, "agent-sandbox: no database at " + missing + "\n"},
      {{"replay", "--db", dir.File("a.db"), "--run", "nope"},
       1,
       "agent-sandbox: no run nope in " + dir.File("a.db") + "\n"},
      {{"export", "--db", dir.File("a.db"), "--run", "nope"},
       1,
       "agent-sandbox: no run nope in " + dir.File("a.db") + "\n"},
      {{"import", dir.WriteFile("text.txt", "hello\n")},
       1,
       "agent-sandbox: " + dir.File("text.txt") + ": not JSON, nor an event stream (no \"data:\" lines)\n"},
      {{"import", dir.WriteFile("thread.json", R"({"object":"thread","id":"t","status":"running"})")},
       1,
       "agent-sandbox: " + dir.File("thread.json") +
           ": not a run: its \"object\" is \"thread\"; expected the body of GET /v1/runs/{id}?include=steps\n"},
      {{"import", dir.WriteFile("started.sse", "event: RUN_STARTED\ndata: {\"type\":\"RUN_STARTED\"}\n\n")},
       1,
       "agent-sandbox: " + dir.File("started.sse") + ": no STATE_SNAPSHOT in the stream\n"},
      {{"import", dir.File("nothing.json")},
       1,
       "agent-sandbox: cannot read " + dir.File("nothing.json") + ": no such file\n"},
      {{"replay", "--db", dir.File("a.db")}, 2, "agent-sandbox: replay needs --run ID\n"},
      {{"export", "--run", "r", "--bogus"}, 2, "agent-sandbox: unknown option --bogus for export (see --help)\n"},
      {{"import"},
       2,
       "agent-sandbox: import needs a file: the JSON of GET /v1/runs/{id}?include=steps, or a saved stream\n"},
  };
  for (const auto& c : cases) {
    INFO(c.args[0] << " " << c.args.back());
    CliResult r = RunCli(c.args);
    REQUIRE_FALSE(r.timed_out);
    CHECK(r.exit_code == c.code);
    CHECK(r.err == c.message);
    CHECK(r.out.empty());
  }
}

}  // namespace http_transfer_test
