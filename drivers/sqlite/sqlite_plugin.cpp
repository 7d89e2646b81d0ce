// The SQLite driver plugin: its declaration and its factory, the only names it exports.
#include "sqlite_connection.hpp"

#include <strata/plugin/sdk.hpp>

namespace strata::sqlite {

strata::Driver* make_driver() noexcept {
  return plugin::new_driver<plugin::BasicDriver<SqliteDialect, SqliteConnection>>("sqlite");
}

}  // namespace strata::sqlite

STRATA_DRIVER_PLUGIN(strata::sqlite::make_driver)
STRATA_DRIVER_SCHEME(sqlite)
STRATA_DRIVER_SUFFIX(sqlite)
