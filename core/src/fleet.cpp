// Fleets (<strata/fleet.hpp>): a targets file read into targets, then a pool of threads running
// an ordinary Engine::migrate per target under the fleet's bounds and policy. No stage of the
// engine knows it runs in a fleet: each target gets Options whose `migrations` the fleet read once.
#include "schema_source.hpp"
#include "target.hpp"

#include <strata/ascii.hpp>
#include <strata/checksum.hpp>
#include <strata/fleet.hpp>

#include <nlohmann/json.hpp>

#include <glob.h>
#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

namespace strata {
namespace {

// `line` with each ${NAME} replaced by the environment's NAME; the names not set are listed in
// `missing`.
std::string expand(const std::string& line, std::vector<std::string>& missing) {
  std::string out;
  std::size_t at = 0;
  while (at < line.size()) {
    std::size_t open = line.find("${", at);
    std::size_t close = open == std::string::npos ? std::string::npos : line.find('}', open + 2);
    if (close == std::string::npos) {
      out += line.substr(at);
      break;
    }
    out += line.substr(at, open - at);
    std::string name = line.substr(open + 2, close - open - 2);
    if (const char* value = std::getenv(name.c_str()))
      out += value;
    else
      missing.push_back(name);
    at = close + 1;
  }
  return out;
}

// The blank-separated words of `text`, each as where it begins and ends in it.
std::vector<std::pair<std::size_t, std::size_t>> word_spans(const std::string& text) {
  auto blank = [&](std::size_t i) { return ascii_isspace(text[i]); };
  std::vector<std::pair<std::size_t, std::size_t>> spans;
  for (std::size_t i = 0; i < text.size();) {
    if (blank(i)) {
      ++i;
      continue;
    }
    std::size_t begin = i;
    while (i < text.size() && !blank(i)) ++i;
    spans.emplace_back(begin, i);
  }
  return spans;
}

std::vector<std::string> words_of(const std::string& text) {
  std::vector<std::string> words;
  for (auto [begin, end] : word_spans(text)) words.push_back(text.substr(begin, end - begin));
  return words;
}

// The labels among `words` (key=value each); a word that is not one is a problem.
std::vector<std::pair<std::string, std::string>> labels_of(std::span<const std::string> words,
                                                           std::vector<std::string>& problems) {
  std::vector<std::pair<std::string, std::string>> labels;
  for (const auto& w : words) {
    auto eq = w.find('=');
    if (eq == std::string::npos || eq == 0) {
      problems.push_back("'" + without_passwords(w) + "' is not a label (key=value)");
      continue;
    }
    labels.emplace_back(w.substr(0, eq), w.substr(eq + 1));
  }
  return labels;
}

// A target of `url`, or a problem.
std::optional<FleetTarget> target_of(const std::string& url, std::vector<std::pair<std::string, std::string>> labels,
                                     const std::string& where, std::vector<std::string>& problems) {
  try {
    FleetTarget t{url, DatabaseUrl::parse(url).redacted(), std::move(labels), where};
    return t;
  } catch (const Error& e) {
    problems.push_back(e.message());
    return std::nullopt;
  }
}

std::vector<std::string> glob_paths(const std::string& pattern) {
  glob_t found{};
  std::vector<std::string> paths;
  if (::glob(pattern.c_str(), 0, nullptr, &found) == 0)
    for (std::size_t i = 0; i < found.gl_pathc; ++i) paths.emplace_back(found.gl_pathv[i]);
  ::globfree(&found);
  std::sort(paths.begin(), paths.end());
  return paths;
}

std::vector<std::string> query_urls(const std::string& url, const std::string& sql, const Options& options) {
  Options o = options;
  o.url = url;
  o.on_event = {};
  detail::Target target(o, [](auto&&...) {});
  target.load_driver();
  target.connect(detail::Access::read_only);
  std::vector<std::string> urls;
  for (const auto& row : target.connection().session().query(sql, {}))
    if (!row.empty() && std::holds_alternative<std::string>(row[0])) urls.push_back(std::get<std::string>(row[0]));
  return urls;
}

// Where a target's sessions land, for --per-server: the server's host:port, or a SQLite file's
// directory.
std::string server_of(const FleetTarget& t) {
  DatabaseUrl url = DatabaseUrl::parse(t.url);
  if (url.has_authority) return url.scheme + "://" + url.host + ":" + (url.port ? std::to_string(*url.port) : "");
  return url.scheme + ":" + std::filesystem::path(url.path).parent_path().string();
}

bool has_label(const FleetTarget& t, const std::string& label) {
  if (label.empty()) return false;
  auto eq = label.find('=');
  std::string key = label.substr(0, eq), value = eq == std::string::npos ? "" : label.substr(eq + 1);
  return std::any_of(t.labels.begin(), t.labels.end(),
                     [&](const auto& l) { return l.first == key && (eq == std::string::npos || l.second == value); });
}

std::string fingerprint_of(std::span<const Migration> migrations) {
  std::string text;
  for (const auto& m : migrations)
    text += std::to_string(static_cast<int>(m.kind)) + ' ' + (m.version ? m.version->str() : "") + ' ' + m.dialect +
            ' ' + m.script + ' ' + m.checksum + '\n';
  return sha256_hex(text);
}

// The ids of a JSON Lines report's target lines whose status is one of `statuses`, and whose
// fingerprint is `fingerprint` unless that is empty; a target's last line wins.
std::set<std::string> targets_in_report(const std::filesystem::path& file, const std::set<std::string>& statuses,
                                        const std::string& fingerprint) {
  std::ifstream in(file);
  if (!in) throw Error(ErrorKind::usage, "cannot read the fleet report " + file.string());
  std::set<std::string> chosen;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object())
      throw Error(ErrorKind::usage, file.string() + ":" + std::to_string(number) +
                                        ": not a line of a fleet report (JSON Lines of strata migrate --fleet)");
    if (j.contains("summary")) continue;
    auto text = [&](const char* key) {
      auto it = j.find(key);
      return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    if (statuses.count(text("status")) && (fingerprint.empty() || text("fingerprint") == fingerprint))
      chosen.insert(text("target"));
    else
      chosen.erase(text("target"));
  }
  return chosen;
}

}  // namespace

const char* to_string(TargetState state) {
  switch (state) {
    case TargetState::applied: return "applied";
    case TargetState::up_to_date: return "up_to_date";
    case TargetState::failed: return "failed";
    case TargetState::not_attempted: return "not_attempted";
    case TargetState::skipped: return "skipped";
  }
  return "?";
}

std::vector<FleetTarget> read_fleet_targets(const std::filesystem::path& file, const Options& options) {
  std::ifstream in(file);
  if (!in) throw Error(ErrorKind::usage, "cannot read the targets file " + file.string());
  std::vector<FleetTarget> targets;
  std::vector<std::string> problems;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    std::string where = file.string() + ":" + std::to_string(number);
    std::vector<std::string> line_problems, missing;
    std::vector<FleetTarget> found;  // the line's, kept only when it has no problem
    std::string text = expand(line, missing);
    for (const auto& name : missing) line_problems.push_back("${" + name + "} is not set in the environment");
    std::vector<std::string> words = words_of(text);
    if (words.empty() || words[0].starts_with("#")) continue;
    if (!missing.empty()) {
      for (const auto& p : line_problems) problems.push_back(where + ": " + p);
      continue;
    }
    if (words[0] == "@glob") {
      if (words.size() < 2 || !words[1].starts_with("sqlite:")) {
        problems.push_back(where + ": @glob takes a pattern of SQLite files: @glob sqlite:<path pattern> [labels]");
        continue;
      }
      auto labels = labels_of(std::span(words).subspan(2), line_problems);
      std::vector<std::string> paths = glob_paths(words[1].substr(7));
      if (paths.empty()) line_problems.push_back(words[1] + " matches no file");
      for (const auto& p : paths)
        if (auto t = target_of("sqlite:" + p, labels, where, line_problems)) found.push_back(std::move(*t));
    } else if (words[0] == "@query") {
      // @query <URL> <SQL...> [-- key=value ...]
      std::size_t dashes = std::find(words.begin(), words.end(), "--") - words.begin();
      if (words.size() < 3 || dashes < 3) {
        problems.push_back(where + ": @query takes a database URL and the SQL that lists the targets' URLs");
        continue;
      }
      auto spans = word_spans(text);  // the SQL as written, blanks in its literals kept
      std::string sql = text.substr(spans[2].first, spans[dashes - 1].second - spans[2].first);
      auto labels = labels_of(std::span(words).subspan(std::min(dashes + 1, words.size())), line_problems);
      try {
        for (const auto& url : query_urls(words[1], sql, options))
          if (auto t = target_of(url, labels, where, line_problems)) found.push_back(std::move(*t));
      } catch (const Error& e) {
        throw Error(e.kind(), where + ": @query: " + e.what());
      }
    } else {
      auto labels = labels_of(std::span(words).subspan(1), line_problems);
      if (auto t = target_of(words[0], labels, where, line_problems)) found.push_back(std::move(*t));
    }
    for (const auto& p : line_problems) problems.push_back(where + ": " + p);
    if (line_problems.empty()) std::move(found.begin(), found.end(), std::back_inserter(targets));
  }
  // Each scheme's driver, found before anything runs (naming the first line of a scheme without one).
  std::map<std::string, const FleetTarget*> schemes;
  for (const auto& t : targets) schemes.emplace(DatabaseUrl::parse(t.url).scheme, &t);
  for (const auto& [scheme, first] : schemes) {
    Options o = options;
    o.url = first->url;
    try {
      detail::Target(o, [](auto&&...) {}).load_driver();
    } catch (const Error& e) {
      problems.push_back(first->where + ": " + e.message());
    }
  }
  std::map<std::string, const FleetTarget*> seen;
  for (const auto& t : targets)
    if (auto [it, fresh] = seen.emplace(t.url, &t); !fresh)
      problems.push_back(t.where + ": " + t.id + " is listed already (" + it->second->where + ")");
  if (!problems.empty()) {
    std::string message = "the targets file " + file.string() + " has " + std::to_string(problems.size()) +
                          (problems.size() == 1 ? " problem" : " problems") + ", and no target was touched:";
    for (const auto& p : problems) message += "\n  " + p;
    throw Error(ErrorKind::usage, message);
  }
  return targets;
}

bool set_fleet_option(FleetOptions& fleet, std::string_view name, const std::string& value) {
  std::string key(name);
  std::replace(key.begin(), key.end(), '_', '-');
  const std::string shown = without_passwords(value);  // a URL given by mistake shows none
  auto whole = [](std::string_view text) -> std::optional<int> {
    int number = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
    return number;
  };
  auto at_least = [&](int least, const char* what) {
    std::optional<int> n = whole(value);
    if (!n || *n < least) throw Error(ErrorKind::usage, "--" + key + " takes " + what + ", not '" + shown + "'");
    return *n;
  };
  if (key == "parallel") {
    fleet.parallel = at_least(1, "a number of targets at once, 1 or more");
  } else if (key == "per-server") {
    fleet.per_server = at_least(0, "a number, 1 or more (0: no bound)");
  } else if (key == "canary") {
    fleet.canary = at_least(0, "a number of targets, 0 or more");
  } else if (key == "canary-label") {
    fleet.canary_label = value;
  } else if (key == "canaries-only") {
    if (value != "true" && value != "false" && value != "1" && value != "0")
      throw Error(ErrorKind::usage, "--canaries-only takes true or false, not '" + shown + "'");
    fleet.canaries_only = value == "true" || value == "1";
  } else if (key == "on-error") {
    if (value == "stop") {
      fleet.on_error = OnError::stop;
    } else if (value == "continue") {
      fleet.on_error = OnError::go_on;
    } else if (value.starts_with("stop-after=") && whole(value.substr(11)).value_or(0) > 0) {
      fleet.on_error = OnError::stop_after;
      fleet.stop_after = *whole(value.substr(11));
    } else {
      throw Error(ErrorKind::usage, "--on-error '" + shown + "': stop, continue or stop-after=K (K failures)");
    }
  } else if (key == "shard") {
    auto slash = value.find('/');
    std::optional<int> index, count;
    if (slash == std::string::npos) {  // N, and the index Kubernetes gives an Indexed Job's pod
      count = whole(value);
      const char* k = std::getenv("JOB_COMPLETION_INDEX");
      if (!k) throw Error(ErrorKind::usage, "--shard " + shown + ": JOB_COMPLETION_INDEX is not set; give K/N");
      index = whole(k);
    } else {
      index = whole(std::string_view(value).substr(0, slash));
      count = whole(std::string_view(value).substr(slash + 1));
    }
    if (!index || !count || *count < 1 || *index < 0 || *index >= *count)
      throw Error(
          ErrorKind::usage,
          "--shard '" + shown + "': K/N, with N shards and K from 0 to N - 1 (or N, with K from JOB_COMPLETION_INDEX)");
    fleet.shard_index = *index;
    fleet.shard_count = *count;
  } else if (key == "skip-done") {
    fleet.skip_done = value;
  } else if (key == "retry-failed") {
    fleet.retry_failed = value;
  } else if (key == "report") {
    fleet.report = value;
  } else {
    return false;
  }
  return true;
}

int shard_of(const std::string& id, int count) {
  if (count <= 0) return 0;
  std::string hash = sha256_hex(id);
  std::uint64_t h = std::stoull(hash.substr(0, 15), nullptr, 16);
  return static_cast<int>(h % static_cast<std::uint64_t>(count));
}

FleetReport migrate_fleet(const Options& options, std::span<const FleetTarget> targets, const FleetOptions& fleet,
                          const std::function<void(const TargetResult&)>& on_result) {
  if (options.dry_run || options.resume != Resume::none)
    throw Error(ErrorKind::usage,
                "--fleet takes neither --dry-run nor --resume: a target left failed or in doubt is resumed on its own, "
                "as its report line advises");
  if (fleet.canaries_only && fleet.canary == 0 && fleet.canary_label.empty())
    throw Error(ErrorKind::usage, "--canaries-only needs --canary N or --canary-label key=value");
  auto start = std::chrono::steady_clock::now();
  Options base = options;
  base.on_event = {};
  std::vector<Migration> read;
  try {
    read = history_of(options);
  } catch (const Error& e) {
    throw Error(e.kind() == ErrorKind::usage ? ErrorKind::usage : ErrorKind::validation,
                "the migrations cannot be read, and no target was touched: " + std::string(e.what()));
  }
  FleetReport report;
  report.fingerprint = fingerprint_of(read);
  std::set<std::string> done =
      fleet.skip_done.empty()
          ? std::set<std::string>{}
          : targets_in_report(fleet.skip_done, {"applied", "up_to_date", "skipped"}, report.fingerprint);
  std::optional<std::set<std::string>> failed;
  if (!fleet.retry_failed.empty()) failed = targets_in_report(fleet.retry_failed, {"failed"}, "");
  std::ofstream written;  // opened once the earlier reports are read: it may be one of them
  if (!fleet.report.empty()) {
    written.open(fleet.report, std::ios::trunc);
    if (!written) throw Error(ErrorKind::usage, "cannot write the fleet report " + fleet.report.string());
  }
  base.migrations = std::make_shared<const std::vector<Migration>>(std::move(read));
  base.embedded.reset();

  // Which targets run, and in what order: canaries first.
  struct Entry {
    const FleetTarget* target;
    bool canary;
  };
  std::vector<Entry> canaries, others;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const FleetTarget& t = targets[i];
    bool canary = static_cast<int>(i) < fleet.canary || has_label(t, fleet.canary_label);
    if (fleet.shard_count > 0 && (canary || shard_of(t.id, fleet.shard_count) != fleet.shard_index)) continue;
    if (failed && !failed->count(t.id)) continue;
    (canary ? canaries : others).push_back({&t, canary});
  }
  if (fleet.canaries_only) others.clear();
  if (fleet.on_plan) fleet.on_plan(canaries.size() + others.size());

  std::mutex mutex;
  std::condition_variable changed;
  bool stopping = false;
  int failures = 0;
  auto stop_asked = [&] { return fleet.stop && fleet.stop->load(); };
  auto result_of = [&report](const Entry& e) {
    TargetResult r;
    r.target = e.target->id;
    r.labels = e.target->labels;
    r.canary = e.canary;
    r.fingerprint = report.fingerprint;
    return r;
  };
  auto count = [&](const TargetResult& r) {
    switch (r.state) {
      case TargetState::applied: ++report.applied; break;
      case TargetState::up_to_date: ++report.up_to_date; break;
      case TargetState::failed: ++report.failed; break;
      case TargetState::not_attempted: ++report.not_attempted; break;
      case TargetState::skipped: ++report.skipped; break;
    }
    if (written.is_open()) written << to_json_line(r) << '\n' << std::flush;
    if (on_result) on_result(r);
  };
  auto run_one = [&](const Entry& entry) {
    TargetResult r = result_of(entry);
    auto began = std::chrono::steady_clock::now();
    try {
      Options o = base;
      o.url = entry.target->url;
      Report ran = Engine(std::move(o)).migrate();
      r.state = ran.applied.empty() ? TargetState::up_to_date : TargetState::applied;
      for (const auto& a : ran.applied) r.applied.push_back(a.version ? a.version->str() : a.script);
      r.warnings = std::move(ran.warnings);
    } catch (const Error& e) {
      r.state = TargetState::failed;
      r.exit_code = exit_code(e.kind());
      r.error = e.what();
    } catch (const std::exception& e) {
      r.state = TargetState::failed;
      r.exit_code = exit_code(ErrorKind::internal);
      r.error = "internal error: " + std::string(e.what()) + "; please report this bug of strata";
    }
    r.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - began);
    return r;
  };
  auto skip = [&](const Entry& e) {
    if (!done.count(e.target->id)) return false;
    TargetResult r = result_of(e);
    r.state = TargetState::skipped;
    count(r);
    return true;
  };

  // Canaries, one at a time: any failure stops the fleet.
  std::size_t next = 0;
  for (; next < canaries.size() && !stopping; ++next) {
    if (skip(canaries[next])) continue;
    if (stop_asked()) {
      stopping = true;
      break;
    }
    TargetResult r = run_one(canaries[next]);
    if (r.state == TargetState::failed) stopping = true;
    count(r);
  }
  std::vector<const Entry*> left;
  for (std::size_t i = next; i < canaries.size(); ++i) left.push_back(&canaries[i]);

  // The others, on `parallel` threads, at most `per_server` at once on one server.
  std::deque<const Entry*> queue;
  for (const auto& e : others)
    if (!skip(e)) queue.push_back(&e);
  std::map<std::string, int> busy;
  std::map<const Entry*, std::string> server;
  for (const auto* e : queue) server[e] = server_of(*e->target);
  auto worker = [&] {
    std::unique_lock lock(mutex);
    for (;;) {
      if (stop_asked()) stopping = true;
      if (stopping || queue.empty()) return;
      auto it = std::find_if(queue.begin(), queue.end(), [&](const Entry* e) {
        return fleet.per_server <= 0 || busy[server[e]] < fleet.per_server;
      });
      if (it == queue.end()) {
        changed.wait(lock);
        continue;
      }
      const Entry* e = *it;
      queue.erase(it);
      ++busy[server[e]];
      lock.unlock();
      TargetResult r = run_one(*e);
      lock.lock();
      --busy[server[e]];
      if (r.state == TargetState::failed) {
        ++failures;
        if (fleet.on_error == OnError::stop || (fleet.on_error == OnError::stop_after && failures >= fleet.stop_after))
          stopping = true;
      }
      count(r);
      changed.notify_all();
    }
  };
  if (!stopping) {
    std::vector<std::thread> threads;
    auto n = static_cast<std::size_t>(std::max(1, fleet.parallel));
    threads.reserve(n);
    for (std::size_t i = 0; i < n; ++i) threads.emplace_back(worker);
    for (auto& t : threads) t.join();
  }
  for (const auto* e : left) count(result_of(*e));
  for (const auto* e : queue) count(result_of(*e));
  report.stopped = stopping || report.not_attempted > 0;
  report.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  if (written.is_open()) written << to_json_line(report) << '\n' << std::flush;
  return report;
}

std::string to_json_line(const TargetResult& r) {
  nlohmann::ordered_json j;
  j["target"] = r.target;
  j["status"] = to_string(r.state);
  j["exit_code"] = r.exit_code;
  j["applied"] = r.applied;
  j["elapsed_ms"] = r.elapsed.count();
  if (!r.error.empty()) j["error"] = r.error;
  if (!r.warnings.empty()) j["warnings"] = r.warnings;
  j["canary"] = r.canary;
  nlohmann::ordered_json labels = nlohmann::ordered_json::object();
  for (const auto& [k, v] : r.labels) labels[k] = v;
  j["labels"] = labels;
  j["fingerprint"] = r.fingerprint;
  return j.dump();
}

std::string to_json_line(const FleetReport& report) {
  nlohmann::ordered_json s;
  s["fingerprint"] = report.fingerprint;
  s["applied"] = report.applied;
  s["up_to_date"] = report.up_to_date;
  s["failed"] = report.failed;
  s["not_attempted"] = report.not_attempted;
  s["skipped"] = report.skipped;
  s["stopped"] = report.stopped;
  s["elapsed_ms"] = report.elapsed.count();
  s["exit_code"] = report.exit_code();
  nlohmann::ordered_json j;
  j["summary"] = s;
  return j.dump();
}

}  // namespace strata
