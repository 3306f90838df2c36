// What handlers tell the edge about the request they are serving, for the
// request journal (http/journal.h): the route it matched, the namespace and
// account it addressed, and the run it touched. Each call concerns the
// request the calling thread is serving, and does nothing on a thread that
// is not serving one (unit tests call handlers directly).
#pragma once

#include <string>

namespace sandbox::http {

struct Route;

void NoteRoute(const Route* route);
void NoteNamespace(const std::string& ns, const std::string& account);
void NoteRun(const std::string& run_id);
// The run noted so far (the route's run path parameter, or NoteRun); "" when none.
std::string RunOfThisRequest();
// The fault injected into the answer (http/faults.h), e.g. "status 503 (fault f_2)".
void NoteFault(const std::string& fault);

}  // namespace sandbox::http
