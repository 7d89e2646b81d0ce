// The PostgreSQL driver plugin: its declaration and its factory, the only names it exports.
#include "pg_connection.hpp"

#include <strata/plugin/sdk.hpp>

namespace strata::postgres {
namespace {

class PgDriver final : public Driver {
 public:
  std::string_view name() const override { return "postgres"; }
  std::string_view version() const override { return STRATA_VERSION_STRING; }
  const Dialect& dialect() const override { return dialect_; }
  std::unique_ptr<Connection> connect(const ConnectOptions& options) override {
    return std::make_unique<PgConnection>(options);
  }

 private:
  PgDialect dialect_;
};

}  // namespace

strata::Driver* make_driver() noexcept {
  try {
    return new PgDriver();
  } catch (...) {
    return nullptr;
  }
}

}  // namespace strata::postgres

STRATA_DRIVER_PLUGIN(strata::postgres::make_driver)
STRATA_DRIVER_SCHEME(postgres)
STRATA_DRIVER_SCHEME(postgresql)
STRATA_DRIVER_SUFFIX(postgres)
