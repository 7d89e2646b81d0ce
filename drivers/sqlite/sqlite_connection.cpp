#include "sqlite_connection.hpp"

#include "sqlite_lock.hpp"
#include "sqlite_table.hpp"

#include <pwd.h>
#include <unistd.h>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <thread>

namespace strata::sqlite {
namespace {

// sqlite:app.db (relative), sqlite:///abs/app.db, sqlite::memory:
std::string path_from(const DatabaseUrl& url) {
  if (url.has_authority && !url.host.empty())
    throw Error(ErrorKind::usage, "sqlite URL '" + url.redacted() +
                                      "' names a host; write sqlite:relative/path.db or "
                                      "sqlite:///absolute/path.db");
  if (!url.query.empty())
    throw Error(ErrorKind::usage, "the sqlite driver takes no URL parameters (got '" + url.query.front().first + "')");
  if (url.path.empty()) throw Error(ErrorKind::usage, "sqlite URL '" + url.redacted() + "' names no database file");
  return url.path;
}

// SQLite keeps statistics of its memory by default, counted under a mutex at every allocation
// and every free: with the process's threads (the engine's reading thread among them) each is an
// atomic operation, and SQLite allocates thousands of times whenever it reads a schema again,
// as it does after each ALTER TABLE. Without them, 1,000 guarded add_column migrations on a
// 1,000-table database took 11% less time (docs/performance.md). They are also what enforces
// sqlite3_soft_heap_limit64, which strata never sets; a product that sets it leaves own_process
// false, as it is by default. Possible only before SQLite is first used (sqlite3_config returns
// SQLITE_MISUSE after that, and nothing changes); made once per process, before this driver
// first opens a database, so that no other thread of its uses SQLite meanwhile.
void own_process_settings() {
  static std::once_flag once;
  std::call_once(once, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

}  // namespace

SqliteConnection::SqliteConnection(const ConnectOptions& options, bool transactional_ddl)
    : transactional_ddl_(transactional_ddl) {
  std::string target = path_from(options.url);
  path_ = target == ":memory:" ? "" : target;
  sqlite3* raw = nullptr;
  std::error_code ec;
  if (!options.create_database && !path_.empty() && !std::filesystem::exists(path_, ec))
    throw Error(ErrorKind::connection,
                "the SQLite database " + target +
                    " does not exist (this command creates nothing; `strata migrate` creates it)");
  if (options.own_process) own_process_settings();
  // Without the connection's own mutex (SQLite's multi-thread mode, for this connection): a
  // Connection is used by one thread at a time (<strata/driver.hpp>; the lease lock's second
  // connection is used under the lock's own mutex). SQLite took and gave back that mutex about a
  // million times reading the schema of 10,000 tables, 4% of the up-to-date check's instructions
  // (callgrind).
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (options.create_database ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(target.c_str(), &raw, flags, nullptr);
  db_.reset(raw);
  if (rc != SQLITE_OK)
    throw Error(ErrorKind::connection,
                "cannot open the SQLite database " + target + ": " + (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  sqlite3_extended_result_codes(raw, 1);
  auto busy = options.lock_wait_timeout.count() > 0 ? options.lock_wait_timeout : std::chrono::milliseconds(5000);
  sqlite3_busy_timeout(raw, static_cast<int>(busy.count()));
  busy_timeout_ = busy;
  statement_timeout_ = options.statement_timeout;
  if (statement_timeout_.count() > 0) sqlite3_progress_handler(raw, 10000, &SqliteConnection::on_progress, this);
  try {
    execute("PRAGMA foreign_keys = ON");
  } catch (const Error& e) {
    throw Error(ErrorKind::connection, "cannot use the SQLite database " + target + ": " + e.message());
  }
}

Capabilities SqliteConnection::capabilities() const {
  Capabilities c;
  c.transactional_ddl = transactional_ddl_;
  return c;
}

int SqliteConnection::on_progress(void* self) {
  auto* connection = static_cast<SqliteConnection*>(self);
  return std::chrono::steady_clock::now() > connection->deadline_ ? 1 : 0;
}

int SqliteConnection::on_progress_in_flight(void* self) {
  auto* connection = static_cast<SqliteConnection*>(self);
  if (sqlite3_txn_state(connection->db_.get(), nullptr) == SQLITE_TXN_WRITE) statement_in_flight();
  return connection->statement_timeout_.count() > 0 ? on_progress(self) : 0;
}

std::string SqliteConnection::session_id() {
  return "pid " + std::to_string(::getpid());
}

// SQLite runs in the migrator's process: its statement lives exactly as long as that process.
bool SqliteConnection::session_busy(std::string_view session_id) {
  constexpr std::string_view prefix = "pid ";
  if (!session_id.starts_with(prefix)) return false;
  // The id comes from the ledger, where anyone may have written anything: only a process id
  // this driver could have recorded is asked about (kill(0) or kill(-1) would ask about others).
  std::string_view digits = session_id.substr(prefix.size());
  pid_t pid = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), pid);
  if (ec != std::errc() || end != digits.data() + digits.size() || pid <= 0)
    throw Error(ErrorKind::validation, "'" + std::string(session_id.substr(0, 40)) +
                                           (session_id.size() > 40 ? "..." : "") +
                                           "' is not a session this driver records ('pid ' and a process id)")
        .from_driver("sqlite");
  return pid != ::getpid() && (::kill(pid, 0) == 0 || errno == EPERM);
}

std::unique_ptr<MigrationLock> SqliteConnection::make_lock(const LockScope&) {
  if (path_.empty()) return nullptr;  // a private in-memory database has no other migrator
  return std::make_unique<FileLock>(path_ + ".strata-lock");
}

std::string SqliteConnection::user_name() {
  if (const passwd* pw = ::getpwuid(::geteuid())) return pw->pw_name;
  if (const char* user = std::getenv("USER")) return user;
  return "uid " + std::to_string(::geteuid());
}

std::string SqliteConnection::server_description() {
  return std::string("SQLite ") + sqlite3_libversion();
}

// SQLite's message for a failure of the database file itself ("disk I/O error", "attempt to write
// a readonly database") names no file and leaves out what the operating system said: say both.
// "" for any other failure.
std::string SqliteConnection::file_problem(int code) const {
  if (path_.empty()) return {};
  int os_error = sqlite3_system_errno(db_.get());
  std::string reason = os_error != 0 ? std::string(" (") + std::strerror(os_error) + ")" : "";
  switch (code & 0xff) {
    case SQLITE_READONLY:
      if (code == SQLITE_READONLY_DIRECTORY)
        return "cannot create the journal of the database " + path_ + ": its directory is read-only";
      return "the database file " + path_ + " is read-only" + reason;
    case SQLITE_CANTOPEN: return "cannot open the database file " + path_ + " or its journal" + reason;
    case SQLITE_IOERR: return "cannot read or write the database file " + path_ + reason;
    case SQLITE_FULL: return "the database file " + path_ + " cannot grow: its disk is full" + reason;
    case SQLITE_PERM: return "access to the database file " + path_ + " is denied" + reason;
    case SQLITE_BUSY: return "the database file " + path_ + " is locked by another connection";
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return "the file " + path_ + " is not a SQLite database, or it is damaged";
  }
  return {};
}

void SqliteConnection::fail(std::string_view sql, ErrorKind kind) {
  sqlite3* db = db_.get();
  int code = sqlite3_extended_errcode(db);
  bool timed_out = sqlite3_errcode(db) == SQLITE_INTERRUPT && statement_timeout_.count() > 0;
  std::string message = timed_out ? "the statement ran longer than the statement timeout of " +
                                        std::to_string(statement_timeout_.count()) + " ms and was interrupted"
                                  : std::string(sqlite3_errmsg(db));
  if (std::string problem = file_problem(code); !problem.empty()) message = problem + ": " + message;
  // A file that is no database cannot be used at all: as when it cannot be opened (exit 5).
  if ((code & 0xff) == SQLITE_CORRUPT || (code & 0xff) == SQLITE_NOTADB) kind = ErrorKind::connection;
  Error error(kind, message);
  error.with_server_code("", code).from_driver("sqlite");
  int offset = sqlite3_error_offset(db);
  if (offset >= 0 && static_cast<std::size_t>(offset) <= sql.size()) {
    auto position = position_of(sql, static_cast<std::size_t>(offset));
    error.at_line(position.line, position.column);
  }
  throw error;
}

namespace {
// Another connection changed the schema each time SQLite read it again (a migrator creating a
// table a millisecond while this one reads the ledger), so the statement has not run. again(rc)
// says whether to try once more, after a pause, for as long as a locked database is waited for.
class SchemaChurn {
 public:
  explicit SchemaChurn(std::chrono::milliseconds patience) : until_(std::chrono::steady_clock::now() + patience) {}
  bool again(int rc) {
    if ((rc & 0xff) != SQLITE_SCHEMA || std::chrono::steady_clock::now() >= until_) return false;
    std::this_thread::sleep_for(pause_);
    pause_ = std::min(pause_ * 2, std::chrono::milliseconds(50));
    return true;
  }

 private:
  std::chrono::steady_clock::time_point until_;
  std::chrono::milliseconds pause_{1};
};
}  // namespace

SqliteConnection::StatementHandle SqliteConnection::prepare(std::string_view sql) {
  sqlite3_stmt* raw = nullptr;
  SchemaChurn churn(busy_timeout_);
  int rc = 0;
  while ((rc = sqlite3_prepare_v2(db_.get(), sql.data(), static_cast<int>(sql.size()), &raw, nullptr)) != SQLITE_OK &&
         churn.again(rc)) {
  }
  if (rc != SQLITE_OK) fail(sql);
  return StatementHandle(raw);
}

void SqliteConnection::run(sqlite3_stmt* statement, std::string_view sql, const std::function<void(Row&)>* each) {
  deadline_ = std::chrono::steady_clock::now() + statement_timeout_;
  // A fault test awaits the statement in flight: at every step of SQLite's program until it
  // writes (the handler made at connect is put back after).
  struct InFlight {
    sqlite3* db;
    SqliteConnection* self;
    explicit InFlight(sqlite3* d, SqliteConnection* s) : db(d), self(s) {
      if (s) sqlite3_progress_handler(db, 1, &SqliteConnection::on_progress_in_flight, self);
    }
    ~InFlight() {
      if (self)
        sqlite3_progress_handler(db, self->statement_timeout_.count() > 0 ? 10000 : 0,
                                 self->statement_timeout_.count() > 0 ? &SqliteConnection::on_progress : nullptr, self);
    }
    InFlight(const InFlight&) = delete;
    InFlight& operator=(const InFlight&) = delete;
  } in_flight(db_.get(), statement_in_flight_wanted() ? this : nullptr);
  bool any_row = false;
  SchemaChurn churn(busy_timeout_);
  while (true) {
    int rc = sqlite3_step(statement);
    if (rc == SQLITE_DONE) return;
    if (!any_row && churn.again(rc)) {
      sqlite3_reset(statement);
      continue;
    }
    if (rc != SQLITE_ROW) fail(sql);
    any_row = true;
    if (!each) continue;
    Row row;
    int columns = sqlite3_column_count(statement);
    row.reserve(static_cast<std::size_t>(columns));
    for (int i = 0; i < columns; ++i) {
      switch (sqlite3_column_type(statement, i)) {
        case SQLITE_NULL: row.emplace_back(nullptr); break;
        case SQLITE_INTEGER: row.emplace_back(static_cast<std::int64_t>(sqlite3_column_int64(statement, i))); break;
        case SQLITE_FLOAT: row.emplace_back(sqlite3_column_double(statement, i)); break;
        default: {
          auto text = reinterpret_cast<const char*>(sqlite3_column_text(statement, i));
          row.emplace_back(std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(statement, i))));
        }
      }
    }
    (*each)(row);
  }
}

void SqliteConnection::execute(std::string_view sql) {
  // A statement may be followed by nothing but its own trailing text; run every part anyway.
  const char* rest = sql.data();
  const char* end = sql.data() + sql.size();
  while (rest < end) {
    sqlite3_stmt* raw = nullptr;
    const char* tail = nullptr;
    if (sqlite3_prepare_v2(db_.get(), rest, static_cast<int>(end - rest), &raw, &tail) != SQLITE_OK) fail(sql);
    StatementHandle statement(raw);
    if (statement) run(statement.get(), sql, nullptr);
    rest = tail;
  }
}

std::int64_t SqliteConnection::execute(std::string_view sql, std::span<const Value> params) {
  query(sql, params);
  return sqlite3_changes64(db_.get());
}

std::vector<Row> SqliteConnection::query(std::string_view sql, std::span<const Value> params) {
  std::vector<Row> rows;
  query_each(sql, params, [&](Row& row) { rows.push_back(std::move(row)); });
  return rows;
}

void SqliteConnection::query_each(std::string_view sql, std::span<const Value> params,
                                  const std::function<void(Row&)>& each) {
  StatementHandle statement = prepare(sql);
  for (std::size_t i = 0; i < params.size(); ++i) {
    int index = static_cast<int>(i) + 1;
    int rc = std::visit(
        [&](const auto& v) -> int {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::nullptr_t>)
            return sqlite3_bind_null(statement.get(), index);
          else if constexpr (std::is_same_v<T, std::int64_t>)
            return sqlite3_bind_int64(statement.get(), index, v);
          else if constexpr (std::is_same_v<T, double>)
            return sqlite3_bind_double(statement.get(), index, v);
          else
            return sqlite3_bind_text(statement.get(), index, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
        },
        params[i]);
    if (rc != SQLITE_OK) fail(sql);
  }
  run(statement.get(), sql, &each);
}

// IMMEDIATE takes the write lock at once, so that a migration never fails half-way because
// another writer got in between its reads and its first write.
void SqliteConnection::begin() {
  execute("BEGIN IMMEDIATE");
}
void SqliteConnection::commit() {
  execute("COMMIT");
}

void SqliteConnection::rollback() {
  if (sqlite3_get_autocommit(db_.get())) return;  // the statement's failure already ended it
  sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
}

bool SqliteConnection::table_exists(std::string_view table) {
  std::vector<Value> params{std::string(table)};
  return !query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1", params).empty();
}

std::vector<std::string> SqliteConnection::tables() {
  std::vector<std::string> names;
  for (const auto& row : query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                               "ORDER BY name",
                               {}))
    names.push_back(std::get<std::string>(row.at(0)));
  return names;
}

namespace {

// The column in `row` from `first` on: name, type, notnull, dflt_value, pk of pragma_table_info.
ColumnInfo column_of(const Row& row, std::size_t first) {
  ColumnInfo c;
  c.name = std::get<std::string>(row.at(first));
  c.type = std::get<std::string>(row.at(first + 1));
  c.nullable = std::get<std::int64_t>(row.at(first + 2)) == 0;
  if (auto d = std::get_if<std::string>(&row.at(first + 3))) c.default_sql = *d;
  c.primary_key = std::get<std::int64_t>(row.at(first + 4)) != 0;
  return c;
}

}  // namespace

std::vector<ColumnInfo> SqliteConnection::columns(std::string_view table) {
  std::vector<Value> params{std::string(table)};
  std::vector<ColumnInfo> out;
  for (const auto& row :
       query("SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?1) ORDER BY cid", params))
    out.push_back(column_of(row, 0));
  return out;
}

std::optional<std::vector<TableColumns>> SqliteConnection::all_columns() {
  std::vector<TableColumns> out;
  for (auto& row : query("SELECT m.name, p.name, p.type, p.\"notnull\", p.dflt_value, p.pk FROM sqlite_master m "
                         "LEFT JOIN pragma_table_info(m.name) p WHERE m.type = 'table' ORDER BY m.name, p.cid",
                         {})) {
    std::string& table = std::get<std::string>(row.at(0));
    if (out.empty() || out.back().table != table) out.push_back({std::move(table), {}});
    if (std::holds_alternative<std::string>(row.at(1))) out.back().columns.push_back(column_of(row, 1));
  }
  return out;
}

std::vector<IndexInfo> SqliteConnection::indexes(std::string_view table) {
  std::vector<Value> params{std::string(table)};
  std::vector<IndexInfo> out;
  for (const auto& row : query("SELECT name, \"unique\", origin FROM pragma_index_list(?1) ORDER BY name", params)) {
    IndexInfo index;
    index.name = std::get<std::string>(row.at(0));
    index.unique = std::get<std::int64_t>(row.at(1)) != 0;
    index.primary = std::get<std::string>(row.at(2)) == "pk";
    std::vector<Value> name{index.name};
    for (const auto& column : query("SELECT name FROM pragma_index_info(?1) ORDER BY seqno", name))
      if (auto text = std::get_if<std::string>(&column.at(0))) index.columns.push_back(*text);
    out.push_back(std::move(index));
  }
  return out;
}

std::vector<ForeignKeyInfo> SqliteConnection::foreign_keys(std::string_view table) {
  std::vector<Value> params{std::string(table)};
  std::vector<ForeignKeyInfo> out;
  std::int64_t current = -1;
  for (const auto& row : query("SELECT id, \"table\", \"from\", \"to\", on_update, on_delete "
                               "FROM pragma_foreign_key_list(?1) ORDER BY id, seq",
                               params)) {
    if (std::get<std::int64_t>(row.at(0)) != current) {
      current = std::get<std::int64_t>(row.at(0));
      ForeignKeyInfo fk;
      fk.referenced_table = std::get<std::string>(row.at(1));
      fk.on_update = std::get<std::string>(row.at(4));
      fk.on_delete = std::get<std::string>(row.at(5));
      out.push_back(std::move(fk));
    }
    out.back().columns.push_back(std::get<std::string>(row.at(2)));
    if (auto to = std::get_if<std::string>(&row.at(3))) out.back().referenced_columns.push_back(*to);
  }
  return out;
}

// Named constraints are not in SQLite's pragmas: they are read from the table's definition.
std::vector<ConstraintInfo> SqliteConnection::constraints(std::string_view table) {
  std::vector<Value> params{std::string(table)};
  auto rows = query("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?1", params);
  if (rows.empty() || !std::get_if<std::string>(&rows[0][0])) return {};
  return constraints_of(TableSql::parse(std::get<std::string>(rows[0][0])));
}

}  // namespace strata::sqlite
