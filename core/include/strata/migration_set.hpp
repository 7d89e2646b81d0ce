// Migrations compiled into a product, so that it needs no files at run time.
//
//   strata::MigrationSet set;
//   set.sql("V1__incidents.sql", "CREATE TABLE incidents (...);")
//      .function("2", "backfill severity", "backfill-severity-v1", [](strata::Session& s) { ... });
//   strata::migrate({.url = url, .dir = {}, .embedded = set});
//
// SQL migrations are named as files are (V, U, R, numbered; dialect tags) and checksummed
// over their text exactly as files are, so moving a migration between a directory and the
// binary changes nothing. A C++ migration receives the session, runs inside the migration's
// transaction where DDL is transactional, and carries an explicit checksum string: change it
// when the function's behaviour changes, as you would edit a file. Two migrations with one
// identity are refused as they are added (or by migrations(), for a SQL name with a dotted word
// that may be a dialect tag the project declares).
#pragma once

#include <strata/driver.hpp>
#include <strata/export.hpp>
#include <strata/migration.hpp>
#include <strata/operations.hpp>

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace strata {

class STRATA_API MigrationSet {
 public:
  // SQL text under a migration file name ("V3__add_column.sql"). Throws Error(validation) for a
  // name that is not a migration name, an empty script, or an identity already in the set.
  MigrationSet& sql(std::string_view name, std::string text);
  // A C++ migration of `version`. Throws Error(validation) for a bad version or a duplicate.
  MigrationSet& function(std::string_view version, std::string description, std::string_view checksum,
                         std::function<void(Session&)> code);
  // Portable operations under a migration name without extension ("V8__add_runbook_version"),
  // built with <strata/operations.hpp>; checksummed over their canonical form, exactly as the
  // same operations in a .yaml file. `down` is the undo when it cannot be derived.
  MigrationSet& operations(std::string_view name, std::vector<ops::Operation> up,
                           std::optional<std::vector<ops::Operation>> down = std::nullopt);

  // Every migration, in apply order. `declared`: the project's own dialect tags (see
  // dialect_tag in <strata/source.hpp>), by which SQL migrations' names are read as files' are.
  // Throws Error(validation) when they make two migrations one.
  std::vector<Migration> migrations(std::span<const std::string> declared = {}) const;

 private:
  void add(Migration m);
  std::vector<Migration> migrations_;
};

}  // namespace strata
