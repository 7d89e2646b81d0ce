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

}  // namespace strata
