// A finished run's log as one compressed value (the run_logs table): its
// events as lines, compressed with zstd against a dictionary, and back.
// Private to lib/store.
//
// The lines are `seq \t type \t at \t payload \n`, the payload being the
// event's JSON text as run_events held it (JSON text never holds a raw tab
// or newline). The dictionary is the lines of an earlier run of the same
// script (log_dictionaries): runs of one script repeat nearly every byte
// but their ids and instants, so a 10 KiB log compresses to about 1 KiB.
// The same pair, with no dictionary, stores webhook delivery bodies
// (webhooks_store.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "core/status.h"

namespace sandbox::store {

// The largest log a run_logs value may expand to. A larger claim is a
// damaged (or hostile) database file, refused before anything is allocated.
inline constexpr size_t kMaxRunLogBytes = 64u << 20;

// Appends one event's line to `lines`.
void AppendLogLine(std::string& lines, int64_t seq, std::string_view type, int64_t at, std::string_view payload);
// Appends an event's line, its payload written as JSON text (core/json_text.h).
void AppendEventLine(std::string& lines, const Event& event);

// `lines` compressed against `dictionary` (may be empty).
[[nodiscard]] Result<std::string> CompressLog(const std::string& lines, const std::string& dictionary);

// The lines a value of CompressLog holds, given the same dictionary.
[[nodiscard]] Result<std::string> ExpandLog(std::string_view compressed, const std::string& dictionary);

// The events of `run_id` with seq > `after_seq` in `lines`, in order.
[[nodiscard]] Result<std::vector<Event>> ParseLogLines(std::string_view lines, const std::string& run_id,
                                                       int64_t after_seq);

// An artifact id's hash in artifact_hashes: FNV-1a, 64 bits. Stored, so it
// must never change.
uint64_t ArtifactHash(std::string_view artifact_id);

// Appends `hash` to a value of artifact_hashes (8 bytes, little-endian).
void AppendArtifactHash(std::string& hashes, uint64_t hash);

// Whether a value of artifact_hashes holds `hash`.
bool HoldsArtifactHash(std::string_view hashes, uint64_t hash);

}  // namespace sandbox::store
