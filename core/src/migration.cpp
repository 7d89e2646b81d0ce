#include <strata/migration.hpp>

namespace strata {

const char* to_string(MigrationKind kind) {
  switch (kind) {
    case MigrationKind::versioned: return "versioned";
    case MigrationKind::repeatable: return "repeatable";
    case MigrationKind::undo: return "undo";
    case MigrationKind::baseline: return "baseline";
  }
  return "versioned";
}

std::optional<MigrationKind> parse_migration_kind(std::string_view text) {
  for (auto kind : {MigrationKind::versioned, MigrationKind::repeatable, MigrationKind::undo, MigrationKind::baseline})
    if (text == to_string(kind)) return kind;
  return std::nullopt;
}

std::string Migration::label() const {
  return version ? version->str() : description;
}

}  // namespace strata
