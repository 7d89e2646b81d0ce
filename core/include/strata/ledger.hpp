// The ledger: the table (`strata_history` by default) where every migration applied to a
// database is recorded, with its checksum, and from which a migration's state is read.
//
// A migration's state is given by its latest row. Rows are appended; they change only while a
// migration runs statement by statement (its progress), and through `repair`. Every row of the
// ledger is about a migration: `version` is a migration's version and nothing else (NULL only
// for a repeatable, whose `kind` says so).
//
// The ledger's own format is kept beside it, in the state table `<ledger>_state` (one row:
// `ledger_table`, `format`, `reader_format`), not in a row of the ledger, so that no query an
// operator writes against the ledger reads it as a migration. A side table rather than a marker
// row or a table comment: comments are not portable (SQLite has none), a marker row would still
// be a row that is not a migration for every reader to skip, and a table of strata's own is the
// place where later state of the same ledger (a lease lock) can live. One per ledger, named after
// it, so that it lives in the ledger's schema and is created and changed under the ledger's own
// lock: two ledgers of one database never race to create it.
//
// The format is recorded with the oldest reader format that can still use the ledger (read it
// and append rows to it), as SQLite's header keeps read and write versions: a later format that
// only adds (a nullable column, a column of the state table) keeps the reader format, and older
// replicas go on working during a rolling deploy. A strata refuses only a ledger whose reader
// format is above its own format, naming both; it uses a newer ledger it can read as it is, and
// upgrades an older one in place under the lock.
//
// Formats: 1 is the first; 2 adds `progress_checksum` (the SHA-256 of the statements already
// run, so that a resumed migration can prove they are unchanged) and `session_id` (the database
// session that ran the migration); 3 moves the format out of the ledger (formats 1 and 2 kept it
// in a row with installed_rank 0 and kind 'ledger', the number in `version`) into the state
// table, with the reader format. A strata of format 2 reads a format-3 ledger that has rows as
// "not a strata ledger (no format row)". 4 adds `adopted_from`. 5 adds nothing, but a row in
// doubt before a statement that runs in a transaction of its own means it did not run
// (<strata/history.hpp>), so a strata of format 4 may no longer write to it: the first reader
// format above 3. A ledger holding a row in doubt from before format 5 is upgraded to 4 only,
// until that row is resolved.
#pragma once

#include <strata/driver.hpp>
#include <strata/export.hpp>
#include <strata/history.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace strata {

// The state table that keeps the format of the ledger `ledger_table`: "<ledger_table>_state".
STRATA_API std::string ledger_state_table(std::string_view ledger_table);
// `table` in the schema strata works in (Connection::target_schema), quoted by the dialect: how
// strata names its own tables, so that a migration that moves the session moves none of them.
STRATA_API std::string qualified_table(Connection& connection, std::string_view table);
// The table of the ledger's lease lock, where one was ever taken: "<ledger_table>_lock".
STRATA_API std::string ledger_lock_table(std::string_view ledger_table);
// Whether `table` is one of strata's own for that ledger (the ledger, its state table, its lease
// table): what schema listings and comparisons leave out.
STRATA_API bool is_ledger_table(std::string_view table, std::string_view ledger_table);

// A Ledger refers to the Connection it was made with, which must outlive it; like the
// Connection, it is used by one thread at a time. The rows it returns are values.
//
// Every value read from the ledger is checked: a value strata cannot take as it stands (text
// that is not a number, NULL where a value is required, a number out of range, an unknown kind)
// is refused with Error(validation) naming the table, the row (its installed_rank) and the
// column; it is never read as 0 or "".
class STRATA_API Ledger {
 public:
  // Refuses (Error(usage)) a ledger name too long for its state table's name to fit in 63 bytes.
  Ledger(Connection& connection, std::string table);

  const std::string& table() const noexcept { return table_; }
  const std::string& state_table() const noexcept { return state_table_; }
  bool exists();
  // Creates the table and records its format. Call inside a transaction where DDL is
  // transactional; where it is not, a creation cut short is completed by upgrade().
  void create();
  // The ledger's format; format 0 for a table whose creation has not finished (no rows, no
  // format recorded). Refuses (Error(validation)) a ledger whose reader format is newer than
  // this strata's format, and a table that is not a ledger.
  LedgerFormat format();
  // Brings an older format up to ledger_format_version, or completes a creation. Call under the
  // migration lock, inside a transaction where DDL is transactional. A newer format this strata
  // can use is left as it is. Returns the format it found and the one it left.
  struct Upgrade {
    int from = 0;
    int to = 0;
  };
  Upgrade upgrade();
  // Every migration row, by installed_rank.
  std::vector<LedgerRow> read();
  // The highest installed_rank now, 0 for none: one query, to tell whether rows were added
  // since a read.
  int highest_rank();
  // The format the last read() found (0 before any, or when there was no ledger): what the rows
  // it returned mean (settles_doubt()).
  int format_read() const noexcept { return format_read_; }
  // Appends `row` with the next installed_rank, which it returns. Call under the migration
  // lock: the rank follows the last one this Ledger read or wrote. A row with statements_unknown
  // raises the reader format to ledger_reader_format_unknown_progress first (in the same
  // transaction, where there is one).
  int append(LedgerRow row);
  // Rewrites the row at `row.installed_rank` with every value of `row`.
  void update(const LedgerRow& row);
  // Removes the row at `installed_rank` (repair).
  void remove(int installed_rank);

 private:
  struct Found;

  std::string qualified(const std::string& table) const;
  std::string quoted_table() const;
  // The state table as quoted_table() quotes the ledger: the two live in the same schema.
  std::string quoted_state_table() const;
  Found inspect();
  std::optional<LedgerFormat> read_state();
  void create_state_table();
  void write_state(int format = ledger_format_version, int reader_format = ledger_reader_format);
  // Whether a failed row is marked in doubt (upgrade(): written before format 5, it may have run).
  bool holds_row_in_doubt();
  // Raises the recorded reader format to `reader_format` where it is lower.
  void require_reader_format(int reader_format);
  void add_missing_columns(int found);
  void remove_format_row();
  void insert(const LedgerRow& row);
  std::string column_list(int format) const;

  std::optional<int> last_rank_;   // the highest installed_rank read or written, under the lock
  bool state_table_seen_ = false;  // once it exists, it stays for the life of this Ledger
  int format_read_ = 0;

  Connection& connection_;
  std::string table_;
  std::string state_table_;
};

}  // namespace strata
