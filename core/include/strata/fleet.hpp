// Many databases migrated alike: `strata migrate --fleet targets.txt` (user guide, "Fleets").
//
//   auto targets = strata::read_fleet_targets("targets.txt");
//   strata::FleetOptions fleet;
//   fleet.parallel = 4;
//   strata::FleetReport done = strata::migrate_fleet(options, targets, fleet, [](const strata::TargetResult& r) {
//     log(strata::to_json_line(r));
//   });
//
// The migrations are read, checksummed and checked once (Options::dir, Options::embedded); each
// target is then an ordinary `migrate` of its own (its lock-free up-to-date check, its lock, its
// ledger), given the same parsed set. The ledger is each target's checkpoint: running a fleet
// again is safe and costs each target that is done one up-to-date check.
#pragma once

#include <strata/engine.hpp>
#include <strata/export.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace strata {

struct FleetTarget {
  std::string url;  // as written, ${NAME} expanded: may hold a password; never printed
  std::string id;   // the URL redacted: what reports name, and what --shard hashes
  std::vector<std::pair<std::string, std::string>> labels;  // the line's key=value words, in order
  std::string where;                                        // "targets.txt:12", for messages
};

// Reads a targets file. Each line, after leading blanks: empty or `#...` (nothing); a URL and
// optional `key=value` labels, separated by blanks; `@glob sqlite:<path pattern> [labels]`, a
// target for each file the pattern matches (glob(3), sorted); `@query <URL> <SQL...>`, a target
// for each row the query returns (its first column, a URL), read through the driver of <URL>
// with `options`' plugins and timeouts. `${NAME}` anywhere in a line is the environment variable
// NAME. Throws one Error(usage) naming each bad line ("targets.txt:3: ..."): a URL strata cannot
// parse, a word that is not key=value, a variable not set, a pattern that matches nothing, a
// target listed twice (naming both lines); a query that fails, with its error's kind.
STRATA_API std::vector<FleetTarget> read_fleet_targets(const std::filesystem::path& file, const Options& options = {});

enum class OnError {
  stop,        // start no new target once one fails; those running finish (the default)
  go_on,       // run every target
  stop_after,  // stop once FleetOptions::stop_after targets have failed
};

struct FleetOptions {
  int parallel = 1;    // targets migrated at once
  int per_server = 0;  // at most this many at once per server (host:port; SQLite: per directory); 0: no bound
  // Canaries run first, one at a time; one that fails stops the fleet before any other target
  // starts. The first `canary` targets, and those with the label `canary_label` ("wave=canary").
  int canary = 0;
  std::string canary_label;
  bool canaries_only = false;  // run the canaries and nothing else (a roll-out's first step)
  OnError on_error = OnError::stop;
  int stop_after = 1;
  // --shard K/N: only the targets whose shard_of(id, N) is K, never a canary; 0: every target.
  int shard_index = 0, shard_count = 0;
  // A report of an earlier run (JSON Lines, to_json_line): its targets done (applied, up to date
  // or skipped) at this fingerprint are skipped. Error(usage) naming its line for a line not ours.
  std::filesystem::path skip_done;
  // A report of an earlier run: only the targets whose last line there is `failed` (at any
  // fingerprint: the fix is often a change to the migrations) are in this run; the others are
  // not reported. With skip_done, a target must pass both.
  std::filesystem::path retry_failed;
  // Where the report goes too, a JSON Lines file (to_json_line): a line as each target ends, then
  // the summary. Error(usage) when it cannot be written, before any target starts.
  std::filesystem::path report;
  const std::atomic<bool>* stop = nullptr;  // once true, stop as after a failure (SIGINT, SIGTERM)
  // Called once, before any target starts, with the number of targets in this run (after
  // --shard and --retry-failed; skipped ones included): a progress line's total.
  std::function<void(std::size_t)> on_plan;
};

// Sets one option of `fleet` by the name `migrate --fleet` gives it on the command line, without
// its dashes ("-" and "_" alike), from its text: "parallel" (1 or more), "per-server" (0: no
// bound), "canary" (0 or more), "canary-label" (key=value; a key alone: any value), "canaries-only" (true, false, 1,
// 0), "on-error" (stop, continue, stop-after=K), "shard" (K/N; N alone takes K from JOB_COMPLETION_INDEX, as a
// Kubernetes Indexed Job sets it), "skip-done", "retry-failed" and "report" (a report's path). Returns false, changing
// nothing, for a name that is none of these; throws Error(usage) naming the option for a value it does not take.
STRATA_API bool set_fleet_option(FleetOptions& fleet, std::string_view name, const std::string& value);

enum class TargetState { applied, up_to_date, failed, not_attempted, skipped };
STRATA_API const char* to_string(TargetState state);  // "applied", "up_to_date", ...

struct TargetResult {
  std::string target;  // the id (redacted URL)
  std::vector<std::pair<std::string, std::string>> labels;
  bool canary = false;
  TargetState state = TargetState::not_attempted;
  int exit_code = 0;                 // what `strata migrate` on this target alone would exit with
  std::vector<std::string> applied;  // the versions (a repeatable: its script) applied, in order
  std::chrono::milliseconds elapsed{0};
  std::string error;                  // the error, with its advice (the fleet never chooses --resume's answer)
  std::vector<std::string> warnings;  // the run's warnings (drift, a session restored, ...)
  std::string fingerprint;            // of the migration set (FleetReport::fingerprint)
};

struct FleetReport {
  std::string fingerprint;  // of the migration set: sha256 over every migration's identity and checksum
  std::size_t applied = 0, up_to_date = 0, failed = 0, not_attempted = 0, skipped = 0;
  bool stopped = false;  // a failure (or a signal) stopped it before every target had run
  std::chrono::milliseconds elapsed{0};
  // 0 when every target is applied, up to date or skipped; else 7 ("fleet incomplete").
  int exit_code() const { return failed + not_attempted > 0 ? 7 : 0; }
};

// Migrates every target of `targets` (see FleetOptions) with `options` (its url is ignored).
// Throws Error(validation) when the migrations cannot be read, and Error(usage) for options a
// fleet does not take (dry_run, resume: a target's failure is resumed on that target alone),
// before any target is touched.
// `on_result` is called once per target, canaries first, as each ends (targets never started
// as not_attempted, at the end), on one thread at a time; nothing is kept per target, so memory
// does not grow with the fleet. Thread-safe for the caller: it runs its own threads and joins
// them before it returns.
STRATA_API FleetReport migrate_fleet(const Options& options, std::span<const FleetTarget> targets,
                                     const FleetOptions& fleet,
                                     const std::function<void(const TargetResult&)>& on_result);

// The shard (0 to count - 1) of a target id: a hash of the id alone, so that adding or removing
// a target moves no other target between shards.
STRATA_API int shard_of(const std::string& id, int count);

// One line of a fleet's JSON Lines report, and its last line (`{"summary": ...}`).
STRATA_API std::string to_json_line(const TargetResult& result);
STRATA_API std::string to_json_line(const FleetReport& report);

}  // namespace strata
