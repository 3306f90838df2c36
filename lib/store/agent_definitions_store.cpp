// SqliteStore's AgentDefinitions (store/agent_definitions.h): the
// agent_definitions table.
#include "store/sqlite_store.h"
#include "store/store_internal.h"

namespace sandbox::store {

Status SqliteStore::PutAgentDefinition(const std::string& agent_type, const Json& definition, Instant clock_now) {
  std::lock_guard<WriterLock> g(db_->writer_mu);
  Transaction tx(*db_->writer);
  if (!tx.begin_status().ok()) return tx.begin_status();
  Statement q(*db_->writer,
              "INSERT INTO agent_definitions (ns, agent, definition, updated_at) VALUES (?1, ?2, ?3, ?4) "
              "ON CONFLICT (ns, agent) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at");
  q.Bind(1, ns_).Bind(2, agent_type).Bind(3, definition.dump()).Bind(4, clock_now);
  Status st = q.Run();
  if (st.ok()) st = SaveClock(clock_now);
  if (st.ok()) st = tx.Commit();
  return st;
}

Result<std::vector<Json>> SqliteStore::ListAgentDefinitions() {
  return WithReader([&](Connection& c) -> Result<std::vector<Json>> {
    Statement q(c, "SELECT definition FROM agent_definitions WHERE ns = ?1 ORDER BY agent");
    q.Bind(1, ns_);
    std::vector<Json> out;
    while (true) {
      auto row = q.Step();
      if (!row.ok()) return row.status();
      if (!row.value()) break;
      Json doc = ParseJsonColumn(q.Text(0));
      if (!doc.is_object()) return Status::Internal("an agent definition in the store is not a JSON object");
      out.push_back(std::move(doc));
    }
    return out;
  });
}

}  // namespace sandbox::store
