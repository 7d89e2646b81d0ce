#include "mysql_connection.hpp"

#include "mysql_lock.hpp"

#include <cppconn/metadata.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/resultset_metadata.h>
#include <cppconn/statement.h>
#include <mysql_driver.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <map>
#include <regex>
#include <thread>

namespace strata::mysql {
namespace {

void bind(sql::PreparedStatement& statement, std::span<const Value> params) {
  for (std::size_t i = 0; i < params.size(); ++i) {
    auto index = static_cast<unsigned int>(i + 1);
    const Value& v = params[i];
    if (std::holds_alternative<std::nullptr_t>(v))
      statement.setNull(index, sql::DataType::VARCHAR);
    else if (auto n = std::get_if<std::int64_t>(&v))
      statement.setInt64(index, *n);
    else if (auto d = std::get_if<double>(&v))
      statement.setDouble(index, *d);
    else
      statement.setString(index, std::get<std::string>(v));
  }
}

// The value of `column`, of the type `type` (its sql::DataType), which may be NULL unless
// `never_null` (the column is declared NOT NULL).
Value value_of(sql::ResultSet& rs, int type, unsigned int column, bool never_null) {
  if (!never_null && rs.isNull(column)) return nullptr;
  switch (type) {
    case sql::DataType::BIT:
    case sql::DataType::TINYINT:
    case sql::DataType::SMALLINT:
    case sql::DataType::MEDIUMINT:
    case sql::DataType::INTEGER:
    case sql::DataType::BIGINT: return static_cast<std::int64_t>(rs.getInt64(column));
    case sql::DataType::REAL:
    case sql::DataType::DOUBLE: return static_cast<double>(rs.getDouble(column));
    default: {
      sql::SQLString read = rs.getString(column);
      // Connector/C++'s string cannot be moved from: its text is taken from this copy, which is
      // not const and which nothing else holds, rather than copied once more.
      return std::move(const_cast<std::string&>(static_cast<const std::string&>(read)));
    }
  }
}

std::string text(const Value& v) {
  if (auto s = std::get_if<std::string>(&v)) return *s;
  if (auto i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  return {};
}

// A whole number from text; nullopt when it is not one.
template <typename Integer>
std::optional<Integer> whole_number(std::string_view text) {
  Integer value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// A number the server sent (a catalog's flag), as an integer or as its text.
std::int64_t number(const Value& v) {
  if (auto i = std::get_if<std::int64_t>(&v)) return *i;
  if (auto s = std::get_if<std::string>(&v))
    if (auto n = whole_number<std::int64_t>(*s)) return *n;
  throw Error(ErrorKind::internal, "the server sent a value the mysql driver cannot read as a number")
      .from_driver("mysql");
}

// Connector/C++'s driver. get_mysql_driver_instance() makes it at the first call and keeps it in
// a map that it does not lock, so threads connecting for the first time at once (a fleet's
// workers) could read the map while another inserts into it: a crash in MySQL_Driver::connect,
// seen under AddressSanitizer. A function-local static is made once, by the first thread to get
// here, while any other waits.
sql::mysql::MySQL_Driver& client_driver() {
  static sql::mysql::MySQL_Driver* const driver = sql::mysql::get_mysql_driver_instance();
  return *driver;
}

}  // namespace

Error to_error(const sql::SQLException& e, ErrorKind kind) {
  std::string message = e.what();
  // MariaDB's max_statement_time, MySQL's max_execution_time: strata's --statement-timeout.
  if (e.getErrorCode() == 1969 || e.getErrorCode() == 3024)
    message = "the statement ran longer than the statement timeout and was interrupted (" + message + ")";
  // CR_SERVER_GONE_ERROR, CR_SERVER_LOST, ER_CONNECTION_KILLED: the server went away or ended
  // the session (exit 5, to be run again), whatever the statement was.
  if (e.getErrorCode() == 2006 || e.getErrorCode() == 2013 || e.getErrorCode() == 1927) {
    message =
        "the connection to the server was lost during this statement (the server restarted or stopped, or "
        "an administrator ended the session): " +
        message;
    kind = ErrorKind::connection;
  }
  Error error(kind, message);
  error.with_server_code(e.getSQLState(), e.getErrorCode()).from_driver("mysql");
  static const std::regex at_line(" at line ([0-9]+)$");
  std::smatch m;
  if (std::regex_search(message, m, at_line))
    if (auto line = whole_number<int>(m[1].str())) error.at_line(*line);
  return error;
}

namespace {

// Gives each row of `rs` to `each`, in order.
void each_row(sql::ResultSet& rs, const std::function<void(Row&)>& each) {
  sql::ResultSetMetaData* meta = rs.getMetaData();
  unsigned int columns = meta->getColumnCount();
  // Asked once: each answer checks the result and looks its field up (a seventh of reading a ledger).
  // Each call of Connector/C++'s for a value checks the result as well, and copies a string
  // doing so: a column declared NOT NULL is not asked whether it is NULL (a tenth of the
  // instructions of reading 10,000 ledger rows, callgrind).
  std::vector<int> types;
  std::vector<char> never_null;
  for (unsigned int c = 1; c <= columns; ++c) {
    types.push_back(meta->getColumnType(c));
    never_null.push_back(meta->isNullable(c) == sql::ResultSetMetaData::columnNoNulls);
  }
  // One row, its values replaced at each: a row made and freed for each was an allocation per
  // row. Where `each` takes the row whole (moves it away), it is made again.
  Row row;
  while (rs.next()) {
    row.resize(columns);
    for (unsigned int c = 1; c <= columns; ++c) row[c - 1] = value_of(rs, types[c - 1], c, never_null[c - 1] != 0);
    each(row);
  }
}

// Sends `sql`, with nothing to bind, as text and gives each row to `each` as the server sends
// it (the client library's unbuffered result): no round trip to prepare, and the whole result is
// never held in the client. Rows `each` leaves unread are discarded when the result is freed.
void run_text_query(sql::Connection& connection, std::string_view sql, const std::function<void(Row&)>& each) {
  try {
    std::unique_ptr<sql::Statement> statement(connection.createStatement());
    statement->setResultSetType(sql::ResultSet::TYPE_FORWARD_ONLY);
    std::unique_ptr<sql::ResultSet> rs(statement->executeQuery(std::string(sql)));
    each_row(*rs, each);
  } catch (const sql::SQLException& e) {
    throw to_error(e, ErrorKind::apply_failed);
  }
}

}  // namespace

void run_query(sql::PreparedStatement& statement, std::span<const Value> params,
               const std::function<void(Row&)>& each) {
  try {
    bind(statement, params);
    std::unique_ptr<sql::ResultSet> rs(statement.executeQuery());
    each_row(*rs, each);
  } catch (const sql::SQLException& e) {
    throw to_error(e, ErrorKind::apply_failed);
  }
}

std::vector<Row> run_query(sql::PreparedStatement& statement, std::span<const Value> params) {
  std::vector<Row> rows;
  run_query(statement, params, [&](Row& row) { rows.push_back(std::move(row)); });
  return rows;
}

std::vector<Row> run_query(sql::Connection& conn, std::string_view sql, std::span<const Value> params) {
  std::unique_ptr<sql::PreparedStatement> statement;
  try {
    statement.reset(conn.prepareStatement(std::string(sql)));
  } catch (const sql::SQLException& e) {
    throw to_error(e, ErrorKind::apply_failed);
  }
  return run_query(*statement, params);
}

MysqlConnection::MysqlConnection(const ConnectOptions& options) : redacted_url_(options.url.redacted()) {
  const DatabaseUrl& url = options.url;
  std::string host = url.host.empty() ? "127.0.0.1" : url.host;
  options_["hostName"] = sql::SQLString("tcp://" + host + ":" + std::to_string(url.port.value_or(3306)));
  options_["userName"] = sql::SQLString(url.user);
  options_["password"] = sql::SQLString(url.password);
  database_ = url.path.size() > 1 ? url.path.substr(1) : "";
  if (database_.empty()) throw Error(ErrorKind::usage, "the URL " + redacted_url_ + " names no database");
  options_["schema"] = sql::SQLString(database_);
  options_["OPT_CHARSET_NAME"] = sql::SQLString("utf8mb4");
  for (const auto& [key, value] : url.query) {
    if (key == "socket")
      options_["socket"] = sql::SQLString(value);
    else if (key == "ssl-ca" || key == "sslca")
      options_["sslCA"] = sql::SQLString(value);
    else if (key == "ssl-cert" || key == "sslcert")
      options_["sslCert"] = sql::SQLString(value);
    else if (key == "ssl-key" || key == "sslkey")
      options_["sslKey"] = sql::SQLString(value);
    else if (key == "connect_timeout" && whole_number<int>(value).value_or(-1) >= 0)
      options_["OPT_CONNECT_TIMEOUT"] = *whole_number<int>(value);
    else if (key == "connect_timeout")
      throw Error(ErrorKind::usage, "connect_timeout=" + value + ": the mysql driver takes a number of seconds");
    else if (key == "compat" && (value == "mysql8" || value == "native"))
      mysql8_path_ = value == "mysql8";
    else if (key == "compat")
      throw Error(ErrorKind::usage, "compat=" + value + ": the mysql driver knows compat=mysql8 and compat=native");
    else if (key == "transactional_ddl" && value == "off")
      profile_forced_ = true;  // what this driver does anyway; it lets a foreign engine through
    else if (key == "transactional_ddl")
      throw Error(ErrorKind::usage,
                  "transactional_ddl=" + value +
                      ": MySQL and MariaDB have no transactional DDL; the mysql driver takes only off");
    else
      throw Error(ErrorKind::usage,
                  "the mysql driver does not know the URL parameter '" + key +
                      "' (known: socket, ssl-ca, ssl-cert, ssl-key, connect_timeout, compat, transactional_ddl)");
  }
  // The server ends a statement at the statement timeout; a server that does not answer at all
  // (stopped, its machine gone) is given up 5 s later: the client library's read timeout.
  if (options.statement_timeout.count() > 0)
    options_["OPT_READ_TIMEOUT"] = static_cast<int>((options.statement_timeout.count() + 999) / 1000 + 5);
  // One that accepts the connection and never answers is given up when the lock would have
  // been, connecting (unless the URL says connect_timeout) and asking for the lock (its own
  // connection's read timeout).
  if (options.answer_timeout.count() > 0) {
    int seconds = static_cast<int>((options.answer_timeout.count() + 999) / 1000);
    if (options_.find("OPT_CONNECT_TIMEOUT") == options_.end()) options_["OPT_CONNECT_TIMEOUT"] = seconds;
    lock_read_timeout_ = seconds;
  }
  conn_ = open();
  // The version the server announced in the handshake: no round trip.
  std::string v;
  try {
    v = conn_->getMetaData()->getDatabaseProductVersion();
  } catch (const sql::SQLException& e) {
    throw to_error(e, ErrorKind::connection);
  }
  mariadb_ = v.find("MariaDB") != std::string::npos;
  // A server that only speaks MySQL's protocol is refused, naming it, unless the URL forces
  // strata's profile for it (the core then takes the lease lock, by lock_gap()).
  engine_ = foreign_engine(v);
  if (engine_ && !profile_forced_)
    throw Error(ErrorKind::usage, redacted_url_ + " is " + engine_->name + " (" + v + "), not MySQL: " +
                                      engine_->differs + ". strata is not tested against " + engine_->name +
                                      " yet; to migrate it all the same, add lock=lease&transactional_ddl=off to "
                                      "the URL (the profile the test suite runs on MariaDB)")
        .from_driver("mysql");
  // compat=mysql8 on MariaDB: SQL as MySQL 8 takes it (its dialect, its variants, no IF [NOT]
  // EXISTS on columns and indexes: the catalog guards alone). Server settings follow the server.
  dialect_ = MysqlDialect(mariadb_ && !mysql8_path_);
  renderer_.use_server(mariadb_, mariadb_ && !mysql8_path_);
  renderer_.in_database(database_);
  server_ = std::string(mariadb_ ? "MariaDB " : "MySQL ") + v.substr(0, v.find('-'));
  if (options.lock_wait_timeout.count() > 0)
    execute("SET SESSION lock_wait_timeout = " +
            std::to_string(std::max<std::int64_t>(1, options.lock_wait_timeout.count() / 1000)));
  if (options.statement_timeout.count() > 0) {
    if (mariadb_)
      execute("SET SESSION max_statement_time = " + std::to_string(options.statement_timeout.count() / 1000.0));
    else
      execute("SET SESSION max_execution_time = " + std::to_string(options.statement_timeout.count()));
  }
}

namespace {

// The session variables a migration may change and strata restores after it: checks that
// decide what later statements accept (foreign keys, unique keys, sql_mode and its strictness,
// the engine new tables get), whether statements commit and reach the binary log, how text and
// times travel, and the limits strata set at connect.
constexpr const char* tracked_variables[] = {
    "foreign_key_checks",
    "unique_checks",
    "sql_mode",
    "innodb_strict_mode",
    "default_storage_engine",
    "sql_log_bin",
    "character_set_client",
    "character_set_connection",
    "collation_connection",
    "character_set_results",
    "time_zone",
    "lock_wait_timeout",
    "autocommit",
};

// A value read from @@SESSION as a SET statement takes it back: numeric variables refuse text.
Value restorable(const Value& v) {
  auto s = std::get_if<std::string>(&v);
  if (!s || s->empty()) return v;
  char* end = nullptr;
  double number = std::strtod(s->c_str(), &end);
  if (end != s->c_str() + s->size()) return v;
  if (s->find_first_of(".eE") == std::string::npos) return static_cast<std::int64_t>(number);
  return number;
}

std::string shown(const Value& v) {
  return std::holds_alternative<std::nullptr_t>(v) ? "NULL" : text(v);
}

}  // namespace

// Read through the text protocol: a prepared statement keeps DATABASE() as it was when it was
// prepared (seen on MariaDB 10.11), which is exactly what must not be trusted here.
std::vector<Value> MysqlConnection::session_settings() {
  std::string sql = "SELECT DATABASE()";
  for (std::size_t i = 1; i < tracked_.size(); ++i) sql += ", @@SESSION." + tracked_[i];
  Row row;
  run_text_query(*conn_, sql, [&](Row& r) {
    if (row.empty()) row = std::move(r);
  });
  return row;
}

void MysqlConnection::remember_session() {
  tracked_ = {"database"};
  tracked_.insert(tracked_.end(), std::begin(tracked_variables), std::end(tracked_variables));
  tracked_.push_back(mariadb_ ? "max_statement_time" : "max_execution_time");
  remembered_ = session_settings();
}

std::vector<SessionChange> MysqlConnection::restore_session() {
  if (remembered_.empty()) return {};
  std::vector<Value> now = session_settings();
  std::vector<SessionChange> changes;
  for (std::size_t i = 0; i < now.size(); ++i)
    if (now[i] != remembered_[i]) changes.push_back({tracked_[i], shown(remembered_[i]), shown(now[i])});
  // Two rounds: restoring one variable can change another (a character set resets its collation).
  for (int round = 0; round < 2 && now != remembered_; ++round) {
    if (now[0] != remembered_[0] && !std::holds_alternative<std::nullptr_t>(remembered_[0]))
      execute("USE " + dialect_.quote_identifier(text(remembered_[0])));
    for (std::size_t i = 1; i < now.size(); ++i) {
      if (now[i] == remembered_[i]) continue;
      std::vector<Value> value{restorable(remembered_[i])};
      execute("SET SESSION " + tracked_[i] + " = ?", value);
    }
    now = session_settings();
  }
  for (std::size_t i = 0; i < now.size(); ++i)
    if (now[i] != remembered_[i])
      throw Error(ErrorKind::apply_failed, "cannot restore the session's " + tracked_[i] + " to '" +
                                               shown(remembered_[i]) + "' (it is '" + shown(now[i]) + "')")
          .from_driver("mysql");
  return changes;
}

std::unique_ptr<sql::Connection> MysqlConnection::open() const {
  return open(options_);
}

std::unique_ptr<sql::Connection> MysqlConnection::open(sql::ConnectOptionsMap options) const {
  try {
    return std::unique_ptr<sql::Connection>(client_driver().connect(options));
  } catch (const sql::SQLException& e) {
    throw Error(ErrorKind::connection, "cannot connect to " + redacted_url_ + ": " + e.what())
        .with_server_code(e.getSQLState(), e.getErrorCode())
        .from_driver("mysql");
  }
}

Capabilities MysqlConnection::capabilities() const {
  Capabilities c;
  c.transactional_ddl = false;
  return c;
}

std::unique_ptr<MigrationLock> MysqlConnection::make_lock(const LockScope& scope) {
  sql::ConnectOptionsMap options = options_;
  // Its requests are short: the shorter of the two read timeouts.
  auto read = options.find("OPT_READ_TIMEOUT");
  if (lock_read_timeout_ > 0 && (read == options.end() || lock_read_timeout_ < *read->second.get<int>()))
    options["OPT_READ_TIMEOUT"] = lock_read_timeout_;
  return std::make_unique<NamedLock>(open(options), lock_name(database_, scope.ledger_table));
}

// GET_LOCK is a lock of one server: on a cluster whose nodes all take writes, of one node (see
// deployment_lock_gap), so that migrators on two nodes would both hold it.
std::string MysqlConnection::lock_gap() {
  if (engine_) return engine_->lock;
  std::map<std::string, std::string> variables;
  for (const auto& row : query("SHOW GLOBAL VARIABLES WHERE Variable_name IN ('wsrep_on', 'wsrep_provider', "
                               "'group_replication_single_primary_mode', 'group_replication_group_name')",
                               {}))
    variables[text(row.at(0))] = text(row.at(1));
  return deployment_lock_gap([&](const std::string& name) {
    auto found = variables.find(name);
    return found == variables.end() ? std::string() : found->second;
  });
}

std::string MysqlConnection::user_name() {
  return text(query("SELECT CURRENT_USER()", {}).at(0).at(0));
}

namespace {
constexpr std::string_view server_started = ", server started ";
// When the server started, to the second (UTC), from its uptime (bound as the second ?): a second
// either way from call to call, so a server restarted within a second of its start passes for
// the same (its ids are then compared).
constexpr std::string_view started_sql = "UTC_TIMESTAMP() - INTERVAL ? SECOND";
}  // namespace

// SHOW GLOBAL STATUS is the one place every MySQL and MariaDB keeps it: MySQL 8 has no
// information_schema.GLOBAL_STATUS, and its performance_schema may be off.
std::int64_t MysqlConnection::uptime_seconds() {
  try {
    std::unique_ptr<sql::Statement> statement(conn_->createStatement());
    std::unique_ptr<sql::ResultSet> rows(statement->executeQuery("SHOW GLOBAL STATUS LIKE 'Uptime'"));
    if (rows->next()) {
      if (auto seconds = whole_number<std::int64_t>(std::string(rows->getString(2)))) return *seconds;
    }
  } catch (const sql::SQLException& e) {
    throw to_error(e, ErrorKind::connection);
  }
  throw Error(ErrorKind::connection,
              "the server did not say how long it has been up (SHOW GLOBAL STATUS LIKE 'Uptime')")
      .from_driver("mysql");
}

// "connection id 7, server started 2026-12-05 06:07:10": ids start again from 1 when the server
// restarts.
std::string MysqlConnection::session_id() {
  std::vector<Value> uptime{uptime_seconds()};
  auto row =
      query("SELECT CONNECTION_ID(), DATE_FORMAT(" + std::string(started_sql) + ", '%Y-%m-%d %H:%i:%s')", uptime).at(0);
  return "connection id " + text(row.at(0)) + std::string(server_started) + text(row.at(1));
}

bool MysqlConnection::session_busy(std::string_view session_id) {
  constexpr std::string_view prefix = "connection id ";
  if (!session_id.starts_with(prefix)) return false;
  // The id comes from the ledger, where anyone may have written anything.
  std::string_view id_text = session_id.substr(prefix.size());
  std::string_view started;
  if (auto at = id_text.find(server_started); at != std::string_view::npos) {
    started = id_text.substr(at + server_started.size());
    id_text = id_text.substr(0, at);
  }
  auto number = whole_number<std::int64_t>(id_text);
  if (!number || *number < 0)
    throw Error(ErrorKind::validation, "'" + std::string(session_id.substr(0, 40)) +
                                           (session_id.size() > 40 ? "..." : "") +
                                           "' is not a session this driver records ('connection id ' and a number)")
        .from_driver("mysql");
  if (!started.empty()) {
    std::vector<Value> then{std::string(started), uptime_seconds()};
    auto same =
        query("SELECT ABS(TIMESTAMPDIFF(SECOND, CAST(? AS DATETIME), " + std::string(started_sql) + ")) <= 1", then);
    if (same.at(0).at(0) != Value(std::int64_t{1})) return false;  // of another start (or no time): gone
  }
  std::vector<Value> id{*number};
  return !query(
              "SELECT 1 FROM information_schema.PROCESSLIST WHERE ID = ? AND ID <> CONNECTION_ID() AND "
              "COMMAND <> 'Sleep'",
              id)
              .empty();
}

void MysqlConnection::execute(std::string_view sql) {
  auto run = [&] {
    std::unique_ptr<sql::Statement> statement(conn_->createStatement());
    if (statement->execute(std::string(sql))) std::unique_ptr<sql::ResultSet> discarded(statement->getResultSet());
  };
  if (statement_in_flight_wanted()) return held_in_flight(run);
  try {
    run();
  } catch (const sql::SQLException& e) {
    throw to_error(e, ErrorKind::apply_failed);
  }
}

// Only where a test asked for a kill in flight (statement_in_flight_wanted(), failpoint builds).
// Connector/C++ sends a statement and reads its answer in one call, so the server holds the
// statement instead: a second session of this process takes the global read lock, the statement
// runs on its own thread and waits for that lock once the server has it, and this thread, seeing
// it wait in the process list, calls statement_in_flight(), which kills the process. The lock ends
// with the process; the server then runs the statement with nobody to read its answer, as after a
// crash mid-statement. A statement the lock does not hold (a SELECT) is answered first: the kill
// then comes with its answer unread by the migration.
void MysqlConnection::held_in_flight(const std::function<void()>& run) {
  std::int64_t id = 0;
  std::unique_ptr<sql::Connection> blocker;
  try {
    id = number(query("SELECT CONNECTION_ID()", {}).at(0).at(0));
    blocker = open();
    std::unique_ptr<sql::Statement> lock(blocker->createStatement());
    lock->execute("SET SESSION lock_wait_timeout = 5");
    lock->execute("FLUSH TABLES WITH READ LOCK");
  } catch (const sql::SQLException& e) {
    throw to_error(e, ErrorKind::apply_failed);
  }
  std::optional<Error> failed;
  std::atomic<bool> answered = false;
  std::thread runner([&] {
    try {
      run();
    } catch (const sql::SQLException& e) {
      failed = to_error(e, ErrorKind::apply_failed);
    }
    answered = true;
  });
  try {
    std::unique_ptr<sql::PreparedStatement> state(blocker->prepareStatement(
        "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = ? AND STATE LIKE 'Waiting%'"));
    state->setInt64(1, id);
    for (int i = 0; i < 500 && !answered; ++i) {  // at most 5 s
      std::unique_ptr<sql::ResultSet> rs(state->executeQuery());
      if (rs->next() && rs->getInt64(1) > 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  } catch (const sql::SQLException&) {
  }
  statement_in_flight();
  blocker.reset();  // not reached where the kill was asked for
  runner.join();
  if (failed) throw *failed;
}

sql::PreparedStatement& MysqlConnection::prepared(std::string_view sql) {
  auto found = prepared_.find(sql);
  if (found != prepared_.end()) return *found->second;
  try {
    auto statement = std::unique_ptr<sql::PreparedStatement>(conn_->prepareStatement(std::string(sql)));
    return *prepared_.emplace(std::string(sql), std::move(statement)).first->second;
  } catch (const sql::SQLException& e) {
    throw to_error(e, ErrorKind::apply_failed);
  }
}

std::int64_t MysqlConnection::execute(std::string_view sql, std::span<const Value> params) {
  sql::PreparedStatement& statement = prepared(sql);
  std::int64_t changed = 0;
  auto run = [&] {
    bind(statement, params);
    changed = statement.executeUpdate();
  };
  if (statement_in_flight_wanted()) {
    held_in_flight(run);
    return changed;
  }
  try {
    run();
  } catch (const sql::SQLException& e) {
    throw to_error(e, ErrorKind::apply_failed);
  }
  return changed;
}

std::vector<Row> MysqlConnection::query(std::string_view sql, std::span<const Value> params) {
  return run_query(prepared(sql), params);
}

void MysqlConnection::query_each(std::string_view sql, std::span<const Value> params,
                                 const std::function<void(Row&)>& each) {
  // Nothing to bind (the ledger's read): as text, where a prepared statement costs a round trip
  // to prepare and holds the whole result in the client (317 KB for 1,000 ledger rows).
  if (params.empty())
    run_text_query(*conn_, sql, each);
  else
    run_query(prepared(sql), params, each);
}

void MysqlConnection::begin() {
  execute("START TRANSACTION");
}
void MysqlConnection::commit() {
  execute("COMMIT");
}

void MysqlConnection::rollback() {
  try {
    std::unique_ptr<sql::Statement> statement(conn_->createStatement());
    statement->execute("ROLLBACK");
  } catch (const sql::SQLException&) {  // nothing to roll back, or the connection is gone
  }
}

bool MysqlConnection::table_exists(std::string_view table) {
  std::vector<Value> params{database_, std::string(table)};
  return !query(
              "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? "
              "AND TABLE_TYPE = 'BASE TABLE'",
              params)
              .empty();
}

std::vector<std::string> MysqlConnection::tables() {
  std::vector<Value> params{database_};
  std::vector<std::string> names;
  for (const auto& row : query("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? "
                               "AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
                               params))
    names.push_back(text(row.at(0)));
  return names;
}

namespace {

// The column in `row` from `first` on: COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT,
// COLUMN_KEY of information_schema.COLUMNS.
ColumnInfo column_of(const Row& row, std::size_t first) {
  ColumnInfo c;
  c.name = text(row.at(first));
  c.type = text(row.at(first + 1));
  c.nullable = text(row.at(first + 2)) == "YES";
  // MariaDB spells an absent default as the text NULL.
  if (std::string d = text(row.at(first + 3));
      !std::holds_alternative<std::nullptr_t>(row.at(first + 3)) && d != "NULL")
    c.default_sql = d;
  c.primary_key = text(row.at(first + 4)) == "PRI";
  return c;
}

}  // namespace

std::vector<ColumnInfo> MysqlConnection::columns(std::string_view table) {
  std::vector<Value> params{database_, std::string(table)};
  std::vector<ColumnInfo> out;
  for (const auto& row : query("SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, COLUMN_KEY "
                               "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? "
                               "ORDER BY ORDINAL_POSITION",
                               params))
    out.push_back(column_of(row, 0));
  return out;
}

// Two queries: MariaDB answers a join of information_schema.TABLES and COLUMNS several times
// slower than both (450 ms against 50 ms at 1,000 tables).
std::optional<std::vector<TableColumns>> MysqlConnection::all_columns() {
  std::vector<TableColumns> out;
  std::map<std::string, std::size_t, std::less<>> index;
  for (auto& table : tables()) {
    index.emplace(table, out.size());
    out.push_back({std::move(table), {}});
  }
  std::vector<Value> params{database_};
  for (const auto& row : query("SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, COLUMN_KEY "
                               "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? "
                               "ORDER BY TABLE_NAME, ORDINAL_POSITION",
                               params))
    if (auto it = index.find(text(row.at(0))); it != index.end())  // a view's columns are left out
      out[it->second].columns.push_back(column_of(row, 1));
  return out;
}

std::vector<IndexInfo> MysqlConnection::indexes(std::string_view table) {
  std::vector<Value> params{database_, std::string(table)};
  std::vector<IndexInfo> out;
  for (const auto& row : query("SELECT INDEX_NAME, NON_UNIQUE, COLUMN_NAME FROM information_schema.STATISTICS "
                               "WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY INDEX_NAME, SEQ_IN_INDEX",
                               params)) {
    std::string name = text(row.at(0));
    if (out.empty() || out.back().name != name) {
      IndexInfo index;
      index.name = name;
      index.unique = number(row.at(1)) == 0;
      index.primary = name == "PRIMARY";
      out.push_back(std::move(index));
    }
    if (!std::holds_alternative<std::nullptr_t>(row.at(2))) out.back().columns.push_back(text(row.at(2)));
  }
  return out;
}

// Each information_schema table of a join is given the schema and table as constants: the
// server then opens that table's definition only, where a condition through the join alone
// has it read every table of every database (seconds per call on a server of many databases).
std::vector<ForeignKeyInfo> MysqlConnection::foreign_keys(std::string_view table) {
  std::vector<Value> params{database_, std::string(table), database_, std::string(table)};
  std::vector<ForeignKeyInfo> out;
  for (const auto& row :
       query("SELECT k.CONSTRAINT_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME, "
             "r.DELETE_RULE, r.UPDATE_RULE FROM information_schema.KEY_COLUMN_USAGE k "
             "JOIN information_schema.REFERENTIAL_CONSTRAINTS r ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA "
             "AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND r.TABLE_NAME = k.TABLE_NAME "
             "WHERE k.TABLE_SCHEMA = ? AND k.TABLE_NAME = ? AND r.CONSTRAINT_SCHEMA = ? AND r.TABLE_NAME = ? "
             "AND k.REFERENCED_TABLE_NAME IS NOT NULL "
             "ORDER BY k.CONSTRAINT_NAME, k.ORDINAL_POSITION",
             params)) {
    std::string name = text(row.at(0));
    if (out.empty() || out.back().name != name) {
      ForeignKeyInfo fk;
      fk.name = name;
      fk.referenced_table = text(row.at(2));
      // InnoDB treats RESTRICT and NO ACTION alike, and reports an unspecified action as RESTRICT.
      auto action = [](std::string rule) { return rule == "RESTRICT" ? std::string("NO ACTION") : rule; };
      fk.on_delete = action(text(row.at(4)));
      fk.on_update = action(text(row.at(5)));
      out.push_back(std::move(fk));
    }
    out.back().columns.push_back(text(row.at(1)));
    out.back().referenced_columns.push_back(text(row.at(3)));
  }
  return out;
}

std::vector<ConstraintInfo> MysqlConnection::constraints(std::string_view table) {
  std::vector<Value> params{database_, std::string(table), database_, std::string(table)};  // see foreign_keys
  std::vector<ConstraintInfo> out;
  for (const auto& row :
       query("SELECT tc.CONSTRAINT_NAME, tc.CONSTRAINT_TYPE, k.COLUMN_NAME, k.REFERENCED_TABLE_NAME, "
             "k.REFERENCED_COLUMN_NAME FROM information_schema.TABLE_CONSTRAINTS tc "
             "LEFT JOIN information_schema.KEY_COLUMN_USAGE k ON k.TABLE_SCHEMA = ? AND k.TABLE_NAME = ? "
             "AND k.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND k.TABLE_NAME = tc.TABLE_NAME "
             "AND k.CONSTRAINT_NAME = tc.CONSTRAINT_NAME "
             "WHERE tc.TABLE_SCHEMA = ? AND tc.TABLE_NAME = ? "
             "ORDER BY tc.CONSTRAINT_NAME, tc.CONSTRAINT_TYPE, k.ORDINAL_POSITION",
             params)) {
    std::string name = text(row.at(0)), type = text(row.at(1));
    if (out.empty() || out.back().name != name) {
      ConstraintInfo c;
      c.name = name;
      c.kind = type == "PRIMARY KEY"   ? ConstraintInfo::Kind::primary_key
               : type == "UNIQUE"      ? ConstraintInfo::Kind::unique
               : type == "FOREIGN KEY" ? ConstraintInfo::Kind::foreign_key
                                       : ConstraintInfo::Kind::check;
      if (auto referenced = std::get_if<std::string>(&row.at(3))) c.referenced_table = *referenced;
      out.push_back(std::move(c));
    }
    if (auto column = std::get_if<std::string>(&row.at(2))) out.back().columns.push_back(*column);
    if (auto column = std::get_if<std::string>(&row.at(4))) out.back().referenced_columns.push_back(*column);
  }
  return out;
}

}  // namespace strata::mysql
