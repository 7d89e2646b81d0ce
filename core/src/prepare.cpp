#include "prepare.hpp"

#include "catalog_cache.hpp"
#include "overloaded.hpp"
#include "portable.hpp"

#include <strata/checksum.hpp>
#include <strata/script.hpp>

#include <algorithm>

namespace strata::detail {
namespace {

// "statement 1", "statements 1-3".
std::string statements_text(std::size_t count) {
  return count == 1 ? "statement 1" : "statements 1-" + std::to_string(count);
}

// Whether a statement of a no-transaction script may run in a transaction of its own: not one
// the dialect refuses there, nor one that may commit or roll back by itself (a procedure called,
// a block run: PostgreSQL procedures and DO blocks may COMMIT, which a transaction refuses).
bool may_run_alone_in_transaction(const Statement& statement, const Dialect& dialect) {
  auto words = statement_keywords(statement.text, 1);
  bool may_end = words.empty() || words.front() == "CALL" || words.front() == "DO" || words.front() == "EXEC" ||
                 words.front() == "EXECUTE";
  return !may_end && !dialect.refusal(statement);
}

// The statements of a script whose file marks its parts (a section of a goose or dbmate file),
// at their lines in the file.
std::vector<Statement> statements_of(std::span<const ScriptPart> parts, const Dialect& dialect) {
  std::vector<Statement> out;
  for (const auto& part : parts) {
    if (part.whole) {
      out.push_back(Statement{part.text, part.line, part.column, 0});
      continue;
    }
    std::vector<Statement> split;
    try {
      split = dialect.split(part.text);
    } catch (Error& e) {
      if (e.line() > 0) e.at_line(e.line() + part.line - 1, e.column());
      throw;
    }
    for (auto& statement : split) {
      statement.line += part.line - 1;
      out.push_back(std::move(statement));
    }
  }
  return out;
}

// A portable operation this backend can apply; with --strict, without drift the catalog
// already shows (a guard that cannot decide yet, its table coming from an earlier pending
// migration, decides when it runs).
// `catalog`: the connection's, as read before anything runs.
void check_operation(Connection& connection, Catalog& catalog, const ops::Operation& op, const Migration& m,
                     bool strict) {
  try {
    const OperationRenderer& renderer = renderer_for(connection, op, m.where());
    if (!strict) return;
    std::optional<GuardDecision> decision;
    try {
      decision = guard(op, catalog, renderer);
    } catch (const Error&) {
    }
    if (decision && decision->outcome == GuardDecision::Outcome::drift)
      throw Error(ErrorKind::validation, op.summary() + ": drift: " + decision->message + " (--strict)")
          .in_file(m.where())
          .at_line(op.line, op.column);
  } catch (Error& e) {
    throw e.for_version(m.label());
  }
}

// Collects the problems of one script; the script as far as it could be prepared.
class ScriptPreparer {
 public:
  ScriptPreparer(Connection& connection, bool strict, std::vector<Error>& problems)
      : connection_(connection), catalog_(connection.catalog()), strict_(strict), problems_(problems) {}

  PreparedScript prepare(const PendingMigration& pending) {
    const Migration& m = pending.migration;
    PreparedScript script{m, pending.resumes, pending.first_statement, {}};
    std::size_t before = problems_.size();
    std::visit(overloaded{
                   [&](const CppCode&) {  // one statement: its call
                     script.statements.push_back(Statement{"-- C++ migration: " + m.description, 0, 0, 0});
                   },
                   [&](const PortableOperations& body) {  // each operation one statement, by its canonical form
                     for (const auto& op : *body.operations) {
                       attempt([&] { check_operation(connection_, catalog_, op, m, strict_); });
                       script.statements.push_back(
                           Statement{"-- " + op.summary() + "\n" + ops::canonical_text({op}), op.line, op.column, 0});
                     }
                   },
                   [&](const SqlScript& sql) { prepare_sql(script, sql); },
               },
               m.body);
    if (pending.resumes && problems_.size() == before) attempt([&] { check_resume(script); });
    return script;
  }

 private:
  template <typename Check>
  void attempt(Check check) {
    try {
      check();
    } catch (Error& e) {
      problems_.push_back(std::move(e));
    }
  }

  void prepare_sql(PreparedScript& script, const SqlScript& sql) {
    const Migration& m = script.migration;
    const Dialect& dialect = connection_.dialect();
    try {
      script.statements = sql.parts ? statements_of(*sql.parts, dialect) : dialect.split(sql.text);
    } catch (Error& e) {  // where the splitting stops, the statements after it are unknown
      problems_.push_back(std::move(e.in_file(m.where()).for_version(m.label())));
      return;
    }
    bool atomic_steps = !m.transactional && connection_.capabilities().transactional_ddl;
    for (const auto& s : script.statements) {
      auto refusal = dialect.refusal(s);
      if (refusal && (m.transactional || !refusal->allowed_without_transaction))
        problems_.push_back(Error(ErrorKind::validation, refusal->reason)
                                .in_file(m.where())
                                .at_line(s.line, s.column)
                                .for_version(m.label()));
      if (atomic_steps) script.own_transaction.push_back(may_run_alone_in_transaction(s, dialect));
    }
    script.frame = dialect.transaction_frame(script.statements);
  }

  // A resumed migration's statements that already ran must be the ones in the file now.
  void check_resume(const PreparedScript& script) {
    const Migration& m = script.migration;
    const LedgerRow& row = *script.resumes;
    auto done = static_cast<std::size_t>(row.statements_done);
    if (static_cast<std::size_t>(script.first_statement) > script.statements.size())
      throw Error(ErrorKind::validation, "cannot resume: the ledger records " + std::to_string(row.statements_done) +
                                             " statements as run, but the file now has " +
                                             std::to_string(script.statements.size()))
          .in_file(m.where())
          .for_version(m.label());
    if (statements_checksum(script.statements, done) != row.progress_checksum)
      throw Error(ErrorKind::validation, "cannot resume: " + statements_text(done) +
                                             ", which already ran, changed since; restore the file's first " +
                                             std::to_string(done) + (done == 1 ? " statement" : " statements") +
                                             ", or remove the failed row with `strata repair` and reconcile the "
                                             "database by hand")
          .in_file(m.where())
          .for_version(m.label());
  }

  Connection& connection_;
  CatalogCache catalog_;  // nothing runs while scripts are prepared: what it keeps stays true
  bool strict_;
  std::vector<Error>& problems_;
};

// --single-transaction: every script in one transaction, which the backend and each script must allow.
void single_transaction_problems(std::span<const PreparedScript> scripts, Connection& connection,
                                 std::vector<Error>& problems) {
  Capabilities capabilities = connection.capabilities();
  if (!capabilities.transactional_ddl) {
    problems.emplace_back(ErrorKind::usage, "--single-transaction needs transactional DDL, which " +
                                                std::string(connection.dialect().name()) + " does not have");
    return;
  }
  for (const auto& script : scripts) {
    if (runs_with_progress(script, capabilities))
      problems.emplace_back(ErrorKind::usage, "--single-transaction: " + script.migration.script +
                                                  " cannot run inside a transaction (no-transaction, or a resumed "
                                                  "migration)");
    // Its setting would hold for every migration of the transaction (foreign keys off: no cascade).
    else if (!script.frame.before.empty())
      problems.emplace_back(ErrorKind::usage, "--single-transaction: " + script.migration.script + " needs `" +
                                                  script.frame.before.front() +
                                                  "` before its transaction, which would hold for every migration "
                                                  "in it");
  }
}

std::string problems_message(const std::vector<Error>& problems) {
  std::string message = std::to_string(problems.size()) + " problems stop the run:";
  for (const auto& p : problems) message += "\n  " + std::string(p.what());
  return message;
}

}  // namespace

std::optional<Error> target_problem(std::span<const Migration> migrations, const std::optional<Version>& target) {
  if (!target) return std::nullopt;
  bool exists = std::any_of(migrations.begin(), migrations.end(), [&](const Migration& m) {
    return m.kind == MigrationKind::versioned && *m.version == *target;
  });
  if (exists) return std::nullopt;
  return Error(ErrorKind::usage, "--target " + target->str() + ": no migration has that version");
}

Prepared prepare(std::span<const Migration> migrations, std::span<const PendingMigration> pending,
                 std::span<const std::string> plan_problems, Connection& connection, const PrepareOptions& options) {
  Prepared prepared;
  std::vector<Error> usage, found;
  if (auto problem = target_problem(migrations, options.target)) usage.push_back(std::move(*problem));
  for (const auto& p : plan_problems) found.emplace_back(ErrorKind::validation, p);
  ScriptPreparer preparer(connection, options.strict, found);
  for (const auto& p : pending) prepared.scripts.push_back(preparer.prepare(p));
  if (options.single_transaction) single_transaction_problems(prepared.scripts, connection, usage);
  prepared.problems = std::move(usage);
  for (auto& p : found) prepared.problems.push_back(std::move(p));
  return prepared;
}

void refuse(std::vector<Error> problems) {
  if (problems.empty()) return;
  if (problems.size() == 1) throw problems.front();
  Error all(problems.front().kind(), problems_message(problems));
  throw all.with_problems(std::move(problems));
}

void refuse(std::span<const std::string> problems) {
  std::vector<Error> errors;
  for (const auto& p : problems) errors.emplace_back(ErrorKind::validation, p);
  refuse(std::move(errors));
}

bool runs_in_own_transaction(const Migration& m, std::size_t index, Connection& connection) {
  const SqlScript* sql = m.sql_script();
  if (!sql || m.transactional || !connection.capabilities().transactional_ddl) return false;
  const Dialect& dialect = connection.dialect();
  try {
    auto statements = sql->parts ? statements_of(*sql->parts, dialect) : dialect.split(sql->text);
    return index < statements.size() && may_run_alone_in_transaction(statements[index], dialect);
  } catch (const Error&) {
    return false;  // a script that cannot be split is refused when it is prepared
  }
}

bool runs_with_progress(const PreparedScript& script, const Capabilities& capabilities) {
  return !capabilities.transactional_ddl || !script.migration.transactional || script.resumes;
}

std::string statements_checksum(std::span<const Statement> statements, std::size_t count) {
  std::string joined;
  for (std::size_t i = 0; i < count && i < statements.size(); ++i)
    joined += normalise_script(statements[i].text) + '\0';
  return sha256_hex(joined);
}

}  // namespace strata::detail
