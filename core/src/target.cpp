#include "target.hpp"

#include "lease_lock.hpp"

#include <strata/plugin/loader.hpp>

#include <algorithm>
#include <charconv>
#include <thread>

namespace strata::detail {
namespace {

using Clock = std::chrono::steady_clock;

std::chrono::milliseconds since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

// Objects a plugin made must die before the plugin is unloaded: each one keeps its maker alive.
template <typename T, typename Owner>
std::shared_ptr<T> keep_alive(std::unique_ptr<T> object, std::shared_ptr<Owner> owner) {
  return std::shared_ptr<T>(object.release(), [owner](T* p) { delete p; });
}

}  // namespace

HeldLock::~HeldLock() {
  try {
    release();
  } catch (...) {  // the database or the OS releases it when the connection or process ends
  }
}

HeldLock& HeldLock::operator=(HeldLock&& other) noexcept {
  if (this != &other) {
    try {
      release();
    } catch (...) {  // as in the destructor
    }
    lock_ = std::move(other.lock_);
  }
  return *this;
}

void HeldLock::release() {
  if (auto lock = std::exchange(lock_, nullptr)) lock->release();
}

namespace {

// The lock the URL asks for (`lock=server|lease`, `lease_seconds=N`); Error(usage) naming a
// value strata does not take.
LockChoice lock_choice(const DatabaseUrl& url) {
  LockChoice choice;
  if (auto kind = url.param("lock")) {
    if (*kind == "server")
      choice.kind = LockChoice::Kind::server;
    else if (*kind == "lease")
      choice.kind = LockChoice::Kind::lease;
    else
      throw Error(ErrorKind::usage, "the URL parameter lock takes 'server' or 'lease', not '" + *kind + "'");
  }
  if (auto text = url.param("lease_seconds")) {
    int value = 0;
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (ec != std::errc() || end != text->data() + text->size() || value < 3 || value > 3600)
      throw Error(
          ErrorKind::usage,
          "the URL parameter lease_seconds takes a whole number of seconds from 3 to 3600, not '" + *text + "'");
    choice.lease_length = std::chrono::seconds(value);
  }
  return choice;
}

}  // namespace

Target::Target(const Options& options, EventSink emit)
    : options_(options),
      emit_(std::move(emit)),
      url_(DatabaseUrl::parse(options.url)),
      lock_choice_(lock_choice(url_)) {
  url_ = without_core_parameters(std::move(url_));
}

void Target::load_driver() {
  if (!driver_) driver_ = plugin::Loader(options_.plugin_dirs).load(url_.scheme);
}

namespace {

ConnectOptions connect_options(const Options& options, const DatabaseUrl& url, Access access) {
  ConnectOptions o{url};
  o.statement_timeout = options.statement_timeout;
  o.lock_wait_timeout = options.ddl_lock_timeout;
  // A stopped server is given up when the lock would have been: no sooner than 5 s.
  o.answer_timeout = std::max(options.lock_timeout, std::chrono::milliseconds(5000));
  o.create_schema = options.create_schema;
  o.create_database = access == Access::may_create;
  o.own_process = options.own_process;
  return o;
}

}  // namespace

void Target::connect(Access access, std::optional<Error> failed) {
  if (connection_) return;
  load_driver();
  ConnectOptions options = connect_options(options_, url_, access);
  // try_connect's options are these exactly when nothing may be created.
  int attempt = failed && !options.create_database && !options.create_schema ? 1 : 0;
  auto retry_or_throw = [&](const Error& e, int failed_attempt) {
    if (e.kind() != ErrorKind::connection || failed_attempt >= options_.connect_retries) throw e;
    emit_(Event::Type::connect_retry,
          "cannot connect yet (attempt " + std::to_string(failed_attempt + 1) + " of " +
              std::to_string(options_.connect_retries + 1) + "): " + e.message(),
          nullptr, {});
    std::this_thread::sleep_for(std::chrono::seconds(1));
  };
  if (attempt == 1) retry_or_throw(*failed, 0);
  std::shared_ptr<Connection> connection;
  for (;; ++attempt) {
    try {
      connection = keep_alive(driver_->connect(options), driver_);
      break;
    } catch (const Error& e) {
      retry_or_throw(e, attempt);
    }
  }
  auto ledger = std::make_unique<Ledger>(*connection, options_.ledger_table);
  connection_ = std::move(connection);
  ledger_ = std::move(ledger);
}

std::optional<Error> Target::try_connect() {
  if (connection_) return std::nullopt;
  try {
    load_driver();
    ConnectOptions options = connect_options(options_, url_, Access::read_only);
    options.create_schema = false;
    std::shared_ptr<Connection> connection = keep_alive(driver_->connect(options), driver_);
    auto ledger = std::make_unique<Ledger>(*connection, options_.ledger_table);
    connection_ = std::move(connection);
    ledger_ = std::move(ledger);
  } catch (const Error& e) {
    return e;
  }
  return std::nullopt;
}

std::vector<LedgerRow> Target::ledger_rows() {
  return ledger_->exists() ? ledger_->read() : std::vector<LedgerRow>{};
}

std::shared_ptr<MigrationLock> Target::make_lock() {
  auto made = connection_->make_lock(LockScope{options_.ledger_table});
  std::string gap = connection_->lock_gap();
  if (!made && gap.empty()) return nullptr;  // nothing else can open this database
  // Without a lock of the server's, where one would not hold (a transaction pooler): the lease alone.
  std::shared_ptr<MigrationLock> server = made ? keep_alive(std::move(made), connection_) : nullptr;
  if (lock_choice_.kind == LockChoice::Kind::server && !gap.empty())
    throw Error(ErrorKind::usage, "lock=server cannot keep migrators apart here: " + gap +
                                      "; leave the URL's lock parameter out, and strata takes the lease lock");
  // Migrators relying on the server's lock alone would not keep out those that take the lease
  // where the server's lock does not hold: once a ledger is migrated under the lease, every
  // migrator takes it (one that asks for the server's lock is refused).
  bool recorded = lease_recorded(*connection_, options_.ledger_table);
  if (lock_choice_.kind == LockChoice::Kind::server && recorded)
    throw Error(ErrorKind::usage, "the ledger " + options_.ledger_table +
                                      " is migrated under the lease lock (its row in " +
                                      ledger_lock_table(options_.ledger_table) +
                                      "), which the server's lock alone would not keep out: leave out lock=server "
                                      "(to go back to the server's lock, delete that row while no migrator runs)");
  if (lock_choice_.kind == LockChoice::Kind::server ||
      (lock_choice_.kind == LockChoice::Kind::automatic && gap.empty() && !recorded))
    return server;
  std::string why = !gap.empty()                                   ? "chosen since on " + gap
                    : lock_choice_.kind == LockChoice::Kind::lease ? "the URL asks for it (lock=lease)"
                                                                   : "the ledger is migrated under it";
  LeaseSettings settings{options_.ledger_table, lock_choice_.lease_length, why, gap.empty()};
  if (!gap.empty())
    emit_(Event::Type::lock_notice, "taking the lease lock: on " + gap + " (user guide: \"Where strata's lock holds\")",
          nullptr, {});
  // Where the lease is renewed, a connection of its own reads and renews the row outside the
  // command's transactions.
  std::shared_ptr<Connection> own;
  if (!gap.empty()) own = keep_alive(driver_->connect(connect_options(options_, url_, Access::read_only)), driver_);
  return std::make_shared<LeaseLock>(*connection_, std::move(own), std::move(server), std::move(settings));
}

HeldLock Target::lock() {
  std::shared_ptr<MigrationLock> lock = make_lock();
  if (!lock) return HeldLock(nullptr);
  auto begun = Clock::now();
  auto pause = std::chrono::milliseconds(10);
  bool announced = false;
  while (!lock->try_acquire()) {
    if (since(begun) >= options_.lock_timeout) {
      std::string holder = lock->holder();
      throw Error(ErrorKind::lock_timeout,
                  "the migration lock (" + lock->describe() + ") was not obtained within " +
                      std::to_string(options_.lock_timeout.count()) + " ms" +
                      (holder.empty() ? std::string("; another migrator holds it") : "; it is held by " + holder));
    }
    if (!announced)
      emit_(Event::Type::waiting_for_lock, "waiting for the migration lock (" + lock->describe() + ")", nullptr, {});
    announced = true;
    auto left = options_.lock_timeout - since(begun);
    std::this_thread::sleep_for(std::max(std::chrono::milliseconds(1), std::min(pause, left)));
    // At most 100 ms between attempts: waiters behind a short migration (8 instances starting
    // at once) should not each sleep long after the lock is free.
    pause = std::min(pause * 2, std::chrono::milliseconds(100));
  }
  emit_(Event::Type::lock_acquired, "migration lock acquired (" + lock->describe() + ")", nullptr, {});
  return HeldLock(lock);
}

bool Target::ensure_ledger() {
  bool created = !ledger_->exists();
  Ledger::Upgrade found{ledger_format_version, ledger_format_version};
  {
    Transaction transaction = this->transaction();
    if (created)
      ledger_->create();
    else
      found = ledger_->upgrade();
    transaction.commit();
  }
  const std::string& table = options_.ledger_table;
  if (created)
    emit_(Event::Type::ledger_created, "created the ledger " + table, nullptr, {});
  else if (found.from == 0)
    emit_(Event::Type::ledger_upgraded, "completed the creation of the ledger " + table, nullptr, {});
  else if (found.to > found.from)  // a newer format this strata can use is left as it is
    emit_(Event::Type::ledger_upgraded,
          "upgraded the ledger " + table + " from format " + std::to_string(found.from) + " to " +
              std::to_string(found.to) +
              (found.to < ledger_format_version ? " (format " + std::to_string(ledger_format_version) +
                                                      " once the migration in doubt an older strata left is resolved)"
                                                : ""),
          nullptr, {});
  return created;
}

void Target::wait_for_orphans(std::span<const LedgerRow> rows) {
  auto begun = Clock::now();
  for (const auto& row : rows) {
    if (row.success || !row.in_doubt || row.session_id.empty()) continue;
    bool announced = false;
    while (session_busy(row)) {
      if (since(begun) >= options_.lock_timeout)
        throw Error(ErrorKind::lock_timeout, "the statement " + std::to_string(row.statements_done + 1) + " of " +
                                                 row.script +
                                                 " that a stopped migrator started still runs on the server (" +
                                                 row.session_id + "); wait for it, or end that session");
      if (!announced)
        emit_(Event::Type::waiting_for_lock,
              "waiting for " + row.session_id + ", which still runs statement " +
                  std::to_string(row.statements_done + 1) + " of " + row.script + " for a stopped migrator",
              nullptr, {});
      announced = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
  }
}

// Whether the session a ledger row records still runs a statement. The id is read from the
// ledger: one the driver cannot take is refused naming where it was read.
bool Target::session_busy(const LedgerRow& row) {
  try {
    return connection_->session_busy(row.session_id);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::validation) throw;
    throw Error(ErrorKind::validation, "cannot read the ledger " + options_.ledger_table + ": row installed_rank " +
                                           std::to_string(row.installed_rank) + ", column session_id: " + e.message());
  }
}

bool Target::has_user_tables() {
  auto tables = connection_->catalog().tables();
  return std::any_of(tables.begin(), tables.end(),
                     [&](const std::string& t) { return !is_ledger_table(t, options_.ledger_table); });
}

void Target::append(LedgerRow row) {
  row.installed_by = connection_->user_name();
  row.installed_on = utc_timestamp_now();
  row.session_id = connection_->session_id();
  ledger_->append(row);
}

void Target::append_adopted(LedgerRow row) {
  if (row.installed_by.empty()) row.installed_by = connection_->user_name();
  row.installed_on = utc_timestamp_now();
  ledger_->append(row);
}

Transaction Target::transaction() {
  return Transaction(connection_->session(), connection_->capabilities().transactional_ddl);
}

}  // namespace strata::detail
