// Lint's analysis on any bytes, read both as SQL (keyword checks) and, where they are a portable
// migration, as operations judged against no schema and against the schema they make. Nothing
// may escape it (lint never refuses input: it reports), and every finding has a known code, a
// message, and a line of the text.
#include "invariant.hpp"

#include <strata/diff.hpp>
#include <strata/error.hpp>
#include <strata/lint.hpp>
#include <strata/operations.hpp>

#include <algorithm>
#include <cstdint>
#include <set>
#include <string>

namespace {

void check(const std::vector<strata::Finding>& findings, int lines) {
  static const std::set<std::string> codes = {"drop-table",   "drop-column", "narrowing-type", "not-null-no-default",
                                              "set-not-null", "new-unique",  "rename",         "rebuild-cascade",
                                              "alter-type",   "truncate",    "delete-all"};
  for (const auto& f : findings) {
    if (!codes.count(f.code)) violated("an unknown code", f.code);
    if (f.message.empty()) violated("a finding without a message", f.code);
    if (f.line < 1 || f.line > lines) violated("a line outside the text", std::to_string(f.line));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  int lines = 1 + static_cast<int>(std::count(text.begin(), text.end(), '\n'));
  check(strata::lint_sql(text), lines);
  strata::ops::Script script;
  try {
    script = strata::ops::parse_yaml(text, "fuzz.yaml");
  } catch (const strata::Error&) {
    return 0;
  }
  check(strata::lint_operations(script.up, {}), lines);
  strata::DeclaredSchema made;
  try {
    made = strata::fold(script.up);
  } catch (const strata::Error&) {
    return 0;
  }
  check(strata::lint_operations(script.up, made), lines);
  return 0;
}
