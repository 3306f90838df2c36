// Templates in scenario strings: "{{ path }}" is replaced by a value from the
// run's context when the event is made (and the result is what the log
// records). Variables: request.<path>, run.{id,thread_id,agent,scenario},
// thread.id, agent.{type,name}, resume.<path>, now. Anything else is an
// unknown variable, reported when the fixture is loaded, never rendered as "".
//
// Any text and any value are safe here (issue 10): no recursion, linear
// passes, and the bytes insertions add to one rendering are capped.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/types.h"

namespace sandbox::script {

// Problems with the templates in `text` ("unknown variable \"x\"", "unclosed
// {{"), empty when it is fine.
std::vector<std::string> CheckTemplate(const std::string& text);
// The same for every string inside `value` (keys are not templated).
std::vector<std::string> CheckTemplates(const Json& value);

// `context` is an object with the roots above. Strings are inserted as they
// are, other JSON values as compact JSON; a missing value (or one nested
// deeper than limits::kMaxJsonDepth) renders as "". What insertions add to
// one call, over all the strings of `value` together, is at most
// limits::kMaxRenderedBytes: the insertion that reaches it is cut at a
// character boundary and later ones add nothing. Text outside the braces is
// always kept.
std::string RenderTemplate(const std::string& text, const Json& context);
Json RenderTemplates(const Json& value, const Json& context);
// The same with a context made only when a text has a variable: most script
// strings have none, and the engine's context copies the run's request.
using ContextSource = std::function<const Json&()>;
std::string RenderTemplate(const std::string& text, const ContextSource& context);
Json RenderTemplates(const Json& value, const ContextSource& context);

}  // namespace sandbox::script
