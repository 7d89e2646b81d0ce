#include "new_migration.hpp"

#include <strata/error.hpp>
#include <strata/generate.hpp>

#include <nlohmann/json.hpp>

#include <iostream>

namespace strata::cli {

int create_migration(const Options& options, const std::string& description, bool yaml, bool json) {
  std::string content, undo;
  if (yaml) {
    content = "# " + description +
              "\n# A list of portable operations (see docs/operations.md in strata), e.g.\n"
              "# - add_column:\n"
              "#     table: incidents\n"
              "#     if_missing: true\n"
              "#     column: {name: runbook_version, type: integer, nullable: false, default: 1}\n";
  } else if (options.format == Layout::goose) {
    content = "-- +goose Up\n-- " + description + "\n\n-- +goose Down\n";
  } else if (options.format == Layout::dbmate) {
    content = "-- migrate:up\n-- " + description + "\n\n-- migrate:down\n";
  } else {
    content = "-- " + description + "\n\n";
    undo = "-- undo: " + description + "\n\n";
  }
  NewFile file = write_next_migration(options.dir, description, yaml ? ".yaml" : ".sql", content, options.format, undo);
  if (json) {
    nlohmann::json out{{"created", file.path.string()}, {"version", file.version.str()}};
    out["undo"] = file.undo.empty() ? nlohmann::json(nullptr) : nlohmann::json(file.undo.string());
    std::cout << out.dump(2) << '\n';
  } else {
    std::cout << "created " << file.path.string() << (file.undo.empty() ? "" : " and " + file.undo.string())
              << ": write its " << (yaml ? "operations" : "SQL") << " (an empty migration is "
              << (!yaml && (options.format == Layout::golang_migrate || options.format == Layout::pop ||
                            options.format == Layout::diesel)
                      ? "recorded as applied with nothing done, as in " + std::string(to_string(options.format))
                      : "refused")
              << ")\n";
  }
  return 0;
}

}  // namespace strata::cli
