// The MySQL/MariaDB driver plugin: its declaration and its factory, the only names it exports.
#include "mysql_connection.hpp"

#include <strata/plugin/sdk.hpp>

namespace strata::mysql {
namespace {

class MysqlDriver final : public Driver {
 public:
  std::string_view name() const override { return "mysql"; }
  std::string_view version() const override { return STRATA_VERSION_STRING; }
  const Dialect& dialect() const override { return dialect_; }
  std::unique_ptr<Connection> connect(const ConnectOptions& options) override {
    return std::make_unique<MysqlConnection>(options);
  }

 private:
  MysqlDialect dialect_;
};

}  // namespace

strata::Driver* make_driver() noexcept {
  try {
    return new MysqlDriver();
  } catch (...) {
    return nullptr;
  }
}

}  // namespace strata::mysql

STRATA_DRIVER_PLUGIN(strata::mysql::make_driver)
STRATA_DRIVER_SCHEME(mysql)
STRATA_DRIVER_SCHEME(mariadb)
STRATA_DRIVER_SUFFIX(mysql)
STRATA_DRIVER_SUFFIX(mariadb)
