// The request journal (issue 13): every request the server answered and its
// response, in a bounded ring, so that a test can ask afterwards what its
// client did (GET /_sandbox/requests) and assert it (verification below).
// The server records each request once its answer is decided (status and
// headers known, before the body is written) and completes the entry with its
// latency once the last byte is sent, so an open stream is listed while it
// runs. Secrets in headers are masked and bodies are cut at kJournalBodyBytes
// before they are kept. Thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/path_glob.h"
#include "core/status.h"
#include "core/types.h"

namespace sandbox::http {

inline constexpr size_t kDefaultJournalSize = 1000;  // entries; --journal N, 0 turns it off
inline constexpr size_t kMaxJournalSize = 1000000;
inline constexpr size_t kJournalBodyBytes = 4096;  // of each request and response body

struct JournalEntry {
  uint64_t id = 0;  // from 1, in the order requests were answered; never reused until a restart
  int64_t at_ms = 0;  // wall time the request arrived
  std::string method;
  std::string path;
  std::string query;  // the raw query string, without '?'
  std::vector<std::pair<std::string, std::string>> headers;  // as sent, secrets masked
  std::string body;  // the first kJournalBodyBytes bytes
  size_t body_bytes = 0;  // the whole body's length
  int status = 0;
  std::string response_body;  // the first kJournalBodyBytes bytes; empty for streams
  size_t response_bytes = 0;
  bool streamed = false;  // the answer was a stream (Server-Sent Events)
  // From arrival until the answer was ready to send; for a stream, or an
  // answer a fault cut short, until the connection was done with it. -1
  // while a stream is open.
  int64_t latency_ms = -1;
  std::string ns;  // the namespace the request addressed, once a handler resolved it
  std::string account;  // the account or organisation it acted as
  std::string route;  // "POST /v1/runs/{run_id}/resume"; empty when no route matched
  std::string interaction;  // what the request did to its run (http/route_table.h)
  std::string run_id;  // the run it touched, if any
  std::string fault;  // the fault injected into its answer, if any
};

// Header values kept only in part: the first and last four characters of a
// long secret (enough to tell keys apart), "****" for a short one.
bool IsSecretHeader(const std::string& name);
std::string MaskSecret(const std::string& value);

// Which entries a listing or a verification is about. Every criterion left
// empty matches everything.
struct JournalFilter {
  std::string method;  // exact, case-insensitive
  std::string path;  // a pattern (core/path_glob.h)
  std::optional<int> status;  // exact
  std::optional<int> status_class;  // 2 for 2xx, 4 for 4xx...
  std::optional<int64_t> since_ms;  // arrived at or after
  std::optional<uint64_t> after_id;  // id greater than
  std::string ns;  // exact
  std::string run_id;  // exact
  std::string interaction;  // exact
  std::map<std::string, std::string> query;  // each parameter present with this value
  std::map<std::string, std::string> headers;  // each header present with this value (names case-insensitive)
  std::optional<Json> body;  // the request body (JSON) contains this: objects by subset, the rest equal
};

// How many matches a verification expects; unset bounds are open. The
// default is "at least one".
struct CountExpectation {
  std::optional<uint64_t> eq, gte, lte;
  bool Holds(uint64_t n) const;
  std::string Describe() const;  // "exactly 1", "at least 2 and at most 3"
};

// True when `actual` contains `expected`: every member of an expected object
// is in the actual object and contains the expected value; anything else
// is equal.
bool JsonContains(const Json& actual, const Json& expected);
// What keeps `e` from matching `f`, one sentence each; empty when it matches.
std::vector<std::string> Differences(const JournalFilter& f, const JournalEntry& e);

struct VerifyResult {
  bool pass = false;
  uint64_t count = 0;  // entries that match
  std::vector<uint64_t> matched;  // their ids, oldest first (at most kMaxListedMatches)
  // When it fails: the entries closest to matching, fewest differences first.
  std::vector<std::pair<JournalEntry, std::vector<std::string>>> near_misses;
};

class RequestJournal {
 public:
  using WallClock = std::function<int64_t()>;
  RequestJournal(size_t capacity, WallClock wall_ms);

  bool enabled() const { return capacity_ > 0; }
  size_t capacity() const { return capacity_; }
  int64_t now_ms() const { return wall_ms_(); }

  // Adds an entry (its id and, when zero, its arrival time are set here) and
  // returns its id; 0 when the journal is off. The oldest entry leaves once
  // the ring is full.
  uint64_t Record(JournalEntry e);
  // Sets a recorded entry's latency, final status and the fault injected
  // while it was answered (no-op once it has left the ring).
  void Complete(uint64_t id, int64_t latency_ms, int status, const std::string& fault);
  void Clear();

  // The entries that match, oldest first, from the first match after
  // `after_id` (0: from the start), at most `limit`; `total` is every match.
  struct Page {
    std::vector<JournalEntry> entries;
    size_t total = 0;
    bool has_more = false;
  };
  Page List(const JournalFilter& f, size_t limit, bool newest_first) const;
  VerifyResult Verify(const JournalFilter& f, const CountExpectation& count, size_t max_near_misses) const;

 private:
  size_t capacity_;
  WallClock wall_ms_;
  mutable std::mutex mu_;
  std::deque<JournalEntry> ring_;
  uint64_t next_id_ = 1;
};

inline constexpr size_t kMaxListedMatches = 100;

}  // namespace sandbox::http
