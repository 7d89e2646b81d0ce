// Migration file-name parsing on any name. A name that parses re-forms (from what was read:
// kind, version, description, dialect tag, form) to a name that parses to the same identity.
#include "invariant.hpp"

#include <strata/source.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

// The Flyway spelling of what a name means: V<version>__<description>[.<tag>].sql.
std::string re_formed(const strata::MigrationName& n) {
  std::string description = n.description;
  std::replace(description.begin(), description.end(), ' ', '_');
  std::string prefix = n.kind == strata::MigrationKind::repeatable ? "R"
                       : n.kind == strata::MigrationKind::undo     ? "U" + n.version->str()
                                                                   : "V" + n.version->str();
  return prefix + "__" + description + (n.dialect.empty() ? "" : "." + n.dialect) + (n.portable ? ".yaml" : ".sql");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string name(reinterpret_cast<const char*>(data), size);
  auto parsed = strata::parse_migration_name(name);
  if (!parsed) return 0;
  if (parsed->kind != strata::MigrationKind::repeatable && !parsed->version) violated("a version without one", name);
  std::string again_name = re_formed(*parsed);
  auto again = strata::parse_migration_name(again_name);
  if (!again) violated("the re-formed name does not parse", again_name);
  if (again->kind != parsed->kind || again->version != parsed->version || again->description != parsed->description ||
      again->dialect != parsed->dialect || again->portable != parsed->portable)
    violated("the re-formed name means something else", again_name);
  return 0;
}
