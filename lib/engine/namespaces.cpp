// Namespaces; see namespaces.h.
#include "engine/namespaces.h"

#include <cctype>

namespace sandbox::engine {

Namespaces::Namespaces(store::Store& root, ClockFactory make_clock, uint64_t default_seed,
                       std::shared_ptr<const script::FixtureSet> fixtures,
                       std::function<bool(const std::string& ns)> fires_schedules, size_t max_namespaces)
    : root_(root),
      make_clock_(std::move(make_clock)),
      default_seed_(default_seed),
      fixtures_(std::move(fixtures)),
      fires_schedules_(std::move(fires_schedules)),
      max_namespaces_(max_namespaces) {}

Namespaces::~Namespaces() { Stop(); }

bool Namespaces::ValidName(const std::string& ns) {
  if (ns.size() > 64) return false;
  for (char c : ns) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  }
  return true;
}

Status Namespaces::Start() {
  std::lock_guard<std::mutex> g(mu_);
  return CreateKnown();
}

Status Namespaces::CreateKnown() {
  auto known = root_.KnownNamespaces();
  if (!known.ok()) return known.status();
  for (const auto& ns : known.value()) {
    if (spaces_.count(ns)) continue;
    auto e = Create(ns, std::nullopt);
    if (!e.ok()) return e.status();
  }
  return Status::Ok();
}

void Namespaces::Stop() {
  std::lock_guard<std::mutex> g(mu_);
  for (auto& [ns, space] : spaces_) space->engine->Stop();
}

Result<Engine*> Namespaces::For(const std::string& ns, std::optional<uint64_t> seed) {
  std::lock_guard<std::mutex> g(mu_);
  auto it = spaces_.find(ns);
  if (it != spaces_.end()) {
    if (seed && *seed != it->second->ids->seed()) {
      return Status::Conflict(
          "namespace " + ns + " already exists with seed " + std::to_string(it->second->ids->seed()), "X-Sandbox-Seed");
    }
    return it->second->engine.get();
  }
  if (spaces_.size() >= max_namespaces_) {
    return Status::Unavailable("the sandbox already serves " + std::to_string(spaces_.size()) +
                               " namespaces; start it with a larger --max-namespaces");
  }
  return Create(ns, seed);
}

Result<Engine*> Namespaces::Create(const std::string& ns, std::optional<uint64_t> seed) {
  auto space = std::make_unique<Space>();
  space->store = root_.Namespace(ns);
  // A namespace keeps the seed it was created with, across restarts.
  auto saved = space->store->SavedSeed();
  if (!saved.ok()) return saved.status();
  uint64_t chosen = saved.value().value_or(seed.value_or(default_seed_));
  if (saved.value() && seed && *seed != *saved.value()) {
    return Status::Conflict("namespace " + ns + " already exists with seed " + std::to_string(*saved.value()),
                            "X-Sandbox-Seed");
  }
  if (!saved.value() && !ns.empty()) {
    Status st = space->store->SaveSeed(chosen);
    if (!st.ok()) return st;
  }
  space->clock = make_clock_();
  space->ids = std::make_unique<IdGenerator>(chosen);
  space->engine = std::make_unique<Engine>(*space->store, *space->clock, *space->ids, fixtures_);
  if (fires_schedules_ && fires_schedules_(ns)) space->engine->EnableSchedules();
  Status st = space->engine->Start();
  if (!st.ok()) return st;
  Engine* e = space->engine.get();
  spaces_[ns] = std::move(space);
  return e;
}

Engine& Namespaces::Default() {
  auto e = For("");
  return *e.value();  // created by Start(); cannot fail afterwards
}

Status Namespaces::WithWritersQuiesced(const std::function<Status()>& fn) {
  for (auto& [ns, space] : spaces_) space->engine->Quiesce();
  Status st = fn();
  for (auto& [ns, space] : spaces_) space->engine->Release();
  return st;
}

Status Namespaces::ReloadAll(const std::string& what) {
  Status failed;
  std::string where;
  for (auto& [ns, space] : spaces_) {
    Status st = space->engine->Reload();
    if (!st.ok() && failed.ok()) {
      failed = st;
      where = ns;
    }
  }
  if (failed.ok()) return failed;
  // Some writers read the new database, others could not: the sandbox as a
  // whole is in no state to go on writing. Health says so until a restore or
  // reset succeeds.
  Status why = Status::Internal(what + ": namespace \"" + where + "\": " + failed.message() +
                                "; restore a snapshot, reset, or restart the sandbox");
  for (auto& [ns, space] : spaces_) space->engine->MarkFailing(why);
  return why;
}

Status Namespaces::SaveSnapshot(const std::string& name) {
  std::lock_guard<std::mutex> g(mu_);
  return WithWritersQuiesced([&] {
    // Every clock as it stands now, beside the state it goes with.
    for (auto& [ns, space] : spaces_) {
      Status st = space->store->SaveClockNow(space->engine->Now());
      if (!st.ok()) return st;
    }
    return root_.SaveSnapshot(name);
  });
}

Status Namespaces::RestoreSnapshot(const std::string& name) {
  std::lock_guard<std::mutex> g(mu_);
  Status st = WithWritersQuiesced([&] {
    // All or nothing: on failure the database is as it was, and so are the
    // writers' views of it.
    Status copied = root_.RestoreSnapshot(name);
    if (!copied.ok()) return copied;
    return ReloadAll("restoring snapshot \"" + name + "\" failed after the database was replaced");
  });
  if (!st.ok()) return st;
  return CreateKnown();  // namespaces the snapshot knows but this process has not met yet
}

Status Namespaces::ResetAll() {
  std::lock_guard<std::mutex> g(mu_);
  return WithWritersQuiesced([&] {
    Status deleted = root_.DeleteEverything();
    if (!deleted.ok()) return deleted;
    return ReloadAll("the reset failed after every row was deleted");
  });
}

Status Namespaces::Health() {
  std::lock_guard<std::mutex> g(mu_);
  for (auto& [ns, space] : spaces_) {
    Status st = space->engine->health();
    if (!st.ok()) return Status::Internal(ns.empty() ? st.message() : "namespace \"" + ns + "\": " + st.message());
  }
  return Status::Ok();
}

void Namespaces::ReplaceFixtures(std::shared_ptr<const script::FixtureSet> fixtures) {
  std::lock_guard<std::mutex> g(mu_);
  fixtures_ = fixtures;
  for (auto& [ns, space] : spaces_) space->engine->ReplaceFixtures(fixtures);
}

std::shared_ptr<const script::FixtureSet> Namespaces::fixtures() const {
  std::lock_guard<std::mutex> g(mu_);
  return fixtures_;
}

void Namespaces::ForEach(const std::function<void(const std::string&, Engine&)>& fn) {
  std::lock_guard<std::mutex> g(mu_);
  for (auto& [ns, space] : spaces_) fn(ns, *space->engine);
}

}  // namespace sandbox::engine
