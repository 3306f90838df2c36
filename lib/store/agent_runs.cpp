// Store: one agent's run history, filtered and paged in SQL (the Modus runs
// list and workflow lookups), so a page costs the same with 10 runs or 100,000.
#include "store/store.h"
#include "store/store_internal.h"

namespace sandbox::store {
namespace {

// The WHERE clause shared by the page, its total and the counts. Parameters:
// ?1 ns, ?2 agent, ?3 started_since (or NULL), ?4 name_contains, ?5 fallback
// name; `with_status` adds ?6 status and ?7 requester JSON (or NULL).
std::string Where(bool with_status) {
  std::string w =
      " FROM runs WHERE ns = ?1 AND agent = ?2 AND (?3 IS NULL OR coalesce(started_at, created_at) >= ?3)"
      " AND (?4 = '' OR instr(lower(CASE WHEN agent_name = '' THEN ?5 ELSE agent_name END), ?4) > 0)";
  if (with_status) w += " AND (?6 IS NULL OR status = ?6) AND (?7 IS NULL OR requester = ?7)";
  return w;
}

void BindFilters(Statement& q, const std::string& ns, const AgentRunQuery& f, bool with_status) {
  q.Bind(1, ns).Bind(2, f.agent_type).Bind(3, f.started_since).Bind(4, f.name_contains).Bind(5, f.fallback_name);
  if (!with_status) return;
  q.Bind(6, f.status ? std::optional<std::string>(RunStatusName(*f.status)) : std::nullopt);
  q.Bind(7, f.requester ? std::optional<std::string>(PrincipalToJson(f.requester).dump()) : std::nullopt);
}

// The agent's top workflow number when its runs are exactly workflows
// 1..total, each a first attempt: then its history, newest first, is
// workflow numbers total, total-1, ... (the writer numbers an agent's
// workflows in the order it creates runs), and a page is a range found by
// one seek. A retry (a second attempt of one number) breaks the rule, and
// pages fall back to OFFSET, which steps over every run before the page.
Result<std::optional<int64_t>> DenseWorkflowTop(Connection& c, const std::string& ns, const std::string& agent,
                                                int64_t total) {
  Statement q(c, "SELECT max(agent_seq) FROM runs WHERE ns = ?1 AND agent = ?2");
  q.Bind(1, ns).Bind(2, agent);
  auto row = q.Step();
  if (!row.ok()) return row.status();
  if (q.Int(0) != total) return std::optional<int64_t>();
  return std::optional<int64_t>(total);
}

}  // namespace

Result<AgentRunPage> SqliteStore::ListAgentRuns(const AgentRunQuery& f) {
  return WithReader([&](Connection& c) -> Result<AgentRunPage> {
    AgentRunPage page;
    // Without a time or name filter the counts are kept rows
    // (run_status_counts), and so is the total unless a requester narrows it.
    const bool kept = !f.started_since && f.name_contains.empty();
    Statement counts(c, kept ? "SELECT status, n FROM run_status_counts WHERE ns = ?1 AND agent = ?2 AND n > 0"
                             : "SELECT status, count(*)" + Where(false) + " GROUP BY status");
    if (kept) {
      counts.Bind(1, ns_).Bind(2, f.agent_type);
    } else {
      BindFilters(counts, ns_, f, false);
    }
    while (true) {
      auto r = counts.Step();
      if (!r.ok()) return r.status();
      if (!r.value()) break;
      auto status = ParseRunStatus(counts.Text(0));
      if (!status) return Status::Internal("a run has an unknown status: " + counts.Text(0));
      page.counts[*status] = counts.Int(1);
    }
    if (kept && !f.requester) {
      page.total = 0;
      for (const auto& [status, n] : page.counts) {
        if (!f.status || status == *f.status) page.total += n;
      }
    } else {
      Statement total(c, "SELECT count(*)" + Where(true));
      BindFilters(total, ns_, f, true);
      auto row = total.Step();
      if (!row.ok()) return row.status();
      page.total = total.Int(0);
    }
    std::optional<int64_t> top;
    if (kept && !f.requester && !f.status) {
      auto dense = DenseWorkflowTop(c, ns_, f.agent_type, page.total);
      if (!dense.ok()) return dense.status();
      top = dense.value();
    }
    Statement q(c, std::string("SELECT ") + kRunColumns +
                       (top ? " FROM runs WHERE ns = ?1 AND agent = ?2 AND agent_seq <= ?3"
                              " ORDER BY agent_seq DESC LIMIT ?4"
                            : Where(true) + " ORDER BY ordinal DESC LIMIT ?8 OFFSET ?9"));
    if (top) {
      q.Bind(1, ns_).Bind(2, f.agent_type).Bind(3, *top - f.offset).Bind(4, f.limit);
    } else {
      BindFilters(q, ns_, f, true);
      q.Bind(8, f.limit).Bind(9, f.offset);
    }
    auto runs = LoadRuns(c, q, /*with_steps=*/false);
    if (!runs.ok()) return runs.status();
    page.runs = std::move(runs).value();
    return page;
  });
}

Result<std::vector<RunState>> SqliteStore::WorkflowExecutions(const std::string& agent_type, int64_t agent_seq) {
  return WithReader([&](Connection& c) -> Result<std::vector<RunState>> {
    Statement q(c, std::string("SELECT ") + kRunColumns +
                       " FROM runs WHERE ns = ?1 AND agent = ?2 AND agent_seq = ?3 ORDER BY attempt");
    q.Bind(1, ns_).Bind(2, agent_type).Bind(3, agent_seq);
    return LoadRuns(c, q, /*with_steps=*/false);
  });
}

Result<std::map<std::string, int64_t>> SqliteStore::WorkflowCounts() {
  return WithReader([&](Connection& c) -> Result<std::map<std::string, int64_t>> {
    // Agent by agent through runs_by_agent_seq (a skip-scan written out), so
    // the cost is one index seek per agent, not a read of every run.
    Statement q(c,
                "WITH RECURSIVE agents(agent) AS (SELECT min(agent) FROM runs WHERE ns = ?1 UNION ALL "
                "SELECT (SELECT min(agent) FROM runs WHERE ns = ?1 AND agent > agents.agent) FROM agents "
                "WHERE agents.agent IS NOT NULL) "
                "SELECT agent, (SELECT max(agent_seq) FROM runs WHERE ns = ?1 AND agent = agents.agent) FROM agents "
                "WHERE agent IS NOT NULL");
    q.Bind(1, ns_);
    std::map<std::string, int64_t> out;
    while (true) {
      auto row = q.Step();
      if (!row.ok()) return row.status();
      if (!row.value()) return out;
      out[q.Text(0)] = q.Int(1);
    }
  });
}

}  // namespace sandbox::store
