// What the ledger records, as values: a row about one migration, and the ledger's own format.
// No I/O here (reading and writing them is <strata/ledger.hpp>), so the planner and anything
// else that only decides from the ledger's rows needs nothing of a database to include this.
#pragma once

#include <strata/migration.hpp>
#include <strata/version.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace strata {

// The format this strata writes. Format 4 added `adopted_from`, and a failed row `adopt` carried
// over may have statements_unknown. Format 5 changes no column, only what a row in doubt says:
// where DDL is transactional, a statement of a no-transaction migration runs in a transaction of
// its own with its progress row, so a row left in doubt before such a statement says that it did
// not run (settles_doubt below). A strata of format 4 ran those statements alone: a row it
// leaves in doubt may have run.
inline constexpr int ledger_format_version = 5;
// The oldest format whose strata can use a ledger of ledger_format_version, recorded with it: a
// strata of format 4 must not write rows in doubt that a strata of format 5 would take as
// settled...
inline constexpr int ledger_reader_format = 5;
// ...and a ledger that holds a row in doubt written before format 5 stays at format 4 (with its
// reader format) until that row is resolved: the last format that reads it as it was meant.
inline constexpr int ledger_format_before_settled_doubt = 4;
// Whether a row in doubt before a statement that runs in a transaction of its own with its row
// was written so, and so means that statement did not run: a ledger of format 5 or later.
constexpr bool settles_doubt(int ledger_format) {
  return ledger_format >= 5;
}
// ...unless it holds a row with statements_unknown, which a strata of format 3 refuses as a value
// it never writes: `adopt` raises the ledger's reader format to this when it writes one.
inline constexpr int ledger_reader_format_unknown_progress = 4;

// What a ledger records about itself.
struct LedgerFormat {
  int format = 0;         // the format it was written in; 0 for a creation that has not finished
  int reader_format = 0;  // the oldest strata format that can still use it
};

// LedgerRow::statements_done of a failed row `adopt` carried over from another tool (a dirty
// golang-migrate version, a failed Flyway row): how far it got is not known. Only such a row has
// it (its adopted_from is set), and only `repair` clears it.
inline constexpr int statements_unknown = -1;

// One row of the ledger: one attempt to apply (or undo, or baseline) one migration. Its `kind`
// says which; a reader tells a repeatable by its kind, never by its missing version.
struct LedgerRow {
  int installed_rank = 0;          // order applied, from 1
  std::optional<Version> version;  // none for a repeatable, and only for one
  std::string description;
  MigrationKind kind = MigrationKind::versioned;
  std::string script;
  std::string checksum;
  std::string installed_by;
  std::string installed_on;  // UTC, "YYYY-MM-DD HH:MM:SS"
  std::int64_t execution_ms = 0;
  bool success = true;
  // The statements strata ran of it (0 for a row `adopt` carried over from another tool), or
  // statements_unknown: a failure carried over, how far it got not known (only `repair` clears it).
  int statements_done = 0;
  bool in_doubt = false;
  std::string progress_checksum;  // of statements 1..statements_done; "" when none ran one by one
  std::string session_id;         // the database session that ran it, where the backend has one
  // The tool whose ledger `adopt` carried this row over from ("flyway", "golang-migrate", ...,
  // the names of foreign_tools()); "" for a row strata wrote itself. Since format 4.
  std::string adopted_from;
};

// A row about `m` with its identity filled in (version, description, kind, script, checksum);
// the rest is the writer's.
inline LedgerRow ledger_row_about(const Migration& m) {
  LedgerRow row;
  row.version = m.version;
  row.description = m.description;
  row.kind = m.kind;
  row.script = m.script;
  row.checksum = m.checksum;
  return row;
}

}  // namespace strata
