// The limits a fixture must stay within (issue 10): every one that the
// loader, the compiler, the match rules or the templates enforce, in one
// place, with why it exists. docs/scenarios.md ("Limits") lists them for
// users; keep the two in step. Each breach is a load error naming the file,
// line, column and JSON pointer, never a crash: fixture files are edited by
// hand and hot-reloaded into a running server, so the loader treats every
// byte as hostile until it has been measured.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sandbox::script::limits {

// --- files -------------------------------------------------------------------

// One fixture file. The shipped library's largest file is about 50 KB; the
// whole text is held in memory and scanned a few times.
inline constexpr size_t kMaxFileBytes = 4u << 20;  // 4 MiB
// All the files of a fixture folder together: what one load may read.
inline constexpr size_t kMaxTotalBytes = 16u << 20;  // 16 MiB
// *.json files in a fixture folder.
inline constexpr size_t kMaxFiles = 256;

// --- JSON text (checked by json_prescan.h before nlohmann parses it) ---------

// Nested arrays and objects; the top-level object is depth 1. nlohmann parses
// any depth, but copying, printing and destroying a value recurse once per
// level, so 100,000 levels overflow the stack. The shipped fixtures nest 15
// deep; the HTTP layer allows 64 in request bodies too.
inline constexpr int kMaxJsonDepth = 64;
// One string value, in bytes once decoded. Bounds what a message can echo
// and what one template can expand.
inline constexpr size_t kMaxStringBytes = 64u << 10;  // 64 KiB
// One object key, in bytes once decoded. Keys appear in JSON pointers of
// error messages, so this bounds their length (64 levels x 256 bytes).
inline constexpr size_t kMaxKeyBytes = 256;
// Members of one object. nlohmann's ordered_json looks for a duplicate key
// linearly on every insert, so parsing an object costs members squared:
// measured on 4 MiB of objects, 1,000 members took 4 s against 0.5 to 1.9 s
// for small objects; 256 stays within that.
inline constexpr size_t kMaxObjectMembers = 256;
// Numbers must be finite doubles: 1e400 is refused with its pointer (nlohmann
// would throw out_of_range from inside the parser).

// --- the scenario language -----------------------------------------------------

inline constexpr size_t kMaxAgents = 1000;  // in all files together
inline constexpr size_t kMaxScenariosPerAgent = 1000;
// Steps in one scenario, counting children, branch and on_timeout steps.
// Step refs are ints and each step is at least one instruction.
inline constexpr size_t kMaxStepsPerScenario = 10000;
// Step nesting: a top-level step is level 1; children, branch steps and
// on_timeout steps are one level below their step. The loader and the
// compiler recurse once per level.
inline constexpr int kMaxStepDepth = 16;
// Interrupt steps in one scenario. The compiler recurses once per interrupt
// met on the way through a scenario (each branch continues with everything
// after the interrupt), so this bounds its stack.
inline constexpr size_t kMaxInterruptsPerScenario = 100;
// Instructions (program.h) one scenario may compile to. A branch copies what
// follows its interrupt, so nested interrupts multiply; every running run
// holds its program in memory. Each scenario is compiled when it is loaded.
inline constexpr size_t kMaxProgramInstructions = 50000;
// Instructions of all scenarios together, compiled at load: bounds the work
// (and time) of one load or `validate`.
inline constexpr size_t kMaxTotalInstructions = 2000000;
// Retries of one scenario: each retry's stored script carries the entries
// still to come, so a workflow stores O(n^2) entries.
inline constexpr size_t kMaxRetriesPerScenario = 100;
// Fault rules of one scenario (docs/toolkit.md): each request to one of its
// runs tries them in turn.
inline constexpr size_t kMaxFaultsPerScenario = 32;
// Match rules of one scenario, and `matches` (regular expression) rules in
// all files together: each compiled expression may grow a matching cache of
// up to kRegexMaxMemBytes.
inline constexpr size_t kMaxMatchRulesPerScenario = 32;
inline constexpr size_t kMaxRegexRules = 256;

// --- numbers -----------------------------------------------------------------

// Any duration (step duration, interrupt timeout, retry backoff, schedule
// interval): 365 days. Offsets are sums of durations in int64 milliseconds;
// with this bound no sum over kMaxStepsPerScenario steps can overflow.
inline constexpr int64_t kMaxDurationMs = int64_t{365} * 24 * 3600 * 1000;
// Modus agent ids: 1 to 2^53 - 1, so JavaScript clients read them exactly.
inline constexpr int64_t kMaxModusId = (int64_t{1} << 53) - 1;
// A schedule's `start` lies between 1970-01-01T00:00:00Z and
// 9999-12-31T23:59:59.999Z (instants are milliseconds since 1970).
inline constexpr int64_t kMaxInstantMs = int64_t{253402300799999};

// --- regular expressions (`matches` rules, RE2 syntax) ----------------------------

// The pattern as written.
inline constexpr size_t kMaxRegexBytes = 1024;
// RE2's compiled program. When its lazy DFA runs out of memory RE2 falls back
// to an NFA that costs program size x input length per match; measured on
// this project's hardware, 1,000 to 2,000 instructions keep a pathological
// pattern on a 16 KiB input within tenths of a second, while 3,000 took
// seconds. `[\p{L}\p{N}]{1,50}` compiles to 67,003 and is refused.
inline constexpr int kMaxRegexProgramSize = 2000;
// RE2's memory budget for one expression: program plus DFA cache (RE2's own
// default, stated here so it is a decision, not an accident).
inline constexpr int64_t kRegexMaxMemBytes = 8 << 20;
// A request field longer than this never satisfies a `matches` rule: the
// bound on the input makes the worst case of a match a constant.
inline constexpr size_t kMaxMatchInputBytes = 16u << 10;  // 16 KiB

// --- templates ---------------------------------------------------------------

// What one RenderTemplate (one string) or RenderTemplates (one JSON value,
// all its strings together) may produce. A template can insert a request
// field many times; past this the output is cut (at a character boundary).
inline constexpr size_t kMaxRenderedBytes = 1u << 20;  // 1 MiB

// --- messages ----------------------------------------------------------------

// Problems reported per file; the rest are counted in one last line. Each
// problem's line:column costs a scan of the file.
inline constexpr size_t kMaxProblemsPerFile = 100;
// Input echoed inside a message ("got ...", "unknown variable ..."), in
// bytes; longer text is cut and ends with "...".
inline constexpr size_t kMaxEchoBytes = 80;

}  // namespace sandbox::script::limits
