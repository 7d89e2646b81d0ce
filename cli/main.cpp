// The `strata` command: the Engine and the plugin loader behind a command line whose exit
// codes are the error kinds (see strata::ErrorKind).
#include "output.hpp"

#include <strata/config.hpp>
#include <strata/strata.hpp>

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <iostream>

namespace {

struct CommonFlags {
  std::string url;
  std::string dir = "migrations";
  double lock_timeout_s = 60;
  std::vector<std::string> plugin_dirs;
  bool verbose = false;
};

struct MigrateFlags {
  std::string target;
  bool out_of_order = false;
};

// --url beats STRATA_DATABASE_URL, which beats DATABASE_URL.
std::string database_url(const std::string& flag) {
  if (!flag.empty()) return flag;
  for (const char* name : {"STRATA_DATABASE_URL", "DATABASE_URL"})
    if (const char* value = std::getenv(name); value && *value) return value;
  return {};
}

strata::Options engine_options(const CommonFlags& flags) {
  strata::Options options;
  options.url = database_url(flags.url);
  options.dir = flags.dir;
  if (flags.lock_timeout_s < 0) throw strata::Error(strata::ErrorKind::usage, "--lock-timeout cannot be negative");
  options.lock_timeout = std::chrono::milliseconds(static_cast<long long>(flags.lock_timeout_s * 1000));
  options.plugin_dirs.assign(flags.plugin_dirs.begin(), flags.plugin_dirs.end());
  bool verbose = flags.verbose;
  options.on_event = [verbose](const strata::Event& event) {
    if (event.type == strata::Event::Type::applied)
      strata::cli::print_applied_line(std::cout, event);
    else if (verbose || event.type == strata::Event::Type::waiting_for_lock)
      std::cerr << "strata: " << event.message << '\n';
  };
  return options;
}

void print_warnings(const strata::Report& report) {
  for (const auto& w : report.warnings) std::cerr << "strata: warning: " << w << '\n';
}

int run_migrate(const CommonFlags& common, const MigrateFlags& flags) {
  strata::Options options = engine_options(common);
  if (!flags.target.empty()) {
    options.target = strata::Version::parse(flags.target);
    if (!options.target)
      throw strata::Error(strata::ErrorKind::usage, "--target '" + flags.target + "' is not a version");
  }
  options.out_of_order = flags.out_of_order;
  strata::Report report = strata::Engine(std::move(options)).migrate();
  print_warnings(report);
  strata::cli::print_migrate_summary(std::cout, report);
  return 0;
}

int run_status(const CommonFlags& common) {
  strata::Report report = strata::Engine(engine_options(common)).status();
  print_warnings(report);
  strata::cli::print_status_table(std::cout, report);
  return 0;
}

int run_drivers(const CommonFlags& common) {
  strata::plugin::Loader loader({common.plugin_dirs.begin(), common.plugin_dirs.end()});
  strata::cli::print_drivers(std::cout, loader);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"strata " STRATA_VERSION_STRING ": keeps a database's schema in step with the code that uses it"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "strata " STRATA_VERSION_STRING);
  CommonFlags common;
  MigrateFlags migrate_flags;
  auto add_common = [&](CLI::App* command) {
    command->add_option("--url", common.url,
                        "database URL (sqlite:app.db, postgres://..., mysql://...); default: "
                        "$STRATA_DATABASE_URL, then $DATABASE_URL");
    command->add_option("--dir", common.dir, "migrations directory")->capture_default_str();
    command->add_option("--lock-timeout", common.lock_timeout_s, "seconds to wait for the migration lock")
        ->capture_default_str();
    command->add_option("--plugin-dir", common.plugin_dirs, "a directory of driver plugins, searched first");
    command->add_flag("-v,--verbose", common.verbose, "report each step");
  };
  auto* migrate = app.add_subcommand("migrate", "apply pending migrations");
  add_common(migrate);
  migrate->add_option("--target", migrate_flags.target, "apply versions up to and including this one");
  migrate->add_flag("--out-of-order", migrate_flags.out_of_order, "apply versions older than the newest applied one");
  auto* status = app.add_subcommand("status", "show every migration and its state");
  add_common(status);
  auto* drivers = app.add_subcommand("drivers", "list the driver plugins found, and those refused and why");
  add_common(drivers);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : strata::exit_code(strata::ErrorKind::usage);
  }
  try {
    if (migrate->parsed()) return run_migrate(common, migrate_flags);
    if (status->parsed()) return run_status(common);
    return run_drivers(common);
  } catch (const strata::Error& e) {
    std::cerr << "strata: error: " << e.what() << '\n';
    return strata::exit_code(e.kind());
  } catch (const std::exception& e) {
    std::cerr << "strata: error: " << e.what() << '\n';
    return strata::exit_code(strata::ErrorKind::apply_failed);
  }
}
