// The names the server's threads carry in the OS, so that `top -H`,
// `ps -L`, a profiler and /proc/PID/task/*/comm say which thread is which:
// the writer of a namespace is the write path's limit (docs/performance.md,
// "Where the write rate stops"), and bench/run reads its CPU by this name.
#pragma once

namespace sandbox {

// Every name here fits Linux's 15 characters (checked below).
namespace thread_name {
inline constexpr char kWriter[] = "sbx-writer";             // a namespace's engine (engine/engine.h)
inline constexpr char kCheckpointer[] = "sbx-checkpoint";   // store/checkpointer.h
inline constexpr char kHttpWorker[] = "sbx-http";           // a connection's thread (http/worker_pool.h)
inline constexpr char kHookScheduler[] = "sbx-hook-sched";  // webhooks/dispatcher.h
inline constexpr char kHookSender[] = "sbx-hook-send";      // webhooks/dispatcher.h
inline constexpr char kFixtureWatcher[] = "sbx-fixtures";   // control/fixtures.h
inline constexpr char kSignals[] = "sbx-signals";           // main.cpp
}  // namespace thread_name
static_assert(sizeof(thread_name::kWriter) <= 16 && sizeof(thread_name::kCheckpointer) <= 16 &&
              sizeof(thread_name::kHttpWorker) <= 16 && sizeof(thread_name::kHookScheduler) <= 16 &&
              sizeof(thread_name::kHookSender) <= 16 && sizeof(thread_name::kFixtureWatcher) <= 16 &&
              sizeof(thread_name::kSignals) <= 16);

// Names the calling thread (one of the names above).
void NameThisThread(const char* name);

}  // namespace sandbox
