#include "new_migration.hpp"

#include <strata/error.hpp>
#include <strata/generate.hpp>

#include <nlohmann/json.hpp>

#include <iostream>

namespace strata::cli {

int create_migration(const std::filesystem::path& dir, const std::string& description, bool yaml, bool json) {
  std::string content = yaml ? "# " + description +
                                   "\n# A list of portable operations (see docs/operations.md in strata), e.g.\n"
                                   "# - add_column:\n"
                                   "#     table: incidents\n"
                                   "#     if_missing: true\n"
                                   "#     column: {name: runbook_version, type: integer, nullable: false, default: 1}\n"
                             : "-- " + description + "\n\n";
  NewFile file = write_next_migration(dir, description, yaml ? ".yaml" : ".sql", content);
  if (json)
    std::cout << nlohmann::json{{"created", file.path.string()}, {"version", file.version.str()}}.dump(2) << '\n';
  else
    std::cout << "created " << file.path.string() << ": write its " << (yaml ? "operations" : "SQL")
              << " (an empty migration is refused)\n";
  return 0;
}

}  // namespace strata::cli
