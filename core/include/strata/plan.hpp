// The planner: from the migrations found and the ledger read, what state each migration is in
// and what must run. It is pure (no I/O), so every decision it makes is testable without a
// database, and the executor does nothing the plan did not say.
#pragma once

#include <strata/export.hpp>
#include <strata/ledger.hpp>
#include <strata/migration.hpp>

#include <optional>
#include <span>
#include <string>
#include <vector>

namespace strata {

enum class MigrationState {
  applied,            // its latest row succeeded with the file's checksum
  pending,            // not applied yet (or a repeatable whose file changed)
  failed,             // its latest row records a failure
  checksum_mismatch,  // applied, but the file has changed since
  missing,            // in the ledger, no file any more
  future,             // applied by a newer release: newer than every file known here
  out_of_order,       // not applied, older than the newest applied version
};

STRATA_API const char* to_string(MigrationState state);

struct MigrationStatus {
  MigrationKind kind = MigrationKind::versioned;
  std::optional<Version> version;
  std::string description;
  std::string script;
  MigrationState state = MigrationState::pending;
  std::optional<LedgerRow> latest;  // its latest ledger row, if any
  std::string file_checksum;        // "" when there is no file
};

struct PlanOptions {
  std::optional<Version> target;  // apply versioned migrations up to and including this one
  bool out_of_order = false;      // allow applying versions older than the newest applied
};

struct STRATA_API Plan {
  std::vector<MigrationStatus> migrations;  // every migration known, in apply order
  std::vector<Migration> pending;           // what will run, in order
  std::vector<std::string> problems;        // defects that stop a run (validation)
  std::vector<std::string> warnings;        // reported, never stop a run

  bool up_to_date() const noexcept { return pending.empty() && problems.empty(); }
  std::optional<Version> current_version() const;  // newest applied version
};

STRATA_API Plan make_plan(std::span<const Migration> migrations, std::span<const LedgerRow> ledger,
                          const PlanOptions& options);

}  // namespace strata
