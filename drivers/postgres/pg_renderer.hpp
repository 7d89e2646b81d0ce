// Portable operations in PostgreSQL's SQL: identity columns for auto-increment, parameters cast
// to their column's type (a bare parameter in a SELECT list would be read as text), and types
// compared as the catalog spells them (character varying(32) is string(32)).
#pragma once

#include <strata/plugin/sdk.hpp>

namespace strata::postgres {

class PgRenderer final : public SqlRenderer {
 public:
  // `session` finds the views that depend on a column whose type changes.
  PgRenderer(const Dialect& dialect, Session& session) : SqlRenderer(dialect), session_(session) {}
  // The schema the connection works in: what names a table in a catalog read, whatever the
  // search path.
  void in_schema(std::string schema) { schema_ = std::move(schema); }
  bool supports(const ops::Operation&) const override { return true; }
  bool same_type(const ColumnType& type, const ColumnInfo& column) const override;
  // alter_column: one ALTER TABLE (TYPE ... USING, SET/DROP NOT NULL, SET/DROP DEFAULT); views
  // that read the column are dropped before and recreated after, in the same transaction,
  // since PostgreSQL refuses to change the type of a column a view uses.
  std::vector<RenderedStatement> render(const ops::Operation& op, Catalog& catalog) const override;

 protected:
  std::string column_definition(const ops::Column& column) const override;
  std::string bound_value(int index, const ColumnInfo* column) const override;
  // PostgreSQL has IF [NOT] EXISTS for tables, columns and indexes.
  bool native_if_exists(std::string_view) const override { return true; }

 private:
  Session& session_;
  std::string schema_;
};

}  // namespace strata::postgres
