// Threads: the conversations runs belong to. One of the store's small
// interfaces (store.h).
#pragma once

#include <optional>
#include <string>

#include "core/status.h"
#include "core/types.h"
#include "store/run_log.h"

namespace sandbox::store {

class Threads {
 public:
  virtual ~Threads() = default;

  // Writer thread only.
  virtual Status InsertThread(const Thread& thread, Instant clock_now) = 0;
  virtual Result<std::optional<Thread>> GetThread(const std::string& id) = 0;
  // Newest first; only threads about `business_id` when given.
  virtual Result<ListPage<Thread>> ListThreads(const std::optional<std::string>& business_id, int64_t limit,
                                               int64_t offset) = 0;
  virtual Result<int64_t> CountThreads() = 0;
  // True when some thread here has this context (type and id).
  virtual Result<bool> ThreadContextExists(const std::string& context_type, const std::string& context_id) = 0;
};

}  // namespace sandbox::store
