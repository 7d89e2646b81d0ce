// Portable operations in SQLite's SQL. What SQLite cannot ALTER (a column's type, nullability or
// default; dropping a column; adding or dropping a foreign key, unique or check constraint) is
// done by rebuilding the table, as SQLite documents it:
//   foreign keys off before the migration's transaction (the pragma does nothing inside one);
//   every view and trigger saved and dropped (SQLite would refuse the rename while one names a
//   dropped table); CREATE the new table from the old definition, changed only where the
//   operation says (unnamed constraints, defaults, collations and ON DELETE actions kept as
//   written); INSERT ... SELECT the rows (SQLite streams them: memory stays flat); DROP the old
//   table; RENAME the new one; recreate the indexes, triggers and views; keep the
//   AUTOINCREMENT counter; then PRAGMA foreign_key_check and PRAGMA integrity_check(<table>)
//   before commit, a violation failing the migration (rolled back) naming the table and rows;
//   foreign keys on again after the transaction.
#pragma once

#include <strata/plugin/sdk.hpp>

#include <functional>

namespace strata::sqlite {

struct TableSql;

class SqliteRenderer final : public SqlRenderer {
 public:
  // `session` reads the definitions a rebuild keeps (sqlite_master).
  SqliteRenderer(const Dialect& dialect, Session& session) : SqlRenderer(dialect), session_(session) {}
  bool supports(const ops::Operation&) const override { return true; }
  std::vector<RenderedStatement> render(const ops::Operation& op, Catalog& catalog) const override;
  bool same_type(const ColumnType& type, const ColumnInfo& column) const override;
  std::vector<std::string> before_transaction(std::span<const ops::Operation> operations) const override;
  std::vector<std::string> after_transaction(std::span<const ops::Operation> operations) const override;

 protected:
  std::string column_definition(const ops::Column& column) const override;
  // SQLite has IF [NOT] EXISTS for tables and indexes, not for columns.
  bool native_if_exists(std::string_view name) const override {
    return SqlRenderer::native_if_exists(name) || name == ops::CreateIndex::operation ||
           name == ops::DropIndex::operation;
  }

 private:
  // The statements that rebuild `table` with its definition changed by `edit`; `dropped` is a
  // column the edit removes (its indexes are not recreated).
  std::vector<RenderedStatement> rebuild(const std::string& table, const std::function<void(TableSql&)>& edit,
                                         const std::string& dropped = "") const;
  Session& session_;
};

}  // namespace strata::sqlite
