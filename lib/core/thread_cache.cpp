// GiveUpThreadAllocatorCache; see thread_cache.h.
#include "core/thread_cache.h"

#include <dlfcn.h>

#include <cstddef>

namespace sandbox {

void GiveUpThreadAllocatorCache() {
  using Mallctl = int (*)(const char*, void*, size_t*, void*, size_t);
  static const Mallctl kMallctl = reinterpret_cast<Mallctl>(dlsym(RTLD_DEFAULT, "mallctl"));
  if (!kMallctl) return;
  bool off = false;
  // Switching the cache off also returns the blocks it held; a failure
  // leaves it as it was.
  (void)kMallctl("thread.tcache.enabled", nullptr, nullptr, &off, sizeof off);
}

}  // namespace sandbox
