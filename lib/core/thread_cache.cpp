// GiveUpThreadAllocatorCache and AllocatorCacheForBurst; see thread_cache.h.
#include "core/thread_cache.h"

#include <dlfcn.h>

#include <cstddef>

namespace sandbox {
namespace {

using Mallctl = int (*)(const char*, void*, size_t*, void*, size_t);
using MallctlNameToMib = int (*)(const char*, size_t*, size_t*);
using MallctlByMib = int (*)(const size_t*, size_t, void*, size_t*, void*, size_t);

// "thread.tcache.enabled", looked up once: the allocator's switch for the
// calling thread's cache. Null under an allocator without one.
struct CacheSwitch {
  CacheSwitch() {
    auto to_mib = reinterpret_cast<MallctlNameToMib>(dlsym(RTLD_DEFAULT, "mallctlnametomib"));
    by_mib = reinterpret_cast<MallctlByMib>(dlsym(RTLD_DEFAULT, "mallctlbymib"));
    if (!to_mib || !by_mib || to_mib("thread.tcache.enabled", mib, &mib_len) != 0) by_mib = nullptr;
  }
  // Sets the switch to `on`; returns what it was, or `on` when it cannot.
  bool Set(bool on) const {
    if (!by_mib) return on;
    bool was = on;
    size_t was_len = sizeof was;
    // Switching the cache off also returns the blocks it held; a failure
    // leaves it as it was.
    if (by_mib(mib, mib_len, &was, &was_len, &on, sizeof on) != 0) return on;
    return was;
  }
  MallctlByMib by_mib = nullptr;
  size_t mib[8] = {};
  size_t mib_len = 8;
};

const CacheSwitch& Switch() {
  static const CacheSwitch kSwitch;
  return kSwitch;
}

}  // namespace

void GiveUpThreadAllocatorCache() { (void)Switch().Set(false); }

AllocatorCacheForBurst::AllocatorCacheForBurst() : give_up_after_(!Switch().Set(true)) {}

AllocatorCacheForBurst::~AllocatorCacheForBurst() {
  if (give_up_after_) (void)Switch().Set(false);
}

}  // namespace sandbox
