// Where migrations come from: a directory of files named as Flyway names them (plus the
// numbered names of projects adopting strata), read into Migration values.
//
// Naming rules:
//   V<version>__<description>.sql   versioned         U<version>__<description>.sql  undo
//   R__<description>.sql            repeatable        <digits>_<description>.sql     versioned
//   <digits>_<description>.up.sql / .down.sql         versioned / undo (golang-migrate, dbmate)
// A dialect variant carries a dialect tag (see dialect_tag below): V3__api.postgres.sql,
// 002_x.mysql.up.sql. `.yaml` names the same kinds written as portable operations. `.md` files and dotfiles are
// ignored; any other name is refused, so a typo (V2_x.sql) is never skipped silently. Two files for one migration are
// refused, naming both.
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

// Dialect tags: one rule on every machine, never dependent on the plugins installed. A file
// name's tag is the dot-separated word in `<stem>.<tag>.sql` (or .yaml) or in
// `<stem>.<tag>.up.sql` / `.down.sql`. The tags are
//   - the dialects strata ships: sqlite, postgres, mysql, mariadb (aliases sqlite3, postgresql);
//   - the dialects a project declares (strata.toml `dialects`, Options::dialects): a
//     third-party driver's dialect;
//   - other engines strata knows of, so that their files never run elsewhere: cockroach
//     (cockroachdb), yugabyte, tidb, mssql (sqlserver), oracle, clickhouse, duckdb.
// Any other dotted word is part of the description (V3__release.notes.sql is "release.notes").
//
// The canonical tag `word` stands for ("postgresql" -> "postgres"), or nullopt when it is none.
STRATA_API std::optional<std::string> dialect_tag(std::string_view word, std::span<const std::string> declared = {});

// Throws Error(usage) naming `where` when a declared dialect is not a lower-case word
// (letters, digits, '_'), the only shape a tag in a file name can have.
STRATA_API void check_declared_dialects(std::span<const std::string> declared, std::string_view where);

// What a file name means, or nullopt when it is not a migration name. `declared` are the
// project's own dialect tags, beyond those strata knows.
STRATA_API std::optional<MigrationName> parse_migration_name(std::string_view file_name,
                                                             std::span<const std::string> declared = {});

// "version 3", "undo of version 3", "repeatable 'views'": what names a migration in messages.
STRATA_API std::string migration_identity(const Migration& m);
STRATA_API std::string migration_identity(const MigrationName& name);

// A migration folder's name in the folder-per-migration layout (diesel's), `<version>_<name>`
// with a version such as 2019-02-26-002946: the version without its dashes, as diesel records
// it (20190226002946), and the description; nullopt for any other name.
STRATA_API std::optional<MigrationName> parse_folder_name(std::string_view folder);

// The file that would hold the undo of the versioned migration `script` (as the ledger records
// it) at `version`, named as its layout names undo files: folder/down.sql beside folder/up.sql,
// x.down.sql beside x.up.sql or beside a folder's numbered step folder/x.sql, and otherwise
// U<version>__<description>.sql. For messages: a rollback that finds none names it.
STRATA_API std::string undo_file_for(std::string_view script, const Version& version);

// Throws Error(validation) when `m` has the identity (and dialect) of one of `existing`,
// naming both.
STRATA_API void refuse_duplicate(std::span<const Migration> existing, const Migration& m);

// Whether a file in a migrations directory is ignored (documentation, dotfiles).
STRATA_API bool is_ignored_file(std::string_view file_name);

// Reads the `-- strata:` directives of a script into `m`. Throws Error(validation) at the
// line of an unknown directive.
STRATA_API void read_directives(Migration& m);

// A SQL migration: `base` (Migration::sql) given its directives and its
// checksum (of the whole file). A file written for goose (`-- +goose Up` ... `-- +goose Down`)
// or dbmate (`-- migrate:up` ... `-- migrate:down`) never runs whole: its Up section is the
// migration and, for a versioned one, its Down section follows as the undo of that version
// (origin "<file> (down)"); goose's StatementBegin/StatementEnd (one statement), NO
// TRANSACTION and dbmate's `transaction:false` are honoured. Throws Error(validation) at the
// line of a marker it cannot honour (an unknown one, a Down before the Up, a second Up).
STRATA_API std::vector<Migration> sql_migrations(Migration base);

// A portable migration named `name` (file name `script`, read from `origin`) running the
// script's operations, with the script's checksum; for a versioned one, followed by its undo
// (the script's `down:`, or derived where every operation has an exact inverse). The script's
// operations move into the migrations.
STRATA_API std::vector<Migration> portable_migrations(const MigrationName& name, const std::string& script,
                                                      const std::string& origin, ops::Script operations);

// How a migrations directory is laid out: strata's own rules, or another tool's, so that a
// project switching to strata keeps its files as they are (strata.toml `format`, --format,
// Options::format). Every layout reads the names above, checksums every file, keeps the order
// and the refusals before anything runs and the dialect's splitting; what each adds:
//   golang_migrate, pop  an empty file is a migration with nothing to do (recorded as applied);
//                        pop also skips, on other databases, a version whose files are all for
//                        some databases only (select_for_dialect)
//   goose, dbmate        nothing beyond strata's rules (their markers are read in every layout)
//   flyway               the directory's subfolders are read too, as Flyway reads a location
//   diesel               a folder per migration, `<version>_<name>/up.sql` (and `down.sql`,
//                        `metadata.toml` with `run_in_transaction = false`), versions written
//                        `2019-02-26-002946` (read as 20190226002946, as diesel records them);
//                        empty files are migrations with nothing to do
// With strata's own layout, a file or folder another layout would read differently is refused,
// naming the format that reads it (never read one way silently).
enum class Layout { strata, golang_migrate, goose, dbmate, flyway, pop, diesel };
STRATA_API const char* to_string(Layout layout);
// The layout `text` names ("golang-migrate"), or nullopt.
STRATA_API std::optional<Layout> parse_layout(std::string_view text);

// Every migration file in `dir`, every dialect's variants included, in apply order; `declared`
// as for parse_migration_name; read as `layout` lays them out. Loads no plugin. Throws Error(usage) when `dir` is
// missing, Error(validation) listing every defective file in the order of their names. Reads the files on the calling
// thread, in batches through io_uring where the kernel allows it (32 files or more); where a file is read one by one,
// on as many threads as the machine has cores (at most 8, one per 16 files), all joined before it returns. Safe to call
// from several threads at once.
STRATA_API std::vector<Migration> load_directory(const std::filesystem::path& dir,
                                                 std::span<const std::string> declared = {},
                                                 Layout layout = Layout::strata);

// The migrations for one dialect: for each migration, the variant whose tag comes first in
// `preferred` (a driver's Dialect::suffixes(), e.g. mariadb, then mysql; aliases count as their
// tag), else the plain file. A variant for any other database is never chosen. A migration that
// has variants, none for this dialect and no plain file is left out with Layout::pop (its rule);
// with any other layout, Error(validation) names it.
STRATA_API std::vector<Migration> select_for_dialect(std::vector<Migration> files,
                                                     std::span<const std::string> preferred,
                                                     Layout layout = Layout::strata);

}  // namespace strata
