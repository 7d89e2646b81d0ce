// Where migrations come from: a directory of files named as Flyway names them (plus the
// numbered names of projects adopting strata), read into Migration values.
//
// Naming rules:
//   V<version>__<description>.sql   versioned         U<version>__<description>.sql  undo
//   R__<description>.sql            repeatable        <digits>_<description>.sql     versioned
//   <digits>_<description>.up.sql / .down.sql         versioned / undo (golang-migrate, dbmate)
// A dialect variant puts a suffix before the extension (V3__api.postgres.sql); a suffix counts
// only if a known driver declares it. `.yaml` names the same kinds written as portable
// operations. `.md` files and dotfiles are ignored; any other name is refused, so a typo
// (V2_x.sql) is never skipped silently. Two files for one migration are refused, naming both.
//
// Directives are comments on a script's first lines: `-- strata:no-transaction` runs the
// script outside a transaction, statement by statement. An unknown directive is refused. A
// file written for goose or dbmate is read by its direction markers (see sql_migrations).
#pragma once

#include <strata/export.hpp>
#include <strata/migration.hpp>
#include <strata/operations.hpp>

#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace strata {

struct MigrationName {
  MigrationKind kind = MigrationKind::versioned;
  std::optional<Version> version;
  std::string description;  // underscores read as spaces
  std::string dialect;      // a declared dialect suffix, or ""
  bool portable = false;    // .yaml: portable operations
};

// What a file name means, or nullopt when it is not a migration name. `dialect_suffixes` are
// the suffixes known drivers declare.
STRATA_API std::optional<MigrationName> parse_migration_name(std::string_view file_name,
                                                             std::span<const std::string> dialect_suffixes = {});

// "version 3", "undo of version 3", "repeatable 'views'": what names a migration in messages.
STRATA_API std::string migration_identity(const Migration& m);

// Throws Error(validation) when `m` has the identity (and dialect) of one of `existing`,
// naming both.
STRATA_API void refuse_duplicate(std::span<const Migration> existing, const Migration& m);

// Whether a file in a migrations directory is ignored (documentation, dotfiles).
STRATA_API bool is_ignored_file(std::string_view file_name);

// Reads the `-- strata:` directives of a script into `m`. Throws Error(validation) at the
// line of an unknown directive.
STRATA_API void read_directives(Migration& m);

// A SQL migration: `base` (named, with the file's text in `sql`) given its directives and its
// checksum (of the whole file). A file written for goose (`-- +goose Up` ... `-- +goose Down`)
// or dbmate (`-- migrate:up` ... `-- migrate:down`) never runs whole: its Up section is the
// migration and, for a versioned one, its Down section follows as the undo of that version
// (origin "<file> (down)"); goose's StatementBegin/StatementEnd (one statement), NO
// TRANSACTION and dbmate's `transaction:false` are honoured. Throws Error(validation) at the
// line of a marker it cannot honour (an unknown one, a Down before the Up, a second Up).
STRATA_API std::vector<Migration> sql_migrations(Migration base);

// A portable migration: `base` (named, with the file's text in `sql`) given the script's
// operations and checksum; for a versioned one, followed by its undo (the script's `down:`, or
// derived where every operation has an exact inverse).
STRATA_API std::vector<Migration> portable_migrations(Migration base, const ops::Script& script);

// Every migration file in `dir`, every dialect's variants included, in apply order.
// Throws Error(usage) when `dir` is missing, Error(validation) listing every defective file.
STRATA_API std::vector<Migration> load_directory(const std::filesystem::path& dir,
                                                 std::span<const std::string> dialect_suffixes = {});

// The migrations for one dialect: for each migration, the variant whose suffix comes first in
// `preferred` (e.g. mariadb, then mysql), else the plain file. Throws Error(validation)
// naming a migration that has variants, none for this dialect and no plain file.
STRATA_API std::vector<Migration> select_for_dialect(std::vector<Migration> files,
                                                     std::span<const std::string> preferred);

}  // namespace strata
