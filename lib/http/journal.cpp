// RequestJournal and the matching it lists and verifies with; see journal.h.
#include "http/journal.h"

#include <algorithm>
#include <cctype>
#include <string_view>

#include <nlohmann/json.hpp>

namespace sandbox::http {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The query string's parameters (no percent-decoding beyond '+': values in
// tests are plain), for matching by name.
std::multimap<std::string, std::string> QueryParams(const std::string& q) {
  std::multimap<std::string, std::string> out;
  size_t at = 0;
  while (at <= q.size() && !q.empty()) {
    size_t amp = q.find('&', at);
    std::string pair = q.substr(at, amp == std::string::npos ? std::string::npos : amp - at);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      out.emplace(pair.substr(0, eq), eq == std::string::npos ? "" : pair.substr(eq + 1));
    }
    if (amp == std::string::npos) break;
    at = amp + 1;
  }
  return out;
}

std::string Quote(const std::string& s) { return "`" + s + "`"; }

}  // namespace

bool IsSecretHeader(const std::string& name) {
  // Runs for every header of every request: no allocation.
  auto contains = [&name](std::string_view word) {
    if (name.size() < word.size()) return false;
    for (size_t i = 0; i + word.size() <= name.size(); ++i) {
      size_t k = 0;
      while (k < word.size() && std::tolower(static_cast<unsigned char>(name[i + k])) == word[k]) ++k;
      if (k == word.size()) return true;
    }
    return false;
  };
  auto is = [&name, &contains](std::string_view word) { return name.size() == word.size() && contains(word); };
  return is("authorization") || is("proxy-authorization") || is("cookie") || is("set-cookie") || contains("token") ||
         contains("secret") || contains("api-key") || contains("apikey");
}

std::string MaskSecret(const std::string& value) {
  // Keep an auth scheme ("Bearer ", "Basic ") readable.
  std::string scheme;
  std::string secret = value;
  size_t sp = value.find(' ');
  if (sp != std::string::npos && sp < 16) {
    scheme = value.substr(0, sp + 1);
    secret = value.substr(sp + 1);
  }
  if (secret.size() < 12) return scheme + "****";
  return scheme + secret.substr(0, 4) + "****" + secret.substr(secret.size() - 4);
}

bool CountExpectation::Holds(uint64_t n) const {
  if (eq && n != *eq) return false;
  if (gte && n < *gte) return false;
  if (lte && n > *lte) return false;
  if (!eq && !gte && !lte) return n >= 1;
  return true;
}

std::string CountExpectation::Describe() const {
  if (eq) return "exactly " + std::to_string(*eq);
  if (gte && lte) return "at least " + std::to_string(*gte) + " and at most " + std::to_string(*lte);
  if (gte) return "at least " + std::to_string(*gte);
  if (lte) return "at most " + std::to_string(*lte);
  return "at least 1";
}

bool JsonContains(const Json& actual, const Json& expected) {
  if (expected.is_object()) {
    if (!actual.is_object()) return false;
    for (auto it = expected.begin(); it != expected.end(); ++it) {
      auto found = actual.find(it.key());
      if (found == actual.end() || !JsonContains(*found, it.value())) return false;
    }
    return true;
  }
  return actual == expected;
}

std::vector<std::string> Differences(const JournalFilter& f, const JournalEntry& e) {
  std::vector<std::string> out;
  if (!f.method.empty() && Lower(f.method) != Lower(e.method)) {
    out.push_back("method is " + e.method + ", not " + f.method);
  }
  if (!f.path.empty() && !PathMatches(f.path, e.path)) {
    out.push_back("path " + Quote(e.path) + " does not match " + Quote(f.path));
  }
  if (f.status && e.status != *f.status) {
    out.push_back("status is " + std::to_string(e.status) + ", not " + std::to_string(*f.status));
  }
  if (f.status_class && e.status / 100 != *f.status_class) {
    out.push_back("status is " + std::to_string(e.status) + ", not " + std::to_string(*f.status_class) + "xx");
  }
  if (f.since_ms && e.at_ms < *f.since_ms) out.push_back("arrived before `since`");
  if (f.after_id && e.id <= *f.after_id) out.push_back("is not after request " + std::to_string(*f.after_id));
  if (!f.ns.empty() && f.ns != e.ns) out.push_back("namespace is " + Quote(e.ns) + ", not " + Quote(f.ns));
  if (!f.run_id.empty() && f.run_id != e.run_id) {
    out.push_back(e.run_id.empty() ? "touched no run" : "touched run " + Quote(e.run_id) + ", not " + Quote(f.run_id));
  }
  if (!f.interaction.empty() && f.interaction != e.interaction) {
    out.push_back(e.interaction.empty() ? "is no interaction with a run"
                                        : "interaction is " + Quote(e.interaction) + ", not " + Quote(f.interaction));
  }
  if (!f.query.empty()) {
    auto params = QueryParams(e.query);
    for (const auto& [name, value] : f.query) {
      auto range = params.equal_range(name);
      bool found = false;
      for (auto it = range.first; it != range.second; ++it) found = found || it->second == value;
      if (!found) out.push_back("query parameter " + Quote(name) + " is not " + Quote(value));
    }
  }
  for (const auto& [name, value] : f.headers) {
    bool found = false;
    for (const auto& [hn, hv] : e.headers) found = found || (Lower(hn) == Lower(name) && hv == value);
    if (!found) out.push_back("header " + Quote(name) + " is not " + Quote(value));
  }
  if (f.body) {
    if (e.body.size() < e.body_bytes) {
      out.push_back("body was longer than the journal keeps (" + std::to_string(kJournalBodyBytes) + " bytes)");
    } else {
      Json actual = Json::parse(e.body, nullptr, false);
      if (actual.is_discarded()) {
        out.push_back("body is not JSON");
      } else if (!JsonContains(actual, *f.body)) {
        out.push_back("body " + e.body + " does not contain " + f.body->dump());
      }
    }
  }
  return out;
}

RequestJournal::RequestJournal(size_t capacity, WallClock wall_ms)
    : capacity_(std::min(capacity, kMaxJournalSize)), wall_ms_(std::move(wall_ms)) {}

uint64_t RequestJournal::Record(JournalEntry e) {
  if (capacity_ == 0) return 0;
  if (e.at_ms == 0) e.at_ms = wall_ms_();
  JournalEntry evicted;  // freed after the lock is released
  std::lock_guard<std::mutex> g(mu_);
  e.id = next_id_++;
  if (ring_.size() >= capacity_) {
    evicted = std::move(ring_.front());
    ring_.pop_front();
  }
  ring_.push_back(std::move(e));
  return ring_.back().id;
}

void RequestJournal::Complete(uint64_t id, int64_t latency_ms, int status, const std::string& fault) {
  std::lock_guard<std::mutex> g(mu_);
  if (ring_.empty() || id < ring_.front().id || id > ring_.back().id) return;
  JournalEntry& e = ring_[id - ring_.front().id];  // ids are consecutive in the ring
  e.latency_ms = latency_ms;
  e.status = status;
  if (!fault.empty()) e.fault = fault;
}

void RequestJournal::Clear() {
  std::lock_guard<std::mutex> g(mu_);
  ring_.clear();
}

RequestJournal::Page RequestJournal::List(const JournalFilter& f, size_t limit, bool newest_first) const {
  Page page;
  std::lock_guard<std::mutex> g(mu_);
  auto take = [&](const JournalEntry& e) {
    if (!Differences(f, e).empty()) return;
    ++page.total;
    if (page.entries.size() < limit) {
      page.entries.push_back(e);
    } else {
      page.has_more = true;
    }
  };
  if (newest_first) {
    for (auto it = ring_.rbegin(); it != ring_.rend(); ++it) take(*it);
  } else {
    for (const auto& e : ring_) take(e);
  }
  return page;
}

VerifyResult RequestJournal::Verify(const JournalFilter& f, const CountExpectation& count,
                                    size_t max_near_misses) const {
  VerifyResult r;
  std::vector<std::pair<const JournalEntry*, std::vector<std::string>>> misses;
  {
    std::lock_guard<std::mutex> g(mu_);
    for (const auto& e : ring_) {
      auto diffs = Differences(f, e);
      if (diffs.empty()) {
        ++r.count;
        if (r.matched.size() < kMaxListedMatches) r.matched.push_back(e.id);
      } else {
        misses.emplace_back(&e, std::move(diffs));
      }
    }
    r.pass = count.Holds(r.count);
    if (r.pass) return r;
    // The fewest differences first; among equals, the most recent.
    std::stable_sort(misses.begin(), misses.end(), [](const auto& a, const auto& b) {
      if (a.second.size() != b.second.size()) return a.second.size() < b.second.size();
      return a.first->id > b.first->id;
    });
    for (size_t i = 0; i < misses.size() && i < max_near_misses; ++i) {
      r.near_misses.emplace_back(*misses[i].first, std::move(misses[i].second));
    }
  }
  return r;
}

}  // namespace sandbox::http
