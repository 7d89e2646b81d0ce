// The `strata` command: the Engine and the plugin loader behind a command line whose exit
// codes are the error kinds (see strata::ErrorKind). With --json every command prints one JSON
// document on stdout, an error included, and nothing else there.
#include "fleet.hpp"
#include "generate.hpp"
#include "new_migration.hpp"
#include "output.hpp"

#include <strata/config.hpp>
#include <strata/json.hpp>
#include <strata/plugin/loader.hpp>
#include <strata/settings.hpp>
#include <strata/strata.hpp>

#include <CLI/CLI.hpp>
#if defined(__GLIBC__)
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>
#endif

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string_view>
#include <system_error>
#include <thread>

namespace {

using strata::Error;
using strata::ErrorKind;

// What the command line holds beyond the run's settings (which strata::Settings parses and
// checks, under the same names as strata.toml and the C ABI).
struct Flags {
  std::map<std::string, std::string> given;  // setting -> the value typed (flags: "true")
  std::map<std::string, bool> switches;      // the settings given as flags
  std::vector<std::string> plugin_dirs;
  std::string config = "strata.toml";
  bool verbose = false;
  bool json = false;
  bool check = false;  // status
  std::string rollback_to;
  int steps = 1;
  std::string baseline_version;
  std::string baseline_description = "baseline";
  strata::AdoptOptions adopt;
  std::string adopt_as_version;
  std::string new_description;
  bool new_yaml = false;
  std::string compare_url;
  std::string schema_format = "text";
  strata::cli::DiffFlags diff;
  strata::cli::FleetFlags fleet;
};

std::optional<strata::Version> version_flag(const std::string& text, const char* flag) {
  if (text.empty()) return std::nullopt;
  auto v = strata::Version::parse(text);
  if (!v)
    throw Error(ErrorKind::usage, std::string(flag) + " '" + text + "' is not a version (e.g. 3, 1.2, 2024_06_01)");
  return v;
}

// The help text of a setting, from the core's list: one description everywhere.
std::string help_of(std::string_view name) {
  for (const auto& s : strata::Settings::known())
    if (s.name == name) return std::string(s.help);
  return {};
}

class Command {
 public:
  explicit Command(CLI::App& app) : app_(app) {}

  // `--resume`, a flag that may take a value: an option of `command` for the setting `name`.
  void add_optional_value(CLI::App* command, const std::string& name, const std::string& help) {
    added_[command].insert(name);
    command->add_flag("--" + name + "{" + name + "}", flags.given[name], help);
  }

  // A setting as a long option of `command`: a value, or a flag for those that take true/false.
  void add_setting(CLI::App* command, const std::string& name, const std::string& default_text = "") {
    for (const auto& s : strata::Settings::known()) {
      if (s.name != name) continue;
      added_[command].insert(name);
      if (s.takes == "true/false") {
        command->add_flag("--" + name, flags.switches[name], help_of(name));
      } else {
        auto* option = command->add_option("--" + name, flags.given[name], help_of(name));
        if (!default_text.empty()) option->default_str(default_text);
      }
    }
  }

  // The run's settings: the flags given, then the URL from STRATA_DATABASE_URL or DATABASE_URL,
  // then strata.toml for what is still unset.
  strata::Settings settings() {
    CLI::App* command = app_.get_subcommands().front();  // the one being run
    strata::Settings settings;
    // Only this command's settings: another command's option may have the name of one (schema --format).
    for (const auto& [name, value] : flags.given)
      if (const CLI::Option* option = command->get_option_no_throw("--" + name);
          option && option->count() > 0 && added_[command].count(name) > 0)
        settings.set("--" + name, value);
    for (const auto& [name, on] : flags.switches)
      if (on) settings.set("--" + name, "true");
    for (const auto& dir : flags.plugin_dirs) settings.set("--plugin-dir", dir);
    if (!settings.is_set("url"))
      for (const char* name : {"STRATA_DATABASE_URL", "DATABASE_URL"})
        if (const char* value = std::getenv(name); value && *value && !settings.is_set("url"))
          settings.set("url", value);
    bool file = settings.read_file(flags.config);
    if (!file && command->count("--config") > 0)
      throw Error(ErrorKind::usage, "the config file " + flags.config + " does not exist");
    settings.read_flyway_config(std::filesystem::path(flags.config).parent_path());  // format = "flyway", no dir
    bool fleet = !flags.fleet.file.empty();
    if (fleet && command->count("--url") > 0)
      throw Error(ErrorKind::usage, "--fleet names the databases: leave out --url");
    bool needs_url = !app_.got_subcommand("new") && !app_.got_subcommand("diff") && !app_.got_subcommand("generate") &&
                     !app_.got_subcommand("lint") && !fleet;
    if (!settings.is_set("url") && needs_url)
      throw Error(ErrorKind::usage,
                  "no database URL: give --url, set STRATA_DATABASE_URL or DATABASE_URL, or put url in strata.toml");
    return settings;
  }

  strata::Options options(const strata::Settings& settings) const {
    strata::Options o = settings.options();
    o.own_process = true;  // the command's own process: the drivers' faster process-wide settings
    bool json = flags.json, verbose = flags.verbose;
    o.on_event = [json, verbose, warned = warned_](const strata::Event& event) {
      if (!json && event.type == strata::Event::Type::applied) {
        strata::cli::print_applied_line(std::cout, event);
      } else if (event.type == strata::Event::Type::drift || event.type == strata::Event::Type::session_restored) {
        std::cerr << "strata: warning: " << event.message << '\n';
        warned->insert(event.message);
      } else if (verbose || event.type == strata::Event::Type::waiting_for_lock ||
                 event.type == strata::Event::Type::lock_notice || event.type == strata::Event::Type::connect_retry ||
                 event.type == strata::Event::Type::ledger_upgraded) {
        std::cerr << "strata: " << event.message << '\n';
      }
    };
    return o;
  }

  // Prints a report as text or JSON; returns the exit code.
  int report(const strata::Report& r, void (*text)(std::ostream&, const strata::Report&), int code = 0,
             strata::Listing listing = strata::Listing::every_migration) const {
    if (flags.json) {
      std::cout << strata::to_json(r, listing) << '\n';
      return code;
    }
    for (const auto& w : r.warnings)  // those shown as they happened are not shown twice
      if (!warned_->count(w)) std::cerr << "strata: warning: " << w << '\n';
    text(std::cout, r);
    return code;
  }

  Flags flags;

 private:
  CLI::App& app_;
  std::map<const CLI::App*, std::set<std::string>> added_;  // the settings each command takes
  std::shared_ptr<std::set<std::string>> warned_ = std::make_shared<std::set<std::string>>();
};

void add_common(Command& cmd, CLI::App* command) {
  Flags& f = cmd.flags;
  const strata::Options defaults;
  auto seconds = [](std::chrono::milliseconds ms) {
    std::ostringstream out;
    out << static_cast<double>(ms.count()) / 1000;
    return out.str();
  };
  cmd.add_setting(command, "url");
  cmd.add_setting(command, "dir", defaults.dir.string());
  if (command->get_name() != "schema") cmd.add_setting(command, "format", "strata");  // schema's --format is its output
  cmd.add_setting(command, "ledger-table", defaults.ledger_table);
  cmd.add_setting(command, "lock-timeout", seconds(defaults.lock_timeout));
  cmd.add_setting(command, "statement-timeout", seconds(defaults.statement_timeout));
  cmd.add_setting(command, "ddl-lock-timeout", seconds(defaults.ddl_lock_timeout));
  cmd.add_setting(command, "create-schema");
  cmd.add_setting(command, "connect-retries", std::to_string(defaults.connect_retries));
  command->add_option("--plugin-dir", f.plugin_dirs, help_of("plugin-dir"));
  command->add_option("--config", f.config, "defaults file")->capture_default_str();
  command->add_flag("--json", f.json, "print one JSON document on stdout");
  command->add_flag("-v,--verbose", f.verbose, "report each step");
}

#if defined(__GLIBC__) && defined(__linux__) && !defined(__SANITIZE_ADDRESS__)
constexpr std::uintptr_t huge_page = std::uintptr_t{2} << 20;

// Advises the huge pages within [start + small, end): from the first boundary past start + small
// to the last one before end.
void advise_huge_pages(char* start, char* end, std::uintptr_t small) {
  auto past_boundary = [](const char* p) { return reinterpret_cast<std::uintptr_t>(p) % huge_page; };
  char* from = start + small;
  from += (huge_page - past_boundary(from)) % huge_page;
  char* to = end - past_boundary(end);
  if (to > from) madvise(from, static_cast<std::size_t>(to - from), MADV_HUGEPAGE);
}

// The command's heap (glibc on Linux; a sanitizer's allocator is its own). The whole process's
// settings, so the command makes them, never the library: a product embedding strata keeps its
// own. Every page a process touches first costs a page fault, about 10 us on a virtual machine,
// and at 10,000 migrations the up-to-date check touched some 6,400 pages: a quarter of its
// processor time (docs/performance.md).
void tune_heap() {
  // glibc gives each block of 128 KiB or more a mapping of its own and unmaps it when it is
  // freed; the command's large blocks are vectors grown by doubling (the ledger's rows, the
  // files), so each step was fresh memory. Blocks up to 32 MiB come from the heap, and what is
  // freed is reused: 22% fewer page faults at 10,000 migrations on MariaDB.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  // The main thread's heap beyond its first 4 MiB in transparent huge pages, where the kernel
  // offers them for memory that asks (enabled = madvise or always): one fault maps 2 MiB. The
  // heap is grown once by 24 MiB of address space, given back to the allocator and kept (not
  // trimmed), and that range advised. A small run stays within the first 4 MiB, in small pages,
  // so its peak memory is what it uses; a large one (10,000 migrations: the ledger's rows and
  // the server's answer) takes a fifth to a half fewer page faults. Where the kernel has no
  // huge pages, or the heap did not grow where sbrk says, nothing changes.
  constexpr std::size_t advised = 24 << 20;
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  auto* start = static_cast<char*>(sbrk(0));
  void* block = std::malloc(advised);
  asm volatile("" : : "r"(block) : "memory");  // grown, not optimised away with its free
  auto* end = static_cast<char*>(sbrk(0));
  // The heap grew to hold it (not so where the allocator is not glibc's).
  bool grew = block && end > start && static_cast<char*>(block) + advised <= end;
  std::free(block);
  if (grew) advise_huge_pages(start, end, 4 << 20);
  // The same for the heap of the thread the engine reads the migration files on, beyond its
  // first 2 MiB: at 10,000 migrations that thread took 2,200 page faults (840 of them, 10 ms, to
  // make the empty migrations the files are read into), and 520 so. glibc gives a thread a heap
  // of its own (an arena) at its first allocation: the arena of a thread that has ended where
  // there is one, else a new one. So a thread started and ended here grows its new heap by 24
  // MiB, advises it and leaves it to the next thread to start, the engine's reading thread (the
  // first it starts). Such a heap is 64 MiB of address space aligned to its size (glibc's
  // HEAP_MAX_SIZE), so it begins at the block's address rounded down; a block from anywhere else
  // (the main heap, where no arena could be made) is left alone.
  try {
    std::thread([start, end] {
      constexpr std::uintptr_t thread_heap = std::uintptr_t{64} << 20;
      auto* own = static_cast<char*>(std::malloc(advised));
      asm volatile("" : : "r"(own) : "memory");
      auto* heap = reinterpret_cast<char*>(reinterpret_cast<std::uintptr_t>(own) & ~(thread_heap - 1));
      if (own && (own < start || own >= end) && own + advised <= heap + thread_heap)
        advise_huge_pages(heap, own + advised, 2 << 20);
      std::free(own);
    }).join();
  } catch (const std::system_error&) {
    // No thread to be had: the reading thread's heap stays in small pages.
  }
}
#else
void tune_heap() {}
#endif

// A command's report, kept until the process ends rather than freed before it does, once the
// command has printed it: at 10,000 migrations, freeing the report of an up-to-date check (each
// migration's status, and the ledger's rows they share) took 15 million instructions, 4% of the
// check's (callgrind), and the process's end waited for it. Reachable from here to the end, so
// that a leak checker does not count it: `volatile`, or the compiler drops the store no later
// code reads, and LeakSanitizer reported the report as leaked. The command's choice, never the
// library's.
const strata::Report& kept(strata::Report report) {
  static strata::Report* volatile last = nullptr;
  auto* made = new strata::Report(std::move(report));
  last = made;
  return *made;
}

}  // namespace

// SIGINT, SIGTERM: no scratch database is left behind; then the signal's own ending. While a
// fleet runs, the first one stops it as a failure would: no new target starts, those running
// finish and are reported.
extern "C" void on_stop_signal(int signal) {
  if (strata::cli::fleet_running.load() && !strata::cli::fleet_stop.exchange(true)) return;
  strata::remove_scratch_databases();
  std::signal(signal, SIG_DFL);
  std::raise(signal);
}

int main(int argc, char** argv) {
  tune_heap();
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  CLI::App app{"strata " STRATA_VERSION_STRING ": keeps a database's schema in step with the code that uses it"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "strata " STRATA_VERSION_STRING);
  // A URL given where no argument belongs is repeated in the message: never its password.
  app.failure_message([](const CLI::App* failed, const CLI::Error& e) {
    return strata::without_passwords(CLI::FailureMessage::simple(failed, e));
  });
  Command cmd(app);
  Flags& f = cmd.flags;

  // Every command by name first, then the options of the one being run: building them all
  // (about 200 options) took 2 ms at every start, the up-to-date check's included. When the first
  // argument names no command (--help, a typo, none), all are built, for the help and the error.
  auto* migrate = app.add_subcommand("migrate", "apply pending migrations");
  auto* status = app.add_subcommand("status", "show every migration and its state");
  auto* validate = app.add_subcommand("validate", "check everything migrate would check, without applying");
  auto* rollback = app.add_subcommand("rollback", "run undo migrations, newest version first");
  auto* baseline = app.add_subcommand("baseline", "mark an existing database as being at a version");
  auto* adopt = app.add_subcommand("adopt", "take over another migration tool's record of what it applied");
  auto* repair = app.add_subcommand("repair", "remove failed rows; re-record checksums of changed files");
  auto* create = app.add_subcommand("new", "create the next versioned migration file");
  auto* schema = app.add_subcommand("schema", "print the database's schema in portable terms, or compare two");
  auto* diff = app.add_subcommand("diff", "the portable operations that turn one schema into another");
  auto* generate = app.add_subcommand("generate",
                                      "write the next migration: the operations that make the declared "
                                      "schema");
  auto* lint = app.add_subcommand("lint",
                                  "what migrations would do to the data already there; with a database (--url), "
                                  "asked of its data");
  auto* drift = app.add_subcommand("drift", "compare the schema with what the applied migrations make");
  auto* drivers = app.add_subcommand("drivers", "list the driver plugins found, and those refused and why");
  const CLI::App* named = nullptr;
  if (argc > 1)
    for (const CLI::App* command : app.get_subcommands([](const CLI::App*) { return true; }))
      if (command->get_name() == argv[1]) named = command;
  auto wanted = [named](const CLI::App* command) { return named == nullptr || named == command; };

  if (wanted(migrate)) {
    add_common(cmd, migrate);
    for (const char* name : {"target", "out-of-order", "single-transaction", "dry-run", "strict", "baseline-on-migrate",
                             "check-drift", "dev-url", "list-migrations"})
      cmd.add_setting(migrate, name);
    // Fleets: <strata/fleet.hpp>.
    migrate->add_option("--fleet", f.fleet.file, "migrate every database of this targets file (user guide: Fleets)");
    migrate->add_option("--parallel", f.fleet.parallel, "--fleet: targets migrated at once")->capture_default_str();
    migrate
        ->add_option("--per-server", f.fleet.per_server,
                     "--fleet: at most this many at once on one server (SQLite: one directory); 0: no bound")
        ->capture_default_str();
    migrate->add_option("--canary", f.fleet.canary, "--fleet: the first N targets run first, one at a time");
    migrate->add_option("--canary-label", f.fleet.canary_label,
                        "--fleet: the targets with this label (key=value) run first, one at a time");
    migrate->add_flag("--canaries-only", f.fleet.canaries_only, "--fleet: run the canaries and nothing else");
    migrate->add_option("--on-error", f.fleet.on_error, "--fleet: stop, continue or stop-after=K")
        ->capture_default_str();
    migrate->add_option("--shard", f.fleet.shard,
                        "--fleet: K/N, this machine's share of the targets (N alone: K from JOB_COMPLETION_INDEX)");
    migrate->add_option("--skip-done", f.fleet.skip_done,
                        "--fleet: skip the targets this earlier report shows done at the same migrations");
    migrate->add_option("--retry-failed", f.fleet.retry_failed,
                        "--fleet: run only the targets this earlier report shows failed");
    migrate->add_option("--report", f.fleet.report, "--fleet: write the report (JSON Lines) to this file");
    cmd.add_optional_value(
        migrate, "resume",
        "continue a migration that failed part-way; --resume=retry or --resume=skip for a statement in "
        "doubt");
  }
  if (wanted(status)) {
    add_common(cmd, status);
    status->add_flag("--check", f.check, "exit 3 when anything stops migrate, 6 when anything is pending");
  }
  if (wanted(validate)) add_common(cmd, validate);
  if (wanted(rollback)) {
    add_common(cmd, rollback);
    auto* to = rollback->add_option("--to", f.rollback_to, "undo every version above this one");
    rollback->add_option("--steps", f.steps, "how many versions to undo")->capture_default_str()->excludes(to);
    cmd.add_optional_value(rollback, "resume",
                           "continue an undo that failed part-way; --resume=retry or --resume=skip for a statement in "
                           "doubt");
  }
  if (wanted(baseline)) {
    add_common(cmd, baseline);
    baseline->add_option("--version", f.baseline_version, "the version the database is at")->required();
    baseline->add_option("--description", f.baseline_description, "recorded in the ledger")->capture_default_str();
  }
  if (wanted(adopt)) {
    add_common(cmd, adopt);
    cmd.add_setting(adopt, "dry-run");
    std::string tools;
    for (const auto& tool : strata::foreign_tools()) tools += (tools.empty() ? "" : ", ") + std::string(tool.name);
    adopt->add_option("--from", f.adopt.from, "the tool: " + tools)->required();
    adopt->add_option("--table", f.adopt.table, "the tool's table, where the project named its own");
    adopt->add_option("--as-version", f.adopt_as_version, "Alembic: the version its head revision is taken as");
  }
  if (wanted(repair)) add_common(cmd, repair);
  if (wanted(create)) {
    add_common(cmd, create);
    create->add_option("description", f.new_description, "what the migration does")->required();
    create->add_flag("--yaml", f.new_yaml, "a portable migration (operations in YAML) instead of SQL");
  }
  if (wanted(schema)) {
    add_common(cmd, schema);
    schema->add_option("--compare", f.compare_url,
                       "another database (any dialect) to compare with: exit 3 and each difference when they differ");
    schema->add_option("--format", f.schema_format, "text, or yaml: a schema.yaml that diff and generate read")
        ->check(CLI::IsMember({"text", "yaml"}))
        ->capture_default_str();
  }
  auto diff_options = [&](CLI::App* command) {
    add_common(cmd, command);
    command
        ->add_option("--from", f.diff.from,
                     "migrations[@version], a database URL, a schema.yaml (file or directory) or a .sql file")
        ->capture_default_str();
    command->add_option("--to", f.diff.to, "the same kinds; by default the declared schema (--schema)");
    cmd.add_setting(command, "schema", "schema.yaml");
    command->add_option("--rename", f.diff.renames,
                        "old=new (a table) or table.old=new (a column): a rename, rows kept");
    cmd.add_setting(command, "dev-url");
  };
  if (wanted(diff)) {
    diff_options(diff);
    diff->add_flag("--check", f.diff.check, "exit 6 when there is a difference (for CI)");
    diff->add_option("--sql", f.diff.sql,
                     "print the SQL instead, rendered against `sqlite` (a scratch database) or a database URL (read "
                     "only)");
  }
  if (wanted(generate)) {
    diff_options(generate);
    generate->add_option("description", f.diff.description, "what the migration does")->required();
    generate->add_flag("--no-renames", f.diff.no_renames,
                       "what looks like a rename is not one: drop and add as declared (the dropped values are lost)");
    generate->add_option("--allow", f.diff.allow, "a lint code to accept (written as the migration's allow:)");
  }
  if (wanted(lint)) {
    add_common(cmd, lint);
    lint->add_option("files", f.diff.files,
                     "migrations to check (by default: those pending on --url; without one, the newest)");
    lint->add_option("--latest", f.diff.latest, "without files or a database: check the newest N versions")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    lint->add_option("--allow", f.diff.allow, "a code to accept in every migration checked (docs/lint.md)");
  }
  if (wanted(drift)) {
    add_common(cmd, drift);
    cmd.add_setting(drift, "dev-url");
  }
  if (wanted(drivers)) add_common(cmd, drivers);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    bool json = std::any_of(argv + 1, argv + argc, [](const char* a) { return std::string_view(a) == "--json"; });
    if (!json || e.get_exit_code() == 0) {
      int code = app.exit(e);
      return code == 0 ? 0 : strata::exit_code(ErrorKind::usage);
    }
    std::cout << strata::to_json(Error(ErrorKind::usage, strata::without_passwords(e.what()))) << '\n';
    return strata::exit_code(ErrorKind::usage);
  }
  try {
    if (drivers->parsed()) {
      strata::plugin::Loader loader({f.plugin_dirs.begin(), f.plugin_dirs.end()});
      if (f.json)
        std::cout << strata::to_json(loader) << '\n';
      else
        strata::cli::print_drivers(std::cout, loader);
      return 0;
    }
    strata::Settings settings = cmd.settings();
    if (create->parsed())
      return strata::cli::create_migration(settings.options(), f.new_description, f.new_yaml, f.json);
    if (diff->parsed()) return strata::cli::run_diff(f.diff, cmd.options(settings), f.json);
    if (generate->parsed()) return strata::cli::run_generate(f.diff, cmd.options(settings), f.json);
    if (lint->parsed()) return strata::cli::run_lint(f.diff, cmd.options(settings), f.json);
    if (drift->parsed()) return strata::cli::run_drift(cmd.options(settings), f.json);
    if (migrate->parsed() && f.fleet.file.empty())
      for (const char* flag : {"--parallel", "--per-server", "--canary", "--canary-label", "--canaries-only",
                               "--on-error", "--shard", "--skip-done", "--retry-failed", "--report"})
        if (migrate->count(flag) > 0)
          throw Error(ErrorKind::usage, std::string(flag) + " is a flag of migrate --fleet: give the targets file");
    if (migrate->parsed() && !f.fleet.file.empty()) {
      strata::Options o = cmd.options(settings);
      o.on_event = {};
      return strata::cli::run_fleet(f.fleet, o, f.json);
    }
    strata::Engine engine(cmd.options(settings));
    if (schema->parsed() && f.schema_format == "yaml") {
      if (!f.compare_url.empty()) throw Error(ErrorKind::usage, "--format yaml writes one schema: leave out --compare");
      strata::DeclaredSchema live = engine.declared_schema();
      // Where the database's type stands for several, the one the project's migrations declare.
      std::error_code ec;
      if (std::filesystem::is_directory(settings.options().dir, ec)) {
        try {
          strata::settle_types(live, strata::load_schema("migrations", cmd.options(settings)));
        } catch (const Error& e) {
          std::cerr << "strata: warning: the migrations could not be read to choose between the types a column "
                       "may have (the first is written): "
                    << e.what() << '\n';
        }
      }
      std::cout << strata::to_yaml(live);
      return 0;
    }
    if (schema->parsed()) {
      strata::Schema here = engine.schema();
      if (f.compare_url.empty()) {
        if (f.json)
          std::cout << strata::to_json(here) << '\n';
        else
          strata::cli::print_schema(std::cout, here);
        return 0;
      }
      strata::Options other = cmd.options(settings);
      other.url = f.compare_url;
      strata::Schema there = strata::Engine(other).schema();
      auto differences = strata::compare_schemas(here, there);
      if (f.json) {
        std::cout << strata::to_json(here, there, differences) << '\n';
      } else {
        std::cout << "first:  " << here.server << "\nsecond: " << there.server << '\n';
        if (differences.empty()) std::cout << "the same logical schema (" << here.tables.size() << " tables)\n";
        for (const auto& d : differences) std::cout << "  " << d << '\n';
      }
      return differences.empty() ? 0 : strata::exit_code(ErrorKind::validation);
    }
    if (migrate->parsed()) {
      const auto& r = kept(engine.migrate());
      return cmd.report(r, settings.options().dry_run ? strata::cli::print_dry_run : strata::cli::print_migrate_summary,
                        0, strata::listing_for("migrate", settings.options()));
    }
    if (status->parsed()) {
      const auto& r = kept(engine.status());
      bool pending = r.count(strata::MigrationState::pending) + r.count(strata::MigrationState::undone) > 0;
      int code = !f.check              ? 0
                 : !r.problems.empty() ? strata::exit_code(ErrorKind::validation)
                 : pending             ? strata::exit_code(ErrorKind::pending)
                                       : 0;
      return cmd.report(r, strata::cli::print_status_table, code);
    }
    if (validate->parsed()) return cmd.report(engine.validate(), strata::cli::print_validate_summary);
    if (rollback->parsed()) {
      strata::RollbackOptions options{version_flag(f.rollback_to, "--to"), f.steps, settings.options().resume};
      return cmd.report(engine.rollback(options), strata::cli::print_rollback_summary);
    }
    if (baseline->parsed()) {
      auto version = version_flag(f.baseline_version, "--version");
      if (!version) throw Error(ErrorKind::usage, "--version '' is not a version (e.g. 3, 1.2, 2024_06_01)");
      return cmd.report(engine.baseline(*version, f.baseline_description), strata::cli::print_actions);
    }
    if (adopt->parsed()) {
      f.adopt.as_version = version_flag(f.adopt_as_version, "--as-version");
      return cmd.report(engine.adopt(f.adopt), strata::cli::print_adopt);
    }
    return cmd.report(engine.repair(), strata::cli::print_actions);
  } catch (const Error& e) {
    if (f.json)
      std::cout << strata::to_json(e) << '\n';
    else
      std::cerr << "strata: error: " << e.what() << '\n';
    return strata::exit_code(e.kind());
  } catch (const std::exception& e) {
    // Not a strata::Error: a bug of strata's own (a driver's is converted where it is called).
    Error internal(ErrorKind::internal,
                   "internal error: " + std::string(e.what()) + "; please report this bug of strata");
    if (f.json)
      std::cout << strata::to_json(internal) << '\n';
    else
      std::cerr << "strata: error: " << internal.what() << '\n';
    return strata::exit_code(internal.kind());
  }
}
