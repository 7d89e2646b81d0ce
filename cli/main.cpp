// The `strata` command: the Engine and the plugin loader behind a command line whose exit
// codes are the error kinds (see strata::ErrorKind). With --json every command prints one JSON
// document on stdout, an error included, and nothing else there.
#include "config.hpp"
#include "json.hpp"
#include "new_migration.hpp"
#include "output.hpp"

#include <strata/config.hpp>
#include <strata/strata.hpp>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <set>
#include <string_view>

namespace {

using strata::Error;
using strata::ErrorKind;

struct Flags {
  std::string url;
  std::string dir = "migrations";
  std::string ledger_table = "strata_history";
  double lock_timeout_s = 60;
  double statement_timeout_s = 0;
  double ddl_lock_timeout_s = 0;
  bool create_schema = false;
  int connect_retries = 0;
  std::vector<std::string> plugin_dirs;
  std::vector<std::string> dialects;  // strata.toml only
  std::string config = "strata.toml";
  bool verbose = false;
  bool json = false;
  // migrate
  std::string target;
  bool out_of_order = false;
  std::string resume;  // "", "resume", "retry", "skip"
  bool single_transaction = false;
  bool dry_run = false;
  bool strict = false;
  std::string baseline_on_migrate;
  // status
  bool check = false;
  // rollback
  std::string rollback_to;
  int steps = 1;
  // baseline
  std::string baseline_version;
  std::string baseline_description = "baseline";
  // new
  std::string new_description;
  bool new_yaml = false;
  std::string compare_url;
};

std::optional<strata::Version> version_flag(const std::string& text, const char* flag) {
  if (text.empty()) return std::nullopt;
  auto v = strata::Version::parse(text);
  if (!v)
    throw Error(ErrorKind::usage, std::string(flag) + " '" + text + "' is not a version (e.g. 3, 1.2, 2024_06_01)");
  return v;
}

std::chrono::milliseconds seconds_flag(double seconds, const char* flag) {
  if (seconds < 0) throw Error(ErrorKind::usage, std::string(flag) + " cannot be negative");
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
}

strata::Resume resume_mode(const std::string& text) {
  if (text.empty()) return strata::Resume::none;
  if (text == "resume") return strata::Resume::resume;
  if (text == "retry") return strata::Resume::retry;
  if (text == "skip") return strata::Resume::skip;
  throw Error(ErrorKind::usage, "--resume takes retry or skip, not '" + text + "'");
}

class Command {
 public:
  explicit Command(CLI::App& app) : app_(app) {}

  // strata.toml fills what no flag gave; the URL comes from --url, STRATA_DATABASE_URL,
  // DATABASE_URL, then the file.
  void apply_defaults() {
    CLI::App* command = app_.get_subcommands().front();  // the one being run
    auto given = [&](const char* name) { return command->count(name) > 0; };
    auto file = strata::cli::read_config(flags.config);
    if (!file && given("--config"))
      throw Error(ErrorKind::usage, "the config file " + flags.config + " does not exist");
    if (flags.url.empty()) {
      for (const char* name : {"STRATA_DATABASE_URL", "DATABASE_URL"})
        if (const char* value = std::getenv(name); value && *value && flags.url.empty()) flags.url = value;
    }
    if (file && flags.url.empty() && file->url) flags.url = *file->url;
    if (flags.url.empty() && !app_.got_subcommand("new"))
      throw Error(ErrorKind::usage,
                  "no database URL: give --url, set STRATA_DATABASE_URL or DATABASE_URL, or put url in strata.toml");
    if (!file) return;
    if (!given("--dir") && file->dir) flags.dir = *file->dir;
    if (!given("--ledger-table") && file->ledger_table) flags.ledger_table = *file->ledger_table;
    if (!given("--lock-timeout") && file->lock_timeout) flags.lock_timeout_s = *file->lock_timeout;
    if (!given("--statement-timeout") && file->statement_timeout) flags.statement_timeout_s = *file->statement_timeout;
    if (!given("--ddl-lock-timeout") && file->ddl_lock_timeout) flags.ddl_lock_timeout_s = *file->ddl_lock_timeout;
    if (!given("--connect-retries") && file->connect_retries) flags.connect_retries = *file->connect_retries;
    flags.dialects = file->dialects;
  }

  strata::Options options() const {
    strata::Options o;
    o.url = flags.url;
    o.dir = flags.dir;
    o.ledger_table = flags.ledger_table;
    o.lock_timeout = seconds_flag(flags.lock_timeout_s, "--lock-timeout");
    o.statement_timeout = seconds_flag(flags.statement_timeout_s, "--statement-timeout");
    o.ddl_lock_timeout = seconds_flag(flags.ddl_lock_timeout_s, "--ddl-lock-timeout");
    o.create_schema = flags.create_schema;
    if (flags.connect_retries < 0) throw Error(ErrorKind::usage, "--connect-retries cannot be negative");
    o.connect_retries = flags.connect_retries;
    o.plugin_dirs.assign(flags.plugin_dirs.begin(), flags.plugin_dirs.end());
    o.dialects = flags.dialects;
    o.target = version_flag(flags.target, "--target");
    o.out_of_order = flags.out_of_order;
    o.resume = resume_mode(flags.resume);
    o.single_transaction = flags.single_transaction;
    o.dry_run = flags.dry_run;
    o.strict = flags.strict;
    o.baseline_on_migrate = version_flag(flags.baseline_on_migrate, "--baseline-on-migrate");
    bool json = flags.json, verbose = flags.verbose;
    o.on_event = [json, verbose, warned = warned_](const strata::Event& event) {
      if (!json && event.type == strata::Event::Type::applied) {
        strata::cli::print_applied_line(std::cout, event);
      } else if (event.type == strata::Event::Type::drift || event.type == strata::Event::Type::session_restored) {
        std::cerr << "strata: warning: " << event.message << '\n';
        warned->insert(event.message);
      } else if (verbose || event.type == strata::Event::Type::waiting_for_lock ||
                 event.type == strata::Event::Type::connect_retry ||
                 event.type == strata::Event::Type::ledger_upgraded) {
        std::cerr << "strata: " << event.message << '\n';
      }
    };
    return o;
  }

  // Prints a report as text or JSON; returns the exit code.
  int report(const strata::Report& r, void (*text)(std::ostream&, const strata::Report&), int code = 0) const {
    if (flags.json) {
      std::cout << strata::cli::to_json(r).dump(2) << '\n';
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
  std::shared_ptr<std::set<std::string>> warned_ = std::make_shared<std::set<std::string>>();
};

void add_common(CLI::App* command, Flags& f) {
  command->add_option("--url", f.url,
                      "database URL (sqlite:app.db, postgres://..., mysql://...); default: $STRATA_DATABASE_URL, "
                      "then $DATABASE_URL, then strata.toml");
  command->add_option("--dir", f.dir, "migrations directory")->capture_default_str();
  command->add_option("--ledger-table", f.ledger_table, "the ledger table")->capture_default_str();
  command->add_option("--lock-timeout", f.lock_timeout_s, "seconds to wait for the migration lock")
      ->capture_default_str();
  command->add_option("--statement-timeout", f.statement_timeout_s, "seconds one statement may run; 0: no limit")
      ->capture_default_str();
  command
      ->add_option("--ddl-lock-timeout", f.ddl_lock_timeout_s,
                   "seconds one statement waits for a table lock held by others; 0: the database's default")
      ->capture_default_str();
  command->add_flag("--create-schema", f.create_schema, "create the schema named in the URL if it does not exist");
  command
      ->add_option("--connect-retries", f.connect_retries,
                   "further attempts to connect, 1 s apart, for a database still starting")
      ->capture_default_str();
  command->add_option("--plugin-dir", f.plugin_dirs, "a directory of driver plugins, searched first");
  command->add_option("--config", f.config, "defaults file")->capture_default_str();
  command->add_flag("--json", f.json, "print one JSON document on stdout");
  command->add_flag("-v,--verbose", f.verbose, "report each step");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"strata " STRATA_VERSION_STRING ": keeps a database's schema in step with the code that uses it"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "strata " STRATA_VERSION_STRING);
  // A URL given where no argument belongs is repeated in the message: never its password.
  app.failure_message([](const CLI::App* failed, const CLI::Error& e) {
    return strata::cli::without_passwords(CLI::FailureMessage::simple(failed, e));
  });
  Command cmd(app);
  Flags& f = cmd.flags;

  auto* migrate = app.add_subcommand("migrate", "apply pending migrations");
  add_common(migrate, f);
  migrate->add_option("--target", f.target, "apply versions up to and including this one");
  migrate->add_flag("--out-of-order", f.out_of_order, "apply versions older than the newest applied one");
  migrate->add_flag("--resume{resume}", f.resume,
                    "continue a migration that failed part-way; --resume=retry or --resume=skip for a statement in "
                    "doubt");
  migrate->add_flag("--single-transaction", f.single_transaction, "apply every pending migration in one transaction");
  migrate->add_flag("--dry-run", f.dry_run, "print the SQL that would run; change nothing");
  migrate->add_flag("--strict", f.strict,
                    "a portable operation whose object exists with another shape (drift) fails the migration");
  migrate->add_option("--baseline-on-migrate", f.baseline_on_migrate,
                      "on a non-empty database without a ledger, baseline at this version first");
  auto* status = app.add_subcommand("status", "show every migration and its state");
  add_common(status, f);
  status->add_flag("--check", f.check, "exit 3 when anything stops migrate, 6 when anything is pending");
  auto* validate = app.add_subcommand("validate", "check everything migrate would check, without applying");
  add_common(validate, f);
  auto* rollback = app.add_subcommand("rollback", "run undo migrations, newest version first");
  add_common(rollback, f);
  auto* to = rollback->add_option("--to", f.rollback_to, "undo every version above this one");
  rollback->add_option("--steps", f.steps, "how many versions to undo")->capture_default_str()->excludes(to);
  rollback->add_flag("--resume{resume}", f.resume,
                     "continue an undo that failed part-way; --resume=retry or --resume=skip for a statement in "
                     "doubt");
  auto* baseline = app.add_subcommand("baseline", "mark an existing database as being at a version");
  add_common(baseline, f);
  baseline->add_option("--version", f.baseline_version, "the version the database is at")->required();
  baseline->add_option("--description", f.baseline_description, "recorded in the ledger")->capture_default_str();
  auto* repair = app.add_subcommand("repair", "remove failed rows; re-record checksums of changed files");
  add_common(repair, f);
  auto* create = app.add_subcommand("new", "create the next versioned migration file");
  add_common(create, f);
  create->add_option("description", f.new_description, "what the migration does")->required();
  create->add_flag("--yaml", f.new_yaml, "a portable migration (operations in YAML) instead of SQL");
  auto* schema = app.add_subcommand("schema", "print the database's schema in portable terms, or compare two");
  add_common(schema, f);
  schema->add_option("--compare", f.compare_url,
                     "another database (any dialect) to compare with: exit 3 and each difference when they differ");
  auto* drivers = app.add_subcommand("drivers", "list the driver plugins found, and those refused and why");
  add_common(drivers, f);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    bool json = std::any_of(argv + 1, argv + argc, [](const char* a) { return std::string_view(a) == "--json"; });
    if (!json || e.get_exit_code() == 0) {
      int code = app.exit(e);
      return code == 0 ? 0 : strata::exit_code(ErrorKind::usage);
    }
    std::cout << strata::cli::to_json(Error(ErrorKind::usage, strata::cli::without_passwords(e.what()))).dump(2)
              << '\n';
    return strata::exit_code(ErrorKind::usage);
  }
  try {
    if (drivers->parsed()) {
      strata::plugin::Loader loader({f.plugin_dirs.begin(), f.plugin_dirs.end()});
      if (f.json)
        std::cout << strata::cli::to_json(loader).dump(2) << '\n';
      else
        strata::cli::print_drivers(std::cout, loader);
      return 0;
    }
    cmd.apply_defaults();
    if (create->parsed()) return strata::cli::create_migration(f.dir, f.new_description, f.new_yaml, f.json);
    strata::Engine engine(cmd.options());
    if (schema->parsed()) {
      strata::Schema here = engine.schema();
      if (f.compare_url.empty()) {
        if (f.json)
          std::cout << strata::cli::to_json(here).dump(2) << '\n';
        else
          strata::cli::print_schema(std::cout, here);
        return 0;
      }
      strata::Options other = cmd.options();
      other.url = f.compare_url;
      strata::Schema there = strata::Engine(other).schema();
      auto differences = strata::compare_schemas(here, there);
      if (f.json) {
        std::cout << nlohmann::json{{"first", strata::cli::to_json(here)},
                                    {"second", strata::cli::to_json(there)},
                                    {"differences", differences}}
                         .dump(2)
                  << '\n';
      } else {
        std::cout << "first:  " << here.server << "\nsecond: " << there.server << '\n';
        if (differences.empty()) std::cout << "the same logical schema (" << here.tables.size() << " tables)\n";
        for (const auto& d : differences) std::cout << "  " << d << '\n';
      }
      return differences.empty() ? 0 : strata::exit_code(ErrorKind::validation);
    }
    if (migrate->parsed()) {
      auto r = engine.migrate();
      return cmd.report(r, f.dry_run ? strata::cli::print_dry_run : strata::cli::print_migrate_summary);
    }
    if (status->parsed()) {
      auto r = engine.status();
      bool pending = r.count(strata::MigrationState::pending) + r.count(strata::MigrationState::undone) > 0;
      int code = !f.check              ? 0
                 : !r.problems.empty() ? strata::exit_code(ErrorKind::validation)
                 : pending             ? strata::exit_code(ErrorKind::pending)
                                       : 0;
      return cmd.report(r, strata::cli::print_status_table, code);
    }
    if (validate->parsed()) return cmd.report(engine.validate(), strata::cli::print_validate_summary);
    if (rollback->parsed()) {
      strata::RollbackOptions options{version_flag(f.rollback_to, "--to"), f.steps, resume_mode(f.resume)};
      return cmd.report(engine.rollback(options), strata::cli::print_rollback_summary);
    }
    if (baseline->parsed()) {
      auto version = version_flag(f.baseline_version, "--version");
      return cmd.report(engine.baseline(*version, f.baseline_description), strata::cli::print_actions);
    }
    return cmd.report(engine.repair(), strata::cli::print_actions);
  } catch (const Error& e) {
    if (f.json)
      std::cout << strata::cli::to_json(e).dump(2) << '\n';
    else
      std::cerr << "strata: error: " << e.what() << '\n';
    return strata::exit_code(e.kind());
  } catch (const std::exception& e) {
    // Not a strata::Error: a bug of strata's own (a driver's is converted where it is called).
    Error internal(ErrorKind::internal,
                   "internal error: " + std::string(e.what()) + "; please report this bug of strata");
    if (f.json)
      std::cout << strata::cli::to_json(internal).dump(2) << '\n';
    else
      std::cerr << "strata: error: " << internal.what() << '\n';
    return strata::exit_code(internal.kind());
  }
}
