// The decisions of `repair` and `baseline`, beside the planner: pure, from the migrations and
// the ledger's rows to what to change in the ledger.
#include <strata/plan.hpp>

namespace strata {

RepairPlan make_repair_plan(std::span<const Migration> migrations, std::span<const LedgerRow> ledger) {
  RepairPlan repair;
  for (const auto& row : ledger) {
    if (row.success) continue;
    repair.remove.push_back(row.installed_rank);
    repair.actions.push_back("removed the failed row of " + row.script +
                             (row.statements_done == statements_unknown
                                  ? " (failed under another tool)"
                                  : " (failed at statement " + std::to_string(row.statements_done + 1) + ")"));
  }
  Plan plan = make_plan(migrations, ledger, {});
  for (const auto& status : plan.migrations) {
    if (!status.latest || !status.latest->success || status.file_checksum.empty()) continue;
    if (status.kind == MigrationKind::baseline || status.state == MigrationState::below_baseline) continue;
    // A version rolled back: its latest row is the undo's, which records the undo file. Found
    // through the Python package's tests: repair rewrote it with the migration's name and checksum.
    if (status.latest->kind != status.kind) continue;
    LedgerRow row = *status.latest;
    if (row.checksum == status.file_checksum && row.script == status.script && row.description == status.description)
      continue;
    if (row.checksum != status.file_checksum)
      repair.actions.push_back("re-recorded the checksum of " + status.script + ": " + row.checksum + " -> " +
                               status.file_checksum);
    if (row.script != status.script)
      repair.actions.push_back("re-recorded the file name of " + row.script + " as " + status.script);
    else if (row.description != status.description)
      repair.actions.push_back("re-recorded the description of " + status.script + " as '" + status.description + "'");
    row.checksum = status.file_checksum;
    row.script = status.script;
    row.description = status.description;
    repair.update.push_back(std::move(row));
  }
  return repair;
}

BaselinePlan make_baseline_plan(std::span<const LedgerRow> ledger, const Version& version, std::string description,
                                const std::string& ledger_table) {
  BaselinePlan baseline;
  for (const auto& row : ledger) {
    if (row.kind == MigrationKind::baseline) {
      baseline.problems.push_back("cannot baseline: the ledger " + ledger_table +
                                  " already has a baseline, at version " + to_string(row.version, "?"));
      return baseline;
    }
    if (row.kind != MigrationKind::repeatable) {
      baseline.problems.push_back("cannot baseline: the ledger " + ledger_table +
                                  " already records versioned migrations (" + row.script + ")");
      return baseline;
    }
  }
  baseline.row.version = version;
  baseline.row.description = std::move(description);
  baseline.row.kind = MigrationKind::baseline;
  baseline.row.script = "<< baseline >>";
  baseline.action = "baselined at version " + version.str() + ": versions up to it are taken as applied";
  return baseline;
}

}  // namespace strata
