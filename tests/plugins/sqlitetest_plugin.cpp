// The SQLite driver declaring no transactional DDL, under the scheme sqlitetest: the backend
// suite then runs every migration statement by statement with recorded progress, as on MySQL,
// on a database that needs no server. A test plugin: built from the SQLite driver's sources
// with this file in place of its plugin declaration, and never installed.
#include "sqlite_connection.hpp"

#include <strata/plugin/sdk.hpp>

namespace {

class SqliteTestDriver final : public strata::Driver {
 public:
  std::string_view name() const override { return "sqlite"; }
  std::string_view version() const override { return STRATA_VERSION_STRING; }
  const strata::Dialect& dialect() const override { return dialect_; }
  std::unique_ptr<strata::Connection> connect(const strata::ConnectOptions& options) override {
    return std::make_unique<strata::sqlite::SqliteConnection>(options, /*transactional_ddl=*/false);
  }

 private:
  strata::sqlite::SqliteDialect dialect_;
};

strata::Driver* make_driver() noexcept {
  return strata::plugin::new_driver<SqliteTestDriver>();
}

}  // namespace

STRATA_DRIVER_PLUGIN(make_driver)
STRATA_DRIVER_SCHEME(sqlitetest)
STRATA_DRIVER_SUFFIX(sqlite)
