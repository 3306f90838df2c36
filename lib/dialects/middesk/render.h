// Core state -> Middesk JSON (the Run, Step, Artifact, Source, Interrupt and
// Thread objects of ../shared/spec/openapi). Keys come out in the order the
// vendor documents them, so responses are byte-stable and easy to read.
#pragma once

#include "core/types.h"
#include "dialects/middesk/errors.h"

namespace sandbox::middesk {

OrderedJson RenderRun(const RunState& run, bool include_steps);
OrderedJson RenderThread(const Thread& thread);
OrderedJson RenderRequester(const std::optional<Principal>& p);

}  // namespace sandbox::middesk
