#include "pg_lock.hpp"

#include <unistd.h>

namespace strata::postgres {

std::int64_t advisory_key(std::string_view schema, std::string_view ledger_table) {
  std::string material = std::string("strata") + '\0' + std::string(schema) + '\0' + std::string(ledger_table);
  std::uint64_t key = std::stoull(sha256_hex(material).substr(0, 16), nullptr, 16);  // the first 8 bytes, big-endian
  return static_cast<std::int64_t>(key);
}

AdvisoryLock::AdvisoryLock(PgConnection& connection, std::int64_t key, std::string description)
    : connection_(connection), key_(key), description_(std::move(description)) {}

bool AdvisoryLock::try_acquire() {
  std::vector<Value> key{key_};
  auto rows = connection_.for_lock(
      [&] { return connection_.query("SELECT pg_catalog.pg_try_advisory_lock($1::bigint)", key); });
  held_ = std::get<std::int64_t>(rows.at(0).at(0)) != 0;
  if (held_) {
    // Say in pg_stat_activity since when this session migrates: a waiter's message shows it.
    std::vector<Value> name{"strata " STRATA_VERSION_STRING " pid " + std::to_string(::getpid()) +
                            ", migrating since " + utc_timestamp_now() + " UTC"};
    connection_.query("SELECT pg_catalog.set_config('application_name', $1, false)", name);
  }
  return held_;
}

void AdvisoryLock::release() {
  if (!held_) return;
  held_ = false;
  std::vector<Value> key{key_};
  connection_.query("SELECT pg_catalog.pg_advisory_unlock($1::bigint)", key);
  std::vector<Value> name{"strata " STRATA_VERSION_STRING " pid " + std::to_string(::getpid())};
  connection_.query("SELECT pg_catalog.set_config('application_name', $1, false)", name);
}

std::string AdvisoryLock::holder() {
  auto key = static_cast<std::uint64_t>(key_);
  std::vector<Value> params{std::to_string(key >> 32), std::to_string(key & 0xffffffffu)};
  auto rows = connection_.for_lock([&] {
    return connection_.query(
        "SELECT a.pid, a.application_name, a.usename::text, COALESCE(host(a.client_addr), 'a local socket'), "
        "to_char(now() - a.backend_start, 'HH24:MI:SS') "
        "FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1::oid AND l.objid = $2::oid AND l.objsubid = 1 "
        "AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())",
        params);
  });
  if (rows.empty()) return "";
  auto text = [](const Value& v) { return std::holds_alternative<std::string>(v) ? std::get<std::string>(v) : ""; };
  return "backend pid " + std::to_string(std::get<std::int64_t>(rows[0][0])) + " (application_name '" +
         text(rows[0][1]) + "', user " + text(rows[0][2]) + " from " + text(rows[0][3]) + ", connected for " +
         text(rows[0][4]) + ")";
}

}  // namespace strata::postgres
