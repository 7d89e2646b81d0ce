// A driver plugin that lets exceptions of its own escape, as a driver with a missed site would
// (a std::stol on a value it did not expect, a library's out_of_range). strata must turn each
// into an internal error naming the driver and the call. The URL's path picks the leak:
//   leaky:connect   Driver::connect throws std::invalid_argument("stol")
//   leaky:catalog   Catalog::table_exists throws std::out_of_range
//   leaky:int       Driver::connect throws an int, not even a std::exception
#include <strata/plugin/sdk.hpp>

#include <stdexcept>
#include <string>

namespace {

using namespace strata;

class LeakyDialect final : public Dialect {
 public:
  std::string_view name() const override { return "leaky"; }
  std::vector<std::string> suffixes() const override { return {"leaky"}; }
  std::string quote_identifier(std::string_view identifier) const override {
    return '"' + std::string(identifier) + '"';
  }
  std::string placeholder(int) const override { return "?"; }
  std::string type_sql(const ColumnType&) const override { return "TEXT"; }
  std::vector<Statement> split(std::string_view) const override { return {}; }
  std::optional<StatementRefusal> refusal(const Statement&) const override { return std::nullopt; }
};

class LeakyConnection final : public Connection, Session, Catalog {
 public:
  const Dialect& dialect() const override { return dialect_; }
  Capabilities capabilities() const override { return {}; }
  Session& session() override { return *this; }
  Catalog& catalog() override { return *this; }
  std::unique_ptr<MigrationLock> make_lock(const LockScope&) override { return nullptr; }
  std::string user_name() override { return "leaky"; }
  std::string server_description() override { return "leaky"; }
  std::string session_id() override { return ""; }
  bool session_busy(std::string_view) override { return false; }

  void execute(std::string_view) override {}
  std::int64_t execute(std::string_view, std::span<const Value>) override { return 0; }
  std::vector<Row> query(std::string_view, std::span<const Value>) override { return {}; }
  void begin() override {}
  void commit() override {}
  void rollback() override {}

  bool table_exists(std::string_view) override {
    return std::vector<bool>{}.at(3);  // throws std::out_of_range
  }
  std::vector<std::string> tables() override { return {}; }
  std::vector<ColumnInfo> columns(std::string_view) override { return {}; }
  std::vector<IndexInfo> indexes(std::string_view) override { return {}; }
  std::vector<ForeignKeyInfo> foreign_keys(std::string_view) override { return {}; }

 private:
  LeakyDialect dialect_;
};

class LeakyDriver final : public Driver {
 public:
  std::string_view name() const override { return "leaky"; }
  std::string_view version() const override { return "0"; }
  const Dialect& dialect() const override { return dialect_; }
  std::unique_ptr<Connection> connect(const ConnectOptions& options) override {
    if (options.url.path == "connect") static_cast<void>(std::stol(options.url.path));  // "connect": no number
    if (options.url.path == "int") throw 42;
    return std::make_unique<LeakyConnection>();
  }

 private:
  LeakyDialect dialect_;
};

Driver* make_driver() noexcept {
  return new LeakyDriver();
}

}  // namespace

STRATA_DRIVER_PLUGIN(make_driver)
STRATA_DRIVER_SCHEME(leaky)
