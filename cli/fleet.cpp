#include "fleet.hpp"

#include <unistd.h>
#include <iostream>
#include <string_view>
#include <utility>

namespace strata::cli {

std::atomic<bool> fleet_stop = false;
std::atomic<bool> fleet_running = false;

namespace {

FleetOptions fleet_options(const FleetFlags& flags) {
  FleetOptions o;
  for (auto [name, value] : {std::pair<const char*, std::string>{"parallel", std::to_string(flags.parallel)},
                             {"per-server", std::to_string(flags.per_server)},
                             {"canary", std::to_string(flags.canary)},
                             {"canary-label", flags.canary_label},
                             {"canaries-only", flags.canaries_only ? "true" : "false"},
                             {"on-error", flags.on_error},
                             {"shard", flags.shard},
                             {"skip-done", flags.skip_done},
                             {"retry-failed", flags.retry_failed},
                             {"report", flags.report}})
    if (!value.empty()) set_fleet_option(o, name, value);  // "": not given
  o.stop = &fleet_stop;
  return o;
}

void print_text(std::ostream& out, const TargetResult& r) {
  std::string what;
  switch (r.state) {
    case TargetState::applied: what = "applied"; break;
    case TargetState::up_to_date: what = "up to date"; break;
    case TargetState::failed: what = "failed (exit " + std::to_string(r.exit_code) + ")"; break;
    case TargetState::not_attempted: what = "not attempted"; break;
    case TargetState::skipped: what = "skipped (done)"; break;
  }
  out << what << ": " << r.target;
  if (!r.applied.empty()) {
    out << " (";
    for (std::size_t i = 0; i < r.applied.size(); ++i) out << (i ? ", " : "") << r.applied[i];
    out << ')';
  }
  if (r.state == TargetState::applied || r.state == TargetState::up_to_date || r.state == TargetState::failed)
    out << " in " << r.elapsed.count() << " ms";
  if (r.canary) out << " [canary]";
  if (!r.error.empty()) out << ": " << r.error;
  out << '\n';
  for (const auto& w : r.warnings) out << "  warning: " << w << '\n';
}

// On a terminal, a line on stderr that counts the targets ended, redrawn as each ends and
// cleared before anything else is printed and at the end: a fleet of thousands shows where it
// is without a line per redraw. Off the terminal (a log, a pipe), nothing.
class Progress {
 public:
  explicit Progress(bool on) : on_(on) {}
  void planned(std::size_t total) {
    total_ = total;
    draw();
  }
  void ended(const TargetResult& r) {
    ++ended_;
    if (r.state == TargetState::failed) ++failed_;
    draw();
  }
  void clear() {
    if (!drawn_) return;
    std::cerr << "\r\033[K" << std::flush;
    drawn_ = false;
  }

 private:
  void draw() {
    if (!on_) return;
    std::cerr << "\r\033[Kfleet: " << ended_ << " of " << total_ << " targets ended";
    if (failed_) std::cerr << ", " << failed_ << " failed";
    std::cerr << std::flush;
    drawn_ = true;
  }
  bool on_, drawn_ = false;
  std::size_t total_ = 0, ended_ = 0, failed_ = 0;
};

}  // namespace

int run_fleet(const FleetFlags& flags, const Options& options, bool json) {
  FleetOptions fleet = fleet_options(flags);
  // From here a first SIGINT or SIGTERM stops the fleet (no target starts after it) rather than
  // the process: one that comes while the targets are read leaves every target not attempted.
  fleet_running = true;
  std::vector<FleetTarget> targets = read_fleet_targets(flags.file, options);
  Progress progress(!json && ::isatty(STDERR_FILENO) == 1);
  fleet.on_plan = [&](std::size_t total) { progress.planned(total); };
  FleetReport done = migrate_fleet(options, targets, fleet, [&](const TargetResult& r) {
    progress.clear();
    if (json)
      std::cout << to_json_line(r) << '\n';
    else
      print_text(std::cout, r);
    std::cout << std::flush;
    progress.ended(r);
  });
  progress.clear();
  fleet_running = false;
  if (json) {
    std::cout << to_json_line(done) << '\n';
  } else {
    std::cout << "fleet: " << done.applied << " applied, " << done.up_to_date << " up to date, " << done.failed
              << " failed, " << done.not_attempted << " not attempted, " << done.skipped << " skipped, in "
              << done.elapsed.count() << " ms" << (done.exit_code() ? "; the fleet is incomplete" : "") << '\n';
  }
  return done.exit_code();
}

}  // namespace strata::cli
