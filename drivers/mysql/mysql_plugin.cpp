// The MySQL/MariaDB driver plugin: its declaration and its factory, the only names it exports.
#include "mysql_connection.hpp"

#include <strata/plugin/sdk.hpp>

namespace strata::mysql {

strata::Driver* make_driver() noexcept {
  return plugin::new_driver<plugin::BasicDriver<MysqlDialect, MysqlConnection>>("mysql");
}

}  // namespace strata::mysql

STRATA_DRIVER_PLUGIN(strata::mysql::make_driver)
STRATA_DRIVER_SCHEME(mysql)
STRATA_DRIVER_SCHEME(mariadb)
STRATA_DRIVER_SUFFIX(mysql)
STRATA_DRIVER_SUFFIX(mariadb)
