#include "lease_lock.hpp"

#include "guarded_driver.hpp"

#include <strata/types.hpp>

#include <charconv>
#include <cstdio>
#include <exception>
#include <random>
#include <thread>

#include <unistd.h>

namespace strata::detail {
namespace {

std::string host_name() {
  char buffer[256] = {};
  if (gethostname(buffer, sizeof buffer - 1) != 0) return "unknown host";
  return buffer;
}

// This process's holder text: the host and pid an operator looks for, and a nonce, so that a
// pid reused after a restart (a container's pid 1) is never taken for the earlier holder.
std::string holder_text() {
  std::random_device random;
  char nonce[9];
  std::snprintf(nonce, sizeof nonce, "%08x", random());
  return host_name().substr(0, 150) + " pid " + std::to_string(getpid()) + " #" + nonce;
}

std::int64_t integer(const Value& v, const std::string& table) {
  if (auto i = std::get_if<std::int64_t>(&v)) return *i;
  if (auto d = std::get_if<double>(&v)) return static_cast<std::int64_t>(*d);
  if (auto s = std::get_if<std::string>(&v)) {
    std::int64_t i = 0;
    auto [end, ec] = std::from_chars(s->data(), s->data() + s->size(), i);
    if (ec == std::errc() && end == s->data() + s->size()) return i;
  }
  throw Error(ErrorKind::validation, "cannot read the lease table " + table + ": a number was expected");
}

std::string text(const Value& v) {
  if (auto s = std::get_if<std::string>(&v)) return *s;
  if (auto i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  return {};
}

std::string seconds(std::int64_t ms) {
  return std::to_string((ms + 500) / 1000) + " s";
}

// A serialization failure or deadlock (SQLSTATE class 40): on a Galera cluster, the row changed
// on another node at the same time; the acquisition is simply not won.
bool lost_race(const Error& e) {
  return e.sqlstate().rfind("40", 0) == 0 || e.server_code() == 1213;
}

// A read of the lock table, read again when it lost such a race: on a Galera node, another
// node's CREATE TABLE IF NOT EXISTS of the table aborts a read of it that runs at that moment.
template <class Read>
auto read_again_if_lost(Read read) {
  for (int attempt = 1;; ++attempt) {
    try {
      return read();
    } catch (const Error& e) {
      if (!lost_race(e) || attempt == 5) throw;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20 * attempt));
  }
}

}  // namespace

bool lease_recorded(Connection& connection, const std::string& ledger_table) {
  return read_again_if_lost([&] {
    std::string table = ledger_lock_table(ledger_table);
    if (!connection.catalog().table_exists(table)) return false;
    const Dialect& d = connection.dialect();
    Value key{ledger_table};
    return !connection.session()
                .query("SELECT " + d.quote_identifier("lock_kind") + " FROM " + qualified_table(connection, table) +
                           " WHERE " + d.quote_identifier("ledger_table") + " = " + d.placeholder(1) + " AND " +
                           d.quote_identifier("lock_kind") + " = 'lease'",
                       std::span(&key, 1))
                .empty();
  });
}

LeaseLock::LeaseLock(Connection& main, std::shared_ptr<Connection> own, std::shared_ptr<MigrationLock> server,
                     LeaseSettings settings)
    : main_(main),
      own_(std::move(own)),
      server_(std::move(server)),
      settings_(std::move(settings)),
      me_(holder_text()),
      clock_(link().dialect().server_clock_ms()) {
  if (clock_.empty())
    throw Error(ErrorKind::usage, "the " + std::string(link().dialect().name()) +
                                      " driver cannot read the server's clock, which the lease lock needs");
  // Renewed exactly where it has a connection of its own to renew on (see LeaseSettings).
  if ((own_ == nullptr) != exclusive_server_lock())
    throw Error(ErrorKind::internal, "LeaseLock: a lease that is renewed needs a connection of its own, and only it");
}

LeaseLock::~LeaseLock() {
  try {
    release();
  } catch (...) {  // the lease expires by itself
  }
}

std::string LeaseLock::table() const {
  return qualified_table(link(), ledger_lock_table(settings_.ledger_table));
}

// The table and this ledger's row, once: both are made by whoever comes first; a second
// migrator making them at the same moment fails harmlessly and finds them made.
void LeaseLock::ensure_row() {
  if (row_ensured_) return;
  const Dialect& d = link().dialect();
  auto q = [&](const char* name) { return d.quote_identifier(name); };
  std::string text = d.type_sql({PortableType::string, 200}), number = d.type_sql({PortableType::bigint});
  std::string create = "CREATE TABLE IF NOT EXISTS " + table() + " (" + q("ledger_table") + ' ' +
                       d.type_sql({PortableType::string, 128}) + " NOT NULL PRIMARY KEY, " + q("lock_kind") + ' ' +
                       d.type_sql({PortableType::string, 16}) + " NOT NULL, " + q("holder") + ' ' + text +
                       " NOT NULL, " + q("generation") + ' ' + number + " NOT NULL, " + q("acquired_ms") + ' ' +
                       number + " NOT NULL, " + q("expires_ms") + ' ' + number + " NOT NULL, " + q("heartbeat_ms") +
                       ' ' + number + " NOT NULL, " + q("holds_server_lock") + ' ' + number + " NOT NULL)";
  Value key{settings_.ledger_table};
  auto has_row = [&] {
    return !link()
                .session()
                .query("SELECT 1 FROM " + table() + " WHERE " + q("ledger_table") + " = " + d.placeholder(1),
                       std::span(&key, 1))
                .empty();
  };
  try {
    link().session().execute(create);
  } catch (const Error&) {
    if (!link().catalog().table_exists(ledger_lock_table(settings_.ledger_table))) throw;
  }
  if (!has_row()) {
    try {
      link().session().execute("INSERT INTO " + table() + " (" + q("ledger_table") + ", " + q("lock_kind") + ", " +
                                   q("holder") + ", " + q("generation") + ", " + q("acquired_ms") + ", " +
                                   q("expires_ms") + ", " + q("heartbeat_ms") + ", " + q("holds_server_lock") +
                                   ") VALUES (" + d.placeholder(1) + ", 'lease', '', 0, 0, 0, 0, 0)",
                               std::span(&key, 1));
    } catch (const Error&) {
      if (!has_row()) throw;
    }
  }
  row_ensured_ = true;
}

bool LeaseLock::try_acquire() {
  if (held_) return true;
  if (server_ && !server_held_) {
    if (!server_->try_acquire()) return false;
    server_held_ = true;
  }
  const Dialect& d = link().dialect();
  auto q = [&](const char* name) { return d.quote_identifier(name); };
  bool won = false;
  try {
    ensure_row();
    // With the server's lock held where it keeps every migrator out, a holder that held it too
    // is gone: its lease is taken over at once, not once it lapses.
    bool exclusive = exclusive_server_lock();
    std::vector<Value> params{me_, static_cast<std::int64_t>(settings_.length.count()), std::int64_t{exclusive ? 1 : 0},
                              settings_.ledger_table};
    won = link().session().execute(
              "UPDATE " + table() + " SET " + q("holder") + " = " + d.placeholder(1) + ", " + q("generation") + " = " +
                  q("generation") + " + 1, " + q("acquired_ms") + " = " + clock_ + ", " + q("expires_ms") + " = " +
                  clock_ + " + " + d.placeholder(2) + ", " + q("heartbeat_ms") + " = " + clock_ + ", " +
                  q("holds_server_lock") + " = " + d.placeholder(3) + " WHERE " + q("ledger_table") + " = " +
                  d.placeholder(4) + " AND (" + q("holder") + " = '' OR " + q("expires_ms") + " < " + clock_ +
                  (exclusive ? " OR " + q("holds_server_lock") + " = 1" : std::string()) + ")",
              params) == 1;
    if (won) {
      std::vector<Value> mine{settings_.ledger_table, me_};
      auto rows =
          link().session().query("SELECT " + q("generation") + " FROM " + table() + " WHERE " + q("ledger_table") +
                                     " = " + d.placeholder(1) + " AND " + q("holder") + " = " + d.placeholder(2),
                                 mine);
      // Taken from under us between the two statements: only a lease far shorter than a
      // round trip could expire so soon.
      won = !rows.empty();
      if (won) generation_ = integer(rows.at(0).at(0), table());
    }
  } catch (const Error& e) {
    if (!lost_race(e)) {
      if (server_held_) server_->release();
      server_held_ = false;
      throw;
    }
    // Lost to a concurrent change, maybe after this process's UPDATE won: what it wrote, if
    // anything, is let go, so that no row is held under a generation it never read.
    won = false;
    try {
      std::vector<Value> mine{settings_.ledger_table, me_};
      link().session().execute("UPDATE " + table() + " SET " + q("holder") + " = '', " + q("expires_ms") +
                                   " = 0 WHERE " + q("ledger_table") + " = " + d.placeholder(1) + " AND " +
                                   q("holder") + " = " + d.placeholder(2),
                               mine);
    } catch (const Error&) {  // it lapses by itself
    }
  }
  if (!won) {
    // Waiting with the server lock held would keep this node's other migrators from the lease.
    if (server_held_) server_->release();
    server_held_ = false;
    return false;
  }
  held_ = true;
  stopping_ = false;
  renewal_lost_ = false;
  // Renewed only where its expiry matters: the server's lock, where it keeps every migrator
  // out, does that job, and a second writer would only get in the way of the migration's own
  // (SQLite's single writer).
  if (!exclusive_server_lock()) renewer_ = std::thread([this] { renew_until_released(); });
  set_statement_fence(main_, [this] { check(); });
  return true;
}

void LeaseLock::renew_until_released() {
  const Dialect& d = link().dialect();
  auto q = [&](const char* name) { return d.quote_identifier(name); };
  std::string renew = "UPDATE " + table() + " SET " + q("expires_ms") + " = " + clock_ + " + " + d.placeholder(1) +
                      ", " + q("heartbeat_ms") + " = " + clock_ + " WHERE " + q("ledger_table") + " = " +
                      d.placeholder(2) + " AND " + q("generation") + " = " + d.placeholder(3) + " AND " + q("holder") +
                      " = " + d.placeholder(4);
  std::vector<Value> params{static_cast<std::int64_t>(settings_.length.count()), settings_.ledger_table, generation_,
                            me_};
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, settings_.length / 6, [&] { return stopping_; })) {
    try {
      if (link().session().execute(renew, params) != 1) {
        renewal_lost_ = true;
        return;
      }
      renewal_error_.clear();
    } catch (const std::exception& e) {  // tried again at the next beat; check() reads the expiry
      renewal_error_ = e.what();
    } catch (...) {
      renewal_error_ = "an unknown failure";
    }
  }
}

void LeaseLock::check() {
  if (renewal_lost_) lost("it was taken by another migrator after it lapsed");
  const Dialect& d = link().dialect();
  auto q = [&](const char* name) { return d.quote_identifier(name); };
  Value key{settings_.ledger_table};
  std::unique_lock lock(mutex_);
  std::vector<Row> rows;
  try {
    rows = link().session().query("SELECT " + q("generation") + ", " + q("holder") + ", " + q("expires_ms") + " - " +
                                      clock_ + " FROM " + table() + " WHERE " + q("ledger_table") + " = " +
                                      d.placeholder(1),
                                  std::span(&key, 1));
  } catch (const Error& e) {  // whatever stopped the read, the statement did not run
    lost("strata could not read it (" + e.message() + ")");
  }
  if (rows.empty()) lost("its row was deleted");
  if (integer(rows[0].at(0), table()) != generation_) lost("it lapsed and " + text(rows[0].at(1)) + " holds it now");
  std::int64_t left = integer(rows[0].at(2), table());
  if (!exclusive_server_lock() && left < settings_.length.count() / 3)
    lost(left <= 0 ? "it lapsed " + seconds(-left) + " ago (this process was paused, or could not renew it" +
                         (renewal_error_.empty() ? std::string(")") : ": " + renewal_error_ + ")")
                   : "it has only " + seconds(left) + " left and was not renewed" +
                         (renewal_error_.empty() ? std::string() : " (" + renewal_error_ + ")"));
}

void LeaseLock::lost(const std::string& why) {
  throw Error(ErrorKind::lock_timeout,
              "strata stopped before its next statement: the migration lock's lease (row '" + settings_.ledger_table +
                  "' of " + ledger_lock_table(settings_.ledger_table) + ") is no longer this migrator's: " + why +
                  ". Nothing after the last statement the ledger records was run; run migrate again");
}

void LeaseLock::release() {
  if (renewer_.joinable()) {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    renewer_.join();
  }
  std::exception_ptr failed;
  if (held_) {
    held_ = false;
    set_statement_fence(main_, nullptr);
    const Dialect& d = link().dialect();
    auto q = [&](const char* name) { return d.quote_identifier(name); };
    std::vector<Value> params{settings_.ledger_table, generation_, me_};
    try {
      link().session().execute("UPDATE " + table() + " SET " + q("holder") + " = '', " + q("expires_ms") +
                                   " = 0 WHERE " + q("ledger_table") + " = " + d.placeholder(1) + " AND " +
                                   q("generation") + " = " + d.placeholder(2) + " AND " + q("holder") + " = " +
                                   d.placeholder(3),
                               params);
    } catch (...) {  // the row lapses by itself; the server's lock goes all the same
      failed = std::current_exception();
    }
  }
  if (server_held_) {
    server_held_ = false;
    server_->release();
  }
  if (failed) std::rethrow_exception(failed);
}

std::string LeaseLock::holder() {
  const Dialect& d = link().dialect();
  auto q = [&](const char* name) { return d.quote_identifier(name); };
  Value key{settings_.ledger_table};
  std::vector<Row> rows = read_again_if_lost([&] {
    // Waiting for the server's lock on a database no lease was ever taken on: no table to read.
    if (!row_ensured_ && !link().catalog().table_exists(ledger_lock_table(settings_.ledger_table)))
      return std::vector<Row>{};
    std::unique_lock lock(mutex_);
    return link().session().query("SELECT " + q("holder") + ", " + q("expires_ms") + " - " + clock_ + ", " + clock_ +
                                      " - " + q("heartbeat_ms") + " FROM " + table() + " WHERE " + q("ledger_table") +
                                      " = " + d.placeholder(1),
                                  std::span(&key, 1));
  });
  if (!rows.empty() && !text(rows[0].at(0)).empty()) {
    std::int64_t left = integer(rows[0].at(1), table());
    if (left > 0)
      return "the lease of " + text(rows[0].at(0)) + " (renewed " + seconds(integer(rows[0].at(2), table())) +
             " ago, lapses in " + seconds(left) + " unless renewed)";
  }
  // The lease is free or lapsed: what waits is the server's lock, where it is held too.
  return server_ && !server_held_ ? server_->holder() : std::string();
}

Connection& LeaseLock::link() const {
  return own_ ? *own_ : main_;
}

bool LeaseLock::exclusive_server_lock() const {
  return server_ && settings_.server_lock_excludes;
}

std::string LeaseLock::describe() const {
  return "lease in " + ledger_lock_table(settings_.ledger_table) + ", " + seconds(settings_.length.count()) +
         (server_ ? ", with " + server_->describe() : std::string()) + "; " + settings_.why;
}

}  // namespace strata::detail
