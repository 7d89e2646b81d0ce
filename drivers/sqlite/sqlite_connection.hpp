// One connection to a SQLite database file (or a private in-memory database), with foreign
// keys on and a busy timeout. It is the driver's Session and Catalog at once.
#pragma once

#include "sqlite_dialect.hpp"
#include "sqlite_renderer.hpp"

#include <sqlite3.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace strata::sqlite {

class SqliteConnection final : public Connection, public Session, public Catalog {
 public:
  // `transactional_ddl` false declares the backend as one whose DDL commits by itself (MySQL's
  // kind): strata then runs every migration statement by statement with recorded progress. Only
  // for proving that path on SQLite; the driver always declares true.
  explicit SqliteConnection(const ConnectOptions& options, bool transactional_ddl = true);

  const Dialect& dialect() const override { return dialect_; }
  Capabilities capabilities() const override;
  Session& session() override { return *this; }
  Catalog& catalog() override { return *this; }
  std::unique_ptr<MigrationLock> make_lock(const LockScope& scope) override;
  std::string user_name() override;
  std::string server_description() override;
  std::string session_id() override;
  bool session_busy(std::string_view session_id) override;
  const OperationRenderer* renderer() override { return &renderer_; }

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

 private:
  struct Closer {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  struct Finalizer {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
  };
  using StatementHandle = std::unique_ptr<sqlite3_stmt, Finalizer>;

  StatementHandle prepare(std::string_view sql);
  // Steps a prepared statement to its end; collects the rows only when asked to.
  // Steps `statement` to its end, giving each row to `each` (none read when null).
  void run(sqlite3_stmt* statement, std::string_view sql, const std::function<void(Row&)>* each);
  [[noreturn]] void fail(std::string_view sql, ErrorKind kind = ErrorKind::apply_failed);
  std::string file_problem(int code) const;
  // Interrupts a statement that runs past the statement timeout.
  static int on_progress(void* self);
  static int on_progress_in_flight(void* self);  // a fault test's kill, once the statement writes

  SqliteDialect dialect_;
  SqliteRenderer renderer_{dialect_, *this};
  std::chrono::milliseconds statement_timeout_{0};
  std::chrono::milliseconds busy_timeout_{5000};  // also how long a schema changing under a read is waited out
  std::chrono::steady_clock::time_point deadline_;
  bool transactional_ddl_;
  std::string path_;  // "" for an in-memory database
  std::unique_ptr<sqlite3, Closer> db_;
};

}  // namespace strata::sqlite
