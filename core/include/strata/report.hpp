// What a run tells: events as it goes (for a product's log) and a report at the end (what the
// command line prints, and its --json document). Values only: no I/O.
#pragma once

#include <strata/export.hpp>
#include <strata/migration.hpp>
#include <strata/plan.hpp>
#include <strata/version.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace strata {

struct Event {
  enum class Type {
    up_to_date,        // step 0 found nothing to do
    connect_retry,     // the database could not be reached yet; trying again
    waiting_for_lock,  // another migrator holds the lock
    lock_acquired,
    lock_notice,  // strata takes another lock than the server's, and says why (a Galera cluster)
    ledger_created,
    ledger_upgraded,
    applying,           // a migration (or an undo) starts
    applied,            // it finished; `elapsed` is its time
    operation_skipped,  // a portable operation found its object already as asked
    drift,              // a portable operation found its object with another shape (a warning)
    session_restored,   // a migration left the session changed (another schema, a role); restored (a warning)
    backfilled,         // a batch of a backfill committed; the message counts the rows so far
  };
  Type type;
  const MigrationStatus* migration = nullptr;  // for applying / applied
  std::chrono::milliseconds elapsed{0};
  std::string message;  // a readable line for a product's log
};

struct AppliedMigration {
  MigrationKind kind = MigrationKind::versioned;  // undo for a rollback
  std::optional<Version> version;                 // none for a repeatable
  std::string description;
  std::string script;
  std::chrono::milliseconds elapsed{0};
  int statements = 0;    // statements run by this run
  bool resumed = false;  // continued a failed migration
};

// A script as a dry run shows it.
struct ScriptPreview {
  std::string label;  // "3 \"add column\" (V3__add_column.sql)"
  std::string script;
  bool transactional = true;
  int first_statement = 0;  // statements before it already ran (a resume)
  std::vector<std::string> statements;
};

struct STRATA_API Report {
  std::string command;  // "migrate", "status", ...
  std::string url;      // redacted
  std::string server;   // "SQLite 3.40.1"
  std::string ledger_table;
  std::vector<AppliedMigration> applied;    // migrations (or undos) run, in order
  std::vector<MigrationStatus> migrations;  // the state of each after the run
  std::vector<std::string> warnings;
  std::vector<std::string> problems;   // what stops `migrate` (status shows them)
  std::vector<std::string> actions;    // what `repair` or `baseline` did
  std::vector<ScriptPreview> dry_run;  // what would run
  std::optional<Version> current_version;
  bool lock_taken = false;
  std::chrono::milliseconds elapsed{0};

  std::size_t count(MigrationState state) const;
};

}  // namespace strata
