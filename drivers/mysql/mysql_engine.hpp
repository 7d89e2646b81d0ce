// Servers that speak MySQL's protocol but keep other promises, recognised at connect from
// VERSION(), which the driver reads anyway: strata refuses them until the URL forces the
// profile that does not rely on those promises (lock=lease&transactional_ddl=off).
#pragma once

#include <strata/ascii.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace strata::mysql {

struct ForeignEngine {
  std::string name;     // "TiDB"
  std::string differs;  // what it does otherwise, for the refusal
  std::string lock;     // why GET_LOCK does not keep migrators apart there
};

// From VERSION() ("8.0.11-TiDB-v7.5.0", "8.0.30-Vitess").
inline std::optional<ForeignEngine> foreign_engine(std::string_view version) {
  std::string lower = ascii_lowercase(version);
  if (lower.find("-tidb-") != std::string::npos)
    return ForeignEngine{"TiDB",
                         "its schema changes are online and asynchronous, and its GET_LOCK differs from MySQL's",
                         "TiDB: GET_LOCK differs from MySQL's"};
  if (lower.find("vitess") != std::string::npos)
    return ForeignEngine{"Vitess",
                         "its schema changes may run as asynchronous online DDL, and GET_LOCK holds on the shard "
                         "server its session reached",
                         "Vitess: GET_LOCK holds on one shard server only"};
  return std::nullopt;
}

// The variables of a server (SHOW GLOBAL VARIABLES) that say GET_LOCK does not keep every
// migrator of its databases out: a lock of one server, it holds on one node of a Galera cluster
// (MariaDB, Percona XtraDB Cluster, MySQL with wsrep) and on one member of a Group Replication
// group in multi-primary mode, where every member takes writes. "" where it holds. `variable`
// gives a variable's value, "" for one the server lacks.
template <class Lookup>
std::string deployment_lock_gap(Lookup&& variable) {
  std::string provider = variable("wsrep_provider");
  if (variable("wsrep_on") == "ON" && !provider.empty() && provider != "none")
    return "a Galera cluster (wsrep_on): GET_LOCK holds on one node only";
  if (variable("group_replication_single_primary_mode") == "OFF" && !variable("group_replication_group_name").empty())
    return "a Group Replication group in multi-primary mode: GET_LOCK holds on one member only";
  return {};
}

}  // namespace strata::mysql
