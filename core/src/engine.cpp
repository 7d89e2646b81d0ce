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

std::string problems_message(const std::vector<std::string>& problems) {
  if (problems.size() == 1) return problems.front();
  std::string message = std::to_string(problems.size()) + " problems stop the run:";
  for (const auto& p : problems) message += "\n  " + p;
  return message;
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

 private:
  std::shared_ptr<MigrationLock> lock_;
};

struct PreparedMigration {
  const Migration* migration;
  std::vector<Statement> statements;
};

}  // namespace

struct Engine::Impl {
  Options options;
  DatabaseUrl url;
  std::shared_ptr<Driver> driver;
  std::shared_ptr<Connection> connection;

  explicit Impl(Options o) : options(std::move(o)) {
    if (options.url.empty())
      throw Error(ErrorKind::usage, "no database URL: give --url, or set STRATA_DATABASE_URL or DATABASE_URL");
    url = DatabaseUrl::parse(options.url);
  }

  void emit(Event::Type type, std::string message, const MigrationStatus* m = nullptr,
            std::chrono::milliseconds elapsed = {}) {
    if (options.on_event) options.on_event(Event{type, m, elapsed, std::move(message)});
  }

  // The driver first: a wrong URL or plugin is reported before the files are read.
  std::vector<Migration> load_sources() {
    if (!driver) driver = plugin::Loader(options.plugin_dirs).load(url.scheme);
    return load_directory(options.dir);
  }

  Connection& connect() {
    if (!connection) connection = keep_alive(driver->connect(ConnectOptions{url}), driver);
    return *connection;
  }

  Report new_report() {
    Report report;
    report.url = url.redacted();
    report.server = connection->server_description();
    return report;
  }

  Plan plan_from(Ledger& ledger, std::span<const Migration> migrations) {
    std::vector<LedgerRow> rows;
    if (ledger.exists()) {
      ledger.format();
      rows = ledger.read();
    }
    return make_plan(migrations, rows, PlanOptions{options.target, options.out_of_order});
  }

  void finish(Report& report, Plan plan, Clock::time_point start) {
    report.current_version = plan.current_version();
    report.migrations = std::move(plan.migrations);
    report.warnings = std::move(plan.warnings);
    report.elapsed = since(start);
  }

  std::shared_ptr<MigrationLock> acquire_lock() {
    auto lock = connection->make_lock(LockScope{"", options.ledger_table});
    if (!lock) return nullptr;
    std::shared_ptr<MigrationLock> held = keep_alive(std::move(lock), connection);
    auto start = Clock::now();
    auto pause = std::chrono::milliseconds(10);
    bool announced = false;
    while (!held->try_acquire()) {
      if (since(start) >= options.lock_timeout) {
        std::string holder = held->holder();
        throw Error(ErrorKind::lock_timeout,
                    "the migration lock (" + held->describe() + ") was not obtained within " +
                        std::to_string(options.lock_timeout.count()) + " ms" +
                        (holder.empty() ? std::string("; another migrator holds it") : "; it is held by " + holder));
      }
      if (!announced) emit(Event::Type::waiting_for_lock, "waiting for the migration lock (" + held->describe() + ")");
      announced = true;
      auto left = options.lock_timeout - since(start);
      std::this_thread::sleep_for(std::max(std::chrono::milliseconds(1), std::min(pause, left)));
      pause = std::min(pause * 2, std::chrono::milliseconds(250));
    }
    emit(Event::Type::lock_acquired, "migration lock acquired (" + held->describe() + ")");
    return held;
  }

  void ensure_ledger(Ledger& ledger) {
    if (ledger.exists()) return;
    Session& session = connection->session();
    session.begin();
    try {
      ledger.create();
      session.commit();
    } catch (...) {
      session.rollback();
      throw;
    }
  }

  // Step 3: everything that can be known before running is checked before anything runs.
  std::vector<PreparedMigration> prepare(const Plan& plan) {
    if (!plan.problems.empty()) throw Error(ErrorKind::validation, problems_message(plan.problems));
    if (!plan.pending.empty() && !connection->capabilities().transactional_ddl)
      throw Error(ErrorKind::usage, "the " + std::string(driver->name()) +
                                        " driver has no transactional DDL, which this strata cannot apply safely yet");
    const Dialect& dialect = connection->dialect();
    std::vector<PreparedMigration> prepared;
    for (const auto& m : plan.pending) {
      PreparedMigration p{&m, {}};
      try {
        p.statements = dialect.split(m.sql);
      } catch (Error& e) {
        throw e.in_file(script_path(m)).for_version(m.label());
      }
      for (const auto& s : p.statements) {
        if (auto refusal = dialect.transaction_refusal(s))
          throw Error(ErrorKind::validation, *refusal)
              .in_file(script_path(m))
              .at_line(s.line, s.column)
              .for_version(m.label());
      }
      prepared.push_back(std::move(p));
    }
    return prepared;
  }

  std::string script_path(const Migration& m) const { return (options.dir / m.script).string(); }

  // Step 4 for a backend with transactional DDL: the statements and the ledger row commit
  // together, or nothing of the migration remains.
  AppliedMigration apply(Ledger& ledger, const PreparedMigration& p, const std::string& user) {
    const Migration& m = *p.migration;
    MigrationStatus status{m.kind,       m.version, m.description, m.script, MigrationState::pending,
                           std::nullopt, m.checksum};
    emit(Event::Type::applying, "applying " + m.label() + " (" + m.script + ")", &status);
    auto start = Clock::now();
    Session& session = connection->session();
    session.begin();
    try {
      int count = static_cast<int>(p.statements.size());
      for (int i = 0; i < count; ++i) run_statement(session, m, p.statements[i], i + 1, count);
      LedgerRow row;
      row.version = m.version ? std::optional(m.version->str()) : std::nullopt;
      row.description = m.description;
      row.kind = m.kind;
      row.script = m.script;
      row.checksum = m.checksum;
      row.installed_by = user;
      row.installed_on = utc_timestamp_now();
      row.execution_ms = since(start).count();
      row.statements_done = count;
      ledger.append(row);
      session.commit();
    } catch (...) {
      session.rollback();
      throw;
    }
    auto elapsed = since(start);
    status.state = MigrationState::applied;
    emit(Event::Type::applied,
         "applied " + m.label() + " (" + m.script + ") in " + std::to_string(elapsed.count()) + " ms", &status,
         elapsed);
    return AppliedMigration{m.kind, m.version ? m.version->str() : "", m.description, m.script, elapsed};
  }

  void run_statement(Session& session, const Migration& m, const Statement& s, int index, int count) {
    try {
      session.execute(s.text);
    } catch (Error& e) {
      // A position the server reported is relative to the statement: make it one in the file.
      int line = e.line() > 0 ? s.line + e.line() - 1 : s.line;
      int column = e.line() == 1 ? s.column + e.column() - 1 : e.line() > 0 ? e.column() : s.column;
      Error located(ErrorKind::apply_failed, e.message());
      located.with_server_code(e.sqlstate(), e.server_code()).from_driver(e.driver());
      throw located.in_file(script_path(m))
          .at_line(line, column)
          .at_statement(index, count, s.excerpt())
          .for_version(m.label());
    }
  }
};

Engine::Engine(Options options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Engine::~Engine() = default;
Engine::Engine(Engine&&) noexcept = default;
Engine& Engine::operator=(Engine&&) noexcept = default;

Report Engine::status() {
  auto start = Clock::now();
  auto migrations = impl_->load_sources();
  impl_->connect();
  Report report = impl_->new_report();
  Ledger ledger(*impl_->connection, impl_->options.ledger_table);
  impl_->finish(report, impl_->plan_from(ledger, migrations), start);
  return report;
}

Report Engine::migrate() {
  auto start = Clock::now();
  Impl& impl = *impl_;
  auto migrations = impl.load_sources();
  impl.connect();
  Report report = impl.new_report();
  Ledger ledger(*impl.connection, impl.options.ledger_table);

  Plan plan = impl.plan_from(ledger, migrations);  // step 0: no lock
  if (plan.up_to_date()) {
    impl.emit(Event::Type::up_to_date, "the schema is up to date");
    impl.finish(report, std::move(plan), start);
    return report;
  }

  auto held = impl.acquire_lock();  // step 1
  report.lock_taken = held != nullptr;
  HeldLock lock(std::move(held));
  impl.ensure_ledger(ledger);  // step 2
  plan = impl.plan_from(ledger, migrations);
  auto prepared = impl.prepare(plan);  // step 3
  std::string user = impl.connection->user_name();
  for (const auto& p : prepared) report.applied.push_back(impl.apply(ledger, p, user));  // step 4
  impl.finish(report, impl.plan_from(ledger, migrations), start);
  return report;  // step 5: the lock is released on the way out
}

Report migrate(Options options) {
  return Engine(std::move(options)).migrate();
}

}  // namespace strata
