// Compressing and expanding finished runs' logs (run_archive.h).
#include "store/run_archive.h"

#include <zstd.h>

#include <charconv>
#include <mutex>
#include <vector>

#include "core/json_text.h"

namespace sandbox::store {
namespace {

// Level 1, zstd's fastest standard level: against a dictionary that is
// nearly the same log, level 3 found no shorter matches (3,720 bytes a run
// either way) and cost the writer more.
constexpr int kLevel = 1;

// A few zstd contexts, reused: making one allocates its tables (a
// decompression context is about 100 KiB). Not one per thread: every
// connection thread that read an ended run's events kept its own, and 1,000
// stream clients held 100 MiB of them.
template <class Ctx, Ctx* (*Make)(), size_t (*Free)(Ctx*)>
class ContextPool {
 public:
  ~ContextPool() {
    for (Ctx* c : idle_) Free(c);
  }
  Ctx* Take() {
    {
      std::lock_guard<std::mutex> g(mu_);
      if (!idle_.empty()) {
        Ctx* c = idle_.back();
        idle_.pop_back();
        return c;
      }
    }
    return Make();
  }
  void Give(Ctx* c) {
    if (!c) return;
    {
      std::lock_guard<std::mutex> g(mu_);
      if (idle_.size() < kKept) {
        idle_.push_back(c);
        return;
      }
    }
    Free(c);
  }

 private:
  static constexpr size_t kKept = 4;
  std::mutex mu_;
  std::vector<Ctx*> idle_;
};

using CompressPool = ContextPool<ZSTD_CCtx, ZSTD_createCCtx, ZSTD_freeCCtx>;
using ExpandPool = ContextPool<ZSTD_DCtx, ZSTD_createDCtx, ZSTD_freeDCtx>;
CompressPool& Compressors() {
  static CompressPool pool;
  return pool;
}
ExpandPool& Expanders() {
  static ExpandPool pool;
  return pool;
}

// A context taken from `pool` for one call, given back at the end.
template <class Pool, class Ctx>
struct Borrowed {
  Pool& pool;
  Ctx* ctx;
  explicit Borrowed(Pool& p) : pool(p), ctx(p.Take()) {}
  ~Borrowed() { pool.Give(ctx); }
  Borrowed(const Borrowed&) = delete;
  Borrowed& operator=(const Borrowed&) = delete;
};

bool ParseInt(std::string_view text, int64_t& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

namespace {

void AppendLinePrefix(std::string& lines, int64_t seq, std::string_view type, int64_t at) {
  lines += std::to_string(seq);
  lines.push_back('\t');
  lines += type;
  lines.push_back('\t');
  lines += std::to_string(at);
  lines.push_back('\t');
}

}  // namespace

void AppendLogLine(std::string& lines, int64_t seq, std::string_view type, int64_t at, std::string_view payload) {
  AppendLinePrefix(lines, seq, type, at);
  lines += payload;
  lines.push_back('\n');
}

void AppendEventLine(std::string& lines, const Event& event) {
  AppendLinePrefix(lines, event.seq, event.type, event.at);
  AppendJsonText(lines, event.payload);
  lines.push_back('\n');
}

Result<std::string> CompressLog(const std::string& lines, const std::string& dictionary) {
  Borrowed<CompressPool, ZSTD_CCtx> borrowed(Compressors());
  ZSTD_CCtx* ctx = borrowed.ctx;
  if (!ctx) return Status::Internal("run log: cannot make a zstd context");
  // A checksum (4 bytes): a log expanded with the wrong dictionary, or a
  // damaged one, is refused rather than read as other events.
  ZSTD_CCtx_reset(ctx, ZSTD_reset_session_and_parameters);
  size_t rc = ZSTD_CCtx_setParameter(ctx, ZSTD_c_compressionLevel, kLevel);
  if (!ZSTD_isError(rc)) rc = ZSTD_CCtx_setParameter(ctx, ZSTD_c_checksumFlag, 1);
  if (!ZSTD_isError(rc)) rc = ZSTD_CCtx_refPrefix(ctx, dictionary.data(), dictionary.size());
  if (ZSTD_isError(rc)) return Status::Internal(std::string("run log: ") + ZSTD_getErrorName(rc));
  std::string out(ZSTD_compressBound(lines.size()), '\0');
  size_t n = ZSTD_compress2(ctx, out.data(), out.size(), lines.data(), lines.size());
  if (ZSTD_isError(n)) return Status::Internal(std::string("run log: ") + ZSTD_getErrorName(n));
  out.resize(n);
  return out;
}

Result<std::string> ExpandLog(std::string_view compressed, const std::string& dictionary) {
  auto damaged = [](const std::string& why) { return Status::Internal("its log is damaged: " + why); };
  unsigned long long size = ZSTD_getFrameContentSize(compressed.data(), compressed.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN) return damaged("not a zstd frame");
  if (size > kMaxRunLogBytes) return damaged("it claims " + std::to_string(size) + " bytes");
  Borrowed<ExpandPool, ZSTD_DCtx> borrowed(Expanders());
  ZSTD_DCtx* ctx = borrowed.ctx;
  if (!ctx) return Status::Internal("run log: cannot make a zstd context");
  ZSTD_DCtx_reset(ctx, ZSTD_reset_session_and_parameters);
  size_t rc = ZSTD_DCtx_refPrefix(ctx, dictionary.data(), dictionary.size());
  if (ZSTD_isError(rc)) return Status::Internal(std::string("run log: ") + ZSTD_getErrorName(rc));
  std::string out(static_cast<size_t>(size), '\0');
  size_t n = ZSTD_decompressDCtx(ctx, out.data(), out.size(), compressed.data(), compressed.size());
  if (ZSTD_isError(n)) return damaged(ZSTD_getErrorName(n));
  if (n != out.size()) return damaged("it is shorter than it claims");
  return out;
}

Result<std::vector<Event>> ParseLogLines(std::string_view lines, const std::string& run_id, int64_t after_seq) {
  std::vector<Event> out;
  size_t pos = 0;
  int64_t last = 0;
  while (pos < lines.size()) {
    size_t end = lines.find('\n', pos);
    if (end == std::string_view::npos) return Status::Internal("the log of run " + run_id + " ends mid-line");
    std::string_view line = lines.substr(pos, end - pos);
    pos = end + 1;
    size_t t1 = line.find('\t');
    size_t t2 = t1 == std::string_view::npos ? t1 : line.find('\t', t1 + 1);
    size_t t3 = t2 == std::string_view::npos ? t2 : line.find('\t', t2 + 1);
    Event e;
    if (t3 == std::string_view::npos || !ParseInt(line.substr(0, t1), e.seq) ||
        !ParseInt(line.substr(t2 + 1, t3 - t2 - 1), e.at) || e.seq <= last) {
      return Status::Internal("the log of run " + run_id + " has a bad line after event " + std::to_string(last));
    }
    last = e.seq;
    if (e.seq <= after_seq) continue;
    e.run_id = run_id;
    e.type = std::string(line.substr(t1 + 1, t2 - t1 - 1));
    e.payload = Json::parse(line.substr(t3 + 1), nullptr, /*allow_exceptions=*/false);
    if (e.payload.is_discarded()) {
      return Status::Internal("event " + std::to_string(e.seq) + " of run " + run_id + " is not JSON");
    }
    out.push_back(std::move(e));
  }
  return out;
}

uint64_t ArtifactHash(std::string_view artifact_id) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : artifact_id) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

void AppendArtifactHash(std::string& hashes, uint64_t hash) {
  for (int i = 0; i < 8; ++i) hashes.push_back(static_cast<char>((hash >> (8 * i)) & 0xff));
}

bool HoldsArtifactHash(std::string_view hashes, uint64_t hash) {
  for (size_t at = 0; at + 8 <= hashes.size(); at += 8) {
    uint64_t h = 0;
    for (int i = 7; i >= 0; --i) h = (h << 8) | static_cast<unsigned char>(hashes[at + i]);
    if (h == hash) return true;
  }
  return false;
}

}  // namespace sandbox::store
