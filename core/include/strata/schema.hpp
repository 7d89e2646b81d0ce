// One logical schema for every backend: a database, as its catalog reports it, normalised to
// portable terms, so that two databases compare across dialects (`strata schema --compare`).
//
// A column's type is the set of portable types its native type stands for: a MySQL DATETIME(3)
// is both timestamp and timestamptz, a SQLite INTEGER every integer type. Two columns match when
// their sets meet. Defaults compare however the backend spells them. A unique constraint and a
// unique index over the same columns are one unique key. Names of indexes and constraints are
// not compared, since backends name implicit ones differently.
#pragma once

#include <strata/diff.hpp>
#include <strata/driver.hpp>
#include <strata/export.hpp>

#include <string>
#include <vector>

namespace strata {

struct SchemaColumn {
  std::string name;
  std::string native;              // as the database spells it
  std::vector<std::string> types;  // every portable type it stands for, most specific first
  bool nullable = true;
  std::string default_value;  // comparable form; "" for none
};

struct SchemaKey {
  std::vector<std::string> columns;
  bool unique = false;
};

struct SchemaForeignKey {
  std::vector<std::string> columns;
  std::string references;
  std::vector<std::string> referenced_columns;
  std::string on_delete;
  std::string on_update;
};

struct SchemaTable {
  std::string name;
  std::vector<SchemaColumn> columns;
  std::vector<std::string> primary_key;
  std::vector<SchemaKey> keys;  // unique keys and indexes, sorted
  std::vector<SchemaForeignKey> foreign_keys;
};

struct Schema {
  std::string server;               // "PostgreSQL 15.4"
  std::vector<SchemaTable> tables;  // by name; the ledger left out
};

// The schema of `connection`'s database, without the ledger `ledger_table` and its state table. Throws
// Error(validation) when the driver renders no portable operations (it cannot name types).
STRATA_API Schema describe_schema(Connection& connection, const std::string& ledger_table);

// The schema of `connection`'s database in the declared model (see <strata/diff.hpp>), names of
// keys and indexes kept, without strata's tables: what `strata diff --from URL` compares and
// `strata schema --format yaml` writes. A native type is read as the portable type it stands
// for on that backend (and the others it stands for, DeclaredTable::column_also). Checks are read
// as the catalog spells them where the driver lists them; neither they nor auto-increment are
// compared (DeclaredSchema::from_database). A type no portable type stands for is kept as written
// (DeclaredTable::column_native) and named in DeclaredSchema::notes.
STRATA_API DeclaredSchema declared_schema_of(Connection& connection, const std::string& ledger_table);

// Every difference between `a` and `b`, one line each ("table orders: column total: decimal(10,2)
// here, double there"); empty when they are the same logical schema.
STRATA_API std::vector<std::string> compare_schemas(const Schema& a, const Schema& b);

}  // namespace strata
