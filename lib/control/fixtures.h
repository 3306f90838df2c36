// Hot reload of the fixtures (issue 4): a watcher that polls the fixture
// files' names, sizes and modification times, and an explicit reload. A
// reload that fails validation is reported and changes nothing: the previous
// fixtures stay in force. Runs already started keep the script they started
// with (it is stored with the run), whatever the reload brings.
//
// Hostile edits (issue 10): the loader measures a file before parsing it and
// returns every problem as a Status, and Reload() and the watcher thread
// catch anything that still escapes (an allocation failure): an exception on
// the watcher thread would end the process, and with it the fixtures that
// were supposed to stay in force. Every reported line is valid UTF-8, so
// GET /_sandbox/fixtures can always render it.
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/log.h"
#include "core/ids.h"
#include "core/status.h"
#include "engine/namespaces.h"

namespace sandbox::control {

struct ReloadReport {
  bool ok = true;
  size_t agents = 0;
  size_t scenarios = 0;
  std::vector<std::string> errors;  // one per problem, file:line:col: /pointer: message
  uint64_t generation = 0;          // successful reloads so far
};

class FixtureReloader {
 public:
  // Reloads are logged to `log`: a success at info, a refusal at warn.
  FixtureReloader(engine::Namespaces& spaces, std::string path, const IdGenerator& ids, Logger log = {});
  ~FixtureReloader();
  // Loads the fixtures again now; applies them only when they are valid.
  // Reloads run one at a time (the watcher's and a request's), so the last
  // one to finish is the last one to have read the files.
  ReloadReport Reload();
  ReloadReport last() const;
  // The fixture path as reports show it: valid UTF-8 (a byte that is not is
  // replaced), so the JSON of GET /_sandbox/fixtures can always hold it.
  const std::string& path() const { return shown_path_; }
  // Polls every `interval_ms` of wall time on a thread of its own; 0 = never.
  void StartWatching(int64_t interval_ms);
  void Stop();

 private:
  std::string Signature() const;
  void Watch(int64_t interval_ms);
  // The watcher's reload: only when the files differ from what the last
  // reload (the watcher's or a request's) read.
  void ReloadIfChanged();
  // With reload_mu_ held: loads, applies or reports, and records `signature`
  // (taken before loading) as what was read.
  ReloadReport ReloadSerialised(std::string signature);

  engine::Namespaces& spaces_;
  std::string path_;
  std::string shown_path_;
  const IdGenerator& ids_;
  const Logger log_;
  std::mutex reload_mu_;  // held for a whole Reload(); taken before mu_
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  ReloadReport last_;
  std::string signature_;
  std::thread watcher_;
};

}  // namespace sandbox::control
