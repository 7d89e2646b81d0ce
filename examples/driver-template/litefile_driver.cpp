// litefile: a strata driver written outside strata's tree, against the installed SDK only.
//
// It serves URLs `litefile:relative/path.db` and `litefile:///absolute/path.db` by wrapping
// SQLite (the SQLite3 C API), and shows everything a driver implements:
//   Dialect        quoting, placeholders, portable types, script splitting, refusals
//   Session        statements with bound parameters, transactions, errors with positions
//   Catalog        tables, columns, indexes, foreign keys
//   MigrationLock  a lock that the OS releases when the migrator dies
//   Connection     capabilities and the facts strata records (user, session, server)
//   renderer       portable operations (add_column, create_index, ...) in its SQL
//   Driver         the factory, declared to strata with the SDK's three macros (at the end)
// A driver reports every failure as strata::Error and lets none of its own exceptions out.
// Copy this file, rename the scheme, and replace SQLite with your database's client library.
#include <strata/plugin/sdk.hpp>

#include <sqlite3.h>

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

namespace litefile {
namespace {

using namespace strata;

// -- Dialect: pure text work, no I/O ------------------------------------------------------

// The value a `PRAGMA [schema.]<name> = value` (or `<name>(value)`) statement sets, unquoted and
// lower case; nullopt for any other statement, or a pragma that only reads.
std::optional<std::string> pragma_value(std::string_view sql, std::string_view name) {
  std::vector<std::string> t;  // words, quoted text unquoted, other characters alone; no comments
  for (std::size_t i = 0; i < sql.size();) {
    char c = sql[i];
    if (ascii_isspace(c)) {
      ++i;
    } else if (sql.substr(i, 2) == "--" || sql.substr(i, 2) == "/*") {
      std::size_t end = sql.find(c == '-' ? "\n" : "*/", i + 2);
      i = end == std::string_view::npos ? sql.size() : end + 2;
    } else if (c == '\'' || c == '"' || c == '`' || c == '[') {
      std::size_t end = std::min(sql.find(c == '[' ? ']' : c, i + 1), sql.size());
      t.emplace_back(sql.substr(i + 1, end - i - 1));
      i = end + 1;
    } else {
      std::size_t end = i + 1;
      while (end < sql.size() && (ascii_isalnum(sql[end]) || sql[end] == '_') && (ascii_isalnum(c) || c == '_')) ++end;
      t.emplace_back(sql.substr(i, end - i));
      i = end;
    }
  }
  for (auto& token : t) token = strata::ascii_lowercase(token);  // std::tolower follows the locale
  std::size_t at = t.size() > 3 && t[2] == "." ? 3 : 1;          // schema.name
  if (t.size() < at + 3 || t[0] != "pragma" || t[at] != name || (t[at + 1] != "=" && t[at + 1] != "(")) return {};
  std::string value;
  for (std::size_t i = at + 2; i < t.size() && t[i] != ")"; ++i) value += t[i];
  return value;
}

// How SQLite reads a boolean pragma value: on, yes, true, or a number that is not 0.
bool pragma_on(const std::string& value) {
  std::string v = value.starts_with('+') ? value.substr(1) : value;
  if (!v.empty() && ascii_isdigit(v[0])) return std::stoll(v.substr(0, 18)) != 0;
  return v == "on" || v == "yes" || v == "true";
}

class LitefileDialect final : public Dialect {
 public:
  std::string_view name() const override { return "litefile"; }
  // Its own suffix first, then SQLite's: a project's V3__x.sqlite.sql variants run here too.
  std::vector<std::string> suffixes() const override { return {"litefile", "sqlite"}; }
  std::string quote_identifier(std::string_view identifier) const override {
    return quote_identifier_with(identifier, '"');
  }
  std::string placeholder(int index) const override { return "?" + std::to_string(index); }
  // The portable type's own name as the declared type (SQLite keeps it, and gives it an affinity),
  // so that the catalog shows what a migration declared.
  std::string type_sql(const ColumnType& type) const override {
    std::string name = to_string(type);  // "string(32)", "decimal(10,2)", "timestamptz"
    if (type.type == PortableType::string) return type.length ? "VARCHAR(" + std::to_string(type.length) + ")" : "TEXT";
    if (type.type == PortableType::double_precision) return "DOUBLE";
    if (type.type == PortableType::binary) return "BLOB";
    return strata::ascii_uppercase(name);
  }
  std::vector<Statement> split(std::string_view script) const override {
    SplitRules rules;  // the core's splitter, told this SQL's lexical rules
    rules.bracket_identifiers = true;
    rules.backtick_identifiers = true;
    rules.trigger_bodies = true;
    return split_script(script, rules);
  }
  std::optional<StatementRefusal> refusal(const Statement& statement) const override {
    auto words = statement_keywords(statement.text, 1);
    std::string word = words.empty() ? "" : words.front();
    for (const char* control : {"BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE"})
      if (word == control) return StatementRefusal::transaction_control(word);
    if (word == "VACUUM") return StatementRefusal::outside_transaction("VACUUM");
    if (pragma_value(statement.text, "journal_mode"))  // SQLite keeps its journal mode inside a transaction
      return StatementRefusal::outside_transaction("PRAGMA journal_mode", "does nothing inside a transaction");
    return std::nullopt;
  }
  // SQLite ignores `PRAGMA foreign_keys` inside a transaction: a script that turns foreign keys
  // off (to rebuild a table) has strata turn them off around its transaction, and check them
  // before it commits.
  TransactionFrame transaction_frame(std::span<const Statement> statements) const override {
    for (const auto& statement : statements)
      if (auto value = pragma_value(statement.text, "foreign_keys"); value && !pragma_on(*value))
        return {{"PRAGMA foreign_keys = OFF"},
                {{"PRAGMA foreign_key_check",
                  "the migration leaves rows that break foreign keys (table, rowid, "
                  "referenced table, foreign key)"}},
                {"PRAGMA foreign_keys = ON"}};
    return {};
  }
};

// -- Portable operations: standard SQL, and what this backend needs besides ----------------
// SQLite's DROP COLUMN fails on an indexed column: like PostgreSQL, litefile drops the column's
// indexes first, reading them from the catalog. (Operations SqlRenderer::supports() declines,
// such as alter_column, stay unsupported: strata refuses them before anything runs.)

// The type names SQL files for this backend declare, and the portable type each stands for: what
// `strata diff` reads a column as (a driver lists its backend's built-in types).
constexpr NativeType litefile_types[] = {
    {"tinyint", PortableType::smallint},
    {"mediumint", PortableType::integer},
    {"bool", PortableType::boolean},
    {"float", PortableType::real},
    {"double precision", PortableType::double_precision},
    {"numeric", PortableType::decimal},
    {"char", PortableType::string},
    {"nvarchar", PortableType::string},
    {"clob", PortableType::text},
    {"datetime", PortableType::timestamp},
};

class LitefileRenderer final : public SqlRenderer {
 public:
  using SqlRenderer::SqlRenderer;
  // SQLite's integers are one type, and an auto-increment key must be declared INTEGER.
  bool same_type(const ColumnType& type, const ColumnInfo& column) const override {
    auto integer = [](const std::string& t) { return t == "INTEGER" || t == "BIGINT" || t == "SMALLINT"; };
    std::string want = compact_upper(dialect().type_sql(type)), have = compact_upper(column.type);
    return want == have || (integer(want) && integer(have)) || stands_for(type, column.type, litefile_types);
  }
  std::string column_definition(const ops::Column& column) const override {
    if (!column.auto_increment) return SqlRenderer::column_definition(column);
    return q(column.name) + " INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT";  // SQLite's rowid
  }
  std::vector<RenderedStatement> render(const ops::Operation& op, Catalog& catalog) const override {
    std::vector<RenderedStatement> out;
    if (auto* drop = std::get_if<ops::DropColumn>(&op.change))
      for (const auto& index : catalog.indexes(drop->table))
        if (!index.primary &&
            std::find(index.columns.begin(), index.columns.end(), drop->column) != index.columns.end())
          out.push_back({"DROP INDEX " + q(index.name), {}});
    for (auto& statement : SqlRenderer::render(op, catalog)) out.push_back(std::move(statement));
    return out;
  }
};

// -- MigrationLock: an exclusive transaction on a lock database next to the data ----------
// SQLite holds it with an OS file lock, so a migrator that dies releases it. Who holds it is
// written beside it, for the message of a migrator that gives up waiting.

// A connection handle closed with its owner, also when a constructor throws after opening it.
struct CloseDatabase {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DatabaseHandle = std::unique_ptr<sqlite3, CloseDatabase>;

// Opens `path`; a handle SQLite makes even when the open fails is closed with the error.
DatabaseHandle open_database(const std::string& path, int flags, const std::string& what) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  DatabaseHandle db(raw);
  if (rc != SQLITE_OK)
    throw Error(ErrorKind::connection,
                "cannot open " + what + path + ": " + (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  return db;
}

class ExclusiveLock final : public MigrationLock {
 public:
  explicit ExclusiveLock(std::string path)
      : path_(std::move(path)),
        db_(open_database(path_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, "the lock database ")) {}
  bool try_acquire() override {
    int rc = sqlite3_exec(db_.get(), "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr);
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) return false;
    if (rc != SQLITE_OK) throw Error(ErrorKind::connection, "cannot lock " + path_ + ": " + sqlite3_errmsg(db_.get()));
    std::ofstream(path_ + ".holder", std::ios::trunc)
        << "pid " << ::getpid() << " since " << utc_timestamp_now() << " UTC";
    return true;
  }
  void release() override { sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr); }
  std::string holder() override {
    std::string who;
    std::getline(std::ifstream(path_ + ".holder"), who);
    return who;
  }
  std::string describe() const override { return "exclusive transaction on " + path_; }

 private:
  std::string path_;
  DatabaseHandle db_;  // closing it ends the transaction, releasing the lock
};

// -- Connection, Session and Catalog ------------------------------------------------------

class LitefileConnection final : public Connection, public Session, public Catalog {
 public:
  explicit LitefileConnection(const ConnectOptions& options) : statement_timeout_(options.statement_timeout) {
    const DatabaseUrl& url = options.url;
    if ((url.has_authority && !url.host.empty()) || url.path.empty() || !url.query.empty())
      throw Error(ErrorKind::usage,
                  "a litefile URL is litefile:relative/path.db or litefile:///absolute/path.db, "
                  "with no host and no parameters (got " +
                      url.redacted() + ")");
    path_ = url.path;
    db_ = open_database(path_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, "");
    auto busy = options.lock_wait_timeout.count() > 0 ? options.lock_wait_timeout.count() : 5000;
    sqlite3_busy_timeout(db_.get(), static_cast<int>(busy));
    if (statement_timeout_.count() > 0)
      sqlite3_progress_handler(db_.get(), 10000, &LitefileConnection::on_progress, this);
    execute("PRAGMA foreign_keys = ON");
  }

  // Connection
  const Dialect& dialect() const override { return dialect_; }
  Capabilities capabilities() const override { return {.transactional_ddl = true}; }
  Session& session() override { return *this; }
  Catalog& catalog() override { return *this; }
  // Portable operations in standard SQL, which SQLite speaks (LitefileRenderer above).
  const OperationRenderer* renderer() override { return &renderer_; }
  std::unique_ptr<MigrationLock> make_lock(const LockScope&) override {
    return std::make_unique<ExclusiveLock>(path_ + ".litefile-lock");
  }
  std::string user_name() override {
    const passwd* pw = ::getpwuid(::geteuid());
    return pw ? pw->pw_name : "uid " + std::to_string(::geteuid());
  }
  std::string server_description() override { return std::string("litefile on SQLite ") + sqlite3_libversion(); }
  std::string session_id() override { return "pid " + std::to_string(::getpid()); }
  // The database runs inside the migrator: a session is busy while its process lives.
  // The id comes from the ledger, where anyone may have written anything: check it.
  bool session_busy(std::string_view session) override {
    if (!session.starts_with("pid ")) return false;
    std::string_view digits = session.substr(4);
    pid_t pid = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), pid);
    if (ec != std::errc() || end != digits.data() + digits.size() || pid <= 0)
      throw Error(ErrorKind::validation, "'" + std::string(session.substr(0, 40)) + "' is not a 'pid <process id>'");
    return pid != ::getpid() && (::kill(pid, 0) == 0 || errno == EPERM);
  }
  // target_schema(), remember_session() and restore_session() keep their defaults: one file is
  // one namespace, and no statement of a migration can move the session elsewhere. A server
  // with schemas or databases names its target and restores the search path, role and settings
  // a migration changed (see docs/writing-a-driver.md).

  // Session
  void execute(std::string_view sql) override {
    for (const char* rest = sql.data(); rest < sql.data() + sql.size();) {  // every statement of the text
      sqlite3_stmt* statement = nullptr;
      const char* tail = nullptr;
      if (sqlite3_prepare_v2(db_.get(), rest, static_cast<int>(sql.data() + sql.size() - rest), &statement, &tail) !=
          SQLITE_OK)
        fail(sql);
      if (statement) step_all(statement, sql, nullptr);
      rest = tail;
    }
  }
  std::int64_t execute(std::string_view sql, std::span<const Value> params) override {
    query(sql, params);
    return sqlite3_changes64(db_.get());
  }
  std::vector<Row> query(std::string_view sql, std::span<const Value> params) override {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db_.get(), sql.data(), static_cast<int>(sql.size()), &statement, nullptr) != SQLITE_OK)
      fail(sql);
    for (std::size_t i = 0; i < params.size(); ++i) {
      int at = static_cast<int>(i) + 1;
      const Value& v = params[i];
      int rc = std::holds_alternative<std::int64_t>(v) ? sqlite3_bind_int64(statement, at, std::get<std::int64_t>(v))
               : std::holds_alternative<double>(v)     ? sqlite3_bind_double(statement, at, std::get<double>(v))
               : std::holds_alternative<std::string>(v)
                   ? sqlite3_bind_text(statement, at, std::get<std::string>(v).c_str(), -1, SQLITE_TRANSIENT)
                   : sqlite3_bind_null(statement, at);
      if (rc != SQLITE_OK) {
        sqlite3_finalize(statement);
        fail(sql);
      }
    }
    std::vector<Row> rows;
    step_all(statement, sql, &rows);
    return rows;
  }
  void begin() override { execute("BEGIN IMMEDIATE"); }
  void commit() override { execute("COMMIT"); }
  void rollback() override {
    if (!sqlite3_get_autocommit(db_.get())) sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
  }

  // Catalog, with bound parameters like every value a driver sends
  bool table_exists(std::string_view table) override {
    return !query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1", text(table)).empty();
  }
  std::vector<std::string> tables() override {
    std::vector<std::string> names;
    for (auto& row : query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                           "ORDER BY name",
                           {}))
      names.push_back(std::get<std::string>(row[0]));
    return names;
  }
  std::vector<ColumnInfo> columns(std::string_view table) override {
    std::vector<ColumnInfo> out;
    for (auto& row : query("SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?1)", text(table))) {
      ColumnInfo column{.name = std::get<std::string>(row[0]), .type = std::get<std::string>(row[1])};
      column.nullable = std::get<std::int64_t>(row[2]) == 0;
      if (auto* d = std::get_if<std::string>(&row[3])) column.default_sql = *d;
      column.primary_key = std::get<std::int64_t>(row[4]) != 0;
      out.push_back(std::move(column));
    }
    return out;
  }
  std::vector<IndexInfo> indexes(std::string_view table) override {
    std::vector<IndexInfo> out;
    for (auto& row : query("SELECT name, \"unique\", origin FROM pragma_index_list(?1) ORDER BY name", text(table))) {
      IndexInfo index{.name = std::get<std::string>(row[0])};
      index.unique = std::get<std::int64_t>(row[1]) != 0;
      index.primary = std::get<std::string>(row[2]) == "pk";
      for (auto& column : query("SELECT name FROM pragma_index_info(?1) ORDER BY seqno", text(index.name)))
        if (auto* name = std::get_if<std::string>(&column[0])) index.columns.push_back(*name);
      out.push_back(std::move(index));
    }
    return out;
  }
  std::vector<ForeignKeyInfo> foreign_keys(std::string_view table) override {
    std::vector<ForeignKeyInfo> out;
    std::int64_t id = -1;
    for (auto& row : query("SELECT id, \"table\", \"from\", \"to\", on_update, on_delete "
                           "FROM pragma_foreign_key_list(?1) ORDER BY id, seq",
                           text(table))) {
      if (std::get<std::int64_t>(row[0]) != id) {
        id = std::get<std::int64_t>(row[0]);
        out.push_back({.referenced_table = std::get<std::string>(row[1]),
                       .on_delete = std::get<std::string>(row[5]),
                       .on_update = std::get<std::string>(row[4])});
      }
      out.back().columns.push_back(std::get<std::string>(row[2]));
      if (auto* to = std::get_if<std::string>(&row[3])) out.back().referenced_columns.push_back(*to);
    }
    return out;
  }

 private:
  static std::vector<Value> text(std::string_view value) { return {std::string(value)}; }

  static int on_progress(void* self) {
    auto* connection = static_cast<LitefileConnection*>(self);
    return std::chrono::steady_clock::now() > connection->deadline_;  // non-zero interrupts
  }

  // Steps `statement` to its end (finalizing it), collecting rows into `rows` when given.
  void step_all(sqlite3_stmt* statement, std::string_view sql, std::vector<Row>* rows) {
    deadline_ = std::chrono::steady_clock::now() + statement_timeout_;
    int rc;
    while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
      if (!rows) continue;
      Row& row = rows->emplace_back();
      for (int i = 0; i < sqlite3_column_count(statement); ++i) {
        switch (sqlite3_column_type(statement, i)) {
          case SQLITE_NULL: row.emplace_back(nullptr); break;
          case SQLITE_INTEGER: row.emplace_back(static_cast<std::int64_t>(sqlite3_column_int64(statement, i))); break;
          case SQLITE_FLOAT: row.emplace_back(sqlite3_column_double(statement, i)); break;
          default:
            row.emplace_back(std::string(reinterpret_cast<const char*>(sqlite3_column_text(statement, i)),
                                         static_cast<std::size_t>(sqlite3_column_bytes(statement, i))));
        }
      }
    }
    sqlite3_finalize(statement);
    if (rc != SQLITE_DONE) fail(sql);
  }

  // The error strata shows the user: the server's message and code, and where in `sql` it
  // happened (strata maps that to the migration file's line).
  [[noreturn]] void fail(std::string_view sql) {
    bool timed_out = sqlite3_errcode(db_.get()) == SQLITE_INTERRUPT && statement_timeout_.count() > 0;
    Error error(ErrorKind::apply_failed, timed_out ? "the statement ran longer than the statement timeout of " +
                                                         std::to_string(statement_timeout_.count()) +
                                                         " ms and was interrupted"
                                                   : std::string(sqlite3_errmsg(db_.get())));
    error.with_server_code("", sqlite3_extended_errcode(db_.get())).from_driver("litefile");
    if (int offset = sqlite3_error_offset(db_.get()); offset >= 0 && static_cast<std::size_t>(offset) <= sql.size()) {
      auto position = position_of(sql, static_cast<std::size_t>(offset));
      error.at_line(position.line, position.column);
    }
    throw error;
  }

  LitefileDialect dialect_;
  LitefileRenderer renderer_{dialect_};
  std::chrono::milliseconds statement_timeout_;
  std::chrono::steady_clock::time_point deadline_;
  std::string path_;
  DatabaseHandle db_;
};

}  // namespace

// -- Driver ---------------------------------------------------------------------------------
// The SDK's BasicDriver: the name, the version, the dialect, and a LitefileConnection per
// connect(). The factory strata calls must not throw: new_driver returns nullptr instead.
strata::Driver* make_driver() noexcept {
  return strata::plugin::new_driver<strata::plugin::BasicDriver<LitefileDialect, LitefileConnection>>("litefile",
                                                                                                      "1.0.0");
}

}  // namespace litefile

// The declarations strata reads from the file without loading it.
STRATA_DRIVER_PLUGIN(litefile::make_driver)
STRATA_DRIVER_SCHEME(litefile)
STRATA_DRIVER_SUFFIX(litefile)
STRATA_DRIVER_SUFFIX(sqlite)
