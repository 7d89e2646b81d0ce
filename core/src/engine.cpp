#include "executor.hpp"
#include "portable.hpp"

#include <strata/engine.hpp>
#include <strata/ledger.hpp>
#include <strata/plugin/loader.hpp>
#include <strata/source.hpp>

#include <algorithm>
#include <thread>

namespace strata {
namespace {

using Clock = std::chrono::steady_clock;

std::chrono::milliseconds since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

// Objects a plugin made must die before the plugin is unloaded: each one keeps its maker alive.
template <typename T, typename Owner>
std::shared_ptr<T> keep_alive(std::unique_ptr<T> object, std::shared_ptr<Owner> owner) {
  return std::shared_ptr<T>(object.release(), [owner](T* p) { delete p; });
}

// Holds the migration lock for the scope of a run; released on every way out.
class HeldLock {
 public:
  explicit HeldLock(std::shared_ptr<MigrationLock> lock) : lock_(std::move(lock)) {}
  ~HeldLock() {
    try {
      if (lock_) lock_->release();
    } catch (...) {  // the database or the OS releases it when the connection or process ends
    }
  }
  HeldLock(const HeldLock&) = delete;
  HeldLock& operator=(const HeldLock&) = delete;
  bool held() const { return lock_ != nullptr; }

 private:
  std::shared_ptr<MigrationLock> lock_;
};

std::string preview_label(const Migration& m) {
  std::string what = m.kind == MigrationKind::repeatable ? "repeatable" : m.version->str();
  return what + " \"" + m.description + "\" (" + m.script + ")";
}

}  // namespace

std::size_t Report::count(MigrationState state) const {
  return static_cast<std::size_t>(
      std::count_if(migrations.begin(), migrations.end(), [&](const MigrationStatus& m) { return m.state == state; }));
}

// Whether a command may create a missing database: only those that write.
enum class Access { read_only, may_create };

struct Engine::Impl {
  Options options;
  DatabaseUrl url;
  std::shared_ptr<Driver> driver;
  std::shared_ptr<Connection> connection;
  std::unique_ptr<Ledger> ledger;
  Clock::time_point start = Clock::now();

  explicit Impl(Options o) : options(std::move(o)) {
    if (options.url.empty()) throw Error(ErrorKind::usage, "no database URL given");
    url = DatabaseUrl::parse(options.url);
    check_declared_dialects(options.dialects, "Options::dialects");
  }

  void emit(Event::Type type, std::string message, const MigrationStatus* m = nullptr,
            std::chrono::milliseconds elapsed = {}) {
    if (options.on_event) options.on_event(Event{type, m, elapsed, std::move(message)});
  }

  void begin_command() { start = Clock::now(); }

  // The driver first, so that a wrong URL or plugin is reported before anything else; then the
  // connection, whose dialect chooses among the files' variants. `access` says whether the
  // command may create a missing database.
  std::vector<Migration> open(Access access) {
    begin_command();
    load_driver();
    std::vector<Migration> files;
    if (!options.dir.empty()) files = load_directory(options.dir, options.dialects);
    if (options.embedded) {
      for (auto& m : options.embedded->migrations(options.dialects)) {
        refuse_duplicate(files, m);
        files.push_back(std::move(m));
      }
      std::stable_sort(files.begin(), files.end(), applies_before);
    }
    connect(access);
    return select_for_dialect(std::move(files), connection->dialect().suffixes());
  }

  void load_driver() {
    if (!driver) driver = plugin::Loader(options.plugin_dirs).load(url.scheme);
  }

  void connect(Access access) {
    if (connection) return;
    ConnectOptions connect_options{url};
    connect_options.statement_timeout = options.statement_timeout;
    connect_options.lock_wait_timeout = options.ddl_lock_timeout;
    connect_options.create_schema = options.create_schema;
    connect_options.create_database = access == Access::may_create;
    for (int attempt = 0;; ++attempt) {
      try {
        connection = keep_alive(driver->connect(connect_options), driver);
        break;
      } catch (const Error& e) {
        if (e.kind() != ErrorKind::connection || attempt >= options.connect_retries) throw;
        emit(Event::Type::connect_retry, "cannot connect yet (attempt " + std::to_string(attempt + 1) + " of " +
                                             std::to_string(options.connect_retries + 1) + "): " + e.message());
        std::this_thread::sleep_for(std::chrono::seconds(1));
      }
    }
    ledger = std::make_unique<Ledger>(*connection, options.ledger_table);
  }

  Report new_report(std::string command) {
    Report report;
    report.command = std::move(command);
    report.url = url.redacted();
    report.server = connection->server_description();
    report.ledger_table = options.ledger_table;
    return report;
  }

  std::vector<LedgerRow> ledger_rows() { return ledger->exists() ? ledger->read() : std::vector<LedgerRow>{}; }

  Plan plan_from(std::span<const Migration> migrations) { return plan_from(migrations, ledger_rows()); }

  Plan plan_from(std::span<const Migration> migrations, std::span<const LedgerRow> rows) {
    return make_plan(migrations, rows, PlanOptions{options.target, options.out_of_order, options.resume});
  }

  // The report after a command: the state `plan` shows, its warnings after those the run found.
  Report finish(Report report, Plan plan) {
    report.current_version = plan.current_version();
    report.migrations = std::move(plan.migrations);
    report.warnings.insert(report.warnings.end(), plan.warnings.begin(), plan.warnings.end());
    report.problems = std::move(plan.problems);
    report.elapsed = since(start);
    return report;
  }

  HeldLock lock() {
    auto made = connection->make_lock(LockScope{"", options.ledger_table});
    if (!made) return HeldLock(nullptr);
    std::shared_ptr<MigrationLock> lock = keep_alive(std::move(made), connection);
    auto begun = Clock::now();
    auto pause = std::chrono::milliseconds(10);
    bool announced = false;
    while (!lock->try_acquire()) {
      if (since(begun) >= options.lock_timeout) {
        std::string holder = lock->holder();
        throw Error(ErrorKind::lock_timeout,
                    "the migration lock (" + lock->describe() + ") was not obtained within " +
                        std::to_string(options.lock_timeout.count()) + " ms" +
                        (holder.empty() ? std::string("; another migrator holds it") : "; it is held by " + holder));
      }
      if (!announced) emit(Event::Type::waiting_for_lock, "waiting for the migration lock (" + lock->describe() + ")");
      announced = true;
      auto left = options.lock_timeout - since(begun);
      std::this_thread::sleep_for(std::max(std::chrono::milliseconds(1), std::min(pause, left)));
      // At most 100 ms between attempts: waiters behind a short migration (8 instances starting
      // at once) should not each sleep long after the lock is free.
      pause = std::min(pause * 2, std::chrono::milliseconds(100));
    }
    emit(Event::Type::lock_acquired, "migration lock acquired (" + lock->describe() + ")");
    return HeldLock(lock);
  }

  // Step 2: the ledger exists and has this strata's format. Returns whether it was created.
  bool ensure_ledger() {
    bool created = !ledger->exists();
    int found = ledger_format_version;
    in_transaction([&] {
      if (created)
        ledger->create();
      else
        found = ledger->upgrade();
    });
    if (created)
      emit(Event::Type::ledger_created, "created the ledger " + options.ledger_table);
    else if (found == 0)
      emit(Event::Type::ledger_upgraded, "completed the creation of the ledger " + options.ledger_table);
    else if (found < ledger_format_version)  // a newer format this strata can use is left as it is
      emit(Event::Type::ledger_upgraded, "upgraded the ledger " + options.ledger_table + " from format " +
                                             std::to_string(found) + " to " + std::to_string(ledger_format_version));
    return created;
  }

  // Runs `work` in one transaction where DDL is transactional, else statement by statement.
  template <typename Work>
  void in_transaction(Work&& work) {
    Session& session = connection->session();
    bool transactional = connection->capabilities().transactional_ddl;
    if (transactional) session.begin();
    try {
      work();
      if (transactional) session.commit();
    } catch (...) {
      if (transactional) session.rollback();
      throw;
    }
  }

  // Step 3: every script split and checked before anything runs; every problem refused at once.
  std::vector<detail::PreparedScript> prepare(std::span<const Migration> migrations,
                                              std::span<const PendingMigration> pending,
                                              std::span<const std::string> plan_problems) {
    auto prepared = detail::prepare(migrations, pending, plan_problems, *connection,
                                    {options.target, options.strict, options.single_transaction});
    detail::refuse(std::move(prepared.problems));
    return std::move(prepared.scripts);
  }

  detail::Executor executor() {
    return detail::Executor(*connection, *ledger, options.strict,
                            [this](Event::Type type, std::string message, const MigrationStatus* m,
                                   std::chrono::milliseconds elapsed) { emit(type, std::move(message), m, elapsed); });
  }

  // A migrator killed mid-statement can leave that statement running on the server: wait for
  // it (up to the lock timeout) so that what the run reports about it is final.
  void wait_for_orphans(std::span<const LedgerRow> rows) {
    auto begun = Clock::now();
    for (const auto& row : rows) {
      if (row.success || !row.in_doubt || row.session_id.empty()) continue;
      bool announced = false;
      while (session_busy(row)) {
        if (since(begun) >= options.lock_timeout)
          throw Error(ErrorKind::lock_timeout, "the statement " + std::to_string(row.statements_done + 1) + " of " +
                                                   row.script +
                                                   " that a stopped migrator started still runs on the "
                                                   "server (" +
                                                   row.session_id + "); wait for it, or end that session");
        if (!announced)
          emit(Event::Type::waiting_for_lock, "waiting for " + row.session_id + ", which still runs statement " +
                                                  std::to_string(row.statements_done + 1) + " of " + row.script +
                                                  " for a stopped migrator");
        announced = true;
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
      }
    }
  }

  // Whether the session a ledger row records still runs a statement. The id is read from the
  // ledger: one the driver cannot take is refused naming where it was read.
  bool session_busy(const LedgerRow& row) {
    try {
      return connection->session_busy(row.session_id);
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::validation) throw;
      throw Error(ErrorKind::validation, "cannot read the ledger " + options.ledger_table + ": row installed_rank " +
                                             std::to_string(row.installed_rank) +
                                             ", column session_id: " + e.message());
    }
  }

  bool database_has_user_tables() {
    auto tables = connection->catalog().tables();
    return std::any_of(tables.begin(), tables.end(),
                       [&](const std::string& t) { return !is_ledger_table(t, options.ledger_table); });
  }

  void write_baseline(const Version& version, const std::string& description, Report& report) {
    auto rows = ledger->read();
    for (const auto& row : rows) {
      if (row.kind == MigrationKind::baseline)
        throw Error(ErrorKind::validation, "cannot baseline: the ledger " + options.ledger_table +
                                               " already has a baseline, at version " + to_string(row.version, "?"));
      if (row.kind != MigrationKind::repeatable)
        throw Error(ErrorKind::validation, "cannot baseline: the ledger " + options.ledger_table +
                                               " already records versioned migrations (" + row.script + ")");
    }
    LedgerRow row;
    row.version = version;
    row.description = description;
    row.kind = MigrationKind::baseline;
    row.script = "<< baseline >>";
    row.installed_by = connection->user_name();
    row.installed_on = utc_timestamp_now();
    row.session_id = connection->session_id();
    ledger->append(row);
    report.actions.push_back("baselined at version " + version.str() + ": versions up to it are taken as applied");
  }

  Report dry_run(std::span<const Migration> migrations, Report report, Plan plan) {
    for (const auto& script : prepare(migrations, plan.pending, plan.problems)) {
      ScriptPreview preview{preview_label(script.migration),
                            script.migration.script,
                            !detail::runs_with_progress(script, connection->capabilities()),
                            script.first_statement,
                            {}};
      for (std::size_t i = static_cast<std::size_t>(script.first_statement); i < script.statements.size(); ++i)
        preview.statements.push_back(script.migration.operations()
                                         ? detail::preview((*script.migration.operations())[i], *connection)
                                         : script.statements[i].text);
      report.dry_run.push_back(std::move(preview));
    }
    if (!ledger->exists()) report.warnings.push_back("the ledger " + options.ledger_table + " does not exist yet");
    return finish(std::move(report), std::move(plan));
  }
};

Engine::Engine(Options options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Engine::~Engine() = default;
Engine::Engine(Engine&&) noexcept = default;
Engine& Engine::operator=(Engine&&) noexcept = default;

Schema Engine::schema() {
  impl_->begin_command();
  impl_->load_driver();
  impl_->connect(Access::read_only);
  return describe_schema(*impl_->connection, impl_->options.ledger_table);
}

Report Engine::status() {
  auto migrations = impl_->open(Access::read_only);
  return impl_->finish(impl_->new_report("status"), impl_->plan_from(migrations));
}

Report Engine::validate() {
  Impl& impl = *impl_;
  auto migrations = impl.open(Access::read_only);
  Plan plan = impl.plan_from(migrations);
  impl.prepare(migrations, plan.pending, plan.problems);
  return impl.finish(impl.new_report("validate"), std::move(plan));
}

Report Engine::migrate() {
  Impl& impl = *impl_;
  auto migrations = impl.open(impl.options.dry_run ? Access::read_only : Access::may_create);
  if (auto problem = detail::target_problem(migrations, impl.options.target)) throw *problem;
  Report report = impl.new_report("migrate");

  Plan plan = impl.plan_from(migrations);  // step 0: no lock
  if (impl.options.dry_run) return impl.dry_run(migrations, std::move(report), std::move(plan));
  if (plan.up_to_date()) {
    impl.emit(Event::Type::up_to_date, "the schema is up to date");
    return impl.finish(std::move(report), std::move(plan));
  }

  HeldLock lock = impl.lock();  // step 1
  report.lock_taken = lock.held();
  bool baseline_wanted = impl.options.baseline_on_migrate && !impl.ledger->exists() && impl.database_has_user_tables();
  impl.ensure_ledger();  // step 2
  if (baseline_wanted) impl.write_baseline(*impl.options.baseline_on_migrate, "baseline on migrate", report);
  auto rows = impl.ledger->read();  // under the lock: they cannot change until we write
  impl.wait_for_orphans(rows);
  plan = impl.plan_from(migrations, rows);
  auto scripts = impl.prepare(migrations, plan.pending, plan.problems);  // step 3
  auto executor = impl.executor();
  if (impl.options.single_transaction) {  // step 4
    auto applied = executor.run_in_one_transaction(scripts);
    report.applied.insert(report.applied.end(), applied.begin(), applied.end());
  } else {
    for (const auto& script : scripts) report.applied.push_back(executor.run(script));
  }
  report.warnings = executor.warnings();
  return impl.finish(std::move(report), impl.plan_from(migrations));  // step 5: the lock is released on the way out
}

Report Engine::rollback(const RollbackOptions& options) {
  Impl& impl = *impl_;
  auto migrations = impl.open(Access::read_only);
  Report report = impl.new_report("rollback");
  HeldLock lock = impl.lock();
  report.lock_taken = lock.held();
  if (!impl.ledger->exists()) throw Error(ErrorKind::validation, "nothing to roll back: the database has no ledger");
  impl.ensure_ledger();
  RollbackPlan plan = make_rollback_plan(migrations, impl.ledger->read(), options);
  std::vector<PendingMigration> undos;
  for (const auto& step : plan.steps) undos.push_back(PendingMigration{step.undo, step.resumes, step.first_statement});
  auto prepared = detail::prepare(migrations, undos, plan.problems, *impl.connection, {std::nullopt, impl.options.strict, false});
  detail::refuse(std::move(prepared.problems));
  auto executor = impl.executor();
  for (const auto& script : prepared.scripts) report.applied.push_back(executor.run(script));
  report.warnings = executor.warnings();
  return impl.finish(std::move(report), impl.plan_from(migrations));
}

Report Engine::baseline(const Version& version, const std::string& description) {
  Impl& impl = *impl_;
  auto migrations = impl.open(Access::may_create);
  Report report = impl.new_report("baseline");
  HeldLock lock = impl.lock();
  report.lock_taken = lock.held();
  impl.ensure_ledger();
  impl.in_transaction([&] { impl.write_baseline(version, description, report); });
  return impl.finish(std::move(report), impl.plan_from(migrations));
}

Report Engine::repair() {
  Impl& impl = *impl_;
  auto migrations = impl.open(Access::read_only);
  Report report = impl.new_report("repair");
  HeldLock lock = impl.lock();
  report.lock_taken = lock.held();
  if (!impl.ledger->exists()) {
    report.actions.push_back("nothing to repair: the database has no ledger");
    return impl.finish(std::move(report), impl.plan_from(migrations));
  }
  impl.ensure_ledger();
  auto rows = impl.ledger->read();
  Plan plan = make_plan(migrations, rows, {});
  impl.in_transaction([&] {
    for (const auto& row : rows) {
      if (row.success) continue;
      impl.ledger->remove(row.installed_rank);
      report.actions.push_back("removed the failed row of " + row.script + " (failed at statement " +
                               std::to_string(row.statements_done + 1) + ")");
    }
    for (const auto& status : plan.migrations) {
      if (!status.latest || !status.latest->success || status.file_checksum.empty()) continue;
      if (status.kind == MigrationKind::baseline || status.state == MigrationState::below_baseline) continue;
      LedgerRow row = *status.latest;
      if (row.checksum == status.file_checksum && row.script == status.script && row.description == status.description)
        continue;
      if (row.checksum != status.file_checksum)
        report.actions.push_back("re-recorded the checksum of " + status.script + ": " + row.checksum + " -> " +
                                 status.file_checksum);
      if (row.script != status.script)
        report.actions.push_back("re-recorded the file name of " + row.script + " as " + status.script);
      else if (row.description != status.description)
        report.actions.push_back("re-recorded the description of " + status.script + " as '" + status.description +
                                 "'");
      row.checksum = status.file_checksum;
      row.script = status.script;
      row.description = status.description;
      impl.ledger->update(row);
    }
  });
  if (report.actions.empty()) report.actions.push_back("nothing to repair");
  return impl.finish(std::move(report), impl.plan_from(migrations));
}

Report migrate(Options options) {
  return Engine(std::move(options)).migrate();
}

}  // namespace strata
