// Core state -> Middesk JSON (the Run, Step, Artifact, Source, Interrupt and
// Thread objects of ../shared/spec/openapi). Keys come out in the order the
// vendor documents them, so responses are byte-stable and easy to read.
#pragma once

#include "core/types.h"
#include "script/fixture.h"
#include "dialects/middesk/errors.h"

namespace sandbox::middesk {

OrderedJson RenderRun(const RunState& run, bool include_steps);
// Appends RenderRun(run, include_steps).dump(), written without building the
// tree (run_text.cpp). Like dump(), throws nlohmann's type_error 316 on a
// string that is not UTF-8.
void AppendRunText(std::string& out, const RunState& run, bool include_steps);
// Answers with the run as AppendRunText writes it; a string that is not
// UTF-8 (a bug upstream) goes through RenderRun and dump()'s replacement, as
// every other answer does (http/json_response.h).
void RespondRun(httplib::Response& res, int http_status, const RunState& run, bool include_steps);
// `runs` (oldest first, with steps) fill the thread's `steps` when given.
OrderedJson RenderThread(const Thread& thread, const std::vector<RunState>* runs = nullptr);
OrderedJson RenderAgent(const script::Agent& agent, Instant created_at);
// The list envelope: {"object":"list","data":[...],"has_more":...,"total_count":...}.
OrderedJson RenderList(OrderedJson data, bool has_more, int64_t total_count);
OrderedJson RenderRequester(const std::optional<Principal>& p);
// An interrupt as the Run's `interrupts` lists it.
OrderedJson RenderInterrupt(const Interrupt& i);

}  // namespace sandbox::middesk
