#include "generate.hpp"

#include <strata/generate.hpp>
#include <strata/json.hpp>

#include <iostream>

namespace strata::cli {
namespace {

DiffRequest request_of(const DiffFlags& flags) {
  return {flags.from, flags.to, flags.dev_url, flags.renames, flags.no_renames};
}

std::string operations(std::size_t n) {
  return std::to_string(n) + (n == 1 ? " operation" : " operations");
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
    std::cout << to_json(c.diff, c.from, c.to, g.file.string()) << '\n';
    return 0;
  }
  print_hints(c.diff);
  if (g.file.empty()) {
    std::cout << "nothing to generate: " << c.from << " and " << c.to << " are the same schema\n";
    return 0;
  }
  std::cout << "created " << g.file.string() << " (" << operations(c.diff.up.size()) << "):\n";
  for (const auto& op : c.diff.up) std::cout << "  " << op.summary() << '\n';
  return 0;
}

}  // namespace strata::cli
