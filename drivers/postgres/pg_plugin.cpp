// The PostgreSQL driver plugin: its declaration and its factory, the only names it exports.
#include "pg_connection.hpp"

#include <strata/plugin/sdk.hpp>

namespace strata::postgres {

strata::Driver* make_driver() noexcept {
  return plugin::new_driver<plugin::BasicDriver<PgDialect, PgConnection>>("postgres");
}

}  // namespace strata::postgres

STRATA_DRIVER_PLUGIN(strata::postgres::make_driver)
STRATA_DRIVER_SCHEME(postgres)
STRATA_DRIVER_SCHEME(postgresql)
STRATA_DRIVER_SUFFIX(postgres)
