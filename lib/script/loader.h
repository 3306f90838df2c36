// Reading fixture files into a FixtureSet, with every problem reported as
// "FILE: /json/pointer: what was expected" (or "FILE:LINE:COL: ..." for JSON
// syntax errors), so a user can go straight to the mistake.
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
Result<FixtureSet> ParseFixtureText(const std::string& text, const std::string& file,
                                    const IdGenerator& ids);

// Parses one scenario object (as stored with a run) for `agent_type`.
Result<Scenario> ParseScenario(const Json& scenario, const std::string& agent_type);

}  // namespace sandbox::script
