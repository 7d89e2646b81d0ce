// Migrations generated from a declared schema: the model a `schema.yaml` declares, the schema a
// history of portable migrations folds into, and the difference between two of them as portable
// operations (`strata diff`, `strata generate`).
//
// Everything here is pure: no database, no file system (reading a file is the caller's; see
// read_declared_schema for the one helper that opens files). A schema read from a live database
// is built by the Engine (Engine::declared_schema) and is then a value like any other.
//
//   DeclaredSchema to = parse_declared_schema(text, "schema.yaml");
//   DeclaredSchema from = fold(operations_of_every_migration);
//   Diff d = diff(from, to, {});
//   // d.up: create_table, add_column, ... each guarded; d.down: the exact inverse of the shape
//
// Comparison is by content, not by name: two unique keys over the same columns, two foreign keys
// with the same columns, target and actions, two checks with the same expression are the same
// whatever they are called (databases name implicit ones differently). A foreign key's RESTRICT
// and NO ACTION are one action (InnoDB reports a key declared without a clause as RESTRICT). Names matter only to drop
// something; a table or column that changed its name is never guessed (see Diff::hints).
#pragma once

#include <strata/export.hpp>
#include <strata/operations.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace strata {

struct DeclaredIndex {
  std::string name;  // "" in a schema.yaml: named by the generator (ix_<table>_<columns>)
  std::vector<std::string> columns;
  bool unique = false;

  bool operator==(const DeclaredIndex&) const = default;
};

// One table, in the vocabulary of create_table plus its indexes. After normalize(), a column's
// `primary_key` lives in `primary_key` and its `unique` in `uniques`, so that two spellings of
// one table compare equal.
struct STRATA_API DeclaredTable {
  std::string name;
  std::vector<ops::Column> columns;
  std::vector<std::string> primary_key;
  std::vector<ops::UniqueConstraint> uniques;  // a name may be "" (named by the generator)
  std::vector<ops::CheckConstraint> checks;
  std::vector<ops::ForeignKey> foreign_keys;
  std::vector<DeclaredIndex> indexes;
  // A schema.yaml's `renamed_from:`: the table's (column's) name before. Never set by a fold.
  std::string renamed_from;
  std::map<std::string, std::string> column_renamed_from;  // column -> its old name
  // Read from a database: the other portable types a column's native type stands for, beside
  // its `type` (a SQLite INTEGER is every integer type, a MySQL DATETIME(3) timestamp and
  // timestamptz). Compared as sets: a declared bigint matches a SQLite INTEGER.
  std::map<std::string, std::vector<ColumnType>> column_also;
  // A column of a type no portable type stands for (a domain, an enum, an array, money), as the
  // database spells it (or schema.yaml's `native:`); its `type` is then a placeholder. Compared as
  // written; no portable operation creates or changes it.
  std::map<std::string, std::string> column_native;
  // A schema.yaml's `backfill:`: the value a column added to this table (which may hold rows)
  // is filled with before it is set NOT NULL (the generator writes add_column, backfill,
  // alter_column). Not part of the shape: never compared, never set by a fold or a database.
  std::map<std::string, ops::Literal> column_backfill;
  int line = 0;  // where a schema.yaml declares it; 0 otherwise

  const ops::Column* column(std::string_view column_name) const;
};

struct STRATA_API DeclaredSchema {
  std::vector<DeclaredTable> tables;
  // Tables (names or globs with * and ?) strata leaves alone: neither side's are compared.
  std::vector<std::string> unmanaged;
  // True for a schema read from a database (a live one, or SQL migrations replayed). Catalogs
  // return checks rewritten by the server, so checks are compared only between declared and
  // folded schemas. (Auto-increment is never compared: not every catalog reports it.)
  bool from_database = false;
  // What it was read from, for messages: "schema.yaml", "migrations up to 7", a URL without password.
  std::string source;
  // What reading it noticed ("column t.c: money has no portable type; compared as written").
  std::vector<std::string> notes;

  const DeclaredTable* table(std::string_view name) const;
  DeclaredTable* table(std::string_view name);
  bool unmanaged_table(std::string_view name) const;
};

// Moves column-level primary_key/unique into the table's lists, sorts what has no order of its
// own (tables by name; uniques, checks, foreign keys and indexes by content). Idempotent.
STRATA_API DeclaredSchema normalize(DeclaredSchema schema);

// Reads a schema.yaml (see docs/schema.md). Throws Error(validation) naming `file`, line and
// column for anything malformed: an unknown field or type, a duplicate table or column, a key or
// index over a column the table does not have, a foreign key to a table the schema does not
// declare (unless it is unmanaged).
STRATA_API DeclaredSchema parse_declared_schema(const std::string& text, const std::string& file);
// One file, or every *.yaml / *.yml file of a directory (in name order) merged into one schema.
STRATA_API DeclaredSchema read_declared_schema(const std::filesystem::path& path);
// A schema.yaml that parse_declared_schema reads back as `schema` (after normalize).
STRATA_API std::string to_yaml(const DeclaredSchema& schema);

// What the operations do to `start`, applied in order, without a database. Guards behave as on a
// database (an if_missing create of something there is a no-op). Throws Error(validation) naming
// the operation for one that cannot be folded: `sql` (the caller replays such a history into a
// scratch database instead) or one that names a table or column the schema does not have.
// insert_rows changes no schema and is skipped.
STRATA_API DeclaredSchema fold(const std::vector<ops::Operation>& operations, DeclaredSchema start = {});
// The same, in place and without normalizing: for folding a history one migration at a time
// (normalize once at the end).
STRATA_API void fold_into(DeclaredSchema& schema, const std::vector<ops::Operation>& operations);

// Each column of `read` (a schema read from a database) whose native type stands for several
// portable types takes `other`'s type for it where that is one of them: MySQL's DATETIME(3) is
// the timestamptz a history declares. What `strata schema --format yaml` does with the project's
// migrations, so that the schema.yaml it writes says what they say.
STRATA_API void settle_types(DeclaredSchema& read, const DeclaredSchema& other);

struct DiffOptions {
  // Renames given on the command line (--rename old=new, --rename table.old=new), beside the
  // `renamed_from:` of the target schema.
  std::map<std::string, std::string> table_renames;                          // old -> new
  std::map<std::string, std::map<std::string, std::string>> column_renames;  // table (new name) -> old -> new
};

struct Diff {
  // The operations that turn `from` into `to`, dependency-ordered: foreign keys to what goes
  // away dropped first, renames, parents created before children (a cycle closed with
  // add_foreign_key once both tables exist), columns, keys and indexes, children dropped before
  // parents. Every create and drop is guarded (if_missing / if_exists).
  std::vector<ops::Operation> up;
  // The inverse: the diff from `to` back to `from`, renames reversed. Schema-exact, not
  // data-exact (what a drop removed does not come back). Empty, with a note saying why, when no
  // portable operation can undo `up` (it drops a column of a native type).
  std::vector<ops::Operation> down;
  // Changes that may be renames the generator will not guess: a table dropped and another
  // created with the same columns, a column dropped and another added with the same type and
  // nullability. Each names the `renamed_from:` to write. `strata generate` refuses while any
  // is left.
  std::vector<std::string> hints;
  // What the comparison left out ("checks are not compared with a live database").
  std::vector<std::string> notes;

  bool empty() const { return up.empty(); }
};

// The difference between two schemas. Pure. Throws Error(validation) for a change no portable
// operation makes (a primary key changed), naming the table.
STRATA_API Diff diff(const DeclaredSchema& from, const DeclaredSchema& to, const DiffOptions& options = {});

// A portable migration holding `up` and `down`, as `strata generate` writes it: parse_yaml reads
// it back to the same operations (and checksum). `header` lines are written as comments first;
// `allow` (lint codes) as its `allow:`.
STRATA_API std::string to_yaml(const std::vector<ops::Operation>& up, const std::vector<ops::Operation>& down,
                               const std::vector<std::string>& header = {}, const std::vector<std::string>& allow = {});

}  // namespace strata
