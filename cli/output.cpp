#include "output.hpp"

#include <algorithm>
#include <iomanip>

namespace strata::cli {
namespace {

std::string version_text(const std::optional<Version>& v) {
  return v ? v->str() : "none";
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out.empty() ? "-" : out;
}

}  // namespace

std::string migration_label(const MigrationStatus& m) {
  std::string what = m.kind == MigrationKind::repeatable ? "repeatable" : m.version ? m.version->str() : "?";
  return what + " \"" + m.description + "\" (" + m.script + ")";
}

void print_applied_line(std::ostream& out, const Event& event) {
  if (event.type != Event::Type::applied || !event.migration) return;
  const char* verb = event.migration->kind == MigrationKind::undo ? "undid " : "applied ";
  out << verb << migration_label(*event.migration) << " in " << event.elapsed.count() << " ms" << std::endl;
}

void print_dry_run(std::ostream& out, const Report& report) {
  out << "-- dry run: nothing was changed\n";
  if (report.dry_run.empty()) out << "-- nothing to apply\n";
  for (const auto& p : report.dry_run) {
    out << "\n-- " << p.label;
    if (p.first_statement > 0) out << ", resumed at statement " << p.first_statement + 1;
    out << (p.transactional ? ": in one transaction with its ledger row\n"
                            : ": statement by statement, progress recorded in the ledger\n");
    for (const auto& statement : p.statements) {
      // A portable operation's preview ends its own statements, or is a comment saying why none.
      std::string_view last_line = std::string_view(statement).substr(statement.rfind('\n') + 1);
      bool ended = statement.ends_with(";") || last_line.starts_with("--");
      out << statement << (ended ? "\n" : ";\n");
    }
  }
}

void print_actions(std::ostream& out, const Report& report) {
  for (const auto& action : report.actions) out << action << '\n';
}

void print_adopt(std::ostream& out, const Report& report) {
  print_actions(out, report);
  out << '\n';
  print_status_table(out, report);
}

void print_rollback_summary(std::ostream& out, const Report& report) {
  std::size_t n = report.applied.size();
  out << n << (n == 1 ? " version" : " versions") << " rolled back in " << report.elapsed.count() << " ms; "
      << report.url << " is now at version " << version_text(report.current_version) << '\n';
}

void print_validate_summary(std::ostream& out, const Report& report) {
  std::size_t pending = report.count(MigrationState::pending) + report.count(MigrationState::undone);
  out << report.migrations.size() << " migrations validated against " << report.url << ": no problems, " << pending
      << " pending\n";
}

void print_migrate_summary(std::ostream& out, const Report& report) {
  for (const auto& action : report.actions) out << action << '\n';
  std::string at = "at version " + version_text(report.current_version);
  if (report.applied.empty()) {
    out << report.url << " is up to date, " << at << (report.lock_taken ? "" : " (no lock taken)") << '\n';
    return;
  }
  std::size_t n = report.applied.size();
  out << n << (n == 1 ? " migration" : " migrations") << " applied in " << report.elapsed.count() << " ms; "
      << report.url << " is now " << at << '\n';
}

void print_status_table(std::ostream& out, const Report& report) {
  struct Line {
    std::string version, description, state, installed_on, script;
  };
  std::vector<Line> lines{{"VERSION", "DESCRIPTION", "STATE", "INSTALLED ON (UTC)", "SCRIPT"}};
  std::size_t pending = 0;
  for (const auto& m : report.migrations) {
    std::string state = to_string(m.state);
    if (m.state == MigrationState::failed && m.latest) {
      if (m.latest->statements_done == statements_unknown)
        state += " (under another tool)";
      else
        state += " at statement " + std::to_string(m.latest->statements_done + 1);
      if (m.latest->in_doubt) state += " (in doubt)";
      if (m.latest->kind == MigrationKind::undo) state += " (undo)";
    }
    if (m.state == MigrationState::pending || m.state == MigrationState::undone) ++pending;
    lines.push_back({m.kind == MigrationKind::repeatable ? "R" : version_text(m.version), m.description, state,
                     m.latest ? m.latest->installed_on : "", m.script});
  }
  std::size_t w[4] = {};
  for (const auto& l : lines) {
    w[0] = std::max(w[0], l.version.size());
    w[1] = std::max(w[1], std::min<std::size_t>(l.description.size(), 40));
    w[2] = std::max(w[2], l.state.size());
    w[3] = std::max(w[3], l.installed_on.size());
  }
  for (const auto& l : lines) {
    std::string description = l.description.size() > 40 ? l.description.substr(0, 37) + "..." : l.description;
    out << std::left << std::setw(int(w[0]) + 2) << l.version << std::setw(int(w[1]) + 2) << description
        << std::setw(int(w[2]) + 2) << l.state << std::setw(int(w[3]) + 2) << l.installed_on << l.script << '\n';
  }
  out << '\n'
      << report.url << " (" << report.server << "): at version " << version_text(report.current_version) << ", "
      << pending << " pending\n";
  if (report.problems.empty()) return;
  out << "\nproblems that stop `strata migrate`:\n";
  for (const auto& p : report.problems) out << "  " << p << '\n';
}

void print_schema(std::ostream& out, const Schema& schema) {
  out << "-- " << schema.server << ", " << schema.tables.size() << " tables (types in portable terms)\n";
  for (const auto& t : schema.tables) {
    out << "\ntable " << t.name << '\n';
    std::size_t width = 0;
    for (const auto& c : t.columns) width = std::max(width, c.name.size());
    for (const auto& c : t.columns) {
      std::string types;
      for (const auto& type : c.types) types += (types.empty() ? "" : " | ") + type;
      out << "  " << c.name << std::string(width - c.name.size() + 2, ' ')
          << (types.empty() ? c.native + " (no portable type)" : types) << (c.nullable ? "" : "  not null")
          << (c.default_value.empty() ? "" : "  default " + c.default_value) << '\n';
    }
    if (!t.primary_key.empty()) out << "  primary key (" << join(t.primary_key) << ")\n";
    for (const auto& k : t.keys) out << "  " << (k.unique ? "unique key (" : "index (") << join(k.columns) << ")\n";
    for (const auto& k : t.foreign_keys)
      out << "  foreign key (" << join(k.columns) << ") references " << k.references << " ("
          << join(k.referenced_columns) << ") on delete " << k.on_delete << '\n';
  }
}

void print_drivers(std::ostream& out, const plugin::Loader& loader) {
  out << "search path:\n";
  if (plugin::drivers_linked_in()) out << "  none: this strata has its drivers linked in and loads no plugins\n";
  for (const auto& dir : loader.search_path())
    out << "  " << dir.path.string() << "  (" << dir.origin << (dir.problem.empty() ? "" : ", " + dir.problem) << ")\n";
  const auto& files = loader.discover();
  out << "\ndrivers:\n";
  if (files.empty()) out << "  none found\n";
  for (const auto& file : files) {
    out << "  " << file.name << "  " << (file.builtin ? "(built in)" : file.path.string()) << '\n';
    if (!file.refusal.empty()) {
      out << "      refused: " << file.refusal << '\n';
      continue;
    }
    std::string version = "?";
    try {
      version = std::string(loader.load_file(file)->version());
    } catch (const Error& e) {
      out << "      refused: " << e.message() << '\n';
      continue;
    }
    out << "      version " << version << ", schemes: " << join(file.schemes) << ", suffixes: " << join(file.suffixes)
        << (file.shadowed ? "  (shadowed by an earlier directory)" : "") << '\n';
  }
}

}  // namespace strata::cli
