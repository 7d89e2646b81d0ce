// `strata lint`: what a migration would do to the data already there, said before it runs.
//
// A portable migration is checked exactly: each operation against the schema before it (the
// migrations before it, folded or replayed; or the live database). A SQL migration is checked by
// its keywords only (DROP TABLE, DROP COLUMN, a type change, SET NOT NULL, a new unique key,
// TRUNCATE, DELETE without WHERE, a rename): strata does not parse SQL.
//
// With a database (Options::url), the findings that depend on the data are decided by asking it:
// a drop of an empty table passes, NOT NULL over a column holding a NULL is refused naming the
// count. Each question is one query bounded by a LIMIT (it counts up to 1,000 matching rows and
// says "more than 1,000" beyond), run under Options::statement_timeout; one that cannot be
// answered (a timeout, a table the database does not have yet) leaves the finding at its level
// without data, with a note. The codes and what each means are listed in docs/lint.md.
//
// Threads: every function here may run on several threads at once. lint_operations and lint_sql
// are pure; lint and lint_change open a connection of their own for each call, and only read.
//
//   strata::LintReport r = strata::lint({.files = {"migrations/V8__drop_legacy.yaml"}}, options);
//   if (r.refused()) ...  // an error-level finding not allowed: `strata lint` exits 3
#pragma once

#include <strata/diff.hpp>
#include <strata/engine.hpp>
#include <strata/export.hpp>
#include <strata/operations.hpp>

#include <string>
#include <vector>

namespace strata {

enum class Severity {
  info,     // nothing to refuse: the data showed nothing is lost ("the table is empty"), or a
            // guard decides at apply time (require_empty)
  warning,  // may break something: a rename (running replicas), or, without data, a change that
            // fails only on some rows (NOT NULL over a NULL, a unique key over duplicates)
  error,    // loses data or fails on rows: refused unless allowed
};
STRATA_API const char* to_string(Severity severity);

struct Finding {
  std::string code;  // "drop-column" (docs/lint.md lists them)
  Severity severity = Severity::error;
  std::string file;      // where the migration was read ("migrations/V8__x.yaml")
  std::string version;   // the migration's label ("8")
  int line = 0;          // of the operation or statement in `file`; 0 when not known
  std::string message;   // what it does to the data, with the count the database gave
  std::string remedy;    // what to write instead, or how to accept it
  bool allowed = false;  // accepted (allow:, -- strata:allow, --allow): reported, never refuses
};

struct LintRequest {
  // Migration files to check (paths, or names in Options::dir). None: the migrations pending on
  // the database when Options::url is set, else the newest `latest` versioned migrations.
  std::vector<std::string> files;
  int latest = 1;                  // at least 1
  std::vector<std::string> allow;  // codes accepted for every migration checked (--allow)
};

struct STRATA_API LintReport {
  std::vector<std::string> linted;  // the scripts checked, in order
  std::vector<Finding> findings;
  bool data_checked = false;       // a database answered the data questions
  std::vector<std::string> notes;  // what could not be checked, and why
  // An error-level finding that is not allowed: the command's exit code is 3.
  bool refused() const;
};

// The findings of `operations` (one migration) applied to `before`, without data: what lint
// reports without a database, and what `generate` checks before it writes. `file` and `version`
// name the migration in the findings. Pure.
STRATA_API std::vector<Finding> lint_operations(const std::vector<ops::Operation>& operations,
                                                const DeclaredSchema& before, const std::string& file = {},
                                                const std::string& version = {});

// The keyword findings of a SQL script (see above). Pure.
STRATA_API std::vector<Finding> lint_sql(const std::string& script, const std::string& file = {},
                                         const std::string& version = {});

// Checks what the request names (see LintRequest) and, with Options::url, asks the data. Throws
// Error(usage) for a file that is not a migration of the project, and what reading the
// migrations and connecting throw. A history that cannot be folded or replayed to know the
// schema before a migration is a note, and that migration is checked against no schema.
STRATA_API LintReport lint(const LintRequest& request, const Options& options);

// Findings of `operations` applied to `before`, with the data questions asked of the database at
// Options::url when it is set: what `generate` runs. `allow` as in LintRequest. Throws what
// connecting throws (Error(cannot_connect), a driver that cannot be loaded).
STRATA_API LintReport lint_change(const std::vector<ops::Operation>& operations, const DeclaredSchema& before,
                                  const std::vector<std::string>& allow, const Options& options);

}  // namespace strata
