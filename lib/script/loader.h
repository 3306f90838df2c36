// Reading fixture files into a FixtureSet, with every problem reported as
// "FILE:LINE:COL: /json/pointer: what was expected" (or "FILE:LINE:COL: ..."
// for JSON syntax errors), so a user can go straight to the mistake. Any
// bytes are safe input: the limits of limits.h (docs/scenarios.md, "Limits")
// turn a hostile file into error lines, never a crash or a hang.
#pragma once

#include <string>
#include <vector>

#include "core/ids.h"
#include "core/status.h"
#include "script/fixture.h"

namespace sandbox::script {

// Loads one .json file, or every *.json file of a folder in name order.
// On failure the Status message lists every problem found, one per line.
Result<FixtureSet> LoadFixtures(const std::string& path, const IdGenerator& ids);

// Parses fixture text already in memory; `file` only names it in messages.
Result<FixtureSet> ParseFixtureText(const std::string& text, const std::string& file, const IdGenerator& ids);

// Parses one scenario object (as stored with a run) for `agent_type`, with
// the same checks as a fixture's, except that a `matches` pattern RE2
// refuses leaves that rule without an expression (it never matches) instead
// of failing: stored rules are not evaluated again.
Result<Scenario> ParseScenario(const Json& scenario, const std::string& agent_type);

}  // namespace sandbox::script
