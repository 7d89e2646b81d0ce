// strata's C ABI (<strata/strata.h>) over the product API: Settings for the options, the Engine
// for the commands, the JSON documents for what comes back. No C++ exception leaves a function
// here; no state is shared between option objects.
#include <strata/strata.h>
#include <strata/fleet.hpp>
#include <strata/generate.hpp>
#include <strata/json.hpp>
#include <strata/settings.hpp>
#include <strata/strata.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

struct strata_options {
  strata::Settings settings;
  // The commands' own options, checked when the command runs.
  std::string to;  // rollback: a version; diff, generate: a schema source
  int steps = 1;
  std::optional<strata::Version> baseline_version;
  std::optional<std::string> description;
  bool check = false;
  strata::DiffRequest diff;  // diff, generate: from, rename, no-renames, allow
  strata::LintRequest lint;  // lint: file, latest
  // migrate with "fleet": the targets file, the fleet's options (its report file among them), and
  // the first fleet option set (refused without a targets file).
  std::string fleet_file, fleet_option;
  strata::FleetOptions fleet;
  mutable std::atomic<bool> stop_fleet = false;  // strata_stop_fleet, from any thread
  std::string error;
  strata_event_callback events = nullptr;
  void* payload = nullptr;
};

namespace {

using strata::Error;
using strata::ErrorKind;

const char* type_name(strata::Event::Type type) {
  using T = strata::Event::Type;
  switch (type) {
    case T::up_to_date: return "up_to_date";
    case T::connect_retry: return "connect_retry";
    case T::waiting_for_lock: return "waiting_for_lock";
    case T::lock_acquired: return "lock_acquired";
    case T::lock_notice: return "lock_notice";
    case T::ledger_created: return "ledger_created";
    case T::ledger_upgraded: return "ledger_upgraded";
    case T::applying: return "applying";
    case T::applied: return "applied";
    case T::operation_skipped: return "operation_skipped";
    case T::drift: return "drift";
    case T::session_restored: return "session_restored";
    case T::backfilled: return "backfilled";
  }
  return "unknown";
}

std::string event_json(const strata::Event& event) {
  nlohmann::json doc{{"type", type_name(event.type)},
                     {"message", event.message},
                     {"elapsed_ms", event.elapsed.count()},
                     {"migration", nullptr}};
  if (const strata::MigrationStatus* m = event.migration)
    doc["migration"] = {{"kind", strata::to_string(m->kind)},
                        {"version", m->version ? nlohmann::json(m->version->str()) : nlohmann::json(nullptr)},
                        {"description", m->description},
                        {"script", m->script}};
  return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A copy of `text` that strata_free frees.
char* copy(const std::string& text) noexcept {
  char* out = static_cast<char*>(std::malloc(text.size() + 1));
  if (out) std::memcpy(out, text.c_str(), text.size() + 1);
  return out;
}

int give(char** json, const std::string& document, int code) noexcept {
  if (json) *json = copy(document);
  return code;
}

std::optional<strata::Version> version_of(const char* key, const char* value) {
  auto v = strata::Version::parse(value);
  if (!v)
    throw Error(ErrorKind::usage, std::string(key) + " '" + value + "' is not a version (e.g. 3, 1.2, 2024_06_01)");
  return v;
}

void set_command_option(strata_options& o, std::string_view key, const char* value) {
  auto yes_no = [&](const char* name) {
    std::string v(value);
    if (v != "true" && v != "false" && v != "1" && v != "0")
      throw Error(ErrorKind::usage,
                  std::string(name) + " takes true or false, not '" + strata::without_passwords(value) + "'");
    return v == "true" || v == "1";
  };
  auto counting = [&](const char* name) {
    char* end = nullptr;
    long n = std::strtol(value, &end, 10);
    if (!*value || *end || n < 1 || n > 1'000'000)
      throw Error(ErrorKind::usage,
                  std::string(name) + " takes a whole number from 1, not '" + strata::without_passwords(value) + "'");
    return static_cast<int>(n);
  };
  if (key == "to") {
    o.to = value;  // read by the command that runs
  } else if (key == "from") {
    o.diff.from = value;
  } else if (key == "allow") {
    o.diff.allow.emplace_back(value);  // generate, lint: each call adds one
  } else if (key == "file") {
    o.lint.files.emplace_back(value);  // lint: each call adds one
  } else if (key == "latest") {
    o.lint.latest = counting("latest");
  } else if (key == "rename") {
    o.diff.renames.emplace_back(value);  // each call adds one
  } else if (key == "no-renames" || key == "no_renames") {
    o.diff.no_renames = yes_no("no-renames");
  } else if (key == "steps") {
    o.steps = counting("steps");
  } else if (key == "version") {
    o.baseline_version = version_of("version", value);
  } else if (key == "description") {
    o.description = value;
  } else if (key == "check") {
    o.check = yes_no("check");
  } else if (key == "fleet") {
    o.fleet_file = value;
  } else if (strata::set_fleet_option(o.fleet, key, value)) {
    if (o.fleet_option.empty()) o.fleet_option = key;
  } else {
    o.settings.set(key, value);
  }
}

// migrate with "fleet": every target's line as an event of type "target" as it ends (its
// "target" member the report's line), the report file as the command line's --report,
// and the document {"targets": [line, ...], "summary": {...}}.
std::string run_fleet(const strata_options& o, strata::Options options, int& code) {
  if (o.fleet_file.empty())
    throw Error(ErrorKind::usage, o.fleet_option + " is an option of a fleet: set fleet to the targets file");
  options.on_event = {};
  std::vector<strata::FleetTarget> targets = strata::read_fleet_targets(o.fleet_file, options);
  nlohmann::ordered_json lines = nlohmann::ordered_json::array();  // in the lines' order
  strata::FleetOptions fleet = o.fleet;
  fleet.stop = &o.stop_fleet;
  struct Cleared {  // a stop is for this run only
    std::atomic<bool>& flag;
    ~Cleared() { flag = false; }
  } cleared{o.stop_fleet};
  strata::FleetReport done = strata::migrate_fleet(options, targets, fleet, [&](const strata::TargetResult& r) {
    lines.push_back(nlohmann::ordered_json::parse(strata::to_json_line(r)));
    if (o.events) {
      nlohmann::ordered_json event{{"type", "target"},
                                   {"message", r.target + ": " + strata::to_string(r.state)},
                                   {"elapsed_ms", r.elapsed.count()},
                                   {"migration", nullptr},
                                   {"target", lines.back()}};
      std::string doc = event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      o.events(doc.c_str(), o.payload);
    }
  });
  code = done.exit_code();
  nlohmann::ordered_json document = nlohmann::ordered_json::parse(strata::to_json_line(done));
  document["targets"] = std::move(lines);
  return document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string run(const strata_options& o, std::string_view command, int& code) {
  strata::Options options = o.settings.options();
  if (o.events) {
    strata_event_callback callback = o.events;
    void* payload = o.payload;
    options.on_event = [callback, payload](const strata::Event& event) {
      std::string doc = event_json(event);
      callback(doc.c_str(), payload);
    };
  }
  code = 0;
  if (command == "diff" || command == "generate") {
    strata::DiffRequest request = o.diff;
    request.to = o.to;
    if (command == "diff") {
      strata::Compared c = strata::compare(request, options);
      if (o.check && !c.diff.empty()) code = strata::exit_code(ErrorKind::pending);
      return strata::to_json(c.diff, c.from, c.to);
    }
    if (!o.description) throw Error(ErrorKind::usage, "generate needs the option description");
    strata::Generated g = strata::generate(*o.description, request, options);
    return strata::to_json(g);
  }
  if (command == "lint") {
    strata::LintRequest request = o.lint;
    request.allow = o.diff.allow;
    strata::LintReport report = strata::lint(request, options);
    if (report.refused()) code = strata::exit_code(ErrorKind::validation);
    return strata::to_json(report);
  }
  if (!o.fleet_file.empty() || !o.fleet_option.empty()) {
    if (command != "migrate")
      throw Error(ErrorKind::usage, std::string(o.fleet_file.empty() ? o.fleet_option : "fleet") +
                                        " is an option of migrate, not of " + std::string(command));
    return run_fleet(o, std::move(options), code);
  }
  strata::Listing listing = strata::listing_for(command, options);
  strata::Engine engine(std::move(options));
  if (command == "drift") {
    strata::DriftReport report = engine.drift();
    if (report.drifted()) code = strata::exit_code(ErrorKind::validation);
    return strata::to_json(report);
  }
  if (command == "migrate") return strata::to_json(engine.migrate(), listing);
  if (command == "validate") return strata::to_json(engine.validate());
  if (command == "repair") return strata::to_json(engine.repair());
  if (command == "schema") return strata::to_json(engine.schema());
  if (command == "status") {
    strata::Report report = engine.status();
    bool pending = report.count(strata::MigrationState::pending) + report.count(strata::MigrationState::undone) > 0;
    if (o.check)
      code = !report.problems.empty() ? strata::exit_code(ErrorKind::validation)
             : pending                ? strata::exit_code(ErrorKind::pending)
                                      : 0;
    return strata::to_json(report);
  }
  if (command == "rollback") {
    std::optional<strata::Version> to;
    if (!o.to.empty()) to = version_of("to", o.to.c_str());
    return strata::to_json(engine.rollback({to, o.steps, o.settings.options().resume}));
  }
  if (command == "baseline") {
    if (!o.baseline_version) throw Error(ErrorKind::usage, "baseline needs the option version");
    return strata::to_json(engine.baseline(*o.baseline_version, o.description.value_or("baseline")));
  }
  throw Error(ErrorKind::usage,
              "unknown command '" + std::string(command) +
                  "' (known: migrate, status, validate, rollback, baseline, repair, schema, diff, generate, lint, "
                  "drift)");
}

}  // namespace

extern "C" {

int strata_abi_version(void) {
  return STRATA_C_ABI_VERSION;
}

int strata_options_new(strata_options** out) {
  if (!out) return strata::exit_code(ErrorKind::usage);
  *out = new (std::nothrow) strata_options();
  return *out ? 0 : strata::exit_code(ErrorKind::internal);
}

void strata_options_free(strata_options* options) {
  delete options;
}

int strata_options_set(strata_options* options, const char* key, const char* value) {
  if (!options) return strata::exit_code(ErrorKind::usage);
  try {
    if (!key || !value) throw Error(ErrorKind::usage, "a key and a value are needed");
    set_command_option(*options, key, value);
    options->error.clear();
    return 0;
  } catch (const Error& e) {
    options->error = e.what();
    return strata::exit_code(e.kind());
  } catch (const std::exception& e) {
    options->error = std::string("internal error: ") + e.what();
    return strata::exit_code(ErrorKind::internal);
  } catch (...) {
    options->error = "internal error: an exception that is not a std::exception";
    return strata::exit_code(ErrorKind::internal);
  }
}

const char* strata_options_error(const strata_options* options) {
  return options ? options->error.c_str() : "";
}

int strata_options_set_events(strata_options* options, strata_event_callback callback, void* payload) {
  if (!options) return strata::exit_code(ErrorKind::usage);
  options->events = callback;
  options->payload = payload;
  return 0;
}

int strata_run(const strata_options* options, const char* command, char** json) {
  if (json) *json = nullptr;
  try {
    if (!options) throw Error(ErrorKind::usage, "no options given");
    if (!command) throw Error(ErrorKind::usage, "no command given");
    int code = 0;
    std::string document = run(*options, command, code);
    return give(json, document, code);
  } catch (const Error& e) {
    try {
      return give(json, strata::to_json(e), strata::exit_code(e.kind()));
    } catch (...) {
      return strata::exit_code(e.kind());
    }
  } catch (const std::exception& e) {
    try {
      Error internal(ErrorKind::internal,
                     "internal error: " + std::string(e.what()) + "; please report this bug of strata");
      return give(json, strata::to_json(internal), strata::exit_code(ErrorKind::internal));
    } catch (...) {
      return strata::exit_code(ErrorKind::internal);
    }
  } catch (...) {
    return strata::exit_code(ErrorKind::internal);
  }
}

int strata_stop_fleet(strata_options* options) {
  if (!options) return strata::exit_code(ErrorKind::usage);
  options->stop_fleet = true;
  return 0;
}

void strata_free(char* text) {
  std::free(text);
}

}  // extern "C"
