// The Engine: strata's facade. It finds the driver for a URL, reads the migrations and the
// ledger, plans, and applies, following the steps of a run:
//   0. read the ledger without a lock; stop when nothing is pending and nothing is invalid
//   1. take the migration lock (waiting up to lock_timeout)
//   2. create the ledger if missing and read it again under the lock
//   3. validate everything before anything runs (checksums, names, every script's splitting)
//   4. apply each pending migration, its statements and ledger row in one transaction
//   5. release the lock
// Every failure is a strata::Error whose kind matches the command line's exit code.
#pragma once

#include <strata/error.hpp>
#include <strata/export.hpp>
#include <strata/plan.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace strata {

struct Event {
  enum class Type {
    up_to_date,  // step 0 found nothing to do
    waiting_for_lock,
    lock_acquired,
    applying,  // a migration starts
    applied,   // a migration committed; `elapsed` is its time
  };
  Type type;
  const MigrationStatus* migration = nullptr;  // for applying / applied
  std::chrono::milliseconds elapsed{0};
  std::string message;  // a readable line for a product's log
};

struct Options {
  std::string url;  // the database, e.g. "sqlite:app.db"
  std::filesystem::path dir = "migrations";
  std::string ledger_table = "strata_history";
  std::chrono::milliseconds lock_timeout{60'000};
  std::optional<Version> target;
  bool out_of_order = false;
  std::vector<std::filesystem::path> plugin_dirs;  // searched before STRATA_PLUGIN_PATH
  std::function<void(const Event&)> on_event;      // progress, for the product's logger
};

struct AppliedMigration {
  MigrationKind kind = MigrationKind::versioned;
  std::string version;  // "" for a repeatable
  std::string description;
  std::string script;
  std::chrono::milliseconds elapsed{0};
};

struct Report {
  std::string url;     // redacted
  std::string server;  // "SQLite 3.40.1"
  std::vector<AppliedMigration> applied;
  std::vector<MigrationStatus> migrations;  // the state of each after the run
  std::vector<std::string> warnings;
  std::optional<Version> current_version;
  bool lock_taken = false;
  std::chrono::milliseconds elapsed{0};
};

class STRATA_API Engine {
 public:
  explicit Engine(Options options);
  ~Engine();
  Engine(Engine&&) noexcept;
  Engine& operator=(Engine&&) noexcept;

  // Applies every pending migration. Throws Error.
  Report migrate();
  // The state of every migration; takes no lock and changes nothing.
  Report status();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One call at start-up: Engine(options).migrate().
STRATA_API Report migrate(Options options);

}  // namespace strata
