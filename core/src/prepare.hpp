// Step 3 of a run: everything checked before anything runs, in one place. From the plan's
// pending migrations, `prepare` makes each script ready to run (split by the dialect, each
// statement checked, a resumed one proven unchanged, each portable operation checked against
// the backend's renderer) and returns every problem of the run at once, so that a user with
// five defects sees five, each naming its file and line. Nothing here writes to the database;
// the catalog is read only for --strict's drift check. Private to libstrata.
#pragma once

#include <strata/driver.hpp>
#include <strata/error.hpp>
#include <strata/plan.hpp>

#include <optional>
#include <span>
#include <string>
#include <vector>

namespace strata::detail {

// A script ready to run: split, checked, and knowing where it starts.
struct PreparedScript {
  Migration migration;
  std::optional<LedgerRow> resumes;  // the failed row it continues
  int first_statement = 0;
  std::vector<Statement> statements;
  TransactionFrame frame{};  // what its statements need around its transaction (SQL scripts)
  // A `-- strata:no-transaction` script's statements, on a backend with transactional DDL: true
  // for each that runs in a transaction of its own with its progress in the ledger, so that a
  // kill leaves it done and recorded or neither; false for one that may not run in a transaction
  // (the dialect refuses it there) or may end one itself (CALL, DO, EXEC). Empty otherwise.
  std::vector<bool> own_transaction{};
};

struct PrepareOptions {
  std::optional<Version> target;    // --target: must name a versioned migration
  bool strict = false;              // drift the catalog already shows is a problem
  bool single_transaction = false;  // every script must be able to run in one transaction
};

// What step 3 found. The scripts are complete only when there is no problem.
struct Prepared {
  std::vector<PreparedScript> scripts;  // in the order they run
  // Every problem, usage problems (flags that do not fit this run) first, then the plan's, then
  // each script's in order; each an Error naming its file and line where it has one.
  std::vector<Error> problems;
};

// Prepares `pending` (in order) for `connection`; `plan_problems` are the planner's, `migrations`
// every migration known (for --target).
Prepared prepare(std::span<const Migration> migrations, std::span<const PendingMigration> pending,
                 std::span<const std::string> plan_problems, Connection& connection, const PrepareOptions& options);

// The problem of a --target that names no versioned migration, if it does not.
std::optional<Error> target_problem(std::span<const Migration> migrations, const std::optional<Version>& target);

// Throws when there is a problem: the problem itself when there is one, else one Error of the
// first problem's kind listing each ("3 problems stop the run:"), carrying them in problems().
void refuse(std::vector<Error> problems);
// The same for problems found as text (the planner's): each an Error(validation).
void refuse(std::span<const std::string> problems);

// Whether a script runs statement by statement with its progress recorded (no transactional
// DDL, `-- strata:no-transaction`, or a resumed migration) rather than in one transaction.
bool runs_with_progress(const PreparedScript& script, const Capabilities& capabilities);

// Whether statement `index` (0-based) of `m` runs in a transaction of its own with its progress,
// on this connection (PreparedScript::own_transaction): then a kill leaves it not run.
bool runs_in_own_transaction(const Migration& m, std::size_t index, Connection& connection);

// SHA-256 over the first `count` statements, as they were run; what --resume compares.
std::string statements_checksum(std::span<const Statement> statements, std::size_t count);

}  // namespace strata::detail
