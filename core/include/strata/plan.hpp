// The planner: from the migrations found and the ledger read, what state each migration is in
// and what must run. It is pure (no I/O), so every decision it makes is testable without a
// database, and the executor does nothing the plan did not say.
#pragma once

#include <strata/export.hpp>
#include <strata/history.hpp>
#include <strata/migration.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace strata {

enum class MigrationState {
  applied,            // its latest row succeeded with the file's checksum
  pending,            // not applied yet (or a repeatable to run again)
  failed,             // its latest row records a failure, at statement statements_done + 1
  checksum_mismatch,  // applied, but the file has changed since
  missing,            // in the ledger, no file any more
  future,             // applied by a newer release: newer than every file known here
  out_of_order,       // not applied, older than the newest applied version
  undone,             // rolled back; migrate applies it again
  baseline,           // the version a baseline marks
  below_baseline,     // older than the baseline: taken as applied, never run
};

STRATA_API const char* to_string(MigrationState state);

// The ledger's rows as the planner reads them: shared and immutable, so that each status can
// point at its row (MigrationStatus::latest) without a copy of it.
using SharedLedger = std::shared_ptr<const std::vector<LedgerRow>>;

struct MigrationStatus {
  MigrationKind kind = MigrationKind::versioned;
  std::optional<Version> version;
  std::string description;
  std::string script;
  MigrationState state = MigrationState::pending;
  // Its latest ledger row, if any; null otherwise. Immutable, and it lives as long as any copy of
  // this status: it shares ownership of the rows the plan was made from (a status rewritten by
  // the planner, such as a row whose statement in doubt is known not to have run, owns its own).
  std::shared_ptr<const LedgerRow> latest;
  std::string file_checksum;  // "" when there is no file
};

// How a migration that failed part-way on a backend without transactional DDL continues.
enum class Resume {
  none,    // a failed migration stops the run
  resume,  // continue after the statements recorded as done (none may be in doubt)
  retry,   // ...and run the statement in doubt again
  skip,    // ...taking the statement in doubt as done
};

struct PlanOptions {
  std::optional<Version> target;  // apply versioned migrations up to and including this one
  bool out_of_order = false;      // allow applying versions older than the newest applied
  Resume resume = Resume::none;
  // Whether the statement in doubt of a failed row is known not to have run: it ran in a
  // transaction of its own together with the row's progress (a `-- strata:no-transaction` script
  // on a backend with transactional DDL), so a kill undid both. Such a migration continues at
  // that statement, with or without --resume (--resume=retry or =skip still decide), and its
  // status shows the row not in doubt. Unset: every statement in doubt is the operator's call.
  std::function<bool(const Migration&, const LedgerRow&)> doubt_settled{};
};

struct PendingMigration {
  Migration migration;
  std::optional<LedgerRow> resumes;  // the failed row this run continues
  int first_statement = 0;           // 0-based: statements before it already ran
};

struct STRATA_API Plan {
  std::vector<MigrationStatus> migrations;  // every migration known, in apply order
  std::vector<PendingMigration> pending;    // what will run, in order
  std::vector<std::string> problems;        // defects that stop a run (validation)
  std::vector<std::string> warnings;        // reported, never stop a run

  bool up_to_date() const noexcept { return pending.empty() && problems.empty(); }
  std::optional<Version> current_version() const;  // newest applied (or baseline) version
};

STRATA_API Plan make_plan(std::span<const Migration> migrations, std::span<const LedgerRow> ledger,
                          const PlanOptions& options);
// The same, the statuses sharing `ledger` (null: no rows) where make_plan copies the rows once.
STRATA_API Plan make_plan_shared(std::span<const Migration> migrations, SharedLedger ledger,
                                 const PlanOptions& options);

struct RollbackOptions {
  std::optional<Version> to;  // undo every applied version above this one
  int steps = 1;              // otherwise: undo this many versions, newest first
  // An undo that failed part-way (statement by statement, on a backend without transactional
  // DDL) stops a rollback, unless it resumes: then it continues first and counts as a step.
  Resume resume = Resume::none;
};

struct RollbackStep {
  Migration undo;                    // the undo script to run
  LedgerRow applied;                 // the row of the version it reverts (the failed undo's, when resumed)
  std::optional<LedgerRow> resumes;  // the failed undo row this step continues
  int first_statement = 0;           // 0-based: statements before it already ran
};

struct RollbackPlan {
  std::vector<RollbackStep> steps;    // newest version first
  std::vector<std::string> problems;  // any problem refuses the whole rollback
};

STRATA_API RollbackPlan make_rollback_plan(std::span<const Migration> migrations, std::span<const LedgerRow> ledger,
                                           const RollbackOptions& options);

// `repair`: what to change in the ledger. Failed rows are removed; the latest successful row of
// each migration whose file changed (checksum, file name, description) is re-recorded from the
// file. Baselines and versions below one are left as they are.
struct RepairPlan {
  std::vector<int> remove;           // installed_rank of each failed row
  std::vector<LedgerRow> update;     // rows to rewrite, with the file's checksum, script and description
  std::vector<std::string> actions;  // what each change does, for the report, in order
};

STRATA_API RepairPlan make_repair_plan(std::span<const Migration> migrations, std::span<const LedgerRow> ledger);

// `baseline`: the row that marks `version` (its installed_by, installed_on and session_id are
// the writer's to fill), or why a ledger refuses one: it has a baseline, or versioned rows.
struct BaselinePlan {
  LedgerRow row;
  std::vector<std::string> problems;  // any refuses the baseline
  std::string action;                 // for the report
};

STRATA_API BaselinePlan make_baseline_plan(std::span<const LedgerRow> ledger, const Version& version,
                                           std::string description, const std::string& ledger_table);

}  // namespace strata
