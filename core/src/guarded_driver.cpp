#include "guarded_driver.hpp"

#include <strata/render.hpp>

#include <functional>

namespace strata::detail {
namespace {

// Each wrapper holds the driver that made what it wraps, so that the plugin stays loaded while
// any object of its lives, and forwards every call through guarded().

class GuardedDialect final : public Dialect {
 public:
  GuardedDialect(const Dialect& inner, const std::string& driver) : inner_(inner), driver_(driver) {}
  std::string_view name() const override {
    return guarded(driver_, "Dialect::name", [&] { return inner_.name(); });
  }
  std::vector<std::string> suffixes() const override {
    return guarded(driver_, "Dialect::suffixes", [&] { return inner_.suffixes(); });
  }
  std::string quote_identifier(std::string_view identifier) const override {
    return guarded(driver_, "Dialect::quote_identifier", [&] { return inner_.quote_identifier(identifier); });
  }
  std::string placeholder(int index) const override {
    return guarded(driver_, "Dialect::placeholder", [&] { return inner_.placeholder(index); });
  }
  std::string type_sql(const ColumnType& type) const override {
    return guarded(driver_, "Dialect::type_sql", [&] { return inner_.type_sql(type); });
  }
  std::vector<Statement> split(std::string_view script) const override {
    return guarded(driver_, "Dialect::split", [&] { return inner_.split(script); });
  }
  TransactionFrame transaction_frame(std::span<const Statement> statements) const override {
    return guarded(driver_, "Dialect::transaction_frame", [&] { return inner_.transaction_frame(statements); });
  }
  std::optional<StatementRefusal> refusal(const Statement& statement) const override {
    return guarded(driver_, "Dialect::refusal", [&] { return inner_.refusal(statement); });
  }
  std::string server_clock_ms() const override {
    return guarded(driver_, "Dialect::server_clock_ms", [&] { return inner_.server_clock_ms(); });
  }

 private:
  const Dialect& inner_;
  const std::string& driver_;
};

class GuardedSession final : public Session {
 public:
  GuardedSession(Session& inner, const std::string& driver) : inner_(inner), driver_(driver) {}
  void execute(std::string_view sql) override {
    fence();
    guarded(driver_, "Session::execute", [&] { inner_.execute(sql); });
  }
  std::int64_t execute(std::string_view sql, std::span<const Value> params) override {
    fence();
    return guarded(driver_, "Session::execute", [&] { return inner_.execute(sql, params); });
  }
  std::vector<Row> query(std::string_view sql, std::span<const Value> params) override {
    fence();
    return guarded(driver_, "Session::query", [&] { return inner_.query(sql, params); });
  }
  void query_each(std::string_view sql, std::span<const Value> params, const std::function<void(Row&)>& each) override {
    fence();
    // What `each` (the core's) throws is the core's, not the driver's: it leaves as it was thrown.
    std::exception_ptr from_each;
    try {
      guarded(driver_, "Session::query_each", [&] {
        inner_.query_each(sql, params, [&](Row& row) {
          try {
            each(row);
          } catch (...) {
            from_each = std::current_exception();
            throw;
          }
        });
      });
    } catch (...) {
      if (from_each) std::rethrow_exception(from_each);
      throw;
    }
  }
  void set_fence(std::function<void()> fence) { fence_ = std::move(fence); }
  void begin() override {
    guarded(driver_, "Session::begin", [&] { inner_.begin(); });
  }
  void commit() override {
    guarded(driver_, "Session::commit", [&] { inner_.commit(); });
  }
  void rollback() override {
    guarded(driver_, "Session::rollback", [&] { inner_.rollback(); });
  }

 private:
  // The fence's own statements on this session (its read) are not fenced again.
  void fence() {
    if (!fence_ || fencing_) return;
    fencing_ = true;
    try {
      fence_();
    } catch (...) {
      fencing_ = false;
      throw;
    }
    fencing_ = false;
  }

  Session& inner_;
  const std::string& driver_;
  std::function<void()> fence_;
  bool fencing_ = false;
};

class GuardedCatalog final : public Catalog {
 public:
  GuardedCatalog(Catalog& inner, const std::string& driver) : inner_(inner), driver_(driver) {}
  bool table_exists(std::string_view table) override {
    return guarded(driver_, "Catalog::table_exists", [&] { return inner_.table_exists(table); });
  }
  std::vector<std::string> tables() override {
    return guarded(driver_, "Catalog::tables", [&] { return inner_.tables(); });
  }
  std::vector<ColumnInfo> columns(std::string_view table) override {
    return guarded(driver_, "Catalog::columns", [&] { return inner_.columns(table); });
  }
  std::vector<IndexInfo> indexes(std::string_view table) override {
    return guarded(driver_, "Catalog::indexes", [&] { return inner_.indexes(table); });
  }
  std::vector<ForeignKeyInfo> foreign_keys(std::string_view table) override {
    return guarded(driver_, "Catalog::foreign_keys", [&] { return inner_.foreign_keys(table); });
  }
  std::vector<ConstraintInfo> constraints(std::string_view table) override {
    return guarded(driver_, "Catalog::constraints", [&] { return inner_.constraints(table); });
  }
  std::optional<std::vector<TableColumns>> all_columns() override {
    return guarded(driver_, "Catalog::all_columns", [&] { return inner_.all_columns(); });
  }

 private:
  Catalog& inner_;
  const std::string& driver_;
};

class GuardedRenderer final : public OperationRenderer {
 public:
  GuardedRenderer(const OperationRenderer& inner, const std::string& driver) : inner_(inner), driver_(driver) {}
  bool knows(std::string_view name) const override {
    return guarded(driver_, "OperationRenderer::knows", [&] { return inner_.knows(name); });
  }
  bool supports(const ops::Operation& op) const override {
    return guarded(driver_, "OperationRenderer::supports", [&] { return inner_.supports(op); });
  }
  std::vector<RenderedStatement> render(const ops::Operation& op, Catalog& catalog) const override {
    return guarded(driver_, "OperationRenderer::render", [&] { return inner_.render(op, catalog); });
  }
  bool same_type(const ColumnType& type, const ColumnInfo& column) const override {
    return guarded(driver_, "OperationRenderer::same_type", [&] { return inner_.same_type(type, column); });
  }
  bool same_default(const std::optional<ops::Default>& declared, const ColumnInfo& column) const override {
    return guarded(driver_, "OperationRenderer::same_default", [&] { return inner_.same_default(declared, column); });
  }
  std::vector<std::string> before_transaction(std::span<const ops::Operation> operations) const override {
    return guarded(driver_, "OperationRenderer::before_transaction",
                   [&] { return inner_.before_transaction(operations); });
  }
  std::vector<std::string> after_transaction(std::span<const ops::Operation> operations) const override {
    return guarded(driver_, "OperationRenderer::after_transaction",
                   [&] { return inner_.after_transaction(operations); });
  }

 private:
  const OperationRenderer& inner_;
  const std::string& driver_;
};

class GuardedLock final : public MigrationLock {
 public:
  GuardedLock(std::unique_ptr<MigrationLock> inner, std::shared_ptr<Driver> maker, std::string driver)
      : maker_(std::move(maker)), driver_(std::move(driver)), inner_(std::move(inner)) {}
  bool try_acquire() override {
    return guarded(driver_, "MigrationLock::try_acquire", [&] { return inner_->try_acquire(); });
  }
  void release() override {
    guarded(driver_, "MigrationLock::release", [&] { inner_->release(); });
  }
  std::string holder() override {
    return guarded(driver_, "MigrationLock::holder", [&] { return inner_->holder(); });
  }
  std::string describe() const override {
    return guarded(driver_, "MigrationLock::describe", [&] { return inner_->describe(); });
  }

 private:
  std::shared_ptr<Driver> maker_;  // declared first: destroyed after the lock it made
  std::string driver_;
  std::unique_ptr<MigrationLock> inner_;
};

class GuardedConnection final : public Connection {
 public:
  GuardedConnection(std::unique_ptr<Connection> inner, std::shared_ptr<Driver> maker, std::string driver)
      : maker_(std::move(maker)),
        driver_(std::move(driver)),
        inner_(std::move(inner)),
        dialect_(guarded(driver_, "Connection::dialect", [&]() -> const Dialect& { return inner_->dialect(); }),
                 driver_),
        session_(guarded(driver_, "Connection::session", [&]() -> Session& { return inner_->session(); }), driver_),
        catalog_(guarded(driver_, "Connection::catalog", [&]() -> Catalog& { return inner_->catalog(); }), driver_) {}

  const Dialect& dialect() const override { return dialect_; }
  Capabilities capabilities() const override {
    return guarded(driver_, "Connection::capabilities", [&] { return inner_->capabilities(); });
  }
  Session& session() override { return session_; }
  Catalog& catalog() override { return catalog_; }
  std::unique_ptr<MigrationLock> make_lock(const LockScope& scope) override {
    auto lock = guarded(driver_, "Connection::make_lock", [&] { return inner_->make_lock(scope); });
    if (!lock) return nullptr;
    return std::make_unique<GuardedLock>(std::move(lock), maker_, driver_);
  }
  std::string lock_gap() override {
    return guarded(driver_, "Connection::lock_gap", [&] { return inner_->lock_gap(); });
  }
  std::string user_name() override {
    return guarded(driver_, "Connection::user_name", [&] { return inner_->user_name(); });
  }
  std::string server_description() override {
    return guarded(driver_, "Connection::server_description", [&] { return inner_->server_description(); });
  }
  std::string session_id() override {
    return guarded(driver_, "Connection::session_id", [&] { return inner_->session_id(); });
  }
  bool session_busy(std::string_view session_id) override {
    return guarded(driver_, "Connection::session_busy", [&] { return inner_->session_busy(session_id); });
  }
  std::string target_schema() const override {
    return guarded(driver_, "Connection::target_schema", [&] { return inner_->target_schema(); });
  }
  void remember_session() override {
    guarded(driver_, "Connection::remember_session", [&] { inner_->remember_session(); });
  }
  std::vector<SessionChange> restore_session() override {
    return guarded(driver_, "Connection::restore_session", [&] { return inner_->restore_session(); });
  }
  void set_fence(std::function<void()> fence) { session_.set_fence(std::move(fence)); }
  // A driver's renderer is one object for the life of its connection: wrapped once.
  const OperationRenderer* renderer() override {
    const OperationRenderer* inner = guarded(driver_, "Connection::renderer", [&] { return inner_->renderer(); });
    if (!inner) return nullptr;
    if (!renderer_) renderer_.emplace(*inner, driver_);
    return &*renderer_;
  }

 private:
  std::shared_ptr<Driver> maker_;  // declared first: destroyed after the connection it made
  std::string driver_;
  std::unique_ptr<Connection> inner_;
  GuardedDialect dialect_;
  GuardedSession session_;
  GuardedCatalog catalog_;
  std::optional<GuardedRenderer> renderer_;
};

class GuardedDriver final : public Driver {
 public:
  GuardedDriver(std::shared_ptr<Driver> inner, std::string driver)
      : inner_(std::move(inner)),
        driver_(std::move(driver)),
        dialect_(guarded(driver_, "Driver::dialect", [&]() -> const Dialect& { return inner_->dialect(); }), driver_) {}

  std::string_view name() const override {
    return guarded(driver_, "Driver::name", [&] { return inner_->name(); });
  }
  std::string_view version() const override {
    return guarded(driver_, "Driver::version", [&] { return inner_->version(); });
  }
  const Dialect& dialect() const override { return dialect_; }
  std::unique_ptr<Connection> connect(const ConnectOptions& options) override {
    auto connection = guarded(driver_, "Driver::connect", [&] { return inner_->connect(options); });
    if (!connection) throw driver_bug(driver_, "Driver::connect", "no connection and no error");
    return std::make_unique<GuardedConnection>(std::move(connection), inner_, driver_);
  }

 private:
  std::shared_ptr<Driver> inner_;
  std::string driver_;
  GuardedDialect dialect_;
};

}  // namespace

Error driver_bug(const std::string& driver, const char* call, const std::string& what) {
  return Error(ErrorKind::internal, "internal error in the " + driver + " driver: " + call + " failed with " + what +
                                        "; please report this bug (a driver reports every failure as a "
                                        "strata::Error)")
      .from_driver(driver);
}

std::shared_ptr<Driver> guard_driver(std::shared_ptr<Driver> driver, std::string name) {
  return std::make_shared<GuardedDriver>(std::move(driver), std::move(name));
}

void set_statement_fence(Connection& connection, std::function<void()> fence) {
  auto* guarded = dynamic_cast<GuardedConnection*>(&connection);
  if (!guarded) throw Error(ErrorKind::internal, "set_statement_fence: a connection the core did not wrap");
  guarded->set_fence(std::move(fence));
}

}  // namespace strata::detail
