#include "fleet.hpp"

#include <unistd.h>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>

namespace strata::cli {

std::atomic<bool> fleet_stop = false;
std::atomic<bool> fleet_running = false;

namespace {

std::optional<int> whole(std::string_view text) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

FleetOptions fleet_options(const FleetFlags& flags) {
  FleetOptions o;
  if (flags.parallel < 1) throw Error(ErrorKind::usage, "--parallel takes a number of targets at once, 1 or more");
  if (flags.per_server < 0) throw Error(ErrorKind::usage, "--per-server takes a number, 1 or more (0: no bound)");
  if (flags.canary < 0) throw Error(ErrorKind::usage, "--canary takes a number of targets, 0 or more");
  o.parallel = flags.parallel;
  o.per_server = flags.per_server;
  o.canary = flags.canary;
  o.canary_label = flags.canary_label;
  o.canaries_only = flags.canaries_only;
  if (o.canaries_only && o.canary == 0 && o.canary_label.empty())
    throw Error(ErrorKind::usage, "--canaries-only needs --canary N or --canary-label key=value");
  if (flags.on_error == "stop") {
    o.on_error = OnError::stop;
  } else if (flags.on_error == "continue") {
    o.on_error = OnError::go_on;
  } else if (flags.on_error.starts_with("stop-after=") && whole(flags.on_error.substr(11)).value_or(0) > 0) {
    o.on_error = OnError::stop_after;
    o.stop_after = *whole(flags.on_error.substr(11));
  } else {
    throw Error(ErrorKind::usage, "--on-error '" + flags.on_error + "': stop, continue or stop-after=K (K failures)");
  }
  if (!flags.shard.empty()) {
    auto slash = flags.shard.find('/');
    std::optional<int> index, count;
    if (slash == std::string::npos) {  // N, and the index Kubernetes gives an Indexed Job's pod
      count = whole(flags.shard);
      const char* k = std::getenv("JOB_COMPLETION_INDEX");
      if (!k) throw Error(ErrorKind::usage, "--shard " + flags.shard + ": JOB_COMPLETION_INDEX is not set; give K/N");
      index = whole(k);
    } else {
      index = whole(flags.shard.substr(0, slash));
      count = whole(flags.shard.substr(slash + 1));
    }
    if (!index || !count || *count < 1 || *index < 0 || *index >= *count)
      throw Error(ErrorKind::usage,
                  "--shard '" + flags.shard +
                      "': K/N, with N shards and K from 0 to N - 1 (or N, with K from JOB_COMPLETION_INDEX)");
    o.shard_index = *index;
    o.shard_count = *count;
  }
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
  fleet.skip_done = flags.skip_done;
  fleet.retry_failed = flags.retry_failed;
  std::ofstream report;
  if (!flags.report.empty()) {
    report.open(flags.report, std::ios::trunc);
    if (!report) throw Error(ErrorKind::usage, "cannot write the fleet report " + flags.report);
  }
  Progress progress(!json && ::isatty(STDERR_FILENO) == 1);
  fleet.on_plan = [&](std::size_t total) { progress.planned(total); };
  FleetReport done = migrate_fleet(options, targets, fleet, [&](const TargetResult& r) {
    std::string line = to_json_line(r);
    if (report.is_open()) report << line << '\n' << std::flush;
    progress.clear();
    if (json)
      std::cout << line << '\n';
    else
      print_text(std::cout, r);
    std::cout << std::flush;
    progress.ended(r);
  });
  progress.clear();
  fleet_running = false;
  std::string summary = to_json_line(done);
  if (report.is_open()) report << summary << '\n' << std::flush;
  if (json) {
    std::cout << summary << '\n';
  } else {
    std::cout << "fleet: " << done.applied << " applied, " << done.up_to_date << " up to date, " << done.failed
              << " failed, " << done.not_attempted << " not attempted, " << done.skipped << " skipped, in "
              << done.elapsed.count() << " ms" << (done.exit_code() ? "; the fleet is incomplete" : "") << '\n';
  }
  return done.exit_code();
}

}  // namespace strata::cli
