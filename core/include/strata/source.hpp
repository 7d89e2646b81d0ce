// Where migrations come from: a directory of files named as Flyway names them (plus the
// numbered names of projects adopting strata), read into Migration values.
//
// Naming rules:
//   V<version>__<description>.sql   versioned         U<version>__<description>.sql  undo
//   R__<description>.sql            repeatable        <digits>_<description>.sql     versioned
// `.md` files and dotfiles are ignored; any other name is refused, so a typo (V2_x.sql) is
// never skipped silently. Two files for one version are refused, naming both.
#pragma once

#include <strata/export.hpp>
#include <strata/migration.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace strata {

struct MigrationName {
  MigrationKind kind = MigrationKind::versioned;
  std::optional<Version> version;
  std::string description;  // underscores read as spaces
};

// What a file name means, or nullopt when it is not a migration name.
STRATA_API std::optional<MigrationName> parse_migration_name(std::string_view file_name);

// Whether a file in a migrations directory is ignored (documentation, dotfiles).
STRATA_API bool is_ignored_file(std::string_view file_name);

// Every migration in `dir`, versioned ones in version order, then repeatables by description.
// Throws Error(usage) when `dir` is missing, Error(validation) listing every defective file.
STRATA_API std::vector<Migration> load_directory(const std::filesystem::path& dir);

}  // namespace strata
