// The commands. Each reads as the steps of a run (see <strata/engine.hpp>): the migrations and
// the ledger are read, the planner (pure) decides, step 3 prepares, the executor runs; the
// target (core/src/target.*) is everything about the database itself.
#include "companion_thread.hpp"
#include "executor.hpp"
#include "foreign_history.hpp"
#include "portable.hpp"
#include "prepare.hpp"
#include "schema_source.hpp"
#include "shared_work.hpp"
#include "target.hpp"

#include <strata/engine.hpp>
#include <strata/source.hpp>

#include <algorithm>
#include <functional>
#include <future>
#include <map>
#include <optional>
#include <set>
#include <system_error>

namespace strata {
namespace {

using Clock = std::chrono::steady_clock;
using detail::Access;
using detail::HeldLock;

std::chrono::milliseconds since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

const Options& checked(const Options& options) {
  if (options.url.empty()) throw Error(ErrorKind::usage, "no database URL given");
  check_declared_dialects(options.dialects, "Options::dialects");
  return options;
}

// Rows read from the ledger, owned by the plans (and reports) made from them.
SharedLedger shared(std::vector<LedgerRow> rows) {
  return std::make_shared<const std::vector<LedgerRow>>(std::move(rows));
}

std::string preview_label(const Migration& m) {
  std::string what = m.kind == MigrationKind::repeatable ? "repeatable" : m.version->str();
  return what + " \"" + m.description + "\" (" + m.script + ")";
}

}  // namespace

std::size_t Report::count(MigrationState state) const {
  return static_cast<std::size_t>(
      std::count_if(migrations.begin(), migrations.end(), [&](const MigrationStatus& m) { return m.state == state; }));
}

struct Engine::Impl {
  Options options;
  detail::Target target;
  Clock::time_point start = Clock::now();

  explicit Impl(Options o)
      : options(std::move(o)),
        target(checked(options),
               [this](Event::Type type, std::string message, const MigrationStatus* m,
                      std::chrono::milliseconds elapsed) { emit(type, std::move(message), m, elapsed); }) {}

  void emit(Event::Type type, std::string message, const MigrationStatus* m = nullptr,
            std::chrono::milliseconds elapsed = {}) {
    if (options.on_event) options.on_event(Event{type, m, elapsed, std::move(message)});
  }

  // The driver is loaded first, then the migrations are read on a thread of their own while the
  // connection is made and `read` reads the database (the ledger, the catalog). Loading the driver
  // maps its client library and theirs (libpq's are a dozen), and each change of the process's
  // mappings made while another of its threads runs interrupts that thread's processor to flush
  // its address cache (a TLB shootdown, costly on a virtual machine): loaded while the files were
  // read, the PostgreSQL driver took 3.2-7.9 ms where alone it took 3.3-4.4 (docs/performance.md).
  // What is wrong is reported in the order it was before they overlapped: a wrong URL or plugin,
  // then a defective file, then what `check` finds in the migrations chosen for this database,
  // then anything the database says. Nothing is created before the files are known good: the
  // early connection creates nothing; when it fails, the ordinary one is made after the files,
  // and reports what was wrong (with no second attempt where the two would be the same). A
  // defective file waits for the early connection to succeed or fail. Once the database is read,
  // this thread reads the files still unread alongside the reading thread, rather than wait for it.
  std::vector<Migration> open(Access access, const std::function<void()>& read = {},
                              const std::function<void(std::span<const Migration>)>& check = {}) {
    start = Clock::now();
    target.load_driver();
    // Each outlives the thread, which ends before them: declared in this order.
    detail::SharedWork reading;
    std::packaged_task<std::vector<Migration>()> read_files([this, &reading] {
      struct Finish {
        detail::SharedWork& work;
        ~Finish() { work.finish(); }
      } finish{reading};
      return history_of(options, false, &reading);
    });
    std::future<std::vector<Migration>> files = read_files.get_future();
    std::optional<detail::CompanionThread> reader;
    try {
      reader.emplace([&read_files] { read_files(); });
    } catch (const std::system_error&) {
      // No thread to be had: the files are read on this one, after the database.
    }
    std::optional<Error> early_failure = target.try_connect();
    bool early = !early_failure;
    std::exception_ptr read_error;
    if (early && read) {
      try {
        read();
      } catch (...) {
        read_error = std::current_exception();
      }
    }
    if (reader)
      reading.help();
    else
      read_files();
    std::vector<Migration> migrations = files.get();
    if (!early) target.connect(access, std::move(early_failure));
    // Variants to choose among only where a file is one (load_directory and an embedded set
    // refuse two migrations of one identity otherwise).
    if (std::any_of(migrations.begin(), migrations.end(), [](const Migration& m) { return !m.dialect.empty(); }))
      migrations = select_for_dialect(std::move(migrations), target.connection().dialect().suffixes(), options.format);
    if (check) check(migrations);
    if (read_error) std::rethrow_exception(read_error);
    if (!early && read) read();
    return migrations;
  }

  Report new_report(std::string command) {
    Report report;
    report.command = std::move(command);
    report.url = target.url().redacted();
    report.server = target.connection().server_description();
    report.ledger_table = options.ledger_table;
    return report;
  }

  Plan plan_from(std::span<const Migration> migrations, SharedLedger rows) {
    PlanOptions plan_options{options.target, options.out_of_order, options.resume, {}};
    // Settled only where the row means it (a ledger of format 5 on), and only about the file
    // that ran: an edited file's statement at that place may be another.
    plan_options.doubt_settled = [this](const Migration& m, const LedgerRow& row) {
      return settles_doubt(target.ledger().format_read()) && row.checksum == m.checksum &&
             detail::runs_in_own_transaction(m, static_cast<std::size_t>(row.statements_done), target.connection());
    };
    return make_plan_shared(migrations, std::move(rows), plan_options);
  }
  Plan plan_from(std::span<const Migration> migrations) { return plan_from(migrations, shared(target.ledger_rows())); }

  // The report after a command: the state `plan` shows, its warnings after those the run found.
  Report finish(Report report, Plan plan) {
    report.current_version = plan.current_version();
    report.migrations = std::move(plan.migrations);
    report.warnings.insert(report.warnings.end(), plan.warnings.begin(), plan.warnings.end());
    report.problems = std::move(plan.problems);
    report.elapsed = since(start);
    return report;
  }

  // Step 3: every script split and checked before anything runs; every problem refused at once.
  std::vector<detail::PreparedScript> prepare(std::span<const Migration> migrations,
                                              std::span<const PendingMigration> pending,
                                              std::span<const std::string> plan_problems,
                                              const detail::PrepareOptions& prepare_options) {
    auto prepared = detail::prepare(migrations, pending, plan_problems, target.connection(), prepare_options);
    detail::refuse(std::move(prepared.problems));
    return std::move(prepared.scripts);
  }
  std::vector<detail::PreparedScript> prepare(std::span<const Migration> migrations, const Plan& plan) {
    return prepare(migrations, plan.pending, plan.problems,
                   {options.target, options.strict, options.single_transaction});
  }

  detail::Executor executor() {
    return detail::Executor(target.connection(), target.ledger(), options.strict,
                            [this](Event::Type type, std::string message, const MigrationStatus* m,
                                   std::chrono::milliseconds elapsed) { emit(type, std::move(message), m, elapsed); });
  }

  // Steps 1 and 2 of every command that writes: the lock, then the ledger in this format.
  HeldLock lock(Report& report) {
    HeldLock lock = target.lock();
    report.lock_taken = lock.held();
    return lock;
  }

  void write_baseline(const Version& version, const std::string& description, Report& report) {
    BaselinePlan baseline = make_baseline_plan(target.ledger().read(), version, description, options.ledger_table);
    detail::refuse(baseline.problems);
    target.append(baseline.row);
    report.actions.push_back(baseline.action);
  }

  // The live schema against what the migrations the ledger records as applied make.
  DriftReport drift_of(std::span<const Migration> migrations, std::span<const LedgerRow> rows,
                       std::optional<DeclaredSchema> read = std::nullopt) {
    DriftReport report;
    report.database = target.url().redacted();
    // Each version's latest row says its state.
    std::map<std::string, const LedgerRow*> latest;
    std::optional<Version> baseline;
    for (const auto& row : rows) {
      if (!row.version) continue;
      if (row.kind == MigrationKind::baseline && (!baseline || *row.version > *baseline)) baseline = row.version;
      if (row.kind == MigrationKind::versioned || row.kind == MigrationKind::undo) latest[row.version->str()] = &row;
    }
    auto state_of = [&](const Migration& m) -> const LedgerRow* {
      auto it = latest.find(m.version->str());
      return it == latest.end() ? nullptr : it->second;
    };
    auto include = [&](const Migration& m) {
      const LedgerRow* row = state_of(m);
      if (row) return row->kind == MigrationKind::versioned && row->success;
      return baseline && *m.version <= *baseline;
    };
    std::size_t count =
        static_cast<std::size_t>(std::count_if(migrations.begin(), migrations.end(), [&](const Migration& m) {
          return m.kind == MigrationKind::versioned && include(m);
        }));
    Options history = options;
    history.target.reset();
    history.on_event = {};
    history.check_drift = false;
    DeclaredSchema expected = history_schema(history, options.dev_url, include, migrations);
    // A portable migration stopped part-way (killed, or failed at an operation) made what its
    // first operations make; the operation in doubt, either way. A SQL one cannot be told.
    std::vector<DeclaredSchema> candidates{expected};
    for (const auto& m : migrations) {
      const LedgerRow* row = m.kind == MigrationKind::versioned ? state_of(m) : nullptr;
      if (!row || row->success || row->kind != MigrationKind::versioned) continue;
      const auto* list = m.operations();
      if (!list || row->statements_done == statements_unknown) {
        report.notes.push_back(m.script + " stopped part-way: what it changed is compared as not applied");
        continue;
      }
      std::vector<DeclaredSchema> next;
      for (const auto& before : candidates)
        for (int extra = 0; extra <= (row->in_doubt ? 1 : 0); ++extra) {
          auto done =
              static_cast<std::size_t>(std::min<int>(row->statements_done + extra, static_cast<int>(list->size())));
          try {
            next.push_back(fold({list->begin(), list->begin() + static_cast<std::ptrdiff_t>(done)}, before));
          } catch (const Error&) {
          }
        }
      if (!next.empty()) candidates = std::move(next);
      report.notes.push_back(m.script + " stopped part-way: compared with its first " +
                             std::to_string(row->statements_done) + " operations applied" +
                             (row->in_doubt ? ", and with the one in doubt too" : ""));
    }
    DeclaredSchema live = read ? std::move(*read) : declared_schema_of(target.connection(), options.ledger_table);
    // A replay reads a database too: the same types settle both ways. Of several candidates, the
    // one closest to the database.
    std::optional<Diff> changed;
    for (const auto& candidate : candidates) {
      DeclaredSchema settled = live;
      settle_types(settled, candidate);
      Diff d = diff(candidate, settled);
      if (!changed || d.up.size() < changed->up.size()) changed = std::move(d);
    }
    report.expected =
        "the " + std::to_string(count) + (count == 1 ? " migration" : " migrations") + " the ledger records as applied";
    report.changes = changed->up;
    for (const auto& op : changed->up) report.differences.push_back(op.summary());
    report.to_revert = changed->down;
    // (The diff's own notes say that checks are not compared with a live database: always so here,
    // and said once in the guide rather than at every run.)
    report.notes.insert(report.notes.end(), expected.notes.begin(), expected.notes.end());
    return report;
  }

  // migrate --check-drift: refused, naming each difference, before anything runs.
  void refuse_drift(std::span<const Migration> migrations, std::span<const LedgerRow> rows) {
    if (!options.check_drift) return;
    DriftReport d = drift_of(migrations, rows);
    if (!d.drifted()) return;
    std::string message = "the schema of " + d.database + " differs from what " + d.expected +
                          " make (--check-drift); nothing was applied:";
    for (const auto& line : d.differences) message += "\n  " + line;
    message += "\nRun `strata drift` to see the operations that would revert it, or make a migration of the change.";
    throw Error(ErrorKind::validation, message);
  }

  Report dry_run(std::span<const Migration> migrations, Report report, Plan plan) {
    Capabilities capabilities = target.connection().capabilities();
    for (const auto& script : prepare(migrations, plan)) {
      ScriptPreview preview{preview_label(script.migration),
                            script.migration.script,
                            !detail::runs_with_progress(script, capabilities),
                            script.first_statement,
                            {}};
      const auto* operations = script.migration.operations();
      for (std::size_t i = static_cast<std::size_t>(script.first_statement); i < script.statements.size(); ++i)
        preview.statements.push_back(operations ? detail::preview((*operations)[i], target.connection())
                                                : script.statements[i].text);
      report.dry_run.push_back(std::move(preview));
    }
    if (!target.ledger().exists())
      report.warnings.push_back("the ledger " + options.ledger_table + " does not exist yet");
    return finish(std::move(report), std::move(plan));
  }
};

Engine::Engine(Options options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Engine::~Engine() = default;
Engine::Engine(Engine&&) noexcept = default;
Engine& Engine::operator=(Engine&&) noexcept = default;

Schema Engine::schema() {
  impl_->target.connect(Access::read_only);
  return describe_schema(impl_->target.connection(), impl_->options.ledger_table);
}

DeclaredSchema Engine::declared_schema() {
  impl_->target.connect(Access::read_only);
  DeclaredSchema schema = declared_schema_of(impl_->target.connection(), impl_->options.ledger_table);
  schema.source = without_passwords(impl_->options.url);
  return schema;
}

DriftReport Engine::drift() {
  // The catalog and the ledger are read while the migrations are parsed and checksummed.
  Impl& impl = *impl_;
  std::optional<DeclaredSchema> live;
  std::vector<LedgerRow> rows;
  auto migrations = impl.open(Access::read_only, [&] {
    live = declared_schema_of(impl.target.connection(), impl.options.ledger_table);
    rows = impl.target.ledger_rows();
  });
  return impl.drift_of(migrations, rows, std::move(live));
}

Report Engine::status() {
  SharedLedger rows;
  auto migrations = impl_->open(Access::read_only, [&] { rows = shared(impl_->target.ledger_rows()); });
  return impl_->finish(impl_->new_report("status"), impl_->plan_from(migrations, rows));
}

Report Engine::validate() {
  Impl& impl = *impl_;
  SharedLedger rows;
  auto migrations = impl.open(Access::read_only, [&] { rows = shared(impl.target.ledger_rows()); });
  Plan plan = impl.plan_from(migrations, rows);
  impl.prepare(migrations, plan);
  return impl.finish(impl.new_report("validate"), std::move(plan));
}

Report Engine::migrate() {
  Impl& impl = *impl_;
  SharedLedger step0_rows;
  auto migrations = impl.open(
      impl.options.dry_run ? Access::read_only : Access::may_create,
      [&] { step0_rows = shared(impl.target.ledger_rows()); },
      [&](std::span<const Migration> chosen) {
        if (auto problem = detail::target_problem(chosen, impl.options.target)) throw *problem;
      });
  Report report = impl.new_report("migrate");

  Plan plan = impl.plan_from(migrations, step0_rows);  // step 0: no lock
  if (impl.options.dry_run) return impl.dry_run(migrations, std::move(report), std::move(plan));
  if (plan.up_to_date()) {
    impl.refuse_drift(migrations, *step0_rows);
    impl.emit(Event::Type::up_to_date, "the schema is up to date");
    return impl.finish(std::move(report), std::move(plan));
  }

  HeldLock lock = impl.lock(report);  // step 1
  detail::Target& target = impl.target;
  // A waiter whose ledger has grown since it looked: another migrator applied something. It lets
  // the lock go and looks again without it, so that the waiters behind a migration find the
  // schema up to date together rather than one after another under the lock; if something is
  // still pending, it waits for the lock again.
  auto last_seen = [](std::span<const LedgerRow> rows) { return rows.empty() ? 0 : rows.back().installed_rank; };
  while (lock.held() && target.ledger().exists() && target.ledger().highest_rank() != last_seen(*step0_rows)) {
    lock.release();
    step0_rows = shared(target.ledger_rows());
    plan = impl.plan_from(migrations, step0_rows);
    if (plan.up_to_date()) {
      impl.refuse_drift(migrations, *step0_rows);
      impl.emit(Event::Type::up_to_date, "the schema is up to date (another migrator applied what was pending)");
      return impl.finish(std::move(report), std::move(plan));
    }
    lock = impl.lock(report);
  }
  bool baseline_wanted = impl.options.baseline_on_migrate && !target.ledger().exists() && target.has_user_tables();
  target.ensure_ledger();  // step 2
  if (baseline_wanted) impl.write_baseline(*impl.options.baseline_on_migrate, "baseline on migrate", report);
  auto rows = shared(target.ledger().read());  // under the lock: they cannot change until we write
  target.wait_for_orphans(*rows);
  impl.refuse_drift(migrations, *rows);  // under the lock: nobody migrates while it is judged
  plan = impl.plan_from(migrations, rows);
  auto scripts = impl.prepare(migrations, plan);  // step 3
  auto executor = impl.executor();                // step 4
  if (impl.options.single_transaction) {
    report.applied = executor.run_in_one_transaction(scripts);
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
  HeldLock lock = impl.lock(report);
  if (!impl.target.ledger().exists())
    throw Error(ErrorKind::validation, "nothing to roll back: the database has no ledger");
  impl.target.ensure_ledger();
  RollbackPlan plan = make_rollback_plan(migrations, impl.target.ledger().read(), options);
  std::vector<PendingMigration> undos;
  for (const auto& step : plan.steps) undos.push_back(PendingMigration{step.undo, step.resumes, step.first_statement});
  auto scripts = impl.prepare(migrations, undos, plan.problems, {std::nullopt, impl.options.strict, false});
  auto executor = impl.executor();
  for (const auto& script : scripts) report.applied.push_back(executor.run(script));
  report.warnings = executor.warnings();
  return impl.finish(std::move(report), impl.plan_from(migrations));
}

Report Engine::baseline(const Version& version, const std::string& description) {
  Impl& impl = *impl_;
  auto migrations = impl.open(Access::may_create);
  Report report = impl.new_report("baseline");
  HeldLock lock = impl.lock(report);
  impl.target.ensure_ledger();
  detail::Transaction transaction = impl.target.transaction();
  impl.write_baseline(version, description, report);
  transaction.commit();
  return impl.finish(std::move(report), impl.plan_from(migrations));
}

Report Engine::repair() {
  Impl& impl = *impl_;
  auto migrations = impl.open(Access::read_only);
  Report report = impl.new_report("repair");
  HeldLock lock = impl.lock(report);
  if (!impl.target.ledger().exists()) {
    report.actions.emplace_back("nothing to repair: the database has no ledger");
    return impl.finish(std::move(report), impl.plan_from(migrations));
  }
  impl.target.ensure_ledger();
  RepairPlan repair = make_repair_plan(migrations, impl.target.ledger().read());
  detail::Transaction transaction = impl.target.transaction();
  for (int rank : repair.remove) impl.target.ledger().remove(rank);
  for (const auto& row : repair.update) impl.target.ledger().update(row);
  transaction.commit();
  report.actions = repair.actions.empty() ? std::vector<std::string>{"nothing to repair"} : std::move(repair.actions);
  return impl.finish(std::move(report), impl.plan_from(migrations));
}

Report Engine::adopt(const AdoptOptions& adopt) {
  Impl& impl = *impl_;
  detail::foreign_tool(adopt.from);  // an unknown tool is a usage error, before any connection
  bool dry_run = impl.options.dry_run;
  std::vector<LedgerRow> step0_rows;
  // Read only: adoption is of a database that exists; a mistyped URL must create nothing.
  auto migrations = impl.open(Access::read_only, [&] { step0_rows = impl.target.ledger_rows(); });
  Report report = impl.new_report("adopt");
  ForeignHistory history = detail::read_foreign_history(impl.target.connection(), adopt);
  auto decide = [&](std::span<const LedgerRow> rows) {
    AdoptionPlan plan = make_adoption_plan(migrations, rows, history, adopt, impl.options.ledger_table);
    detail::refuse(plan.problems);
    report.actions = std::move(plan.actions);
    return std::move(plan.rows);
  };
  // Decided once before anything is created, so that a refusal leaves the database as it was;
  // again under the lock, from the ledger as it is then.
  auto rows = decide(step0_rows);
  if (dry_run) {
    for (std::size_t i = 0; i < rows.size(); ++i) rows[i].installed_rank = static_cast<int>(i) + 1;
    report.actions.push_back("would record " + std::to_string(rows.size()) + " ledger rows in " +
                             impl.options.ledger_table + " (--dry-run: nothing was written)");
    return impl.finish(std::move(report), impl.plan_from(migrations, shared(std::move(rows))));
  }
  HeldLock lock = impl.lock(report);
  impl.target.ensure_ledger();
  rows = decide(impl.target.ledger().read());
  // One transaction on every backend (plain INSERTs): a ledger adopted half-way would show
  // versions the old tool applied as pending, and migrate would run them again.
  detail::Transaction transaction(impl.target.connection().session(), true);
  for (auto& row : rows) impl.target.append_adopted(std::move(row));
  transaction.commit();
  report.actions.push_back("recorded " + std::to_string(rows.size()) + " ledger rows in " + impl.options.ledger_table +
                           "; " + history.table + " is left as it was");
  return impl.finish(std::move(report), impl.plan_from(migrations));
}

Report migrate(Options options) {
  return Engine(std::move(options)).migrate();
}

}  // namespace strata
