// The run stream from a log; see replay.h.
#include "transfer/replay.h"

#include "dialects/middesk/stream_frames.h"
#include "dialects/modus/runtime_frames.h"

namespace sandbox::transfer {

std::optional<StreamDialect> StreamDialectNamed(const std::string& name) {
  if (name == "middesk") return StreamDialect::kMiddesk;
  if (name == "modus") return StreamDialect::kModus;
  return std::nullopt;
}

StreamDialect StreamDialectOfNamespace(const std::string& ns) {
  return ns.rfind("org-", 0) == 0 ? StreamDialect::kModus : StreamDialect::kMiddesk;
}

Result<std::string> ReplayStream(const std::vector<Event>& log, StreamDialect dialect) {
  std::string out;
  if (dialect == StreamDialect::kModus) {
    modus::RuntimeFrames frames;
    for (const Event& e : log) {
      if (auto frame = frames.Next(e)) out += frame->Wire();
    }
    return out;
  }
  middesk::RunStreamFrames frames;
  for (const Event& e : log) {
    auto next = frames.Next(e);
    if (!next.ok()) return next.status();
    for (const auto& f : next.value()) out += f.Wire();
  }
  // A run that waits for an answer: the live stream ends with this too.
  out += frames.PauseEnding();
  return out;
}

}  // namespace sandbox::transfer
