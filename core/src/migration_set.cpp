#include <strata/checksum.hpp>
#include <strata/error.hpp>
#include <strata/migration_set.hpp>
#include <strata/script.hpp>
#include <strata/source.hpp>

#include <algorithm>

namespace strata {

MigrationSet& MigrationSet::sql(std::string_view name, std::string text) {
  auto parsed = parse_migration_name(name);
  if (!parsed || parsed->portable)
    throw Error(ErrorKind::validation, "embedded migration '" + std::string(name) +
                                           "': not a migration name (V<version>__<description>.sql, R__...sql, ...)");
  Migration m = Migration::sql(*parsed, std::string(name), std::move(text), "embedded " + std::string(name));
  if (split_script(normalise_script(m.sql_script()->text), SplitRules{}).empty())
    throw Error(ErrorKind::validation, m.origin + ": the script is empty");
  std::vector<Migration> read;
  try {
    read = sql_migrations(std::move(m));
  } catch (Error& e) {
    throw e.in_file("embedded " + std::string(name));
  }
  for (auto& migration : read) add(std::move(migration));
  return *this;
}

MigrationSet& MigrationSet::function(std::string_view version, std::string description, std::string_view checksum,
                                     std::function<void(Session&)> code) {
  auto parsed = Version::parse(version);
  if (!parsed) throw Error(ErrorKind::validation, "C++ migration: '" + std::string(version) + "' is not a version");
  if (checksum.empty())
    throw Error(ErrorKind::validation, "C++ migration " + parsed->str() + ": give it a checksum string");
  std::string name = "V" + parsed->str() + "__" + description;
  std::replace(name.begin(), name.end(), ' ', '_');
  // Over a fixed prefix, so that a C++ checksum never equals the checksum of some SQL text.
  std::string recorded = sha256_hex("strata C++ migration\n" + std::string(checksum));
  Migration m = Migration::cpp(*parsed, std::move(description), name + " (C++)", std::move(code), std::move(recorded),
                               "C++ migration " + name);
  add(std::move(m));
  return *this;
}

MigrationSet& MigrationSet::operations(std::string_view name, std::vector<ops::Operation> up,
                                       std::optional<std::vector<ops::Operation>> down) {
  std::string file = std::string(name) + ".yaml";
  auto parsed = parse_migration_name(file);
  if (!parsed)
    throw Error(ErrorKind::validation, "embedded migration '" + std::string(name) +
                                           "': not a migration name (V<version>__<description>, R__<description>)");
  if (up.empty()) throw Error(ErrorKind::validation, "embedded migration '" + file + "': no operations");
  for (auto& migration :
       portable_migrations(*parsed, file, "embedded " + file, ops::Script{std::move(up), std::move(down)}))
    add(std::move(migration));
  return *this;
}

void MigrationSet::add(Migration m) {
  // A dotted word in a SQL migration's name may be a dialect tag the project declares, known
  // only to migrations(): such a name is checked there.
  bool may_carry_declared_tag = m.sql_script() && m.description.find('.') != std::string::npos;
  if (!may_carry_declared_tag) refuse_duplicate(migrations_, m);
  migrations_.push_back(std::move(m));
}

std::vector<Migration> MigrationSet::migrations(std::span<const std::string> declared) const {
  std::vector<Migration> sorted;
  for (Migration m : migrations_) {
    // A project's own dialect tags are known only now: a SQL migration's name is read again.
    if (auto parsed = m.sql_script() && !declared.empty() ? parse_migration_name(m.script, declared) : std::nullopt) {
      m.description = parsed->description;
      m.dialect = parsed->dialect;
    }
    refuse_duplicate(sorted, m);
    sorted.push_back(std::move(m));
  }
  std::stable_sort(sorted.begin(), sorted.end(), applies_before);
  return sorted;
}

}  // namespace strata
