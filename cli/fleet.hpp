// `strata migrate --fleet targets.txt`: every target of a targets file migrated alike (see
// <strata/fleet.hpp>), a line per target as it ends, and the summary.
#pragma once

#include <strata/fleet.hpp>

#include <atomic>
#include <string>

namespace strata::cli {

struct FleetFlags {
  std::string file;          // --fleet
  int parallel = 1;          // --parallel
  int per_server = 0;        // --per-server
  int canary = 0;            // --canary
  std::string canary_label;  // --canary-label
  bool canaries_only = false;
  std::string on_error = "stop";  // stop, continue, stop-after=K
  std::string shard;              // "K/N", or "N" with JOB_COMPLETION_INDEX
  std::string skip_done;          // an earlier report (JSON Lines)
  std::string retry_failed;       // an earlier report: only its failed targets
  std::string report;             // where to write this run's report (JSON Lines)
};

// Set by SIGINT or SIGTERM while a fleet runs: no new target starts, those running finish.
extern std::atomic<bool> fleet_stop;
extern std::atomic<bool> fleet_running;

// Runs the fleet; returns the exit code: 0, or 7 when a target failed or was not attempted.
// Throws Error(usage) for a bad flag or targets file, Error(validation) for migrations that
// cannot be read, before any target is touched.
int run_fleet(const FleetFlags& flags, const Options& options, bool json);

}  // namespace strata::cli
