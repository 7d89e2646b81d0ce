// The target of a run: one database, reached through its driver, holding strata's own state
// (the ledger) and the means to have it to oneself (the migration lock). Everything a command
// needs of a database before it plans and after it has decided lives here: resolving the
// driver, connecting with retries, the lock, creating and upgrading the ledger, waiting for a
// stopped migrator's statement, transactions. A new lock kind, or a fleet of targets, is a
// change here and nowhere else. Private to libstrata.
#pragma once

#include "event_sink.hpp"
#include "transaction.hpp"

#include <strata/engine.hpp>
#include <strata/ledger.hpp>
#include <strata/url.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace strata::detail {

// Whether a command may create a missing database: only those that write.
enum class Access { read_only, may_create };

// Holds the migration lock for its scope; released on every way out.
class HeldLock {
 public:
  explicit HeldLock(std::shared_ptr<MigrationLock> lock) : lock_(std::move(lock)) {}
  ~HeldLock();
  HeldLock(HeldLock&&) noexcept = default;
  HeldLock(const HeldLock&) = delete;
  HeldLock& operator=(const HeldLock&) = delete;
  HeldLock& operator=(HeldLock&& other) noexcept;  // releases the one it held
  // False where the backend needs no lock (a database no other process can open).
  bool held() const { return lock_ != nullptr; }
  // Releases it now, before the scope ends.
  void release();

 private:
  std::shared_ptr<MigrationLock> lock_;
};

// The migration lock a URL asks for (its `lock` and `lease_seconds` parameters).
struct LockChoice {
  enum class Kind { automatic, server, lease };
  Kind kind = Kind::automatic;  // the server's lock where it excludes every migrator, else the lease
  std::chrono::milliseconds lease_length{30'000};
};

// Not thread-safe: one command at a time. The options and the sink must outlive it. The
// driver and connection are kept for the Target's life, so that an Engine's second command
// reuses them; objects a plugin made keep the plugin loaded until they are gone.
class Target {
 public:
  Target(const Options& options, EventSink emit);

  const DatabaseUrl& url() const { return url_; }
  // Loads the driver for the URL's scheme (once): a wrong URL or plugin is reported first.
  void load_driver();
  // Connects (once), retrying a connection error up to Options::connect_retries times, 1 s apart.
  // `failed` is what try_connect() reported: where its options were these (a command that
  // creates nothing), it counts as the first attempt.
  void connect(Access access, std::optional<Error> failed = std::nullopt);
  // Connects once, without retrying and without creating a database or schema; the error when it
  // could not, reported to no one. For reading the ledger while the migrations are read; then
  // connect() connects and reports what was wrong.
  std::optional<Error> try_connect();
  bool connected() const { return connection_ != nullptr; }

  // Valid after connect(), for the life of this Target.
  Connection& connection() { return *connection_; }
  Ledger& ledger() { return *ledger_; }

  // Step 0's read: the ledger's rows, none when it does not exist yet.
  std::vector<LedgerRow> ledger_rows();
  // Step 1: the migration lock, waiting up to Options::lock_timeout (Error(lock_timeout) then,
  // naming the holder where the backend knows it).
  HeldLock lock();
  // Step 2: the ledger exists in this strata's format; returns whether it was created.
  bool ensure_ledger();
  // A migrator killed mid-statement can leave that statement running on the server: waits for
  // it (up to the lock timeout) so that what the run reports about it is final.
  void wait_for_orphans(std::span<const LedgerRow> rows);
  // Whether the database has tables other than strata's own (baseline on migrate).
  bool has_user_tables();
  // Appends a row written by this session's user, now (a baseline).
  void append(LedgerRow row);
  // Appends a row another tool applied (`adopt`): its installed_by kept (this user's where it has
  // none), installed_on now, no session (none of this database's ran it for strata).
  void append_adopted(LedgerRow row);
  // A transaction where DDL is transactional; none (statement by statement) otherwise.
  Transaction transaction();

 private:
  bool session_busy(const LedgerRow& row);
  // The lock the URL and the deployment call for (lease_lock.hpp), not yet taken; nullptr where
  // none is needed.
  std::shared_ptr<MigrationLock> make_lock();

  const Options& options_;
  EventSink emit_;
  DatabaseUrl url_;  // without the core's own parameters
  LockChoice lock_choice_;
  std::shared_ptr<Driver> driver_;
  std::shared_ptr<Connection> connection_;
  std::unique_ptr<Ledger> ledger_;
};

}  // namespace strata::detail
