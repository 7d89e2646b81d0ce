#include "pg_connection.hpp"

#include "pg_lock.hpp"

#include <strata/ascii.hpp>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cerrno>
#include <charconv>
#include <cstdlib>

namespace strata::postgres {
namespace {

// libpq's text form of a bound value; nullopt for NULL.
std::optional<std::string> text_of(const Value& v) {
  if (std::holds_alternative<std::nullptr_t>(v)) return std::nullopt;
  if (auto i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  if (auto d = std::get_if<double>(&v)) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.17g", *d);
    return std::string(buffer);
  }
  return std::get<std::string>(v);
}

// The byte offset of the 1-based character `position` the server reports.
std::size_t byte_offset(std::string_view sql, long position) {
  std::size_t offset = 0;
  for (long chars = 1; chars < position && offset < sql.size(); ++chars) {
    ++offset;
    while (offset < sql.size() && (static_cast<unsigned char>(sql[offset]) & 0xC0) == 0x80) ++offset;
  }
  return offset;
}

// A whole number the server sent as text; nullopt when it is not one.
template <typename Integer>
std::optional<Integer> whole_number(std::string_view text) {
  Integer value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

[[noreturn]] void unreadable(const std::string& text, const char* type) {
  throw Error(ErrorKind::internal, "the server sent '" + text.substr(0, 40) + "' for a value of type " + type +
                                       ", which the postgres driver cannot read")
      .from_driver("postgres");
}

Value value_of(const PGresult* result, int row, int column) {
  if (PQgetisnull(result, row, column)) return nullptr;
  std::string text(PQgetvalue(result, row, column), static_cast<std::size_t>(PQgetlength(result, row, column)));
  switch (PQftype(result, column)) {
    case 16: return std::int64_t{text == "t"};  // bool
    case 20:
    case 21:
    case 23:
    case 26: {  // int8, int2, int4, oid
      if (auto n = whole_number<std::int64_t>(text)) return *n;
      unreadable(text, "integer");
    }
    case 700:
    case 701: {  // float4, float8, as the server spells them (NaN, Infinity too)
      char* end = nullptr;
      double d = std::strtod(text.c_str(), &end);
      if (text.empty() || end != text.c_str() + text.size()) unreadable(text, "double precision");
      return d;
    }
    default: return text;
  }
}

// NOTICEs (e.g. "table ... does not exist, skipping") are the server talking to a person at a
// psql prompt; strata reports outcomes, not notices.
void ignore_notice(void*, const char*) {}

}  // namespace

Error result_error(const PGresult* result, PGconn* conn, std::string_view sql, ErrorKind kind) {
  auto field = [&](int code) -> std::string {
    const char* value = result ? PQresultErrorField(result, code) : nullptr;
    return value ? value : "";
  };
  std::string message = field(PG_DIAG_MESSAGE_PRIMARY);
  if (PQstatus(conn) == CONNECTION_BAD) {
    // libpq's own text is several lines guessing at the cause ("This probably means..."); the
    // server's reason, when it sent one, is its first line.
    std::string said = PQerrorMessage(conn);
    said = said.substr(0, said.find('\n'));
    for (std::string_view severity : {"FATAL:  ", "ERROR:  "})
      if (said.rfind(severity, 0) == 0) said.erase(0, severity.size());
    if (message.empty()) message = said;
    return Error(ErrorKind::connection,
                 "the connection to the server was lost during this statement (the server restarted or "
                 "stopped, or an administrator ended the session)" +
                     (message.empty() ? std::string() : ": " + message))
        .with_server_code(field(PG_DIAG_SQLSTATE))
        .from_driver("postgres");
  }
  if (message.empty()) {
    message = PQerrorMessage(conn);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  }
  if (std::string detail = field(PG_DIAG_MESSAGE_DETAIL); !detail.empty()) message += " (" + detail + ")";
  if (std::string hint = field(PG_DIAG_MESSAGE_HINT); !hint.empty()) message += "; hint: " + hint;
  Error error(kind, message);
  error.with_server_code(field(PG_DIAG_SQLSTATE)).from_driver("postgres");
  if (auto position = whole_number<long>(field(PG_DIAG_STATEMENT_POSITION)); position && *position > 0) {
    auto at = position_of(sql, byte_offset(sql, *position));
    error.at_line(at.line, at.column);
  }
  return error;
}

PgConnection::PgConnection(const ConnectOptions& options) {
  const DatabaseUrl& url = options.url;
  std::vector<std::string> keys, values;
  auto add = [&](std::string key, std::string value) {
    keys.push_back(std::move(key));
    values.push_back(std::move(value));
  };
  if (!url.host.empty()) add("host", url.host);
  if (url.port) add("port", std::to_string(*url.port));
  if (!url.user.empty()) add("user", url.user);
  if (!url.password.empty()) add("password", url.password);
  if (url.path.size() > 1) add("dbname", url.path.substr(1));
  bool named = false, timed = std::getenv("PGCONNECT_TIMEOUT") != nullptr;
  for (const auto& [key, value] : url.query) {
    if (key == "schema" || key == "search_path") {
      schema_ = value;
      continue;
    }
    if (key == "transactional_ddl") {
      if (value != "on" && value != "off")
        throw Error(ErrorKind::usage, "transactional_ddl=" + value + ": the postgres driver takes on or off")
            .from_driver("postgres");
      transactional_ddl_ = value == "on";
      continue;
    }
    if (key == "pooler") {
      if (value != "transaction" && value != "session")
        throw Error(ErrorKind::usage, "pooler=" + value +
                                          ": the postgres driver takes transaction (a pooler that gives each "
                                          "transaction any server connection, as PgBouncer's transaction pooling) "
                                          "or session")
            .from_driver("postgres");
      pooler_ = value == "transaction" ? Pooler::transaction : Pooler::session;
      continue;
    }
    named |= key == "application_name";
    timed |= key == "connect_timeout";
    add(key, value);
  }
  // A server that accepts the connection and never answers (stopped) must not hold strata
  // forever; the URL's connect_timeout or PGCONNECT_TIMEOUT wins. libpq takes whole seconds, 2 at least.
  if (!timed && options.answer_timeout.count() > 0)
    add("connect_timeout", std::to_string(std::max<std::int64_t>(2, (options.answer_timeout.count() + 999) / 1000)));
  lock_deadline_ = options.answer_timeout;
  // An operator looking at pg_stat_activity sees who is migrating.
  if (!named) add("application_name", "strata " STRATA_VERSION_STRING " pid " + std::to_string(::getpid()));
  std::vector<const char*> key_ptrs, value_ptrs;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    key_ptrs.push_back(keys[i].c_str());
    value_ptrs.push_back(values[i].c_str());
  }
  key_ptrs.push_back(nullptr);
  value_ptrs.push_back(nullptr);
  conn_.reset(PQconnectdbParams(key_ptrs.data(), value_ptrs.data(), 0));
  if (!conn_ || PQstatus(conn_.get()) != CONNECTION_OK) {
    std::string reason = conn_ ? PQerrorMessage(conn_.get()) : "out of memory";
    while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' ')) reason.pop_back();
    throw Error(ErrorKind::connection, "cannot connect to " + url.redacted() + ": " + reason).from_driver("postgres");
  }
  PQsetNoticeProcessor(conn_.get(), ignore_notice, nullptr);
  recognise_engine(url);
  apply_settings(options, options.create_schema);
  renderer_.in_schema(schema_);
}

// Behind a transaction pooler, each transaction may run on another server connection, so the
// settings are not the session's: each transaction strata begins sets them for itself (SET
// LOCAL), and so does each statement run outside one (see execute).
void PgConnection::apply_settings(const ConnectOptions& options, bool create_schema) {
  auto set = [&](const std::string& setting) {
    if (pooler_ == Pooler::transaction)
      transaction_settings_ += (transaction_settings_.empty() ? "SET LOCAL " : "; SET LOCAL ") + setting;
    else
      execute("SET " + setting);
  };
  // A killed migrator's backend must end promptly, so that its lock and transaction go too.
  if (PQserverVersion(conn_.get()) >= 140000) set("client_connection_check_interval = '1s'");
  if (options.statement_timeout.count() > 0) {
    set("statement_timeout = " + std::to_string(options.statement_timeout.count()));
    answer_deadline_ = options.statement_timeout + std::chrono::seconds(5);
  }
  configured_deadline_ = answer_deadline_;
  if (options.lock_wait_timeout.count() > 0) set("lock_timeout = " + std::to_string(options.lock_wait_timeout.count()));
  // The backend's own process id comes with the first query: it differs from the one the
  // connection reported where a pooler stands between (which reports one of its own).
  std::int64_t backend = 0;
  if (schema_.empty()) {
    auto rows = query("SELECT current_schema(), pg_backend_pid()", {});
    if (rows.empty() || std::holds_alternative<std::nullptr_t>(rows[0][0]))
      throw Error(ErrorKind::usage, "the search_path names no schema that exists; give ?schema= in the URL");
    schema_ = std::get<std::string>(rows[0][0]);
    backend = std::get<std::int64_t>(rows[0][1]);
  } else {
    std::vector<Value> name{schema_};
    auto rows =
        query("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1), pg_backend_pid()", name);
    bool exists = std::get<std::int64_t>(rows.at(0).at(0)) != 0;
    backend = std::get<std::int64_t>(rows.at(0).at(1));
    if (!exists && !create_schema)
      throw Error(ErrorKind::usage,
                  "the schema \"" + schema_ + "\" does not exist; create it, or pass --create-schema");
    if (!exists) execute("CREATE SCHEMA IF NOT EXISTS " + dialect_.quote_identifier(schema_));
    set("search_path TO " + dialect_.quote_identifier(schema_));
  }
  if (pooler_ == Pooler::none && !engine_ && backend != PQbackendPID(conn_.get()))
    throw Error(ErrorKind::usage, options.url.redacted() +
                                      " reaches PostgreSQL through a connection pooler (the backend's process id "
                                      "is not the one the connection reported). Say how it pools: add "
                                      "pooler=transaction to the URL where each transaction may run on another "
                                      "server connection (PgBouncer's pool_mode = transaction), pooler=session "
                                      "where a client keeps its server connection; or connect to the server itself")
        .from_driver("postgres");
}

namespace {

// The session settings a migration may change and strata restores after it: who runs the
// statements (session authorization first, since setting it also resets the role), where
// unqualified names go, the limits strata set at connect, and what changes the meaning of
// later statements (replication role "replica" skips foreign-key triggers; read-only
// transactions; how string literals and text are read). A setting this server lacks reads NULL.
constexpr const char* tracked_settings[] = {
    "session_authorization",
    "role",
    "search_path",
    "statement_timeout",
    "lock_timeout",
    "client_connection_check_interval",
    "session_replication_role",
    "default_transaction_read_only",
    "standard_conforming_strings",
    "client_encoding",
};

std::string settings_query() {
  std::string sql;
  for (const char* name : tracked_settings)
    sql += std::string(sql.empty() ? "SELECT " : ", ") + "pg_catalog.current_setting('" + name + "', true)";
  return sql;
}

std::string setting_text(const Value& v) {
  return std::holds_alternative<std::string>(v) ? std::get<std::string>(v) : "NULL";
}

}  // namespace

std::vector<Value> PgConnection::session_settings() {
  static const std::string sql = settings_query();
  return query(sql, {}).at(0);
}

void PgConnection::remember_session() {
  // Behind a transaction pooler there is no session to restore: the settings are each
  // transaction's own.
  if (pooler_ != Pooler::transaction) remembered_ = session_settings();
}

std::vector<SessionChange> PgConnection::restore_session() {
  if (remembered_.empty()) return {};
  std::vector<Value> now = session_settings();
  std::vector<SessionChange> changes;
  for (std::size_t i = 0; i < now.size(); ++i)
    if (now[i] != remembered_[i])
      changes.push_back({tracked_settings[i], setting_text(remembered_[i]), setting_text(now[i])});
  // Two rounds: restoring one setting can reset another (session authorization resets the role).
  for (int round = 0; round < 2 && now != remembered_; ++round) {
    for (std::size_t i = 0; i < now.size(); ++i) {
      if (now[i] == remembered_[i] || std::holds_alternative<std::nullptr_t>(remembered_[i])) continue;
      std::vector<Value> params{std::string(tracked_settings[i]), remembered_[i]};
      query("SELECT pg_catalog.set_config($1, $2, false)", params);
    }
    now = session_settings();
  }
  for (std::size_t i = 0; i < now.size(); ++i)
    if (now[i] != remembered_[i])
      throw Error(ErrorKind::apply_failed, std::string("cannot restore the session's ") + tracked_settings[i] +
                                               " to '" + setting_text(remembered_[i]) + "' (it is '" +
                                               setting_text(now[i]) + "')")
          .from_driver("postgres");
  answer_deadline_ = configured_deadline_;  // the statement timeout is strata's again
  return changes;
}

// A server that only speaks PostgreSQL's protocol is refused, naming it, unless the URL asks
// for strata's profile without transactional DDL (and the core then takes the lease lock, by
// lock_gap()).
void PgConnection::recognise_engine(const DatabaseUrl& url) {
  auto parameter = [&](const char* name) {
    const char* value = PQparameterStatus(conn_.get(), name);
    return std::string(value ? value : "");
  };
  engine_ = foreign_engine(parameter("server_version"), parameter("crdb_version"));
  if (engine_ && transactional_ddl_)
    throw Error(ErrorKind::usage, url.redacted() + " is " + engine_->name + ", not PostgreSQL: " + engine_->differs +
                                      ". strata is not tested against " + engine_->name +
                                      " yet; to migrate it all the same, add lock=lease&transactional_ddl=off to "
                                      "the URL (the profile the test suite runs on PostgreSQL)")
        .from_driver("postgres");
}

std::string PgConnection::lock_gap() {
  if (pooler_ == Pooler::transaction)
    return "a transaction pooler (pooler=transaction): a session's advisory lock would stay on a server "
           "connection the pooler gives others";
  return engine_ ? engine_->lock : std::string();
}

Capabilities PgConnection::capabilities() const {
  Capabilities c;
  c.transactional_ddl = transactional_ddl_;
  c.schemas = true;
  return c;
}

std::unique_ptr<MigrationLock> PgConnection::make_lock(const LockScope& scope) {
  // No lock of the server's holds (lock_gap): the lease alone. YugabyteDB's advisory lock may
  // even raise an error where it is off.
  if (pooler_ == Pooler::transaction || engine_) return nullptr;
  const std::string& schema = schema_;
  std::int64_t key = advisory_key(schema, scope.ledger_table);
  return std::make_unique<AdvisoryLock>(
      *this, key, "advisory lock " + std::to_string(key) + " on " + schema + "." + scope.ledger_table);
}

std::string PgConnection::user_name() {
  return std::get<std::string>(query("SELECT current_user::text", {}).at(0).at(0));
}

std::string PgConnection::server_description() {
  const char* version = PQparameterStatus(conn_.get(), "server_version");
  return std::string("PostgreSQL ") + (version ? version : "?");
}

namespace {
constexpr std::string_view server_started = ", server started ";
// To the millisecond, in UTC: the id fits the ledger's 64 characters.
constexpr const char* postmaster_start =
    "SELECT to_char(pg_postmaster_start_time() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS')";
}  // namespace

// "backend pid 4242, server started 2026-12-05 06:07:10.123" (UTC): a pid is reused once the
// server restarts.
std::string PgConnection::session_id() {
  // The process id the connection reports is the pooler's, and the server's changes with each
  // transaction: no session that session_busy() could look for.
  if (pooler_ == Pooler::transaction) return "a server connection of a transaction pooler";
  std::string started = setting_text(query(postmaster_start, {}).at(0).at(0));
  return "backend pid " + std::to_string(PQbackendPID(conn_.get())) + std::string(server_started) + started;
}

bool PgConnection::session_busy(std::string_view session_id) {
  constexpr std::string_view prefix = "backend pid ";
  if (!session_id.starts_with(prefix)) return false;
  // The id comes from the ledger, where anyone may have written anything.
  std::string_view pid_text = session_id.substr(prefix.size());
  std::string_view started;
  if (auto at = pid_text.find(server_started); at != std::string_view::npos) {
    started = pid_text.substr(at + server_started.size());
    pid_text = pid_text.substr(0, at);
  }
  auto number = whole_number<std::int32_t>(pid_text);
  if (!number || *number <= 0)
    throw Error(ErrorKind::validation, "'" + std::string(session_id.substr(0, 40)) +
                                           (session_id.size() > 40 ? "..." : "") +
                                           "' is not a session this driver records ('backend pid ' and a process id)")
        .from_driver("postgres");
  if (!started.empty() && setting_text(query(postmaster_start, {}).at(0).at(0)) != started)
    return false;  // a session of another start of the server: gone
  std::vector<Value> pid{std::int64_t{*number}};
  return !query(
              "SELECT 1 FROM pg_catalog.pg_stat_activity WHERE pid = $1 AND pid <> pg_backend_pid() AND "
              "state IS DISTINCT FROM 'idle'",
              pid)
              .empty();
}

PgResult PgConnection::run(std::string_view sql, std::span<const Value> params, ErrorKind kind) {
  std::vector<std::optional<std::string>> texts;
  texts.reserve(params.size());
  for (const auto& p : params) texts.push_back(text_of(p));
  std::vector<const char*> pointers;
  pointers.reserve(texts.size());
  for (const auto& t : texts) pointers.push_back(t ? t->c_str() : nullptr);
  std::string text(sql);
  // Statements strata runs again and again (catalog reads before every guarded operation, ledger
  // updates) are prepared once per session, at their third run; prepared statements outlive
  // transactions, and the server replans one when the schema under it changes. A statement run
  // once or twice goes with its parameters in one round trip (parse, bind and execute), where
  // preparing it first took a round trip more: the up-to-date check's statements are each run
  // once or twice, and it took twelve round trips after signing in where it now takes seven.
  // Not behind a transaction pooler: a statement prepared on one server connection is unknown to
  // the next.
  Statement* statement = nullptr;
  if (pooler_ != Pooler::transaction) {
    auto known = statements_.find(text);
    if (known == statements_.end() && statements_.size() < max_statements)
      known = statements_.emplace(text, Statement{}).first;
    if (known != statements_.end()) statement = &known->second;
  }
  auto n = static_cast<int>(pointers.size());
  if (statement && statement->name.empty() && ++statement->runs > runs_unprepared && prepared_ < max_prepared) {
    std::string name = "strata_" + std::to_string(prepared_ + 1);
    PgResult made = sends_apart() ? answer(PQsendPrepare(conn_.get(), name.c_str(), text.c_str(), n, nullptr))
                                  : PgResult(PQprepare(conn_.get(), name.c_str(), text.c_str(), n, nullptr));
    if (made && PQresultStatus(made.get()) == PGRES_COMMAND_OK) {
      statement->name = std::move(name);
      ++prepared_;
    } else {
      statement->runs = 0;  // prepared again, if ever, after as many runs more
    }
  }
  const char* prepared = statement && !statement->name.empty() ? statement->name.c_str() : nullptr;
  auto sent = [&] {
    return prepared ? PQsendQueryPrepared(conn_.get(), prepared, n, pointers.data(), nullptr, nullptr, 0)
                    : PQsendQueryParams(conn_.get(), text.c_str(), n, nullptr, pointers.data(), nullptr, nullptr, 0);
  };
  PgResult result =
      sends_apart() ? read_after_sending(sent())
      : prepared    ? PgResult(PQexecPrepared(conn_.get(), prepared, n, pointers.data(), nullptr, nullptr, 0))
                 : PgResult(PQexecParams(conn_.get(), text.c_str(), n, nullptr, pointers.data(), nullptr, nullptr, 0));
  auto status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) throw result_error(result.get(), conn_.get(), sql, kind);
  return result;
}

PgResult PgConnection::read_after_sending(int sent) {
  if (sent) statement_in_flight();
  return answer(sent);
}

PgResult PgConnection::answer(int sent) {
  if (!sent) return nullptr;  // the caller reports the connection's error
  if (answer_deadline_.count() > 0) wait_for_answer();
  // The last result, or the first error, as PQexec keeps.
  PgResult kept;
  while (PgResult next{PQgetResult(conn_.get())}) {
    if (!kept || PQresultStatus(kept.get()) != PGRES_FATAL_ERROR) kept = std::move(next);
  }
  return kept;
}

void PgConnection::wait_for_answer() {
  auto until = std::chrono::steady_clock::now() + answer_deadline_;
  while (PQisBusy(conn_.get())) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    pollfd socket{PQsocket(conn_.get()), POLLIN, 0};
    int ready = left.count() > 0 ? ::poll(&socket, 1, static_cast<int>(left.count())) : 0;
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      // Nothing more may be asked of this connection: each request would wait as long.
      ::shutdown(PQsocket(conn_.get()), SHUT_RDWR);
      throw Error(ErrorKind::connection, "the server did not answer within " +
                                             std::to_string((answer_deadline_.count() + 999) / 1000) + " s (" +
                                             deadline_reason_ + "): it is stopped, overloaded or unreachable")
          .from_driver("postgres");
    }
    if (ready < 0 || !PQconsumeInput(conn_.get())) return;  // PQgetResult reports the connection's error
  }
}

namespace {
// A statement that may change the session's statement_timeout: one that names it (SET, SET
// LOCAL, set_config, ALTER ROLE ... SET), or RESET / DISCARD ALL, which return it to the
// role's or server's default. A function of the user's that sets it is not followed.
bool may_set_statement_timeout(const std::string& sql) {
  std::string upper = ascii_uppercase(sql);
  return upper.find("STATEMENT_TIMEOUT") != std::string::npos || upper.find("RESET") != std::string::npos ||
         upper.find("DISCARD") != std::string::npos;
}
}  // namespace

// The simple protocol, as psql runs a script's statements: it accepts every statement
// (VACUUM, CREATE INDEX CONCURRENTLY) exactly as psql would.
void PgConnection::execute(std::string_view sql) {
  if (pooler_ != Pooler::transaction || transaction_settings_.empty() ||
      PQtransactionStatus(conn_.get()) != PQTRANS_IDLE) {
    simple(sql);
    return;
  }
  // Behind a transaction pooler, a statement outside a transaction runs in one of strata's own,
  // which carries the settings: the pooler may give it any server connection.
  simple("BEGIN; " + transaction_settings_);
  try {
    simple(sql);
  } catch (const Error& e) {
    rollback();
    if (e.sqlstate() != "25001") throw;  // active_sql_transaction: it cannot run inside a transaction
    throw Error(ErrorKind::apply_failed,
                e.message() +
                    ": behind a transaction pooler (pooler=transaction), strata runs each statement inside a "
                    "transaction, the only place its settings (schema, timeouts) hold; run this migration "
                    "(strata migrate --resume) through a URL of the server itself, without the pooler")
        .with_server_code(e.sqlstate())
        .from_driver("postgres");
  }
  simple("COMMIT");
}

void PgConnection::simple(std::string_view sql) {
  std::string text(sql);
  PgResult result = sends_apart() ? read_after_sending(PQsendQuery(conn_.get(), text.c_str()))
                                  : PgResult(PQexec(conn_.get(), text.c_str()));
  auto status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_EMPTY_QUERY)
    throw result_error(result.get(), conn_.get(), sql, ErrorKind::apply_failed);
  if (configured_deadline_.count() > 0 && may_set_statement_timeout(text)) follow_statement_timeout();
}

void PgConnection::follow_statement_timeout() {
  PgResult result(
      answer(PQsendQuery(conn_.get(), "SELECT setting FROM pg_catalog.pg_settings WHERE name = 'statement_timeout'")));
  if (!result || PQresultStatus(result.get()) != PGRES_TUPLES_OK || PQntuples(result.get()) != 1) return;
  auto ms = whole_number<std::int64_t>(PQgetvalue(result.get(), 0, 0));
  if (!ms || *ms < 0) return;
  answer_deadline_ = *ms == 0 ? std::chrono::milliseconds(0) : std::chrono::milliseconds(*ms) + std::chrono::seconds(5);
}

std::int64_t PgConnection::execute(std::string_view sql, std::span<const Value> params) {
  PgResult result = run(sql, params);
  const char* affected = PQcmdTuples(result.get());
  if (!affected || !*affected) return 0;  // a statement that reports no count
  if (auto n = whole_number<std::int64_t>(affected)) return *n;
  unreadable(affected, "row count");
}

std::vector<Row> PgConnection::query(std::string_view sql, std::span<const Value> params) {
  std::vector<Row> rows;
  query_each(sql, params, [&](Row& row) { rows.push_back(std::move(row)); });
  return rows;
}

void PgConnection::query_each(std::string_view sql, std::span<const Value> params,
                              const std::function<void(Row&)>& each) {
  PgResult result = run(sql, params);
  int columns = PQnfields(result.get());
  for (int r = 0; r < PQntuples(result.get()); ++r) {
    Row row;
    row.reserve(static_cast<std::size_t>(columns));
    for (int c = 0; c < columns; ++c) row.push_back(value_of(result.get(), r, c));
    each(row);
  }
}

void PgConnection::begin() {
  simple(transaction_settings_.empty() ? std::string("BEGIN") : "BEGIN; " + transaction_settings_);
}
void PgConnection::commit() {
  simple("COMMIT");
}

void PgConnection::rollback() {
  if (PQtransactionStatus(conn_.get()) == PQTRANS_IDLE) return;
  PgResult ignored(PQexec(conn_.get(), "ROLLBACK"));
}

bool PgConnection::table_exists(std::string_view table) {
  std::vector<Value> params{schema_, std::string(table)};
  return !query(
              "SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
              "WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')",
              params)
              .empty();
}

std::vector<std::string> PgConnection::tables() {
  std::vector<Value> params{schema_};
  std::vector<std::string> names;
  for (const auto& row : query("SELECT c.relname::text FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
                               "ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') "
                               "ORDER BY c.relname",
                               params))
    names.push_back(std::get<std::string>(row.at(0)));
  return names;
}

namespace {

// A column of pg_attribute, with its default and whether the primary key holds it: what
// columns() and all_columns() read, from the given tables (the FROM and WHERE after them, which
// join `primary_index` to the table c).
constexpr const char* column_select =
    "a.attname::text, pg_catalog.format_type(a.atttypid, a.atttypmod), NOT a.attnotnull, "
    "pg_catalog.pg_get_expr(d.adbin, d.adrelid), COALESCE(a.attnum = ANY (i.indkey), false) ";
// A table's primary key, if it has one (at most one row): joined once per table, where a subquery
// per column made the whole catalog's read 2-3 times slower at 1,000 tables (EXPLAIN ANALYZE).
constexpr const char* primary_index = "LEFT JOIN pg_catalog.pg_index i ON i.indrelid = c.oid AND i.indisprimary ";

// The column in `row` from `first` on (the columns of column_select).
ColumnInfo column_of(const Row& row, std::size_t first) {
  ColumnInfo c;
  c.name = std::get<std::string>(row.at(first));
  c.type = std::get<std::string>(row.at(first + 1));
  c.nullable = std::get<std::int64_t>(row.at(first + 2)) != 0;
  if (auto d = std::get_if<std::string>(&row.at(first + 3))) c.default_sql = *d;
  c.primary_key = std::get<std::int64_t>(row.at(first + 4)) != 0;
  return c;
}

}  // namespace

std::vector<ColumnInfo> PgConnection::columns(std::string_view table) {
  std::vector<Value> params{schema_, std::string(table)};
  std::vector<ColumnInfo> out;
  for (const auto& row :
       query(std::string("SELECT ") + column_select +
                 "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
                 "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace " +
                 primary_index +
                 "LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
                 "WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
             params))
    out.push_back(column_of(row, 0));
  return out;
}

std::optional<std::vector<TableColumns>> PgConnection::all_columns() {
  std::vector<Value> params{schema_};
  std::vector<TableColumns> out;
  for (auto& row : query(
           std::string("SELECT c.relname::text, ") + column_select +
               "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace " + primary_index +
               "LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
               "LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
               "WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY c.relname, a.attnum",
           params)) {
    std::string& table = std::get<std::string>(row.at(0));
    if (out.empty() || out.back().table != table) out.push_back({std::move(table), {}});
    if (std::holds_alternative<std::string>(row.at(1))) out.back().columns.push_back(column_of(row, 1));
  }
  return out;
}

namespace {

std::vector<std::string> lines_of(const Value& v) {
  std::vector<std::string> out;
  auto text = std::get_if<std::string>(&v);
  if (!text) return out;
  std::size_t start = 0;
  while (start <= text->size()) {
    std::size_t end = text->find('\n', start);
    out.push_back(text->substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

std::string action_of(const Value& v) {
  std::string code = std::holds_alternative<std::string>(v) ? std::get<std::string>(v) : "a";
  switch (code.empty() ? 'a' : code[0]) {
    case 'r': return "RESTRICT";
    case 'c': return "CASCADE";
    case 'n': return "SET NULL";
    case 'd': return "SET DEFAULT";
    default: return "NO ACTION";
  }
}

// The names of a key's columns, one per line, in key order.
constexpr const char* key_columns =
    "(SELECT string_agg(a.attname::text, E'\\n' ORDER BY k.n) FROM unnest(%s) WITH ORDINALITY k(attnum, n) "
    "JOIN pg_catalog.pg_attribute a ON a.attrelid = %s AND a.attnum = k.attnum)";

std::string columns_of(const char* key, const char* relation) {
  char buffer[512];
  std::snprintf(buffer, sizeof buffer, key_columns, key, relation);
  return buffer;
}

}  // namespace

std::vector<IndexInfo> PgConnection::indexes(std::string_view table) {
  std::vector<Value> params{schema_, std::string(table)};
  std::vector<IndexInfo> out;
  for (const auto& row : query("SELECT i.relname::text, ix.indisunique, ix.indisprimary, ix.indisvalid, " +
                                   columns_of("ix.indkey", "ix.indrelid") +
                                   " FROM pg_catalog.pg_index ix JOIN pg_catalog.pg_class i ON i.oid = ix.indexrelid "
                                   "JOIN pg_catalog.pg_class t ON t.oid = ix.indrelid "
                                   "JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace "
                                   "WHERE n.nspname = $1 AND t.relname = $2 ORDER BY i.relname",
                               params)) {
    IndexInfo index;
    index.name = std::get<std::string>(row.at(0));
    index.unique = std::get<std::int64_t>(row.at(1)) != 0;
    index.primary = std::get<std::int64_t>(row.at(2)) != 0;
    index.valid = std::get<std::int64_t>(row.at(3)) != 0;
    index.columns = lines_of(row.at(4));
    out.push_back(std::move(index));
  }
  return out;
}

std::vector<ConstraintInfo> PgConnection::constraints(std::string_view table) {
  std::vector<Value> params{schema_, std::string(table)};
  std::vector<ConstraintInfo> out;
  for (const auto& row : query("SELECT c.conname::text, c.contype::text, " + columns_of("c.conkey", "c.conrelid") +
                                   ", COALESCE(r.relname::text, ''), " + columns_of("c.confkey", "c.confrelid") +
                                   ", pg_catalog.pg_get_constraintdef(c.oid) "
                                   "FROM pg_catalog.pg_constraint c JOIN pg_catalog.pg_class t ON t.oid = c.conrelid "
                                   "JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace "
                                   "LEFT JOIN pg_catalog.pg_class r ON r.oid = c.confrelid "
                                   "WHERE c.contype IN ('p', 'u', 'c', 'f') AND n.nspname = $1 AND t.relname = $2 "
                                   "ORDER BY c.conname",
                               params)) {
    ConstraintInfo c;
    c.name = std::get<std::string>(row.at(0));
    std::string type = std::get<std::string>(row.at(1));
    c.kind = type == "p"   ? ConstraintInfo::Kind::primary_key
             : type == "u" ? ConstraintInfo::Kind::unique
             : type == "c" ? ConstraintInfo::Kind::check
                           : ConstraintInfo::Kind::foreign_key;
    c.columns = lines_of(row.at(2));
    c.referenced_table = std::get<std::string>(row.at(3));
    c.referenced_columns = lines_of(row.at(4));
    if (c.kind == ConstraintInfo::Kind::check) c.expression = std::get<std::string>(row.at(5));
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<ForeignKeyInfo> PgConnection::foreign_keys(std::string_view table) {
  std::vector<Value> params{schema_, std::string(table)};
  std::vector<ForeignKeyInfo> out;
  for (const auto& row : query("SELECT c.conname::text, " + columns_of("c.conkey", "c.conrelid") +
                                   ", r.relname::text, " + columns_of("c.confkey", "c.confrelid") +
                                   ", c.confdeltype::text, c.confupdtype::text "
                                   "FROM pg_catalog.pg_constraint c JOIN pg_catalog.pg_class t ON t.oid = c.conrelid "
                                   "JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace "
                                   "JOIN pg_catalog.pg_class r ON r.oid = c.confrelid "
                                   "WHERE c.contype = 'f' AND n.nspname = $1 AND t.relname = $2 ORDER BY c.conname",
                               params)) {
    ForeignKeyInfo fk;
    fk.name = std::get<std::string>(row.at(0));
    fk.columns = lines_of(row.at(1));
    fk.referenced_table = std::get<std::string>(row.at(2));
    fk.referenced_columns = lines_of(row.at(3));
    fk.on_delete = action_of(row.at(4));
    fk.on_update = action_of(row.at(5));
    out.push_back(std::move(fk));
  }
  return out;
}

}  // namespace strata::postgres
