// The allocator's per-thread cache, given up by threads that wait for long.
// The server is linked with jemalloc (CMakeLists.txt), whose thread caches
// make busy threads fast (the writer; connection threads serving requests:
// reads are 15 % slower without), but a thread that blocks keeps its cache
// of freed blocks: 1,000 stream clients, a thread each, held 400 MiB that
// way (docs/performance.md). A thread that follows a run's stream gives its
// cache up for the rest of its life (switching it back on when the stream
// ends would refill it with the connection's own buffers as they are freed:
// 500 MiB after 1,000 streams ended). Found at run time (mallctl), so it is
// a no-op under any other allocator: sanitizer builds, tests linking the
// layers.
#pragma once

namespace sandbox {

// The calling thread returns what its cache holds and keeps none from now on.
void GiveUpThreadAllocatorCache();

}  // namespace sandbox
