// `strata diff` and `strata generate`: the difference between two schemas (see <strata/diff.hpp>),
// printed, or written as the next portable migration.
#pragma once

#include <strata/engine.hpp>

#include <string>
#include <vector>

namespace strata::cli {

struct DiffFlags {
  std::string from = "migrations";   // see load_schema
  std::string to;                    // "": Options::schema
  std::vector<std::string> renames;  // "old=new" (a table) or "table.old=new" (a column of table)
  bool check = false;                // diff: exit 6 when there is a difference
  std::string sql;                   // diff: render SQL against `sqlite` (a scratch database) or a URL
  bool no_renames = false;           // generate: what looks like a rename is a drop and an add
  std::string description;           // generate
  std::vector<std::string> allow;    // generate, lint: lint codes accepted
  std::vector<std::string> files;    // lint: the migrations to check
  int latest = 1;                    // lint: without files or a database, the newest this many
};

// Prints the operations that turn --from into --to (YAML), or that there are none. Returns the
// exit code: 0, or 6 with --check when there is a difference.
int run_diff(const DiffFlags& flags, const Options& options, bool json);
// Writes the next V<n>__<description>.yaml with those operations and their undo; writes nothing
// when there is no difference, and nothing with exit 3 while a change may be an unstated rename.
int run_generate(const DiffFlags& flags, const Options& options, bool json);
// Prints each lint finding (file:line: severity code: message, then the remedy). Returns 3 when an
// error-level finding is not allowed, else 0.
int run_lint(const DiffFlags& flags, const Options& options, bool json);
// Prints each difference between the schema and its applied migrations. Returns 3 when there is one.
int run_drift(const Options& options, bool json);

}  // namespace strata::cli
