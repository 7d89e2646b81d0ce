// Servers that speak PostgreSQL's protocol but keep other promises, recognised at connect from
// what every server reports at once (no query): strata refuses them until the URL forces the
// profile that does not rely on those promises (lock=lease&transactional_ddl=off).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace strata::postgres {

struct ForeignEngine {
  std::string name;     // "CockroachDB"
  std::string differs;  // what it does otherwise, for the refusal
  std::string lock;     // why the advisory lock does not keep migrators apart there
};

// From the ParameterStatus values `server_version` and `crdb_version` ("" when not reported).
inline std::optional<ForeignEngine> foreign_engine(std::string_view server_version, std::string_view crdb_version) {
  if (!crdb_version.empty() || server_version.find("CockroachDB") != std::string_view::npos)
    return ForeignEngine{"CockroachDB",
                         "its schema changes run as background jobs, outside the transaction that asked for them, "
                         "and its advisory locks do nothing unless enabled",
                         "CockroachDB: pg_try_advisory_lock always succeeds unless enabled"};
  if (server_version.find("-YB-") != std::string_view::npos)
    return ForeignEngine{"YugabyteDB",
                         "its DDL is not transactional by default and its advisory locks are off unless enabled",
                         "YugabyteDB: advisory locks are off unless enabled"};
  return std::nullopt;
}

}  // namespace strata::postgres
