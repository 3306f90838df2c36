// Bringing a database file to the schema this binary expects. A new file gets
// schema.sql (embedded at build time) in one go; an older file gets each
// forward migration in order, each in its own transaction, with
// PRAGMA user_version recording how far it got. A newer file is refused.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "store/sqlite.h"

namespace sandbox::store {

// The embedded text of schema.sql and the version it describes.
extern const char* const kSchemaSql;
inline constexpr int kSchemaVersion = 11;

struct Migration {
  int to_version;   // applied to a database at to_version - 1
  std::string sql;  // statements that turn that schema into this one
};

// The forward path from every released schema version to kSchemaVersion.
const std::vector<Migration>& ForwardMigrations();

// Applies `schema_sql` to an empty database, or `migrations` to an older one.
Status Migrate(Connection& conn, const std::string& schema_sql, int schema_version,
               const std::vector<Migration>& migrations);

Result<int> SchemaVersionOf(Connection& conn);

}  // namespace sandbox::store
