// Out-of-line destructors: the vtables and type information of the driver interfaces live in
// libstrata, so that a plugin and the core agree on them.
#include <strata/driver.hpp>

namespace strata {

Dialect::~Dialect() = default;
Session::~Session() = default;
Catalog::~Catalog() = default;
MigrationLock::~MigrationLock() = default;
Connection::~Connection() = default;
Driver::~Driver() = default;

TransactionFrame Dialect::transaction_frame(std::span<const Statement>) const {
  return {};
}

std::vector<ConstraintInfo> Catalog::constraints(std::string_view table) {
  throw Error(ErrorKind::apply_failed,
              "this driver cannot list the constraints of " + std::string(table) + " by name");
}

}  // namespace strata
