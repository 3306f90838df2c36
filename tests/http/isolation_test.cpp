// Issue 10: isolation between callers. Each Middesk API key is its own
// account, as in the real API: another key's runs, threads, actions and
// webhooks are 404s. --same-account and --shared-account join keys on
// purpose, each environment (mk_live_, mk_test_) apart. Namespaces live inside an account or organisation and never reach
// another's data. The control API needs --admin-token when one is set, and
// the server refuses to listen beyond loopback without one.
#include <catch2/catch.hpp>

#include "support/raw_client.h"
#include "support/sandbox_process.h"

namespace http_isolation_test {

using namespace sandbox::testing;
using Json = nlohmann::json;

namespace {

constexpr const char* kBusiness = "8d1c4f0e-2b6a-4c1e-9f7d-3a5b6c7d8e9f";
const std::string kRunBody = std::string(R"({"type":"cip_orchestrator","business_id":")") + kBusiness + "\"}";

httplib::Headers Key(const std::string& key, const std::string& ns = "") {
  httplib::Headers h = AuthHeaders(key);
  if (!ns.empty()) h.emplace("X-Sandbox-Namespace", ns);
  return h;
}

// What key A owns after a run, an answered interrupt (via an action) and a webhook.
struct Owned {
  std::string run, thread, interrupt, webhook;
};

Owned CreateAsA(SandboxProcess& sb) {
  Owned o;
  HttpResponse run = sb.Post("/v1/runs", kRunBody, Key("mk_test_a"));
  REQUIRE_STATUS(run, 201);
  o.run = run.json["id"];
  o.thread = run.json["thread_id"];
  HttpResponse got = sb.Get("/v1/runs/" + o.run, Key("mk_test_a"));
  o.interrupt = got.json["interrupts"][0]["id"];
  HttpResponse hook =
      sb.Post("/v1/webhooks", R"({"url":"http://127.0.0.1:9/x","enabled_events":["run.created"]})", Key("mk_test_a"));
  REQUIRE_STATUS(hook, 201);
  o.webhook = hook.json["id"];
  return o;
}

}  // namespace

TEST_CASE("another key's runs, threads and webhooks are 404s, and its lists are empty", "[http][isolation]") {
  SandboxProcess sb;
  Owned a = CreateAsA(sb);
  const httplib::Headers b = Key("mk_test_b");
  CHECK_STATUS(sb.Get("/v1/runs/" + a.run, b), 404);
  CHECK_STATUS(sb.Get("/v1/runs/" + a.run + "/stream", b), 404);
  CHECK_STATUS(sb.Get("/v1/threads/" + a.thread, b), 404);
  CHECK_STATUS(sb.Get("/v1/webhooks/" + a.webhook, b), 404);
  CHECK_STATUS(sb.Post("/v1/runs/" + a.run + "/resume",
                       R"({"interrupt_id":")" + a.interrupt + R"(","input":{"decision":"approve"}})", b),
               404);
  auto c = sb.client();
  auto deleted = c.Delete("/v1/webhooks/" + a.webhook, b);
  REQUIRE(deleted);
  CHECK(deleted->status == 404);
  CHECK(sb.Get("/v1/runs", b).json["total_count"] == 0);
  CHECK(sb.Get("/v1/threads", b).json["total_count"] == 0);
  CHECK(sb.Get("/v1/webhooks", b).json["data"].empty());
  // A's own view is untouched.
  CHECK(sb.Get("/v1/runs/" + a.run, Key("mk_test_a")).json["status"] == "interrupted");
  CHECK(sb.Get("/v1/webhooks/" + a.webhook, Key("mk_test_a")).status == 200);
}

TEST_CASE("another key's actions are 404s, and it cannot answer the run's interrupt through one", "[http][isolation]") {
  SandboxProcess sb;
  Owned a = CreateAsA(sb);
  const std::string action = std::string(R"({"object_type":"businesses","object_id":")") + kBusiness +
                             R"(","type":"decision","payload":{"status":"approved"},"run_id":")" + a.run + "\"}";
  CHECK_STATUS(sb.Post("/v1/actions", action, Key("mk_test_b")), 404);
  CHECK(sb.Get("/v1/runs/" + a.run, Key("mk_test_a")).json["status"] == "interrupted");
  HttpResponse taken = sb.Post("/v1/actions", action, Key("mk_test_a"));
  REQUIRE_STATUS(taken, 201);
  const std::string query = std::string("?object_type=businesses&object_id=") + kBusiness;
  CHECK_STATUS(sb.Get("/v1/actions/" + taken.json["id"].get<std::string>() + query, Key("mk_test_b")), 404);
  CHECK(sb.Get("/v1/actions" + query, Key("mk_test_b")).json["data"].empty());
  CHECK(sb.Get("/v1/actions" + query, Key("mk_test_a")).json["data"].size() == 1);
}

TEST_CASE("the flag --same-account joins keys into one account, --shared-account joins them all", "[http][isolation]") {
  {
    SandboxProcess sb(SandboxOptions{.args = {"--same-account", "mk_test_a,mk_test_b"}});
    Owned a = CreateAsA(sb);
    HttpResponse seen = sb.Get("/v1/runs/" + a.run, Key("mk_test_b"));
    CHECK_STATUS(seen, 200);
    // Keys of one account are one requester.
    CHECK(seen.json["requester"] == sb.Post("/v1/runs", kRunBody, Key("mk_test_b")).json["requester"]);
    CHECK_STATUS(sb.Get("/v1/runs/" + a.run, Key("mk_test_c")), 404);
  }
  {
    SandboxProcess sb(SandboxOptions{.args = {"--shared-account"}});
    Owned a = CreateAsA(sb);
    CHECK_STATUS(sb.Get("/v1/runs/" + a.run, Key("mk_test_c")), 200);
  }
}

TEST_CASE("live and test keys of one account are two environments that never share data", "[http][isolation]") {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--same-account", "mk_test_a,mk_live_a"}, std::vector<std::string>{"--shared-account"}}) {
    INFO(args[0]);
    SandboxProcess sb(SandboxOptions{.args = args});
    HttpResponse test_run = sb.Post("/v1/runs", kRunBody, Key("mk_test_a"));
    REQUIRE_STATUS(test_run, 201);
    const std::string id = test_run.json["id"];
    CHECK_STATUS(sb.Get("/v1/runs/" + id, Key("mk_live_a")), 404);
    CHECK(sb.Get("/v1/runs", Key("mk_live_a")).json["total_count"] == 0);
    HttpResponse live_run = sb.Post("/v1/runs", kRunBody, Key("mk_live_a"));
    REQUIRE_STATUS(live_run, 201);
    CHECK_STATUS(sb.Get("/v1/runs/" + live_run.json["id"].get<std::string>(), Key("mk_test_a")), 404);
    CHECK(sb.Get("/v1/runs", Key("mk_test_a")).json["total_count"] == 1);
    CHECK(sb.Get("/v1/runs", Key("mk_live_a")).json["total_count"] == 1);
    // Still one account: the same requester in both environments
    // (--shared-account keeps a requester per key).
    if (args[0] == "--same-account") CHECK(live_run.json["requester"] == test_run.json["requester"]);
  }
  // Within one environment, --same-account still joins keys (and the
  // account's first key decides nothing for keys of its own environment).
  SandboxProcess sb(SandboxOptions{.args = {"--same-account", "mk_live_x,mk_live_y,mk_test_x"}});
  HttpResponse run = sb.Post("/v1/runs", kRunBody, Key("mk_live_y"));
  REQUIRE_STATUS(run, 201);
  CHECK_STATUS(sb.Get("/v1/runs/" + run.json["id"].get<std::string>(), Key("mk_live_x")), 200);
  CHECK_STATUS(sb.Get("/v1/runs/" + run.json["id"].get<std::string>(), Key("mk_test_x")), 404);
}

TEST_CASE("a namespace lives inside its account and cannot name another tenant", "[http][isolation]") {
  SandboxProcess sb;
  HttpResponse run = sb.Post("/v1/runs", kRunBody, Key("mk_test_a", "ci-1"));
  REQUIRE_STATUS(run, 201);
  const std::string id = run.json["id"];
  CHECK_STATUS(sb.Get("/v1/runs/" + id, Key("mk_test_a", "ci-1")), 200);
  CHECK_STATUS(sb.Get("/v1/runs/" + id, Key("mk_test_a")), 404);
  CHECK_STATUS(sb.Get("/v1/runs/" + id, Key("mk_test_b", "ci-1")), 404);
  // The same name in two accounts is two namespaces: ids do not collide.
  HttpResponse other = sb.Post("/v1/runs", kRunBody, Key("mk_test_b", "ci-1"));
  REQUIRE_STATUS(other, 201);
  CHECK(other.json["id"] != id);
  // No header can reach an organisation's or another account's namespace.
  for (const std::string& ns :
       std::vector<std::string>{"org-11111111-2222-4333-8444-555555555555", "acct-" + std::string(36, 'a'), "a/b"}) {
    INFO(ns);
    HttpResponse refused = sb.Get("/v1/runs", Key("mk_test_a", ns));
    CHECK_STATUS(refused, 400);
    CHECK(refused.json["errors"][0]["parameter"] == "X-Sandbox-Namespace");
  }
  // Modus tokens of two organisations see two histories, each in its own namespaces.
  const httplib::Headers org1 = {{"Authorization", "Bearer modus_11111111-2222-4333-8444-555555555555_a_s1"}};
  httplib::Headers org1_ci = org1;
  org1_ci.emplace("X-Sandbox-Namespace", "ci");
  const httplib::Headers org2 = {{"Authorization", "Bearer modus_99999999-2222-4333-8444-555555555555_a_s1"}};
  REQUIRE_STATUS(sb.Post("/_sandbox/modus/agents/202/runs", "{}", org1_ci), 201);
  CHECK(sb.Get("/api/v1/agents/202/runs", org1_ci).json["runs"].size() == 1);
  CHECK(sb.Get("/api/v1/agents/202/runs", org1).json["runs"].empty());
  CHECK(sb.Get("/api/v1/agents/202/runs", org2).json["runs"].empty());
}

TEST_CASE("the control API addresses the caller's namespace when given its key", "[http][isolation]") {
  SandboxProcess sb(SandboxOptions{.args = {"--clock", "manual"}});
  REQUIRE_STATUS(sb.Post("/v1/runs", kRunBody, Key("mk_test_a")), 201);
  HttpResponse advanced = sb.Post("/_sandbox/clock/advance", R"({"by":"1h"})", Key("mk_test_a"));
  REQUIRE_STATUS(advanced, 200);
  CHECK(advanced.json["now"] == "2026-01-01T01:00:00.000Z");
  CHECK(sb.Get("/_sandbox/clock", Key("mk_test_b")).json["now"] == "2026-01-01T00:00:00.000Z");
  // Resetting B's account leaves A's runs alone.
  REQUIRE_STATUS(sb.Post("/_sandbox/reset", "", Key("mk_test_b", "")), 200);
  CHECK(sb.Get("/v1/runs", Key("mk_test_a")).json["total_count"] == 1);
}

TEST_CASE("with --admin-token the control API needs the token, the vendor APIs do not", "[http][isolation]") {
  SandboxProcess sb(SandboxOptions{.args = {"--admin-token", "s3cret-token"}});
  HttpResponse none = sb.Get("/_sandbox/health", {});
  CHECK_STATUS(none, 401);
  CHECK(none.json["errors"][0]["parameter"] == "X-Sandbox-Admin-Token");
  CHECK_STATUS(sb.Get("/_sandbox/health", {{"X-Sandbox-Admin-Token", "wrong-token"}}), 403);
  CHECK_STATUS(sb.Get("/_sandbox/health", {{"X-Sandbox-Admin-Token", "s3cret-token"}}), 200);
  // The Modus trigger extension lives under /_sandbox/ too, in its dialect's shape.
  HttpResponse modus = sb.Post("/_sandbox/modus/agents/202/runs", "{}",
                               {{"Authorization", "Bearer modus_11111111-2222-4333-8444-555555555555_a_s1"}});
  CHECK_STATUS(modus, 401);
  CHECK(modus.json["error"]["field"] == "X-Sandbox-Admin-Token");
  CHECK_STATUS(sb.Get("/v1/agents"), 200);
  // A browser opens the dashboard once with the token in the URL: it gets a
  // cookie and is sent on to the address without the token.
  RawResponse opened = RawExchange(sb.port(), "GET /_sandbox/?admin_token=s3cret-token HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(opened.status == 303);
  CHECK(opened.Header("Location") == "/_sandbox/");
  CHECK(opened.Header("Set-Cookie") == "sandbox_admin_token=s3cret-token; Path=/_sandbox; HttpOnly; SameSite=Strict");
  RawResponse page =
      RawExchange(sb.port(), "GET /_sandbox/ HTTP/1.1\r\nHost: x\r\nCookie: sandbox_admin_token=s3cret-token\r\n\r\n");
  CHECK(page.status == 200);
}

TEST_CASE("listening beyond loopback needs --admin-token, and warns without --api-key", "[http][isolation]") {
  CliResult refused =
      RunCli({"serve", "--host", "0.0.0.0", "--port", "0", "--db", ":memory:", "--fixtures", FIXTURES_DIR});
  CHECK(refused.exit_code == 1);
  CHECK_THAT(refused.err, Catch::Contains("pass --admin-token TOKEN"));
  SandboxProcess open(SandboxOptions{.args = {"--host", "0.0.0.0", "--admin-token", "s3cret-token"}});
  CHECK_THAT(open.Stderr(), Catch::Contains("WARNING: listening on 0.0.0.0 without --api-key"));
}

TEST_CASE("namespaces past --max-namespaces are refused with a 503, those in use go on", "[http][isolation]") {
  // The default namespace and key A's account are two; "ci" makes three.
  SandboxProcess sb(SandboxOptions{.args = {"--max-namespaces", "3"}});
  REQUIRE_STATUS(sb.Post("/v1/runs", kRunBody, Key("mk_test_a")), 201);
  REQUIRE_STATUS(sb.Post("/v1/runs", kRunBody, Key("mk_test_a", "ci")), 201);
  HttpResponse refused = sb.Post("/v1/runs", kRunBody, Key("mk_test_a", "ci-2"));
  CHECK_STATUS(refused, 503);
  CHECK(
      refused.body ==
      R"({"errors":[{"message":"the sandbox already serves 3 namespaces; start it with a larger --max-namespaces"}]})");
  HttpResponse modus =
      sb.Get("/api/v1/agents/202/runs", {{"Authorization", "Bearer modus_11111111-2222-4333-8444-555555555555_a_s1"}});
  CHECK_STATUS(modus, 503);
  CHECK(modus.json["error"]["message"] ==
        "the sandbox already serves 3 namespaces; start it with a larger --max-namespaces");
  CHECK(sb.Get("/v1/runs", Key("mk_test_a", "ci")).json["total_count"] == 1);
  CHECK_STATUS(sb.Get("/_sandbox/health", {}), 200);
}

}  // namespace http_isolation_test
