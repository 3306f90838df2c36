// SandboxApp; see sandbox_app.h. The order of the members in Parts is the
// order of construction, and so the reverse of destruction: the server and
// the background threads go before the namespaces they use, and those before
// the store.
#include "app/sandbox_app.h"

#include <sys/resource.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <iostream>

#include "control/fixtures.h"
#include "control/routes.h"
#include "core/clock.h"
#include "core/ids.h"
#include "core/utf8.h"
#include "dialects/frame_file.h"
#include "dialects/middesk/errors.h"
#include "dialects/middesk/render.h"
#include "dialects/middesk/request.h"
#include "dialects/middesk/routes.h"
#include "dialects/middesk/webhook_events.h"
#include "dialects/modus/errors.h"
#include "dialects/modus/render.h"
#include "dialects/modus/request.h"
#include "dialects/modus/routes.h"
#include "http/auth.h"
#include "http/rate_limit.h"
#include "http/strict.h"
#include "script/loader.h"
#include "store/store.h"
#include "webhooks/dispatcher.h"
#include "webhooks/signature.h"

namespace sandbox::app {

DescriptorShares ShareDescriptors(uint64_t limit, uint64_t wanted_connections) {
  constexpr uint64_t kKept = 256;  // the database, the listener, logs: ample
  if (limit < wanted_connections + kKept) return {limit > kKept + 16 ? limit - kKept : 16, 0};
  const uint64_t spare = limit - kKept - wanted_connections;
  return {wanted_connections,
          static_cast<int>(std::min<uint64_t>(spare, static_cast<uint64_t>(dialects::FrameFile::kMaxLiveFiles)))};
}

namespace {

// Every connection is a descriptor: take the hard limit, and share it out
// (ShareDescriptors).
uint64_t RaiseDescriptorLimit(uint64_t wanted_connections) {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return wanted_connections;
  if (rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    getrlimit(RLIMIT_NOFILE, &rl);
  }
  const DescriptorShares shares =
      ShareDescriptors(rl.rlim_cur == RLIM_INFINITY ? UINT64_MAX : rl.rlim_cur, wanted_connections);
  dialects::FrameFile::set_max_live_files(shares.frame_files);
  if (shares.connections < wanted_connections) {
    std::cerr << "agent-sandbox: the descriptor limit (" << rl.rlim_cur << ") allows " << shares.connections
              << " connections, not --max-connections " << wanted_connections << "\n";
  }
  return shares.connections;
}

http::ServerOptions ServerOptionsOf(const cli::Options& o) {
  http::ServerOptions s;
  s.host = o.host;
  s.port = o.port;
  s.max_connections = RaiseDescriptorLimit(o.max_connections);
  s.keep_alive_ms = static_cast<int64_t>(o.keep_alive_ms);
  s.request_read_ms = static_cast<int64_t>(o.request_timeout_ms);
  s.write_stall_ms = static_cast<int64_t>(o.write_timeout_ms);
  s.limits.max_body_bytes = o.max_body_bytes;
  s.limits.max_head_bytes = o.max_header_bytes;
  s.limits.max_json_depth = static_cast<int>(o.max_json_depth);
  s.limits.max_string_bytes = o.max_string_bytes;
  s.limits.max_url_bytes = o.max_url_bytes;
  s.limits.max_page_token_bytes = o.max_page_token_bytes;
  s.admin_token = o.admin_token;
  s.journal_size = o.journal_size;
  s.log = Logger(o.log_level, o.log_format, stderr);
  return s;
}

}  // namespace

struct SandboxApp::Parts {
  explicit Parts(const cli::Options& o)
      : options(o),
        ids(o.seed),
        server_options(ServerOptionsOf(o)),
        keys(o.api_keys, o.shared_account, o.same_accounts) {}

  cli::Options options;
  IdGenerator ids;
  http::ServerOptions server_options;
  http::KeyPolicy keys;
  std::shared_ptr<const script::FixtureSet> fixtures;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<engine::Namespaces> spaces;
  Instant agents_created_at = 0;
  std::unique_ptr<middesk::Deps> middesk;
  std::unique_ptr<modus::Deps> modus;
  std::unique_ptr<control::FixtureReloader> reloader;
  std::unique_ptr<control::Deps> control;
  std::unique_ptr<http::Server> server;
  std::unique_ptr<webhooks::Dispatcher> dispatcher;
};

SandboxApp::SandboxApp(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

SandboxApp::~SandboxApp() {
  // Threads first, then what they use (see Parts).
  Parts& p = *parts_;
  if (p.dispatcher) p.dispatcher->Stop();
  if (p.reloader) p.reloader->Stop();
  p.server.reset();
  if (p.spaces) p.spaces->Stop();
}

Result<std::unique_ptr<SandboxApp>> SandboxApp::Open(const cli::Options& o) {
  auto p = std::make_unique<Parts>(o);
  auto fixtures = script::LoadFixtures(o.fixtures, p->ids);
  if (!fixtures.ok()) return Status::InvalidArgument("invalid fixtures:\n" + fixtures.status().message());
  p->fixtures = std::make_shared<const script::FixtureSet>(std::move(fixtures).value());
  auto store = store::Store::OpenForServing(o.db);
  if (!store.ok()) return store.status();
  p->store = std::move(store).value();
  // Webhooks are Middesk's: it names the run events they announce.
  p->store->SetWebhookNotifications(middesk::WebhookNotificationFor);

  // Every namespace gets a clock of its own, alike at the start.
  auto make_clock = [o]() -> std::unique_ptr<Clock> {
    if (o.clock == ClockMode::kRealtime) return MakeRealtimeClock(o.clock_start, o.speed);
    return std::make_unique<SteppedClock>(o.clock, o.clock_start.value_or(cli::kDefaultClockStart));
  };
  p->agents_created_at = make_clock()->now();
  // Schedule triggers fire in the Modus organisations' namespaces.
  auto is_modus_org = [](const std::string& ns) { return ns.rfind("org-", 0) == 0; };
  p->spaces =
      std::make_unique<engine::Namespaces>(*p->store, make_clock, o.seed, p->fixtures, is_modus_org, o.max_namespaces);

  p->server = std::make_unique<http::Server>(p->server_options);
  http::RouteTable& routes = p->server->table();
  const http::RequestLimits& limits = p->server_options.limits;
  bool feedback = std::find(o.disabled_features.begin(), o.disabled_features.end(), "operator_feedback") ==
                  o.disabled_features.end();
  p->middesk = std::make_unique<middesk::Deps>(
      middesk::Deps{*p->spaces, p->keys, p->agents_created_at, o.heartbeat_ms, feedback, limits});
  middesk::RegisterRoutes(routes, *p->middesk);
  p->modus = std::make_unique<modus::Deps>(modus::Deps{*p->spaces, p->agents_created_at, o.heartbeat_ms, limits});
  modus::RegisterRoutes(routes, *p->modus);
  const Logger log(o.log_level, o.log_format, stderr);
  p->reloader = std::make_unique<control::FixtureReloader>(*p->spaces, o.fixtures, p->ids, log);
  // A control call carrying an API key or token addresses its caller's tenant.
  const http::KeyPolicy& keys = p->keys;
  auto tenant_of = [&keys](const httplib::Request& req) -> std::optional<std::string> {
    if (auto t = middesk::TenantOf(req, keys)) return t;
    return modus::TenantOf(req);
  };
  // The dashboard's dialect view: an organisation's runs as the Modus run
  // detail, every other namespace's as the Middesk run.
  auto dialect_view = [](const std::string& ns, engine::Engine& e, const RunState& s,
                         bool detail) -> std::optional<control::DialectView> {
    if (modus::IsOrgNamespace(ns)) {
      auto fixtures = e.fixtures();
      const script::Agent* agent = fixtures->FindAgentByType(s.run.agent);
      if (!agent || !agent->modus) return std::nullopt;
      return control::DialectView{"modus", modus::RenderRun(*agent, s, s.run.agent_seq, detail)};
    }
    return control::DialectView{"middesk", middesk::RenderRun(s, /*include_steps=*/detail)};
  };
  // The signature a delivery's body went with: the header the webhook
  // dialect names, over the webhook's secret, as the dispatcher signs it.
  auto sign_delivery = [header = middesk::MiddeskWebhookFormat().signature_header](const Webhook& w,
                                                                                  const std::string& body) {
    return control::DeliverySignature{header, webhooks::SignatureHex(w.secret, body)};
  };
  p->control = std::make_unique<control::Deps>(control::Deps{*p->spaces, AGENT_SANDBOX_VERSION, *p->reloader, tenant_of,
                                                             limits, p->server->journal(), routes, p->server->faults(),
                                                             o.strict, log, dialect_view, sign_delivery});
  control::RegisterRoutes(routes, *p->control);
  // Every error body in the shape of the dialect that owns the path; the
  // control API shares Middesk's (control/respond.h).
  http::ErrorShapes shapes(
      {{"/api/", modus::WriteError}, {"/agent/", modus::WriteError}, {"/_sandbox/modus/", modus::WriteError}},
      middesk::WriteError);
  // Strict mode's refusals (http/strict.h) come in the same shapes.
  http::RouteGate gate = http::StrictGate(o.strict, shapes, limits);
  uint64_t per_second = o.rate_limit_vendor ? middesk::kDocumentedRequestsPerSecond : o.rate_limit;
  if (per_second > 0) {
    // The vendor's figure is Middesk's; Modus documents none.
    gate = http::RateLimitGate(std::make_shared<http::RateLimiter>(per_second, MonotonicMs), shapes, std::move(gate),
                               o.rate_limit_vendor ? "Middesk" : "");
  }
  routes.SetGate(std::move(gate));
  p->server->SetErrorShapes(std::move(shapes));
  p->dispatcher =
      std::make_unique<webhooks::Dispatcher>(*p->spaces, middesk::MiddeskWebhookFormat(), webhooks::HttpSender(),
                                             std::chrono::milliseconds(50), webhooks::DispatcherOptions{.log = log});
  return std::unique_ptr<SandboxApp>(new SandboxApp(std::move(p)));
}

Status SandboxApp::Start() {
  Status st = parts_->spaces->Start();
  if (!st.ok()) return Status::Internal("cannot resume the runs in " + parts_->options.db + ": " + st.message());
  return Status::Ok();
}

Result<int> SandboxApp::Bind() { return parts_->server->Bind(); }

void SandboxApp::Run() {
  Parts& p = *parts_;
  p.reloader->StartWatching(p.options.watch_ms);
  p.dispatcher->Start();
  p.server->Listen();
  p.dispatcher->Stop();
  p.reloader->Stop();
  p.spaces->Stop();
}

bool SandboxApp::Stop() {
  // Ends open streams and long-polls, which would otherwise hold the server.
  parts_->spaces->ForEach([](const std::string&, engine::Engine& e) { e.bus().Shutdown(); });
  return parts_->server->Stop();
}

http::Server& SandboxApp::server() { return *parts_->server; }
engine::Namespaces& SandboxApp::spaces() { return *parts_->spaces; }
const script::FixtureSet& SandboxApp::fixtures() const { return *parts_->fixtures; }

}  // namespace sandbox::app
