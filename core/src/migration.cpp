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

bool applies_before(const Migration& a, const Migration& b) {
  auto rank = [](MigrationKind k) { return k == MigrationKind::repeatable ? 2 : k == MigrationKind::undo ? 1 : 0; };
  if (rank(a.kind) != rank(b.kind)) return rank(a.kind) < rank(b.kind);
  if (a.kind == MigrationKind::repeatable) return a.description < b.description;
  return *a.version < *b.version;
}

}  // namespace strata
