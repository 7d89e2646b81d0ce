// The Engine: strata's facade. It finds the driver for a URL, reads the migrations and the
// ledger, plans, and applies, following the steps of a run:
//   0. read the ledger without a lock; stop when nothing is pending and nothing is invalid
//   1. take the migration lock (waiting up to lock_timeout)
//   2. create or upgrade the ledger, and read it again under the lock
//   3. validate everything before anything runs (checksums, names, every script's splitting)
//   4. apply each pending migration: where DDL is transactional, its statements and its ledger
//      row commit together; otherwise (or with `-- strata:no-transaction`) the ledger row is
//      written first and records each statement's progress, so a failure says exactly where
//   5. release the lock
// Every failure is a strata::Error whose kind matches the command line's exit code, and leaves
// the database and ledger as they were, or exactly recorded where the backend cannot roll back.
#pragma once

#include <strata/adopt.hpp>
#include <strata/diff.hpp>
#include <strata/drift.hpp>
#include <strata/error.hpp>
#include <strata/export.hpp>
#include <strata/migration_set.hpp>
#include <strata/plan.hpp>
#include <strata/report.hpp>
#include <strata/schema.hpp>
#include <strata/source.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace strata {

struct Options {
  std::string url;                               // the database, e.g. "sqlite:app.db"
  std::filesystem::path dir = "migrations";      // "" for none (only embedded migrations)
  Layout format = Layout::strata;                // how `dir` is laid out (<strata/source.hpp>)
  std::filesystem::path schema = "schema.yaml";  // the declared schema (a file or a directory): diff, generate
  std::optional<MigrationSet> embedded{};        // migrations compiled into the product
  // Migrations already read and checksummed from `dir` and `embedded` (a fleet reads them once
  // for every target: <strata/fleet.hpp>); when set, neither is read again.
  std::shared_ptr<const std::vector<Migration>> migrations{};
  std::string ledger_table = "strata_history";
  std::chrono::milliseconds lock_timeout{60'000};
  std::chrono::milliseconds statement_timeout{0};  // 0: none
  std::chrono::milliseconds ddl_lock_timeout{0};   // how long a statement waits for a table lock; 0: default
  bool create_schema = false;                      // create the URL's schema if missing
  // The caller owns the process: the drivers may make process-wide settings of their client
  // libraries that make them faster (ConnectOptions::own_process). The strata command sets it; a
  // product embedding strata leaves it false and keeps those libraries as it set them up.
  bool own_process = false;
  int connect_retries = 0;          // further attempts, 1 s apart
  std::optional<Version> target{};  // migrate up to and including this version
  bool out_of_order = false;
  Resume resume = Resume::none;
  bool single_transaction = false;  // every pending migration in one transaction
  bool dry_run = false;             // plan and print the SQL; change nothing
  bool strict = false;              // drift of a portable operation is an error
  // migrate: compare the schema with what the applied migrations make, under the lock before
  // anything runs, and refuse (exit 3) when they differ (see Engine::drift)
  bool check_drift = false;
  // migrate: its JSON report lists every migration (`migrations`), as status's does; without it,
  // what was applied and the counts (a start-up check need not carry a thousand entries)
  bool list_migrations = false;
  // Where SQL migrations are replayed to know what they make (drift, diff, generate, lint): a
  // database URL whose server strata may create a scratch schema on; "": a SQLite file of its own.
  std::string dev_url{};
  std::optional<Version> baseline_on_migrate{};      // baseline a non-empty database without a ledger
  std::vector<std::filesystem::path> plugin_dirs{};  // searched before STRATA_PLUGIN_PATH
  // The project's own dialect tags in migration names, beyond those strata knows (a
  // third-party driver's dialect; see dialect_tag in <strata/source.hpp>): strata.toml `dialects`.
  std::vector<std::string> dialects{};
  std::function<void(const Event&)> on_event{};  // progress, for the product's logger
};

// One Engine serves one database (Options::url) and keeps its driver and connection between
// commands, so a product may call status() and then migrate() on one. Each command starts
// afresh: what it reports is about that command only.
//
// Ownership and threads: the Engine owns its copy of the Options, the driver it loaded and the
// connection; nothing it returns refers to them (a Report is a value). Not thread-safe: call
// one command at a time; several Engines on several threads are independent (migrators on one
// database serialise through the migration lock). Options::on_event is called on the calling
// thread, during the command; the Event it is given, and the MigrationStatus it points to, live
// until the callback returns. A command reads the migration files on a thread of its own while
// it connects (on Linux started on another of the processors the calling thread may use than
// the one it runs on, and run five steps of nice below it; the calling thread's own are left as
// they are), in batches through io_uring where the kernel allows it (STRATA_IO_URING=0 in the
// environment: one by one), and on more threads (as many as the machine has cores, at most 8)
// where files are read one by one; they end before it returns, and call none of the caller's
// migrations or callbacks (an embedded MigrationSet is only copied). The calling thread, once it
// has read the database, reads the files still unread alongside them.
//
// Every command throws strata::Error on failure (its kind is the command line's exit code) and
// leaves the database as it was, or exactly recorded where the backend cannot roll back.
class STRATA_API Engine {
 public:
  // Parses the URL (Error(usage) when empty or malformed); loads and connects nothing yet.
  explicit Engine(Options options);
  ~Engine();  // closes the connection; releases nothing else (a lock lives only inside a command)
  Engine(Engine&&) noexcept;
  Engine& operator=(Engine&&) noexcept;

  // Applies every pending migration (or, with dry_run, shows what it would run). Takes the
  // lock only when something is pending; creates the database where the driver can and the
  // ledger where missing.
  Report migrate();
  // The state of every migration; takes no lock and changes nothing.
  Report status();
  // Everything migrate checks before running anything, without running anything. Throws one
  // Error listing every problem found (Error::problems()).
  Report validate();
  // Runs undo migrations, newest version first, each in its own transaction, under the lock.
  Report rollback(const RollbackOptions& options);
  // Marks a database that has no versioned migrations recorded as being at `version`.
  Report baseline(const Version& version, const std::string& description = "baseline");
  // Removes failed rows; re-records the checksums and names of applied files that changed.
  Report repair();
  // Takes over another tool's record of what it applied (<strata/adopt.hpp>): writes the matching
  // ledger rows, running nothing; the old table is left as it is. With Options::dry_run, writes
  // nothing and reports the state the ledger would show. Refuses (Error(validation), naming the
  // versions) when the old record and the files disagree, or the ledger already has rows.
  Report adopt(const AdoptOptions& adopt);
  // The database's schema in portable terms (see <strata/schema.hpp>); reads no migrations.
  Schema schema();
  // The same in the declared model (see <strata/diff.hpp>), names of keys and indexes kept.
  DeclaredSchema declared_schema();
  // The schema against what the migrations the ledger records as applied make (folded in memory
  // when they are all portable, else replayed in a scratch database: a SQLite file of strata's
  // own, or a scratch schema on Options::dev_url's server, removed afterwards). Pending migrations
  // are not drift; strata's own tables are never compared; a portable migration stopped part-way
  // counts with the operations its row records as done. Takes no lock; changes nothing in the
  // database.
  DriftReport drift();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A schema to compare, named as `strata diff --from/--to` names it:
//   "migrations", "migrations@7" (or Options::dir's path, with or without "@7"): the versioned
//     migrations up to version 7, folded in memory when every one is portable; otherwise
//     replayed into a scratch database (`dev_url`, or a SQLite file of strata's own, removed on
//     every way out) and read back;
//   a database URL: that database, read (nothing is changed);
//   a .sql file: plain DDL, run in a scratch database and read back;
//   anything else: a schema.yaml file, or a directory of them (read_declared_schema).
// Takes the Options for the directory, dialects, plugins and timeouts.
STRATA_API DeclaredSchema load_schema(std::string_view source, const Options& options, const std::string& dev_url = {});

// The SQL `operations` (a diff from `from`) run, rendered with their guards against a catalog:
// `where` is "sqlite" (a scratch SQLite database made as `from`, removed afterwards) or a database
// URL (read only: a dry run, nothing recorded). Throws Error(usage) for anything else.
STRATA_API std::vector<std::string> render_sql(const std::vector<ops::Operation>& operations,
                                               const DeclaredSchema& from, const std::string& where,
                                               const Options& options);

// Removes the scratch databases load_schema has open in this process, now. Async-signal-safe:
// for a SIGINT or SIGTERM handler, before the process ends (the strata command installs one).
// Those a SIGKILL leaves are removed by the next load_schema of any process.
STRATA_API void remove_scratch_databases() noexcept;

// One call at start-up: Engine(options).migrate().
STRATA_API Report migrate(Options options);

}  // namespace strata
