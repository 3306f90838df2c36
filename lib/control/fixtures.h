// Hot reload of the fixtures (issue 4): a watcher that polls the fixture
// files' names, sizes and modification times, and an explicit reload. A
// reload that fails validation is reported and changes nothing: the previous
// fixtures stay in force. Runs already started keep the script they started
// with (it is stored with the run), whatever the reload brings.
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

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
  FixtureReloader(engine::Namespaces& spaces, std::string path, const IdGenerator& ids);
  ~FixtureReloader();
  // Loads the fixtures again now; applies them only when they are valid.
  ReloadReport Reload();
  ReloadReport last() const;
  const std::string& path() const { return path_; }
  // Polls every `interval_ms` of wall time on a thread of its own; 0 = never.
  void StartWatching(int64_t interval_ms);
  void Stop();

 private:
  std::string Signature() const;
  void Watch(int64_t interval_ms);

  engine::Namespaces& spaces_;
  std::string path_;
  const IdGenerator& ids_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  ReloadReport last_;
  std::string signature_;
  std::thread watcher_;
};

}  // namespace sandbox::control
