// A driver plugin as one built against an older SDK would be: its renderer does not know the
// operation create_index (OperationRenderer::knows answers for the SDK a plugin was built with).
// strata must refuse a migration using it before anything runs, naming the operation and the
// driver, and never hand the renderer an operation it does not know. Its database keeps nothing:
// statements are accepted and forgotten, the catalog is empty.
#include <strata/plugin/sdk.hpp>

#include <stdexcept>
#include <string>

namespace {

using namespace strata;

class OlderDialect final : public Dialect {
 public:
  std::string_view name() const override { return "older"; }
  std::vector<std::string> suffixes() const override { return {"older"}; }
  std::string quote_identifier(std::string_view identifier) const override {
    return '"' + std::string(identifier) + '"';
  }
  std::string placeholder(int) const override { return "?"; }
  std::string type_sql(const ColumnType&) const override { return "TEXT"; }
  std::vector<Statement> split(std::string_view) const override { return {}; }
  std::optional<StatementRefusal> refusal(const Statement&) const override { return std::nullopt; }
};

class OlderRenderer final : public SqlRenderer {
 public:
  using SqlRenderer::SqlRenderer;
  bool knows(std::string_view name) const override {
    return name != ops::CreateIndex::operation && SqlRenderer::knows(name);
  }
  bool supports(const ops::Operation& op) const override {
    if (op.name() == ops::CreateIndex::operation) throw std::logic_error("given an operation it does not know");
    return true;
  }
};

class OlderConnection final : public Connection, Session, Catalog {
 public:
  const Dialect& dialect() const override { return dialect_; }
  Capabilities capabilities() const override { return {}; }
  Session& session() override { return *this; }
  Catalog& catalog() override { return *this; }
  std::unique_ptr<MigrationLock> make_lock(const LockScope&) override { return nullptr; }
  std::string user_name() override { return "older"; }
  std::string server_description() override { return "older"; }
  std::string session_id() override { return ""; }
  bool session_busy(std::string_view) override { return false; }
  const OperationRenderer* renderer() override { return &renderer_; }

  void execute(std::string_view) override {}
  std::int64_t execute(std::string_view, std::span<const Value>) override { return 0; }
  std::vector<Row> query(std::string_view, std::span<const Value>) override { return {}; }
  void begin() override {}
  void commit() override {}
  void rollback() override {}

  bool table_exists(std::string_view) override { return false; }
  std::vector<std::string> tables() override { return {}; }
  std::vector<ColumnInfo> columns(std::string_view) override { return {}; }
  std::vector<IndexInfo> indexes(std::string_view) override { return {}; }
  std::vector<ForeignKeyInfo> foreign_keys(std::string_view) override { return {}; }

 private:
  OlderDialect dialect_;
  OlderRenderer renderer_{dialect_};
};

class OlderDriver final : public Driver {
 public:
  std::string_view name() const override { return "older"; }
  std::string_view version() const override { return "0"; }
  const Dialect& dialect() const override { return dialect_; }
  std::unique_ptr<Connection> connect(const ConnectOptions&) override { return std::make_unique<OlderConnection>(); }

 private:
  OlderDialect dialect_;
};

Driver* make_driver() noexcept {
  return new OlderDriver();
}

}  // namespace

STRATA_DRIVER_PLUGIN(make_driver)
STRATA_DRIVER_SCHEME(older)
