// FixtureReloader; see fixtures.h. Polling (not inotify) keeps it portable and
// simple; a change is picked up within one interval.
#include "control/fixtures.h"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "core/thread_name.h"
#include "core/utf8.h"
#include "script/loader.h"
#include "core/wall_wait.h"

namespace sandbox::control {

namespace fs = std::filesystem;

FixtureReloader::FixtureReloader(engine::Namespaces& spaces, std::string path, const IdGenerator& ids, Logger log)
    : spaces_(spaces), path_(std::move(path)), shown_path_(ScrubUtf8(path_)), ids_(ids), log_(log) {
  auto current = spaces_.fixtures();
  last_.agents = current->agents.size();
  last_.scenarios = current->ScenarioCount();
  signature_ = Signature();
}

FixtureReloader::~FixtureReloader() { Stop(); }

// Never throws: every filesystem call takes an error_code (a range-for over a
// directory_iterator would throw from its increment).
std::string FixtureReloader::Signature() const {
  std::error_code ec;
  std::vector<fs::path> files;
  if (fs::is_directory(path_, ec)) {
    fs::directory_iterator it(path_, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
      if (it->path().extension() == ".json") files.push_back(it->path());
    }
    if (ec) files.push_back("(unlistable:" + ec.message() + ")");
  } else {
    files.push_back(path_);
  }
  std::sort(files.begin(), files.end());
  std::ostringstream sig;
  for (const auto& f : files) {
    auto size = fs::file_size(f, ec);
    auto mtime = fs::last_write_time(f, ec).time_since_epoch().count();
    sig << f.string() << ':' << size << ':' << mtime << ';';
  }
  return sig.str();
}

ReloadReport FixtureReloader::Reload() {
  std::lock_guard<std::mutex> serial(reload_mu_);
  return ReloadSerialised(Signature());
}

void FixtureReloader::ReloadIfChanged() {
  std::lock_guard<std::mutex> serial(reload_mu_);
  // Compared under the serial lock: a reload that a request made since the
  // watcher last looked has already read these files, and a second one
  // would only count a generation that changes nothing.
  std::string signature = Signature();
  {
    std::lock_guard<std::mutex> g(mu_);
    if (signature == signature_) return;
  }
  ReloadSerialised(std::move(signature));
}

ReloadReport FixtureReloader::ReloadSerialised(std::string signature) {
  Result<script::FixtureSet> loaded = Status::Internal("not loaded");
  try {
    loaded = script::LoadFixtures(path_, ids_);
  } catch (const std::exception& e) {  // LoadFixtures catches already; this is the last line
    loaded = Status::Internal(ScrubUtf8(path_) + ": the fixtures could not be loaded: " + ScrubUtf8(e.what()));
  }
  std::lock_guard<std::mutex> g(mu_);
  signature_ = signature;
  ReloadReport report;
  report.generation = last_.generation;
  if (!loaded.ok()) {
    report.ok = false;
    std::istringstream lines(loaded.status().message());
    for (std::string line; std::getline(lines, line);) report.errors.push_back(ScrubUtf8(line));
    auto current = spaces_.fixtures();
    report.agents = current->agents.size();
    report.scenarios = current->ScenarioCount();
    log_.Log(LogLevel::kWarn, "fixtures not reloaded, the previous ones stay in force", {{"path", shown_path_}});
    // One line per problem, as `validate` prints it (file:line:col: /pointer: what).
    for (const std::string& e : report.errors) log_.Log(LogLevel::kWarn, e, {{"reload", shown_path_}});
  } else {
    report.agents = loaded->agents.size();
    report.scenarios = loaded->ScenarioCount();
    report.generation = last_.generation + 1;
    spaces_.ReplaceFixtures(std::make_shared<const script::FixtureSet>(std::move(loaded).value()));
    log_.Log(LogLevel::kInfo, "fixtures reloaded",
             {{"path", shown_path_}, {"agents", report.agents}, {"scenarios", report.scenarios}});
  }
  last_ = report;
  return report;
}

ReloadReport FixtureReloader::last() const {
  std::lock_guard<std::mutex> g(mu_);
  return last_;
}

void FixtureReloader::StartWatching(int64_t interval_ms) {
  if (interval_ms <= 0 || watcher_.joinable()) return;
  watcher_ = std::thread([this, interval_ms] {
    NameThisThread(thread_name::kFixtureWatcher);
    Watch(interval_ms);
  });
}

void FixtureReloader::Watch(int64_t interval_ms) {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    WaitWallMs(cv_, lock, interval_ms);
    if (stopping_) return;
    lock.unlock();
    try {
      ReloadIfChanged();
    } catch (const std::exception& e) {  // an exception would end the process
      log_.Log(LogLevel::kError, "fixture reload failed", {{"error", ScrubUtf8(e.what())}});
    }
    lock.lock();
  }
}

void FixtureReloader::Stop() {
  {
    std::lock_guard<std::mutex> g(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (watcher_.joinable()) watcher_.join();
}

}  // namespace sandbox::control
