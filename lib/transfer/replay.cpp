// The run stream from a log; see replay.h.
#include "transfer/replay.h"

#include "dialects/middesk/stream_frames.h"

namespace sandbox::transfer {

Result<std::string> ReplayStream(const std::vector<Event>& log) {
  middesk::RunStreamFrames frames;
  std::string out;
  for (const Event& e : log) {
    auto next = frames.Next(e);
    if (!next.ok()) return next.status();
    for (const auto& f : next.value()) out += f.Wire();
  }
  return out;
}

}  // namespace sandbox::transfer
