#include "generate.hpp"

#include <strata/generate.hpp>
#include <strata/json.hpp>
#include <strata/lint.hpp>

#include <iostream>

namespace strata::cli {
namespace {

DiffRequest request_of(const DiffFlags& flags) {
  return {flags.from, flags.to, {}, flags.renames, flags.no_renames, flags.allow};
}

std::string operations(std::size_t n) {
  return std::to_string(n) + (n == 1 ? " operation" : " operations");
}

void print_findings(std::ostream& out, const LintReport& r, bool with_ok) {
  for (const auto& f : r.findings) {
    if (f.severity == Severity::info && !with_ok) continue;
    std::string where =
        f.file.empty() ? std::string() : f.file + (f.line > 0 ? ":" + std::to_string(f.line) : "") + ": ";
    std::string level = f.allowed ? "allowed" : f.severity == Severity::info ? "ok" : to_string(f.severity);
    out << where << level << " " << f.code << ": " << f.message << '\n';
    if (!f.remedy.empty() && !f.allowed && f.severity != Severity::info) out << "  fix: " << f.remedy << '\n';
  }
  for (const auto& n : r.notes) std::cerr << "strata: note: " << n << '\n';
}

void print_hints(const Diff& d) {
  for (const auto& n : d.notes) std::cerr << "strata: note: " << n << '\n';
  for (const auto& h : d.hints) std::cerr << "strata: hint: " << h << '\n';
}

}  // namespace

int run_diff(const DiffFlags& flags, const Options& options, bool json) {
  Compared c = compare(request_of(flags), options);
  int code = flags.check && !c.diff.empty() ? exit_code(ErrorKind::pending) : 0;
  if (json) {
    std::cout << to_json(c.diff, c.from, c.to) << '\n';
    return code;
  }
  print_hints(c.diff);
  if (c.diff.empty()) {
    std::cerr << "strata: no difference: " << c.from << " and " << c.to << " are the same schema\n";
    return code;
  }
  if (flags.sql.empty()) {
    std::cout << to_yaml(c.diff.up, {});
  } else {
    for (const auto& statement : render_sql(c.diff.up, c.from_schema, flags.sql, options)) {
      std::string_view last_line = std::string_view(statement).substr(statement.rfind('\n') + 1);
      bool ended = statement.ends_with(";") || last_line.starts_with("--");
      std::cout << statement << (ended ? "\n" : ";\n");
    }
  }
  if (flags.check)
    std::cerr << "strata: " << c.to << " differs from " << c.from << " (" << operations(c.diff.up.size())
              << "): write the migration, e.g. strata generate \"<description>\"\n";
  return code;
}

int run_generate(const DiffFlags& flags, const Options& options, bool json) {
  Generated g = generate(flags.description, request_of(flags), options);
  const Compared& c = g.compared;
  if (json) {
    std::cout << to_json(g) << '\n';
    return 0;
  }
  print_hints(c.diff);
  if (g.file.empty()) {
    std::cout << "nothing to generate: " << c.from << " and " << c.to << " are the same schema\n";
    return 0;
  }
  print_findings(std::cerr, g.lint, false);
  std::cout << "created " << g.file.string() << " (" << operations(c.diff.up.size()) << "):\n";
  for (const auto& op : c.diff.up) std::cout << "  " << op.summary() << '\n';
  return 0;
}

int run_lint(const DiffFlags& flags, const Options& options, bool json) {
  LintReport r = lint({flags.files, flags.latest, flags.allow}, options);
  int code = r.refused() ? exit_code(ErrorKind::validation) : 0;
  if (json) {
    std::cout << to_json(r) << '\n';
    return code;
  }
  print_findings(std::cout, r, true);
  int errors = 0, warnings = 0;
  for (const auto& f : r.findings) {
    errors += f.severity == Severity::error && !f.allowed;
    warnings += f.severity == Severity::warning && !f.allowed;
  }
  std::cout << r.linted.size() << (r.linted.size() == 1 ? " migration" : " migrations") << " checked"
            << (r.data_checked ? " with data" : "") << ": " << errors << (errors == 1 ? " error, " : " errors, ")
            << warnings << (warnings == 1 ? " warning" : " warnings") << '\n';
  return code;
}

int run_drift(const Options& options, bool json) {
  DriftReport d = Engine(options).drift();
  int code = d.drifted() ? exit_code(ErrorKind::validation) : 0;
  if (json) {
    std::cout << to_json(d) << '\n';
    return code;
  }
  for (const auto& n : d.notes) std::cerr << "strata: note: " << n << '\n';
  if (!d.drifted()) {
    std::cout << "no drift: " << d.database << " is what " << d.expected << " make\n";
    return code;
  }
  std::cout << d.database << " differs from what " << d.expected << " make (" << d.differences.size()
            << (d.differences.size() == 1 ? " difference" : " differences") << "):\n";
  for (const auto& line : d.differences) std::cout << "  " << line << '\n';
  std::cout << "To revert it (review first; what a drop took does not come back):\n" << to_yaml(d.to_revert, {});
  return code;
}

}  // namespace strata::cli
