// One libpq connection to a PostgreSQL database, in the schema the URL names (`schema` or
// `search_path`, which strata applies itself; every other query parameter goes to libpq). It
// is the driver's Session and Catalog at once. Its catalog reads name that schema, whatever the
// search path is; after each migration it restores the search path, role and the settings it
// made at connect (see session_settings in the .cpp) Behind a transaction pooler (`pooler=transaction`)
// it keeps no session state: see apply_settings.
#pragma once

#include "pg_dialect.hpp"
#include "pg_engine.hpp"
#include "pg_renderer.hpp"

#include <libpq-fe.h>

#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>

namespace strata::postgres {

struct PgConnCloser {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
struct PgResultFree {
  void operator()(PGresult* result) const { PQclear(result); }
};
using PgResult = std::unique_ptr<PGresult, PgResultFree>;

class PgConnection final : public Connection, public Session, public Catalog {
 public:
  explicit PgConnection(const ConnectOptions& options);

  const Dialect& dialect() const override { return dialect_; }
  Capabilities capabilities() const override;
  Session& session() override { return *this; }
  Catalog& catalog() override { return *this; }
  std::unique_ptr<MigrationLock> make_lock(const LockScope& scope) override;
  std::string lock_gap() override;
  std::string user_name() override;
  std::string server_description() override;
  std::string session_id() override;
  bool session_busy(std::string_view session_id) override;
  const OperationRenderer* renderer() override { return &renderer_; }
  std::string target_schema() const override { return schema_; }
  void remember_session() override;
  std::vector<SessionChange> restore_session() override;

  void execute(std::string_view sql) override;
  std::int64_t execute(std::string_view sql, std::span<const Value> params) override;
  std::vector<Row> query(std::string_view sql, std::span<const Value> params) override;
  void query_each(std::string_view sql, std::span<const Value> params, const std::function<void(Row&)>& each) override;
  void begin() override;
  void commit() override;
  void rollback() override;

  bool table_exists(std::string_view table) override;
  std::vector<std::string> tables() override;
  std::vector<ColumnInfo> columns(std::string_view table) override;
  std::optional<std::vector<TableColumns>> all_columns() override;
  std::vector<IndexInfo> indexes(std::string_view table) override;
  std::vector<ForeignKeyInfo> foreign_keys(std::string_view table) override;
  std::vector<ConstraintInfo> constraints(std::string_view table) override;

  // Runs a statement with bound parameters; throws Error(kind) on failure.
  PgResult run(std::string_view sql, std::span<const Value> params, ErrorKind kind = ErrorKind::apply_failed);
  // What PQexec and PQexecParams do, sending and reading apart: for a fault test's kill in
  // between (statement_in_flight()), and to wait no longer than answer_deadline_.
  PgResult read_after_sending(int sent);
  // The same without the fault test's point (preparing, reading the settings).
  PgResult answer(int sent);
  // Whether requests are sent and read apart: a test awaits it, or there is a deadline.
  bool sends_apart() const { return answer_deadline_.count() > 0 || statement_in_flight_wanted(); }
  // Waits for the answer to a statement sent, until answer_deadline_ (the session's statement
  // timeout and 5 s more); then the connection is closed and Error(connection) thrown: the
  // server is stopped or unreachable, and its own timeout never fired.
  void wait_for_answer();
  // The deadline from the session's statement_timeout as it is now: a script may have set its
  // own (a longer one for an index build, 0 for none, which leaves no deadline).
  void follow_statement_timeout();
  std::chrono::milliseconds answer_deadline_{0};      // 0: none
  std::chrono::milliseconds configured_deadline_{0};  // from strata's own statement timeout
  std::string deadline_reason_ = "the statement timeout and 5 s more";
  // Runs the migration lock's requests waiting no longer than ConnectOptions::answer_timeout
  // (unless the session's own deadline is shorter): a waiter behind a stopped server gives up.
  template <class Work>
  auto for_lock(Work&& work) {
    struct Kept {
      PgConnection& c;
      std::chrono::milliseconds deadline;
      std::string reason;
      ~Kept() {
        c.answer_deadline_ = deadline;
        c.deadline_reason_ = std::move(reason);
      }
    } kept{*this, answer_deadline_, deadline_reason_};
    if (lock_deadline_.count() > 0 && (answer_deadline_.count() == 0 || lock_deadline_ < answer_deadline_)) {
      answer_deadline_ = lock_deadline_;
      deadline_reason_ = "the lock timeout, 5 s at least";
    }
    return work();
  }
  std::chrono::milliseconds lock_deadline_{0};
  const std::string& schema() const { return schema_; }
  PGconn* handle() { return conn_.get(); }

 private:
  void apply_settings(const ConnectOptions& options, bool create_schema);
  // Runs `sql` with the simple protocol, as it is.
  void simple(std::string_view sql);
  void recognise_engine(const DatabaseUrl& url);
  std::vector<Value> session_settings();

  PgDialect dialect_;
  PgRenderer renderer_{dialect_, *this};
  std::unique_ptr<PGconn, PgConnCloser> conn_;
  std::string schema_;             // the schema the ledger and unqualified objects live in
  bool transactional_ddl_ = true;  // transactional_ddl=off: statement by statement, as on MySQL
  // The URL's pooler parameter: none given (a pooler found at connect is refused), session, or
  // transaction (no session state: no advisory lock, no prepared statement, settings per transaction).
  enum class Pooler { none, session, transaction } pooler_ = Pooler::none;
  std::string transaction_settings_;     // pooler=transaction: "SET LOCAL ...; SET LOCAL ..." for each transaction
  std::optional<ForeignEngine> engine_;  // a server of another engine, where the URL forces its profile
  std::vector<Value> remembered_;        // session_settings() before the first migration
  // The statements run with parameters, by their text: their runs, and the name of the prepared
  // statement once one is (at the third run, for at most max_prepared of them).
  struct Statement {
    int runs = 0;
    std::string name;
  };
  static constexpr int runs_unprepared = 2;
  static constexpr std::size_t max_prepared = 256;
  static constexpr std::size_t max_statements = 1024;
  std::unordered_map<std::string, Statement> statements_;
  std::size_t prepared_ = 0;
};

// The strata::Error for a failed result: SQLSTATE, message, detail and hint, and the position
// the server reports (a character index into `sql`) as a line and column.
Error result_error(const PGresult* result, PGconn* conn, std::string_view sql, ErrorKind kind);

}  // namespace strata::postgres
