// The interfaces a database driver implements, and all that the core asks of a database.
//
// They are deliberately narrow and separate:
//   Dialect       pure: quoting, placeholders, types, script splitting. No I/O.
//   Session       executes statements and queries, with bound parameters, and transactions.
//   Catalog       introspects what exists (tables, columns).
//   MigrationLock the lock that serialises migrators on one database.
//   Connection    one connection to one database, giving the four above and its capabilities;
//                 it also names the schema strata works in, and restores the session state a
//                 migration changed.
//   Driver        makes connections for the URL schemes it declares.
// (Maintainers: the core wraps every object a driver makes, core/src/guarded_driver.cpp; a virtual
// added here must be forwarded there too, or the driver's own is never called.)
// A driver reports every failure as strata::Error; its own exceptions never leave it. A driver
// that cannot answer a question refuses with an Error; it never pretends.
//
// Ownership and lifetimes: a Driver owns its Dialect; connect() gives the caller a Connection,
// which owns its Session, Catalog and renderer: the references session(), catalog(),
// dialect() and renderer() return live as long as the Connection (and the Driver for
// Driver::dialect()). A MigrationLock from make_lock() must not outlive its Connection. The core
// keeps a driver's plugin loaded while any object it made is alive.
// Threads: a Driver may be asked for connections from several threads at once; a Connection and
// everything it gives is used by one thread at a time. A Dialect is pure and may be shared.
#pragma once

#include <strata/error.hpp>
#include <strata/export.hpp>
#include <strata/script.hpp>
#include <strata/types.hpp>
#include <strata/url.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace strata {

class OperationRenderer;

// A bound parameter or a result value. Booleans travel as integers 0 and 1.
using Value = std::variant<std::nullptr_t, std::int64_t, double, std::string>;
using Row = std::vector<Value>;

// What a backend can do, so that the core and the tests ask about abilities, never names.
struct Capabilities {
  bool transactional_ddl = false;  // DDL and the ledger row commit or roll back together
  bool schemas = false;            // namespaces inside one database
};

// A statement strata will not run as it stands.
struct StatementRefusal {
  std::string reason;
  // True when the statement only cannot run inside a transaction: a script marked
  // `-- strata:no-transaction` may hold it. False when it may never stand in a migration
  // (transaction control, which strata owns).
  bool allowed_without_transaction = false;

  // The refusals every dialect gives, in the same words:
  // `word` (BEGIN, COMMIT, ...) controls the transaction, which strata owns; never allowed.
  STRATA_API static StatementRefusal transaction_control(std::string_view word);
  // `what` (a statement's first words, "VACUUM", "PRAGMA journal_mode") `why` ("cannot run
  // inside a transaction"); allowed in a `-- strata:no-transaction` script.
  STRATA_API static StatementRefusal outside_transaction(std::string_view what,
                                                         std::string_view why = "cannot run inside a transaction");
};

// A query whose rows are violations, run before a migration commits: any row fails the
// migration, and the failure names `what` and the rows.
struct ViolationCheck {
  std::string query;
  std::string what;  // what its rows are ("rows that break foreign keys (table, rowid, ...)")
};

// What a SQL migration's own statements ask of the session that the backend does only outside
// a transaction (SQLite's `PRAGMA foreign_keys=OFF`, which does nothing inside one). The core
// runs `before` ahead of the migration's transaction (ahead of its first statement where it
// runs statement by statement), `checks` after its last statement, before it commits, and
// `after` once it has ended, whatever the outcome.
struct TransactionFrame {
  std::vector<std::string> before;
  std::vector<ViolationCheck> checks;
  std::vector<std::string> after;
  bool empty() const { return before.empty() && checks.empty() && after.empty(); }
};

class STRATA_API Dialect {
 public:
  virtual ~Dialect();
  virtual std::string_view name() const = 0;  // "sqlite", "postgres", "mysql"
  // The file suffixes of this dialect's variants, most specific first (V3__x.mariadb.sql
  // before V3__x.mysql.sql on MariaDB).
  virtual std::vector<std::string> suffixes() const = 0;
  // `identifier` quoted so that any name, even one with quotes in it, is taken literally.
  virtual std::string quote_identifier(std::string_view identifier) const = 0;
  // The bound-parameter marker for the 1-based parameter `index`: "?1", "$1", "?".
  virtual std::string placeholder(int index) const = 0;
  virtual std::string type_sql(const ColumnType& type) const = 0;
  virtual std::vector<Statement> split(std::string_view script) const = 0;
  // Why strata refuses this statement in a migration, or nullopt when it may run.
  virtual std::optional<StatementRefusal> refusal(const Statement& statement) const = 0;
  // What the statements of one SQL migration need around its transaction (see
  // TransactionFrame); nothing by default.
  virtual TransactionFrame transaction_frame(std::span<const Statement> statements) const;
  // An SQL expression for the server's clock now, as a 64-bit integer count of milliseconds
  // since 1970-01-01 UTC, read when the statement runs (not when its transaction began): what
  // the lease lock's expiry is computed with, so that migrators on machines whose clocks differ
  // agree on it. "" (the default) where the dialect has none: the lease lock is then refused.
  virtual std::string server_clock_ms() const { return {}; }
};

class STRATA_API Session {
 public:
  virtual ~Session();
  // Runs one statement. Throws Error(apply_failed) with the server's code and message; the
  // error's line and column, when the server reports a position, are relative to `sql`.
  virtual void execute(std::string_view sql) = 0;
  // Runs one statement with bound parameters; returns the number of rows it changed.
  virtual std::int64_t execute(std::string_view sql, std::span<const Value> params) = 0;
  virtual std::vector<Row> query(std::string_view sql, std::span<const Value> params = {}) = 0;
  // The same query, each row given to `each` in order as it is read (`each` may move from it),
  // so that a large result (the ledger) is never held whole as rows. The default runs query();
  // a driver that reads rows one at a time overrides it. An exception `each` throws leaves it
  // and the query at once.
  virtual void query_each(std::string_view sql, std::span<const Value> params, const std::function<void(Row&)>& each);
  virtual void begin() = 0;
  virtual void commit() = 0;
  virtual void rollback() = 0;  // never throws for a transaction already ended by the server
};

struct ColumnInfo {
  std::string name;
  std::string type;  // as the database spells it
  bool nullable = true;
  std::optional<std::string> default_sql;
  bool primary_key = false;
};

struct IndexInfo {
  std::string name;
  std::vector<std::string> columns;  // in index order; expressions are left out
  bool unique = false;
  bool primary = false;
  bool valid = true;  // false for an index a failed CREATE INDEX CONCURRENTLY left behind
};

struct ForeignKeyInfo {
  std::string name;  // "" where the backend does not name it
  std::vector<std::string> columns;
  std::string referenced_table;
  std::vector<std::string> referenced_columns;
  std::string on_delete = "NO ACTION";  // NO ACTION, RESTRICT, CASCADE, SET NULL, SET DEFAULT
  std::string on_update = "NO ACTION";
};

// A named constraint of a table: what portable operations add and drop by name.
struct ConstraintInfo {
  enum class Kind { primary_key, unique, check, foreign_key };
  std::string name;
  Kind kind = Kind::unique;
  std::vector<std::string> columns;  // unique, primary key, foreign key
  std::string expression;            // check: as written
  std::string referenced_table;      // foreign key
  std::vector<std::string> referenced_columns;
};

// One table and its columns, as Catalog::all_columns gives them.
struct TableColumns {
  std::string table;
  std::vector<ColumnInfo> columns;  // as columns(table) gives them, in the same order
};

class STRATA_API Catalog {
 public:
  virtual ~Catalog();
  // In the connection's schema (or database).
  virtual bool table_exists(std::string_view table) = 0;
  virtual std::vector<std::string> tables() = 0;
  virtual std::vector<ColumnInfo> columns(std::string_view table) = 0;
  virtual std::vector<IndexInfo> indexes(std::string_view table) = 0;  // by name
  virtual std::vector<ForeignKeyInfo> foreign_keys(std::string_view table) = 0;
  // The named constraints of a table. A driver that cannot list them refuses (the default), and
  // strata then refuses the operations that need them.
  virtual std::vector<ConstraintInfo> constraints(std::string_view table);
  // Every table table_exists() says exists, each with its columns, in one read of the catalog
  // (one query): what the core reads instead of table after table once a run has read many
  // (a run of many guarded operations). A table absent from the result does not exist; one
  // without columns is listed with none. nullopt (the default) where the driver cannot read the
  // whole catalog at once: the core then reads table by table.
  virtual std::optional<std::vector<TableColumns>> all_columns();
};

// Serialises migrators of one ledger. try_acquire() never waits: the core polls it, so that
// every backend waits, times out and reports in the same way. The lock is released by the
// database or the OS when the process dies. This is the server lock a driver makes; where it
// does not exclude every migrator (Connection::lock_gap), the core holds it together with the
// lease lock of its own (docs/user-guide.md, "Where strata's lock holds").
class STRATA_API MigrationLock {
 public:
  virtual ~MigrationLock();
  virtual bool try_acquire() = 0;
  virtual void release() = 0;
  // Who holds the lock, where the backend can tell ("pid 4242 since 12:00:01"); "" otherwise.
  virtual std::string holder() = 0;
  // What the lock is ("flock on app.db.strata-lock").
  virtual std::string describe() const = 0;
};

// A piece of session state that a migration changed, and that the driver put back.
struct SessionChange {
  std::string setting;  // as the server names it: "search_path", "role", "database", "sql_mode"
  std::string was;      // as the session was set up, and is again
  std::string found;    // as the migration left it
};

// What a migration lock protects: one ledger, in the connection's schema (Connection::target_schema).
struct LockScope {
  std::string ledger_table;
};

class STRATA_API Connection {
 public:
  virtual ~Connection();
  virtual const Dialect& dialect() const = 0;
  virtual Capabilities capabilities() const = 0;
  virtual Session& session() = 0;
  virtual Catalog& catalog() = 0;
  // The lock for this scope, or nullptr where none is needed (a private in-memory database) or,
  // with lock_gap() not "", where the server has no lock that would hold (a transaction pooler).
  virtual std::unique_ptr<MigrationLock> make_lock(const LockScope& scope) = 0;
  // Why the lock make_lock() gives does not exclude every migrator of this database, as the
  // deployment found at connect makes it ("a Galera cluster (wsrep_on): GET_LOCK holds on one
  // node only"), or "" where it does (the default). Where it does not, the core takes the lease
  // lock, with this lock too where make_lock() gives one, and says why.
  virtual std::string lock_gap() { return {}; }
  // The name recorded as `installed_by`.
  virtual std::string user_name() = 0;
  // "SQLite 3.40.1", for messages and `status`.
  virtual std::string server_description() = 0;
  // The database session running the migration ("pid 4242", a connection id), recorded in the
  // ledger so that an operator can find it. A server reuses its ids once it restarts: a server's
  // id names the server's start too, so that a session of a server since restarted is never
  // taken for one of today's.
  virtual std::string session_id() = 0;
  // Whether the session a ledger row records (see session_id) still runs a statement: a
  // migrator killed mid-statement can leave its statement running on the server. False for a
  // session of an earlier start of the server.
  virtual bool session_busy(std::string_view session_id) = 0;
  // How this backend renders portable operations (see <strata/render.hpp>), or nullptr when
  // the driver renders none: strata then refuses portable migrations before anything runs.
  virtual const OperationRenderer* renderer() { return nullptr; }
  // The schema (or database) the URL names, where the ledger lives and the catalog is read:
  // strata qualifies its own tables with it, so that a migration that moves the session
  // (`SET search_path`, `USE`) cannot move strata's bookkeeping. A driver's catalog reads and
  // lock name it too. "" (the default) where tables need no qualifier.
  virtual std::string target_schema() const { return {}; }
  // Records the session state that strata's statements and the migrations depend on (current
  // schema or database, role, the settings the driver made at connect), as it is now. The core
  // calls it once, before the first migration runs. The default records nothing.
  virtual void remember_session() {}
  // Puts back whatever of the remembered state differs now, and returns what it found changed.
  // The core calls it after every migration, also after a failed one, and warns naming the
  // migration. Throws Error when the state cannot be put back. The default has nothing to restore.
  virtual std::vector<SessionChange> restore_session() { return {}; }
};

struct ConnectOptions {
  DatabaseUrl url;
  std::chrono::milliseconds statement_timeout{0};  // a statement's time limit; 0: none
  // How long one statement waits for a lock held by others (PostgreSQL lock_timeout, MySQL
  // lock_wait_timeout, SQLite's busy timeout); 0: the driver's default.
  std::chrono::milliseconds lock_wait_timeout{0};
  // How long to wait for a server that does not answer at all (stopped, its machine gone) while
  // connecting and while asking for the migration lock, before Error(connection); 0: no limit.
  // The core passes its lock timeout (at least 5 s). A migration's own statements are bounded by
  // statement_timeout instead.
  std::chrono::milliseconds answer_timeout{0};
  bool create_schema = false;  // create the URL's schema when it does not exist
  // Whether a missing database may be created (a SQLite file). Read-only commands (status,
  // validate, a dry run, schema) pass false: a mistyped path must not read as a new, empty
  // database. A driver then refuses a missing database with Error(connection), naming it.
  bool create_database = true;
  // Whether the caller owns the process (the strata command does): the driver may then make
  // process-wide settings of its client library that make it faster, which a product embedding
  // strata would not want made for it. What each driver makes is its own (SQLite: no memory
  // statistics). Made before the library is first used, else not at all.
  bool own_process = false;
};

// The current time in UTC as the ledger records it ("2026-11-24 13:47:05"), for a lock's holder.
STRATA_API std::string utc_timestamp_now();

// Fault injection, for strata's own tests of what a kill leaves behind (docs/reliability.md).
// A driver calls statement_in_flight() when a statement strata runs for a migration has left
// for the server and its result is not read yet (SQLite, in the migrator's process: once the
// statement has begun to write; MySQL, whose client sends and reads in one call: once the server
// shows the statement waiting for a lock the driver's other session holds for the purpose). In a build with failpoints,
// when the test asked for a kill at that point of that statement, the process is killed there (SIGKILL); otherwise, and
// always in a build without failpoints (a package built with -DSTRATA_BUILD_TESTS=OFF), nothing happens.
// statement_in_flight_wanted() says whether the call is awaited for the statement about to run,
// so that a driver sets up a costly way to make it (SQLite's progress handler) only then. Both
// are cheap; call them from the connection's thread.
STRATA_API bool statement_in_flight_wanted() noexcept;
STRATA_API void statement_in_flight() noexcept;

class STRATA_API Driver {
 public:
  virtual ~Driver();
  virtual std::string_view name() const = 0;     // "sqlite"
  virtual std::string_view version() const = 0;  // the driver's own version
  virtual const Dialect& dialect() const = 0;
  // Throws Error(connection) when the database cannot be reached or opened.
  virtual std::unique_ptr<Connection> connect(const ConnectOptions& options) = 0;
};

}  // namespace strata
