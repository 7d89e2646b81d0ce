// Drift: a database whose schema is not what the migrations its ledger records as applied make
// (someone ran ALTER TABLE by hand). `strata drift` reports it; `strata migrate --check-drift`
// refuses to apply over it. See Engine::drift.
#pragma once

#include <strata/operations.hpp>

#include <string>
#include <vector>

namespace strata {

struct DriftReport {
  std::string database;  // the URL, without its password
  std::string expected;  // what the comparison was made with ("the 7 migrations the ledger records as applied")
  // Each difference, as the change made outside the migrations: "add_column runbook_executions.hotfix"
  // (the database has a column they do not make), "drop_index ix_status on runs" (they make an
  // index it lacks).
  std::vector<std::string> differences;
  // The same differences as operations: those that would make the migrations' schema into the
  // database's (what was done by hand), in the order a migration would run them.
  std::vector<ops::Operation> changes;
  // The operations that would make the database as its migrations say (undoing the changes made
  // by hand; what a drop takes does not come back). For review, never run by strata.
  std::vector<ops::Operation> to_revert;
  std::vector<std::string> notes;  // what the comparison left out, and why
  bool drifted() const { return !differences.empty(); }
};

}  // namespace strata
