// The executor: runs prepared scripts against a connection and records them in the ledger.
// Private to libstrata; the Engine decides what runs, the executor only how.
#pragma once

#include <strata/report.hpp>
#include <strata/ledger.hpp>

#include <functional>
#include <span>

namespace strata::detail {

// A script ready to run: split, checked, and knowing where it starts.
struct PreparedScript {
  Migration migration;
  std::optional<LedgerRow> resumes;  // the failed row it continues
  int first_statement = 0;
  std::vector<Statement> statements;
  TransactionFrame frame{};  // what its statements need around its transaction (SQL scripts)
};

using EventSink = std::function<void(Event::Type, std::string, const MigrationStatus*, std::chrono::milliseconds)>;

// SHA-256 over the first `count` statements, as they were run; what --resume compares.
std::string statements_checksum(std::span<const Statement> statements, std::size_t count);

class Executor {
 public:
  // `strict`: a portable operation that finds drift fails instead of warning.
  Executor(Connection& connection, Ledger& ledger, bool strict, EventSink emit);

  // Splits and checks a script before anything runs. Throws Error(validation) naming file and line.
  PreparedScript prepare(const PendingMigration& pending) const;
  // Runs one migration or undo: in one transaction with its ledger row where the backend and
  // the script allow it, otherwise statement by statement with recorded progress.
  AppliedMigration run(const PreparedScript& script);
  // Runs every script, and their ledger rows, in one transaction.
  std::vector<AppliedMigration> run_in_one_transaction(std::span<const PreparedScript> scripts);
  // Whether this script must run statement by statement.
  bool runs_with_progress(const PreparedScript& script) const;

 private:
  AppliedMigration run_transactional(const PreparedScript& script);
  AppliedMigration run_with_progress(const PreparedScript& script);
  void execute(const PreparedScript& script, std::size_t index, const std::string& hint = "");
  void check(const PreparedScript& script, const std::string& hint = "");
  void call(const CppCode& code);
  void check_operation(const ops::Operation& op, const Migration& m) const;
  void run_operation(const ops::Operation& op);
  LedgerRow row_for(const Migration& m) const;
  MigrationStatus status_of(const Migration& m, MigrationState state) const;
  void announce_start(const MigrationStatus& status);
  AppliedMigration announce_end(const PreparedScript& script, MigrationStatus& status,
                                std::chrono::milliseconds elapsed);
  void remember_session();
  void restore_session(const Migration& m);
  void restore_session_after_failure(const Migration& m) noexcept;

  Connection& connection_;
  Ledger& ledger_;
  bool strict_;
  EventSink emit_;
  std::string user_;
  std::string session_;
  bool session_remembered_ = false;
};

// Test builds only (STRATA_FAILPOINTS): ends the process at the named point when
// STRATA_FAILPOINT names it, e.g. "exit-after-statement:2". A no-op otherwise.
void failpoint(const char* point, int value);

}  // namespace strata::detail
