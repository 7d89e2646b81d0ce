// `strata adopt --from TOOL`: another migration tool's record of what it applied, read from its
// own table and written as strata's ledger, so that a project switches tools with nothing run
// again and nothing lost. Nothing is executed and the old table is left as it is.
//
// The stages are those of every command: the old tool's table is read into a ForeignHistory
// (core/src/foreign_history.*, through the driver's session); make_adoption_plan decides, from
// the migration files and the strata ledger, which rows to write or why it refuses (pure, no
// I/O); Engine::adopt writes them under the migration lock, in one transaction where the backend
// has transactional DDL.
#pragma once

#include <strata/export.hpp>
#include <strata/history.hpp>
#include <strata/migration.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace strata {

// How a tool's table records what it applied, which decides how it is read and adopted.
enum class ForeignRecord {
  current_version,  // golang-migrate: one row, the current version and a dirty flag
  apply_log,        // goose: a row per apply and per undo (is_applied), in `id` order
  applied_list,     // dbmate, Rails, pop, diesel: a row per applied version, no order
  sqlx,             // a row per version: success and a SHA-384 checksum
  flyway,           // a row per run, in installed_rank order: type, CRC-32, who, how long, success
  heads,            // Alembic: its head revisions (hashes), no versions
};

// A tool strata adopts from, and what its table records.
struct ForeignTool {
  std::string_view name;            // as `--from` names it: "golang-migrate"
  std::string_view default_table;   // where the tool keeps its record unless configured otherwise
  ForeignRecord record;             // how the table records it
  std::string_view version_column;  // the column of the version (or revision)
  std::string_view records;         // what the table says, for the user guide and `adopt --help`
  bool checksums_verified;          // whether strata checks the files against the tool's checksums
};

// Every tool `adopt` reads, in the order the user guide lists them.
STRATA_API std::span<const ForeignTool> foreign_tools();
// The tool named `name` (as `--from` takes it); nullptr when strata knows none by that name.
STRATA_API const ForeignTool* find_foreign_tool(std::string_view name);

// One row of the old tool's record, in the order it applied them.
struct ForeignRow {
  MigrationKind kind = MigrationKind::versioned;  // versioned, repeatable or baseline (Flyway's)
  std::string version;                            // as the tool wrote it; "" for a repeatable
  std::string description;                        // Flyway: its description (a repeatable's identity)
  std::string script;                             // Flyway: the file it ran
  std::string type;                               // Flyway: its `type` column ("SQL", "BASELINE", ...)
  std::optional<std::int32_t> crc32;              // Flyway: its checksum of the file
  std::string sha384;                             // sqlx: its checksum of the file, lower-case hex
  std::string installed_by;                       // Flyway: who ran it; "" where the tool keeps none
  std::int64_t execution_ms = 0;                  // Flyway: how long it ran
  bool success = true;                            // false: it failed (Flyway, sqlx), or is dirty (golang-migrate)
};

// What the old tool's table says, as read.
struct ForeignHistory {
  const ForeignTool* tool = nullptr;  // never null once read
  std::string table;                  // the table read, as the user would name it
  // The rows, in the order applied. For golang-migrate, at most one: its current version, which
  // means that every version up to it is applied (`success` false: the table is dirty).
  std::vector<ForeignRow> rows;
};

// What `adopt` is asked to do.
struct AdoptOptions {
  std::string from;   // the tool, as foreign_tools() names it
  std::string table;  // its table, when the project configured another; "" for the default
  // Alembic only: the strata version its (one) head revision is taken as, recorded as a baseline.
  std::optional<Version> as_version;
};

// The rows to append to the ledger, in order, or why adoption is refused. A row's installed_by
// (where the tool kept none) and installed_on are the writer's to fill; session_id stays empty
// (no session of this database ran it for strata). statements_done is 0 for an adopted row
// (strata ran none of its statements), and -1 for a failure carried over: how far it got is not
// known, so only `strata repair` clears it.
struct AdoptionPlan {
  std::vector<LedgerRow> rows;
  std::vector<std::string> problems;  // any refuses the whole adoption; nothing is written
  std::vector<std::string> actions;   // what the old table says and what is recorded, for the report
};

// `migrations` are those chosen for the connected database (select_for_dialect); `ledger` the
// strata ledger's rows (adoption writes a new ledger only: any row refuses it).
STRATA_API AdoptionPlan make_adoption_plan(std::span<const Migration> migrations, std::span<const LedgerRow> ledger,
                                           const ForeignHistory& history, const AdoptOptions& options,
                                           const std::string& ledger_table);

// sqlx's checksum of a SQL file's text: the SHA-384 of its bytes as they are, lower-case hex.
STRATA_API std::string sqlx_checksum(std::string_view text);

// Flyway's checksum of a SQL file's text: the CRC-32 of its lines' UTF-8 bytes without their line
// endings (and without a leading byte order mark), as a signed 32-bit integer.
STRATA_API std::int32_t flyway_checksum(std::string_view text);

}  // namespace strata
