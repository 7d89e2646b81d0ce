#include "mysql_lock.hpp"

namespace strata::mysql {
namespace {

std::string text(const Value& v) {
  if (auto s = std::get_if<std::string>(&v)) return *s;
  if (auto i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  return "";
}

}  // namespace

std::string lock_name(std::string_view database, std::string_view ledger_table) {
  std::string name = "strata:" + std::string(database) + "." + std::string(ledger_table);
  if (name.size() <= 64) return name;
  return "strata:" + sha256_hex(name).substr(0, 40);
}

NamedLock::NamedLock(std::unique_ptr<sql::Connection> connection, std::string name)
    : connection_(std::move(connection)), name_(std::move(name)) {}

bool NamedLock::try_acquire() {
  std::vector<Value> name{name_};
  auto rows = run_query(*connection_, "SELECT GET_LOCK(?, 0)", name);
  const Value& result = rows.at(0).at(0);
  if (std::holds_alternative<std::nullptr_t>(result))
    throw Error(ErrorKind::connection, "GET_LOCK('" + name_ + "') failed on the server (it returned NULL)");
  held_ = text(result) == "1";
  return held_;
}

void NamedLock::release() {
  if (!held_) return;
  held_ = false;
  std::vector<Value> name{name_};
  run_query(*connection_, "SELECT RELEASE_LOCK(?)", name);
}

std::string NamedLock::holder() {
  std::vector<Value> name{name_};
  auto id = run_query(*connection_, "SELECT IS_USED_LOCK(?)", name);
  if (id.empty() || std::holds_alternative<std::nullptr_t>(id[0][0])) return "";
  std::vector<Value> connection{id[0][0]};
  auto rows = run_query(*connection_,
                        "SELECT USER, HOST, TIME, COALESCE(STATE, ''), COALESCE(LEFT(INFO, 80), '') "
                        "FROM information_schema.PROCESSLIST WHERE ID = ?",
                        connection);
  std::string who = "connection id " + text(id[0][0]);
  if (rows.empty()) return who;
  const Row& r = rows[0];
  return who + " (" + text(r[0]) + "@" + text(r[1]) + ", in its current state for " + text(r[2]) + " s" +
         (text(r[4]).empty() ? "" : ", running: " + text(r[4])) + ")";
}

}  // namespace strata::mysql
