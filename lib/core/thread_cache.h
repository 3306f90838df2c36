// The allocator's per-thread cache, given up by threads that wait for long.
// The server is linked with jemalloc (CMakeLists.txt), whose thread caches
// make busy threads fast (the writer; connection threads serving requests:
// reads are 15 % slower without), but a thread that blocks keeps its cache
// of freed blocks: 1,000 stream clients, a thread each, held 400 MiB that
// way (docs/performance.md). A thread that follows a run's stream gives its
// cache up for the rest of its life (switching it back on when the stream
// ends would refill it with the connection's own buffers as they are freed:
// 500 MiB after 1,000 streams ended), and takes it back only for a burst of
// work, such as rendering its run's frames: without a cache every block
// allocated and freed locks the allocator's arena, and 1,000 streams on
// 1,000 runs spent a third of the server's time in those locks (issue 12).
// Found at run time (mallctl), so it is a no-op under any other allocator:
// sanitizer builds, tests linking the layers.
#pragma once

namespace sandbox {

// The calling thread returns what its cache holds and keeps none from now on.
void GiveUpThreadAllocatorCache();

// For its lifetime, the calling thread has a cache; a thread that had given
// its cache up returns it (with what it holds) at the end. Cheap enough to
// wrap each burst: two calls into the allocator by a precomputed name.
class AllocatorCacheForBurst {
 public:
  AllocatorCacheForBurst();
  ~AllocatorCacheForBurst();
  AllocatorCacheForBurst(const AllocatorCacheForBurst&) = delete;
  AllocatorCacheForBurst& operator=(const AllocatorCacheForBurst&) = delete;

 private:
  bool give_up_after_ = false;
};

}  // namespace sandbox
