// Portable operations in SQLite's SQL. What SQLite cannot ALTER (a column's type or
// nullability, constraints and foreign keys of an existing table) needs a table rebuild, which
// this driver does not do yet: like SqlRenderer it declares those operations unsupported, so
// strata refuses such a migration before anything runs.
#pragma once

#include <strata/plugin/sdk.hpp>

namespace strata::sqlite {

class SqliteRenderer final : public SqlRenderer {
 public:
  using SqlRenderer::SqlRenderer;
  bool same_type(const ColumnType& type, const ColumnInfo& column) const override;

 protected:
  std::string column_definition(const ops::Column& column) const override;
};

}  // namespace strata::sqlite
