// One Connector/C++ connection to a MySQL 8 or MariaDB 10.6+ database (utf8mb4). MySQL
// commits each DDL statement implicitly, so the connection declares no transactional DDL and
// the core runs every migration statement by statement, recording its progress. It is the
// driver's Session and Catalog at once; Connector/C++ exceptions never leave it. Its catalog
// reads name the URL's database, whatever database the session is in; after each migration it
// restores the current database and the session variables strata depends on.
#pragma once

#include "mysql_dialect.hpp"
#include "mysql_engine.hpp"
#include "mysql_renderer.hpp"

#include <cppconn/connection.h>
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>

#include <functional>
#include <map>
#include <memory>
#include <string>

namespace strata::mysql {

class MysqlConnection final : public Connection, public Session, public Catalog {
 public:
  explicit MysqlConnection(const ConnectOptions& options);

  const Dialect& dialect() const override { return dialect_; }
  Capabilities capabilities() const override;
  Session& session() override { return *this; }
  Catalog& catalog() override { return *this; }
  std::unique_ptr<MigrationLock> make_lock(const LockScope& scope) override;
  std::string lock_gap() override;
  std::string user_name() override;
  std::string server_description() override { return server_; }
  std::string session_id() override;
  bool session_busy(std::string_view session_id) override;
  const OperationRenderer* renderer() override { return &renderer_; }
  std::string target_schema() const override { return database_; }
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

  // A new connection with the same options (the lock lives on its own connection).
  std::unique_ptr<sql::Connection> open() const;
  // Runs `run` (one statement on conn_) held in flight for a kill test: see its definition.
  void held_in_flight(const std::function<void()>& run);
  std::unique_ptr<sql::Connection> open(sql::ConnectOptionsMap options) const;
  const std::string& database() const { return database_; }

 private:
  sql::ConnectOptionsMap options_;
  std::string redacted_url_;
  std::string database_;
  // The server-side statement for `sql`, prepared once: the ledger repeats a few statements
  // for every statement of every migration, and each prepare is a round trip.
  sql::PreparedStatement& prepared(std::string_view sql);
  std::vector<Value> session_settings();
  std::int64_t uptime_seconds();  // how long the server has been up (SHOW GLOBAL STATUS)
  int lock_read_timeout_ = 0;     // seconds; the lock's connection, from ConnectOptions::answer_timeout

  std::vector<std::string> tracked_;  // the session's database and variables, as remembered
  std::vector<Value> remembered_;

  std::unique_ptr<sql::Connection> conn_;
  std::map<std::string, std::unique_ptr<sql::PreparedStatement>, std::less<>> prepared_;
  MysqlDialect dialect_;
  MysqlRenderer renderer_{dialect_, *this};
  std::string server_;
  bool mariadb_ = false;
  bool mysql8_path_ = false;             // compat=mysql8: MySQL 8's SQL even on MariaDB
  bool profile_forced_ = false;          // transactional_ddl=off in the URL
  std::optional<ForeignEngine> engine_;  // a server of another engine, where the URL forces its profile
};

// The strata::Error for a Connector/C++ exception: error code, SQLSTATE, message, and the line
// MySQL names ("... at line 3"), relative to the statement.
Error to_error(const sql::SQLException& e, ErrorKind kind);

// Binds `params` to a prepared statement and runs it as a query. Throws Error.
std::vector<Row> run_query(sql::PreparedStatement& statement, std::span<const Value> params);
// The same, each row given to `each` as it is read.
void run_query(sql::PreparedStatement& statement, std::span<const Value> params, const std::function<void(Row&)>& each);
// The same, preparing `sql` on `conn` for this one query.
std::vector<Row> run_query(sql::Connection& conn, std::string_view sql, std::span<const Value> params);

}  // namespace strata::mysql
