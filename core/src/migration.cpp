#include <strata/checksum.hpp>
#include <strata/migration.hpp>
#include <strata/operations.hpp>

#include <algorithm>

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

namespace {

Migration named(const MigrationName& name, std::string script, std::string checksum, std::string origin,
                MigrationBody body) {
  Migration m;
  m.kind = name.kind;
  m.version = name.version;
  m.description = name.description;
  m.script = std::move(script);
  m.checksum = std::move(checksum);
  m.dialect = name.dialect;
  m.origin = std::move(origin);
  m.body = std::move(body);
  return m;
}

}  // namespace

Migration Migration::sql(const MigrationName& name, std::string script, std::string text, std::string origin) {
  std::string checksum = script_checksum(text);
  return named(name, std::move(script), std::move(checksum), std::move(origin), SqlScript{std::move(text)});
}

Migration Migration::portable(const MigrationName& name, std::string script, std::vector<ops::Operation> operations,
                              std::string checksum, std::string origin) {
  // A backfill commits batch by batch: the migration runs outside one transaction, its progress
  // recorded operation by operation, on every backend.
  bool backfills = std::any_of(operations.begin(), operations.end(), [](const ops::Operation& op) {
    return std::holds_alternative<ops::Backfill>(op.change);
  });
  Migration m = named(name, std::move(script), std::move(checksum), std::move(origin),
                      PortableOperations{std::make_shared<const std::vector<ops::Operation>>(std::move(operations))});
  m.transactional = !backfills;
  return m;
}

Migration Migration::cpp(Version version, std::string description, std::string script,
                         std::function<void(Session&)> call, std::string checksum, std::string origin) {
  MigrationName name{MigrationKind::versioned, std::move(version), std::move(description), "", false};
  return named(name, std::move(script), std::move(checksum), std::move(origin), CppCode{std::move(call)});
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
