// Out-of-line destructors: the vtables and type information of the driver interfaces live in
// libstrata, so that a plugin and the core agree on them.
#include <strata/driver.hpp>

namespace strata {

Dialect::~Dialect() = default;
Session::~Session() = default;

void Session::query_each(std::string_view sql, std::span<const Value> params, const std::function<void(Row&)>& each) {
  for (Row& row : query(sql, params)) each(row);
}
Catalog::~Catalog() = default;
MigrationLock::~MigrationLock() = default;
Connection::~Connection() = default;
Driver::~Driver() = default;

StatementRefusal StatementRefusal::transaction_control(std::string_view word) {
  return {std::string(word) +
              " controls the transaction, which strata owns (each migration runs in one transaction with its "
              "ledger row, or statement by statement with recorded progress): remove the statement",
          false};
}

StatementRefusal StatementRefusal::outside_transaction(std::string_view what, std::string_view why) {
  return {std::string(what) + " " + std::string(why) +
              ", and strata runs each migration in one; put `-- strata:no-transaction` on the file's first line to "
              "run it statement by statement, outside a transaction",
          true};
}

TransactionFrame Dialect::transaction_frame(std::span<const Statement>) const {
  return {};
}

std::vector<ConstraintInfo> Catalog::constraints(std::string_view table) {
  throw Error(ErrorKind::apply_failed, "this driver cannot list the constraints of " + std::string(table) + " by name");
}

std::optional<std::vector<TableColumns>> Catalog::all_columns() {
  return std::nullopt;
}

}  // namespace strata
