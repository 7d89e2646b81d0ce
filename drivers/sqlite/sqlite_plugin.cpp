// The SQLite driver plugin: its declaration and its factory, the only names it exports.
#include "sqlite_connection.hpp"

#include <strata/plugin/sdk.hpp>

namespace strata::sqlite {
namespace {

class SqliteDriver final : public Driver {
 public:
  std::string_view name() const override { return "sqlite"; }
  std::string_view version() const override { return STRATA_VERSION_STRING; }
  const Dialect& dialect() const override { return dialect_; }
  std::unique_ptr<Connection> connect(const ConnectOptions& options) override {
    return std::make_unique<SqliteConnection>(options);
  }

 private:
  SqliteDialect dialect_;
};

}  // namespace

strata::Driver* make_driver() noexcept {
  try {
    return new SqliteDriver();
  } catch (...) {
    return nullptr;
  }
}

}  // namespace strata::sqlite

STRATA_DRIVER_PLUGIN(strata::sqlite::make_driver)
#ifdef STRATA_SQLITE_AUTOCOMMIT_DDL
STRATA_DRIVER_SCHEME(sqlitetest)
#else
STRATA_DRIVER_SCHEME(sqlite)
#endif
STRATA_DRIVER_SUFFIX(sqlite)
