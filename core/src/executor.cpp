#include "executor.hpp"

#include "overloaded.hpp"
#include "portable.hpp"
#include "transaction.hpp"

#include <strata/checksum.hpp>
#include <strata/script.hpp>

#include <algorithm>
#include <limits>

namespace strata::detail {
namespace {

using detail::overloaded;

using Clock = std::chrono::steady_clock;

std::chrono::milliseconds since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

// What must run outside the transaction of these scripts: what their own statements ask for
// (SQLite's foreign keys off for a file that turns them off) and what a renderer needs for their
// operations (foreign keys off around a table rebuild). Before it on construction, after it on
// destruction, whatever the outcome.
class AroundTransaction {
 public:
  AroundTransaction(Connection& connection, std::span<const PreparedScript> scripts) : connection_(connection) {
    std::vector<std::string> before;
    std::vector<ops::Operation> operations;
    for (const auto& script : scripts) {
      add(before, script.frame.before);
      add(after_, script.frame.after);
      if (const auto* ops = script.migration.operations())
        operations.insert(operations.end(), ops->begin(), ops->end());
    }
    if (const OperationRenderer* renderer = connection.renderer(); renderer && !operations.empty()) {
      add(before, renderer->before_transaction(operations));
      add(after_, renderer->after_transaction(operations));
    }
    try {
      for (const auto& sql : before) connection.session().execute(sql);
    } catch (...) {
      restore();
      throw;
    }
  }
  ~AroundTransaction() { restore(); }
  AroundTransaction(const AroundTransaction&) = delete;
  AroundTransaction& operator=(const AroundTransaction&) = delete;

 private:
  static void add(std::vector<std::string>& to, const std::vector<std::string>& statements) {
    for (const auto& sql : statements)
      if (std::find(to.begin(), to.end(), sql) == to.end()) to.push_back(sql);
  }
  void restore() {
    for (const auto& sql : after_) {
      try {
        connection_.session().execute(sql);
      } catch (const Error&) {  // the connection is closed with the process; nothing to undo
      }
    }
  }

  Connection& connection_;
  std::vector<std::string> after_;
};

// The rows of a failed check, for its message: "(1, 'a'), (2, 'b')".
std::string rows_text(const std::vector<Row>& rows) {
  std::string out;
  for (std::size_t i = 0; i < rows.size() && i < 5; ++i) {
    out += i ? ", (" : "(";
    for (std::size_t j = 0; j < rows[i].size(); ++j) {
      const Value& v = rows[i][j];
      out += j ? ", " : "";
      if (auto s = std::get_if<std::string>(&v))
        out += *s;
      else if (auto n = std::get_if<std::int64_t>(&v))
        out += std::to_string(*n);
      else if (auto d = std::get_if<double>(&v))
        out += std::to_string(*d);
      else
        out += "NULL";
    }
    out += ")";
  }
  return rows.size() > 5 ? out + " and " + std::to_string(rows.size() - 5) + " more" : out;
}

// Runs `write` (the ledger row, the commit): a failure there, outside any one statement (a full
// disk, a database locked by another connection), still names the migration it stopped.
template <typename Write>
void recording(const Migration& m, Write write) {
  try {
    write();
  } catch (Error& e) {
    throw e.in_file(m.where()).for_version(m.label());
  }
}

// Advice for a failure part-way through a migration run statement by statement: the command
// that continues it is the one that started it.
std::string resume_hint(const Migration& m) {
  if (m.kind == MigrationKind::undo)
    return "\nThe statements of the undo before it ran and are recorded in the ledger. Fix the undo file and run "
           "`strata rollback --resume` to continue from this statement, or restore by hand what they changed and "
           "run `strata repair` to remove the record (the version is then applied again).";
  return "\nThe statements before it are applied and recorded in the ledger. Fix the file and run "
         "`strata migrate --resume` to continue from this statement, or `strata repair` to remove the record.";
}

// Advice for a statement whose connection was lost: nothing to fix, the ledger says where to go on.
std::string lost_hint(const Migration& m) {
  std::string command = m.kind == MigrationKind::undo ? "rollback" : "migrate";
  return "\nRun `strata " + command +
         "` again once the server answers (a database file: once it can be read and written again; a "
         "damaged one, once restored): the ledger says how far this migration got, and the run "
         "continues from there (a statement whose outcome it cannot know is named, with the choices).";
}

// Advice for a check before commit that failed after every statement ran one by one.
std::string check_hint(const Migration& m) {
  std::string command = m.kind == MigrationKind::undo ? "rollback" : "migrate";
  return "\nThe " + std::string(m.kind == MigrationKind::undo ? "undo" : "migration") +
         "'s statements are applied (they ran one by one, outside a transaction) and it is recorded in the "
         "ledger as failed. Correct those rows and run `strata " +
         command + " --resume`, which checks again, or `strata repair` to remove the record.";
}

// The operation a stopped run left in doubt, as its guard must judge it: it may have run, so
// what it makes is accepted as done when it matches (if_missing), and what it removes as gone
// (if_exists). Anything else its guard finds is still drift.
ops::Operation done_or_not(ops::Operation op) {
  std::visit(
      [](auto& change) {
        if constexpr (requires { change.if_missing; }) change.if_missing = true;
        if constexpr (requires { change.if_exists; }) change.if_exists = true;
      },
      op.change);
  return op;
}

// Whether a migration that ran to its end may have left its session changed, so that the
// session must be read again (one round trip on a server, per migration). A schema statement
// does not change the session: one that starts with CREATE, ALTER, DROP, COMMENT, GRANT, REVOKE
// or RENAME and holds no query or call (SELECT, CALL, DO, EXECUTE, PERFORM), nor does a portable
// operation that renders one. Anything else may: another SQL statement (USE, SET,
// SELECT set_config(...), DML whose triggers run code), a `sql` operation, a C++ migration. What
// a function of the user's does when a schema statement calls it (an event trigger, an index
// expression) is not followed.
bool may_change_session(const PreparedScript& script) {
  return std::visit(
      overloaded{
          [](const CppCode&) { return true; },
          [](const PortableOperations& body) {
            return std::any_of(body.operations->begin(), body.operations->end(), [](const ops::Operation& op) {
              return std::holds_alternative<ops::Sql>(op.change) ||
                     std::holds_alternative<ops::InsertRows>(op.change) ||
                     std::holds_alternative<ops::Backfill>(op.change);
            });
          },
          [&](const SqlScript&) {
            static const std::vector<std::string> schema = {"CREATE", "ALTER",  "DROP",  "COMMENT",
                                                            "GRANT",  "REVOKE", "RENAME"};
            // A query or call inside one runs now (CREATE TABLE ... AS SELECT); SET inside one is
            // a clause of its own (ALTER COLUMN ... SET DEFAULT).
            static const std::vector<std::string> acting = {"SELECT", "CALL", "DO", "EXEC", "EXECUTE", "PERFORM"};
            auto in = [](const std::vector<std::string>& words, const std::string& word) {
              return std::find(words.begin(), words.end(), word) != words.end();
            };
            return std::any_of(script.statements.begin(), script.statements.end(), [&](const Statement& s) {
              auto words = statement_keywords(s.text, std::numeric_limits<std::size_t>::max());
              return words.empty() || !in(schema, words.front()) ||
                     std::any_of(words.begin() + 1, words.end(), [&](const std::string& w) { return in(acting, w); });
            });
          },
      },
      script.migration.body);
}

}  // namespace

Executor::Executor(Connection& connection, Ledger& ledger, bool strict, EventSink emit)
    : connection_(connection),
      catalog_(connection.catalog()),
      ledger_(ledger),
      strict_(strict),
      emit_(std::move(emit)),
      user_(connection.user_name()),
      session_(connection.session_id()) {}

AppliedMigration Executor::run(const PreparedScript& script) {
  return runs_with_progress(script, connection_.capabilities()) ? run_with_progress(script) : run_transactional(script);
}

void Executor::warn(Event::Type type, std::string message) {
  warnings_.push_back(message);
  emit_(type, std::move(message), nullptr, {});
}

LedgerRow Executor::row_for(const Migration& m) const {
  LedgerRow row = ledger_row_about(m);
  row.installed_by = user_;
  row.installed_on = utc_timestamp_now();
  row.session_id = session_;
  return row;
}

MigrationStatus Executor::status_of(const Migration& m, MigrationState state) const {
  return MigrationStatus{m.kind, m.version, m.description, m.script, state, nullptr, m.checksum};
}

void Executor::announce_start(const MigrationStatus& status) {
  std::string verb = status.kind == MigrationKind::undo ? "undoing " : "applying ";
  std::string what = status.version ? status.version->str() : status.description;
  emit_(Event::Type::applying, verb + what + " (" + status.script + ")", &status, {});
}

AppliedMigration Executor::announce_end(const PreparedScript& script, MigrationStatus& status,
                                        std::chrono::milliseconds elapsed) {
  const Migration& m = script.migration;
  status.state = m.kind == MigrationKind::undo ? MigrationState::undone : MigrationState::applied;
  std::string verb = m.kind == MigrationKind::undo ? "undid " : "applied ";
  emit_(Event::Type::applied, verb + m.label() + " (" + m.script + ") in " + std::to_string(elapsed.count()) + " ms",
        &status, elapsed);
  int ran = static_cast<int>(script.statements.size()) - script.first_statement;
  return AppliedMigration{m.kind, m.version, m.description, m.script, elapsed, ran, script.resumes.has_value()};
}

// The session as strata set it up, recorded before the first migration can change it.
void Executor::remember_session() {
  if (session_remembered_) return;
  connection_.remember_session();
  session_remembered_ = true;
}

// A migration may leave the session elsewhere (`SET search_path`, `USE other_db`, a role,
// foreign-key checks off): put back what strata and the migrations after it depend on, and say
// which migration changed what.
void Executor::restore_session(const Migration& m) {
  if (!session_remembered_) return;
  auto changes = connection_.restore_session();
  if (changes.empty()) return;
  std::string what;
  for (const auto& c : changes)
    what += (what.empty() ? "" : ", ") + c.setting + " from '" + c.was + "' to '" + c.found + "'";
  std::string who = (m.kind == MigrationKind::undo ? "the undo of " : "migration ") + m.label() + " (" + m.script + ")";
  warn(Event::Type::session_restored, who + " changed the session's " + what +
                                          "; strata restored it for its own statements and the migrations after it");
}

// After a failure the error matters more than the session: a restore that fails too (the
// connection is gone) is left to the end of the process.
void Executor::restore_session_after_failure(const Migration& m) noexcept {
  try {
    restore_session(m);
  } catch (...) {
  }
}

void Executor::execute(const PreparedScript& script, std::size_t index, const std::string& hint) {
  const Statement& s = script.statements[index];
  try {
    std::visit(overloaded{
                   [&](const CppCode& code) {
                     catalog_.forget();
                     call(code);
                   },
                   [&](const PortableOperations& body) {
                     const ops::Operation& op = (*body.operations)[index];
                     // The operation in doubt itself; --resume=skip starts after it.
                     bool in_doubt = script.resumes && script.resumes->in_doubt &&
                                     static_cast<int>(index) == script.resumes->statements_done;
                     run_operation(in_doubt ? done_or_not(op) : op);
                   },
                   [&](const SqlScript&) {
                     catalog_.forget();
                     StatementFailpoints points;
                     connection_.session().execute(s.text);
                     points.ran();
                   },
               },
               script.migration.body);
  } catch (const Error& e) {
    catalog_.forget();  // whatever ran may be undone with its transaction
    // A position the server reported is relative to the statement: make it one in the file.
    // A portable operation's SQL is rendered, not written: its position is the operation's.
    bool rendered = script.migration.operations() != nullptr;
    int line = e.line() > 0 && !rendered ? s.line + e.line() - 1 : s.line;
    int column = rendered ? s.column : e.line() == 1 ? s.column + e.column() - 1 : e.line() > 0 ? e.column() : s.column;
    // A lost connection (exit 5) is no defect of the file: the advice is to run again.
    bool lost = e.kind() == ErrorKind::connection;
    // A lease lock that stopped the statement before it ran (lease_lock.hpp) says all itself.
    bool stopped = e.kind() == ErrorKind::lock_timeout;
    Error located(lost || stopped || e.kind() == ErrorKind::validation ? e.kind() : ErrorKind::apply_failed,
                  e.message() + (lost      ? lost_hint(script.migration)
                                 : stopped ? ""
                                           : hint));
    located.with_server_code(e.sqlstate(), e.server_code()).from_driver(e.driver());
    throw located.in_file(script.migration.where())
        .at_line(line, column)
        .at_statement(static_cast<int>(index) + 1, static_cast<int>(script.statements.size()), s.excerpt())
        .for_version(script.migration.label());
  }
}

// The checks a script's own statements call for (SQLite's foreign_key_check in a file that
// turned foreign keys off): a row found fails the migration, naming the rows.
void Executor::check(const PreparedScript& script, const std::string& hint) {
  for (const auto& c : script.frame.checks) {
    auto rows = connection_.session().query(c.query);
    if (rows.empty()) continue;
    throw Error(ErrorKind::apply_failed, c.what + ": " + rows_text(rows) + hint)
        .in_file(script.migration.where())
        .for_version(script.migration.label());
  }
}

// Guarded: the catalog decides whether the operation runs, so that a re-run converges and a
// changed object is reported rather than silently accepted.
void Executor::run_operation(const ops::Operation& op) {
  const OperationRenderer& renderer = *connection_.renderer();
  GuardDecision decision = guard(op, catalog_, renderer);
  if (decision.outcome == GuardDecision::Outcome::already_done) {
    emit_(Event::Type::operation_skipped, op.summary() + ": skipped, " + decision.message, nullptr, {});
    return;
  }
  if (decision.outcome == GuardDecision::Outcome::drift) {
    std::string message = op.summary() + ": drift: " + decision.message;
    if (strict_) throw Error(ErrorKind::validation, message + " (--strict)");
    warn(Event::Type::drift, message + "; left as it is");
    return;
  }
  require_empty(op, connection_);
  Session& session = connection_.session();
  if (const auto* backfill = std::get_if<ops::Backfill>(&op.change)) {
    // Batch after batch, each committed on its own (a backfill runs outside a transaction):
    // until a batch changes no row. Then the checks the renderer asks for (foreign keys, where
    // they are off), once.
    // Over an integer key, range by range first (each row read about once); then the rendered
    // batch, which finds what is left (rows written meanwhile, or every row of another key).
    auto statements = renderer.render(op, catalog_);
    std::int64_t total = 0;
    int batches = 0;
    auto done = [&](std::int64_t changed) {
      total += changed;
      emit_(Event::Type::backfilled, op.summary() + ": " + std::to_string(total) + " rows set so far", nullptr, {});
      failpoint("exit-after-backfill-batch", ++batches);
    };
    if (!statements.empty() && !statements.front().params.empty())
      backfill_by_key_range(connection_, *backfill, statements.front().params.front(), done);
    auto batch = [&](const RenderedStatement& statement) {
      StatementFailpoints points;
      std::int64_t changed = session.execute(statement.sql, statement.params);
      points.ran();
      return changed;
    };
    for (const auto& statement : statements) {
      if (statement.check != RenderedStatement::Check::none) continue;
      for (std::int64_t changed = batch(statement); changed > 0; changed = batch(statement)) done(changed);
    }
    for (const auto& statement : statements) verify(statement);
    return;
  }
  // Step by step on a backend with transactional DDL: the operation whole, or not at all (a `sql`
  // operation runs as written: it may hold a statement no transaction may).
  Transaction transaction(session, stepwise_ && connection_.capabilities().transactional_ddl &&
                                       !std::holds_alternative<ops::Sql>(op.change));
  int ran = 0;
  auto statements = renderer.render(op, catalog_);
  catalog_.applied(op);  // from its first statement on, what it touches is read again
  for (const auto& statement : statements) {
    if (ran > 0) failpoint("exit-in-operation", ran + 1);  // a kill inside an operation's statements
    if (statement.check == RenderedStatement::Check::commit) {
      if (stepwise_) {
        transaction.commit();
        transaction.begin();
      }
      continue;
    }
    if (statement.check != RenderedStatement::Check::none) {
      verify(statement);
      continue;
    }
    StatementFailpoints points;
    if (statement.params.empty())
      session.execute(statement.sql);
    else
      session.execute(statement.sql, statement.params);
    points.ran();
    ++ran;
  }
  transaction.commit();
}

// A rendered check (no_rows, ok): its query run, and a failure naming what it means and the rows.
// Nothing for a statement that is no check.
void Executor::verify(const RenderedStatement& statement) {
  if (statement.check != RenderedStatement::Check::no_rows && statement.check != RenderedStatement::Check::ok) return;
  auto rows = connection_.session().query(statement.sql, statement.params);
  bool ok = statement.check == RenderedStatement::Check::no_rows
                ? rows.empty()
                : rows.size() == 1 && rows[0].size() == 1 && std::get_if<std::string>(&rows[0][0]) &&
                      std::get<std::string>(rows[0][0]) == "ok";
  if (!ok) throw Error(ErrorKind::apply_failed, statement.what + ": " + rows_text(rows));
}

// A C++ migration's own exceptions become strata::Error, naming the migration, so that they
// fail the run as a SQL error does.
void Executor::call(const CppCode& code) {
  try {
    code.call(connection_.session());
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(ErrorKind::apply_failed, std::string("the C++ migration threw: ") + e.what());
  } catch (...) {
    throw Error(ErrorKind::apply_failed, "the C++ migration threw an exception that is not a std::exception");
  }
}

AppliedMigration Executor::run_transactional(const PreparedScript& script) {
  MigrationStatus status = status_of(script.migration, MigrationState::pending);
  announce_start(status);
  auto start = Clock::now();
  AroundTransaction around(connection_, std::span(&script, 1));
  remember_session();
  Transaction transaction(connection_.session());
  try {
    for (std::size_t i = 0; i < script.statements.size(); ++i) execute(script, i);
    check(script);
    // In the transaction: its ledger row is written as strata set up the session.
    if (may_change_session(script)) restore_session(script.migration);
    LedgerRow row = row_for(script.migration);
    row.execution_ms = since(start).count();
    row.statements_done = static_cast<int>(script.statements.size());
    recording(script.migration, [&] {
      ledger_.append(row);
      transaction.commit();
    });
  } catch (...) {
    transaction.rollback();
    catalog_.forget();  // what the operations did is undone
    restore_session_after_failure(script.migration);
    throw;
  }
  return announce_end(script, status, since(start));
}

// The failure of a statement run step by step, in its row. When the connection is gone too (the
// server restarted, the session was ended), the row keeps what it last said, the statement in
// doubt, and the statement's own error is the one reported.
void Executor::record_failure(const LedgerRow& row) {
  try {
    ledger_.update(row);
  } catch (const Error&) {
  }
}

// SQLSTATE 25001, active_sql_transaction: "cannot run inside a transaction block".
constexpr std::string_view active_sql_transaction = "25001";

// The ledger row is written first and follows every statement: before one runs it is marked
// in doubt, after it the count of statements done moves on. A failure or a kill leaves a row
// saying exactly where the migration stopped.
AppliedMigration Executor::run_with_progress(const PreparedScript& script) {
  Stepwise stepwise(stepwise_);
  MigrationStatus status = status_of(script.migration, MigrationState::pending);
  announce_start(status);
  auto start = Clock::now();
  remember_session();
  LedgerRow row = row_for(script.migration);
  if (script.resumes) {
    row.installed_rank = script.resumes->installed_rank;
    row.installed_on = script.resumes->installed_on;
  }
  // The row holds the next statement in doubt from the record before it to the record after it,
  // so a stop anywhere in between is never read as a failure. A statement in a transaction of its
  // own commits with the record after it: a kill undoes both, and the next run knows (from the
  // statement, see runs_in_own_transaction) that it did not run.
  auto alone = [&](std::size_t i) { return i < script.own_transaction.size() && script.own_transaction[i]; };
  row.success = false;
  row.statements_done = script.first_statement;
  row.in_doubt = static_cast<std::size_t>(script.first_statement) < script.statements.size();
  row.progress_checksum = statements_checksum(script.statements, static_cast<std::size_t>(script.first_statement));
  recording(script.migration, [&] {
    if (script.resumes)
      ledger_.update(row);
    else
      row.installed_rank = ledger_.append(row);
  });
  AroundTransaction around(connection_, std::span(&script, 1));

  for (std::size_t i = static_cast<std::size_t>(script.first_statement); i < script.statements.size(); ++i) {
    bool own = alone(i);
    Transaction transaction(connection_.session(), own);
    auto failed = [&] {
      transaction.rollback();
      // A failed statement's own transaction where strata keeps none (the savepoint around
      // SQLite's table rebuild) ends without its changes too, so the failure's record commits.
      if (!own) connection_.session().rollback();
      restore_session_after_failure(script.migration);
      row.in_doubt = false;  // the statement failed: it did not run
      row.execution_ms = since(start).count();
      record_failure(row);
    };
    try {
      execute(script, i, resume_hint(script.migration));
    } catch (const Error& e) {
      if (!own || e.sqlstate() != active_sql_transaction) {
        failed();
        throw;
      }
      // Refused inside a transaction block by a server that knows more such statements than the
      // dialect's list (refusal()): nothing of it ran. It runs alone, marked in doubt, as those do.
      transaction.rollback();
      row.in_doubt = true;
      ledger_.update(row);
      try {
        execute(script, i, resume_hint(script.migration));
      } catch (const Error&) {
        failed();
        throw;
      }
    }
    failpoint("exit-after-statement", static_cast<int>(i) + 1);
    bool last = i + 1 == script.statements.size();
    row.statements_done = static_cast<int>(i) + 1;
    row.in_doubt = !last;
    row.progress_checksum = statements_checksum(script.statements, i + 1);
    // With nothing to check after it, the last statement's record is the migration's: no stop
    // can fall between the two and leave a row that says a finished migration failed.
    row.success = last && script.frame.checks.empty();
    row.execution_ms = since(start).count();
    ledger_.update(row);
    transaction.commit();
    statement_recorded();
  }
  if (row.success) {
    if (may_change_session(script)) restore_session(script.migration);
    return announce_end(script, status, since(start));
  }
  try {
    check(script, check_hint(script.migration));
  } catch (const Error&) {
    restore_session_after_failure(script.migration);
    row.execution_ms = since(start).count();
    record_failure(row);
    throw;
  }
  if (may_change_session(script)) restore_session(script.migration);
  row.success = true;
  row.execution_ms = since(start).count();
  ledger_.update(row);
  return announce_end(script, status, since(start));
}

std::vector<AppliedMigration> Executor::run_in_one_transaction(std::span<const PreparedScript> scripts) {
  std::vector<MigrationStatus> statuses;
  std::vector<std::chrono::milliseconds> times;
  AroundTransaction around(connection_, scripts);
  remember_session();
  Transaction transaction(connection_.session());
  const Migration* running = nullptr;
  try {
    for (const auto& script : scripts) {
      running = &script.migration;
      statuses.push_back(status_of(script.migration, MigrationState::pending));
      announce_start(statuses.back());
      auto start = Clock::now();
      for (std::size_t i = 0; i < script.statements.size(); ++i) execute(script, i);
      check(script);
      if (may_change_session(script)) restore_session(script.migration);  // before the next script runs
      LedgerRow row = row_for(script.migration);
      row.execution_ms = since(start).count();
      row.statements_done = static_cast<int>(script.statements.size());
      ledger_.append(row);
      times.push_back(since(start));
    }
    transaction.commit();
  } catch (...) {
    transaction.rollback();
    catalog_.forget();  // what the operations did is undone
    if (running) restore_session_after_failure(*running);
    throw;
  }
  std::vector<AppliedMigration> applied;  // announced once they are committed
  for (std::size_t i = 0; i < scripts.size(); ++i) applied.push_back(announce_end(scripts[i], statuses[i], times[i]));
  return applied;
}

}  // namespace strata::detail
