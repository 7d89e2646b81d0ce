// The executor: runs prepared scripts against a connection and records them in the ledger.
// Private to libstrata; the Engine decides what runs, the executor only how.
#pragma once

#include "catalog_cache.hpp"
#include "event_sink.hpp"
#include "prepare.hpp"

#include <strata/ledger.hpp>
#include <strata/render.hpp>
#include <strata/report.hpp>

#include <functional>
#include <span>

namespace strata::detail {

class Executor {
 public:
  // `strict`: a portable operation that finds drift fails instead of warning.
  Executor(Connection& connection, Ledger& ledger, bool strict, EventSink emit);

  // Runs one migration or undo: in one transaction with its ledger row where the backend and
  // the script allow it, otherwise statement by statement with recorded progress.
  AppliedMigration run(const PreparedScript& script);
  // Runs every script, and their ledger rows, in one transaction.
  std::vector<AppliedMigration> run_in_one_transaction(std::span<const PreparedScript> scripts);
  // What this executor's runs found that the report shows as warnings, in order: a portable
  // operation's drift, a session a migration left changed (each also an event as it happens).
  const std::vector<std::string>& warnings() const noexcept { return warnings_; }

 private:
  AppliedMigration run_transactional(const PreparedScript& script);
  AppliedMigration run_with_progress(const PreparedScript& script);
  void execute(const PreparedScript& script, std::size_t index, const std::string& hint = "");
  void check(const PreparedScript& script, const std::string& hint = "");
  void call(const CppCode& code);
  void warn(Event::Type type, std::string message);
  void run_operation(const ops::Operation& op);
  LedgerRow row_for(const Migration& m) const;
  MigrationStatus status_of(const Migration& m, MigrationState state) const;
  void announce_start(const MigrationStatus& status);
  AppliedMigration announce_end(const PreparedScript& script, MigrationStatus& status,
                                std::chrono::milliseconds elapsed);
  void verify(const RenderedStatement& statement);
  void remember_session();
  void restore_session(const Migration& m);
  void record_failure(const LedgerRow& row);
  void restore_session_after_failure(const Migration& m) noexcept;

  Connection& connection_;
  CatalogCache catalog_;  // what guards and renderers read: see catalog_cache.hpp
  Ledger& ledger_;
  bool strict_;
  EventSink emit_;
  std::string user_;
  std::string session_;
  bool session_remembered_ = false;
  // Running a migration step by step (run_with_progress): each portable operation commits on its
  // own where DDL is transactional. Set for the scope of a Stepwise.
  bool stepwise_ = false;
  struct Stepwise {
    explicit Stepwise(bool& flag) : flag_(flag) { flag_ = true; }
    ~Stepwise() { flag_ = false; }
    Stepwise(const Stepwise&) = delete;
    Stepwise& operator=(const Stepwise&) = delete;
    bool& flag_;
  };
  std::vector<std::string> warnings_;
};

// Builds with STRATA_FAILPOINTS only: ends the process at the named point when
// STRATA_FAILPOINT names it, e.g. "exit-after-statement:2". A no-op otherwise.
void failpoint(const char* point, int value);

// Builds with STRATA_FAILPOINTS only: the two points of every statement a migration runs (its SQL statements, the
// statements its portable operations render), numbered from 1 over the process, where
// STRATA_FAILPOINT may ask for a SIGKILL: "kill-in-flight:N", once statement N has left for the
// server and before its result is read (the driver calls statement_in_flight()), and
// "kill-before-record:N", after its result and before anything records it. Made just before the
// statement is sent; ran() once its result is read.
class StatementFailpoints {
 public:
  StatementFailpoints();
  ~StatementFailpoints();
  StatementFailpoints(const StatementFailpoints&) = delete;
  StatementFailpoints& operator=(const StatementFailpoints&) = delete;
  void ran();

 private:
  [[maybe_unused]] int number_ = 0;
};

// Builds with STRATA_FAILPOINTS only: "kill-after-record:N", a SIGKILL once the record of the
// last statement this thread began, statement N, is committed (a migration run statement by
// statement records each; elsewhere the point is never reached).
void statement_recorded();

}  // namespace strata::detail
