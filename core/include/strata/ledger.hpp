// The ledger: the table (`strata_history` by default) where every migration applied to a
// database is recorded, with its checksum, and from which a migration's state is read.
//
// A migration's state is given by its latest row. Rows are appended; they change only while a
// migration runs statement by statement (its progress), and through `repair`. The ledger has a
// format version of its own, kept in a first row (installed_rank 0, kind 'ledger'), so that a
// newer strata upgrades an older ledger in place and an older strata refuses a newer one.
//
// Formats: 1 is the first; 2 adds `progress_checksum` (the SHA-256 of the statements already
// run, so that a resumed migration can prove they are unchanged) and `session_id` (the database
// session that ran the migration).
#pragma once

#include <strata/driver.hpp>
#include <strata/export.hpp>
#include <strata/migration.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace strata {

inline constexpr int ledger_format_version = 2;

struct LedgerRow {
  int installed_rank = 0;              // order applied, from 1
  std::optional<std::string> version;  // normalised; none for a repeatable
  std::string description;
  MigrationKind kind = MigrationKind::versioned;
  std::string script;
  std::string checksum;
  std::string installed_by;
  std::string installed_on;  // UTC, "YYYY-MM-DD HH:MM:SS"
  std::int64_t execution_ms = 0;
  bool success = true;
  int statements_done = 0;
  bool in_doubt = false;
  std::string progress_checksum;  // of statements 1..statements_done; "" when none ran one by one
  std::string session_id;         // the database session that ran it, where the backend has one
};

class STRATA_API Ledger {
 public:
  Ledger(Connection& connection, std::string table);

  const std::string& table() const noexcept { return table_; }
  bool exists();
  // Creates the table and its format row. Call inside a transaction where DDL is transactional.
  void create();
  // The ledger's format version; 0 for a table whose creation has not finished (no rows yet).
  // Refuses (Error(validation)) a format newer than this strata's, and a table that is not a ledger.
  int format();
  // Brings an older format up to ledger_format_version. Call under the migration lock, inside
  // a transaction where DDL is transactional. Returns the format it found.
  int upgrade();
  // Every migration row, by installed_rank.
  std::vector<LedgerRow> read();
  // Appends `row` with the next installed_rank, which it returns. Call under the migration
  // lock: the rank follows the last one this Ledger read or wrote.
  int append(LedgerRow row);
  // Rewrites the row at `row.installed_rank` with every value of `row`.
  void update(const LedgerRow& row);
  // Removes the row at `installed_rank` (repair).
  void remove(int installed_rank);

 private:
  std::string quoted_table() const;
  void insert(const LedgerRow& row, std::string_view kind);
  void insert_format_row();
  std::string column_list(int format) const;

  std::optional<int> last_rank_;  // the highest installed_rank read or written, under the lock

  Connection& connection_;
  std::string table_;
};

}  // namespace strata
