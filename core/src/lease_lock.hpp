// The lease lock: the migration lock as a row of a table of strata's own, for deployments where
// the server's lock does not exclude every migrator (a Galera cluster's GET_LOCK holds on one
// node only). Private to libstrata; Target chooses it (docs/user-guide.md, "Where strata's lock
// holds").
//
// The table `<ledger>_lock` has one row per ledger: the holder, a generation raised by every
// acquisition, and the lease's expiry, all computed with the server's clock
// (Dialect::server_clock_ms), so that migrators on machines whose clocks differ agree. It records
// the lock kind in use ('lease'): a migrator that would take only the server lock refuses such a
// ledger (Target), since the two kinds would not exclude each other.
//
// While held:
//   - where the server's lock does not keep every migrator out, a thread renews the lease every sixth of its length, on
//   a connection of the lease's own
//     (outside the migration's transactions, whose snapshot would hide another migrator's
//     change), and gives up once the row is another's;
//   - before every statement the migration's connection runs (migrations' statements and the
//     ledger's writes alike), check() reads the row: once it is another migrator's (a new
//     generation), or, where it is renewed, has less than a third of its length left (this
//     process was paused, or could not renew), it throws Error(lock_timeout), so that the statement does not
//     run and nothing records it: the ledger says what a kill at that point would have left.
// Where the server's lock works at all (on one node of a cluster, say), it is held as well,
// taken first.
//
// Not thread-safe beyond its own renewal thread: used by the thread that runs the command.
#pragma once

#include <strata/driver.hpp>
#include <strata/ledger.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace strata::detail {

// Whether the ledger `ledger_table` is recorded as migrated under the lease lock (its lease
// table holds its row): what a migrator about to rely on the server's lock alone must refuse.
// One catalog read, and one query where the table exists.
bool lease_recorded(Connection& connection, const std::string& ledger_table);

struct LeaseSettings {
  std::string ledger_table;
  std::chrono::milliseconds length{30000};
  std::string why;  // why the lease is used ("a Galera cluster ..."; "?lock=lease")
  // Whether the server's lock, held with the lease, keeps every migrator of the database out
  // (Connection::lock_gap is ""). Then a lease whose holder held that lock too is taken over as
  // soon as the server's lock is obtained (its holder is gone), and the lease is neither renewed
  // nor judged by its expiry: only by its generation.
  bool server_lock_excludes = false;
};

class LeaseLock final : public MigrationLock {
 public:
  // `main` is the connection the command runs on: while the lease is held, its statements are
  // fenced by check(). `own` is a second connection to the same database for the lease's own
  // statements, needed only where the lease is renewed (see LeaseSettings); nullptr: they run on
  // `main`, outside its transactions but for check()'s read. `server` is the server's lock or
  // nullptr. `main` must outlive this lock.
  LeaseLock(Connection& main, std::shared_ptr<Connection> own, std::shared_ptr<MigrationLock> server,
            LeaseSettings settings);
  ~LeaseLock() override;
  LeaseLock(const LeaseLock&) = delete;
  LeaseLock& operator=(const LeaseLock&) = delete;

  bool try_acquire() override;
  void release() override;
  std::string holder() override;
  std::string describe() const override;

 private:
  std::string table() const;  // qualified and quoted
  void ensure_row();
  void renew_until_released();
  void check();
  [[noreturn]] void lost(const std::string& why);
  // The connection the lease's own statements run on: its own, or the command's.
  Connection& link() const;
  // Whether the server's lock is held with the lease and keeps every migrator out.
  bool exclusive_server_lock() const;

  Connection& main_;
  std::shared_ptr<Connection> own_;
  std::shared_ptr<MigrationLock> server_;
  LeaseSettings settings_;
  std::string me_;  // this process's holder text: user, host, pid, a nonce
  std::string clock_;
  bool row_ensured_ = false;
  bool held_ = false;
  bool server_held_ = false;
  std::int64_t generation_ = 0;

  std::mutex mutex_;  // guards own_ between the renewal thread and check()
  std::condition_variable wake_;
  bool stopping_ = false;
  std::atomic<bool> renewal_lost_{false};
  std::string renewal_error_;  // the last renewal's failure, under mutex_
  std::thread renewer_;
};

}  // namespace strata::detail
