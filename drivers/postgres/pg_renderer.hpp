// Portable operations in PostgreSQL's SQL: identity columns for auto-increment, parameters cast
// to their column's type (a bare parameter in a SELECT list would be read as text), and types
// compared as the catalog spells them (character varying(32) is string(32)).
#pragma once

#include <strata/plugin/sdk.hpp>

namespace strata::postgres {

class PgRenderer final : public SqlRenderer {
 public:
  using SqlRenderer::SqlRenderer;
  bool same_type(const ColumnType& type, const ColumnInfo& column) const override;

 protected:
  std::string column_definition(const ops::Column& column) const override;
  std::string bound_value(int index, const ColumnInfo* column) const override;
};

}  // namespace strata::postgres
