// How the command line shows reports: one line per migration applied, a summary line, the
// status table, the drivers listing. Everything here writes to the given stream only.
#pragma once

#include <strata/engine.hpp>
#include <strata/plugin/loader.hpp>

#include <ostream>
#include <string>
#include <string_view>

namespace strata::cli {

std::string migration_label(const MigrationStatus& m);
void print_applied_line(std::ostream& out, const Event& event);
void print_migrate_summary(std::ostream& out, const Report& report);
void print_status_table(std::ostream& out, const Report& report);
void print_drivers(std::ostream& out, const plugin::Loader& loader);
// A schema in portable terms, a table at a time.
void print_schema(std::ostream& out, const Schema& schema);
void print_dry_run(std::ostream& out, const Report& report);
void print_actions(std::ostream& out, const Report& report);
// `adopt`: what the old table said and what was recorded, then the state as `status` shows it.
void print_adopt(std::ostream& out, const Report& report);
void print_rollback_summary(std::ostream& out, const Report& report);
void print_validate_summary(std::ostream& out, const Report& report);

}  // namespace strata::cli
