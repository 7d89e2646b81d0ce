// Portable operations in MySQL's and MariaDB's SQL: AUTO_INCREMENT keys, DROP INDEX ... ON, a
// SELECT of values FROM DUAL, and types compared as information_schema spells them (int(11) is
// integer, tinyint(1) is boolean). Every operation is one step of the statement progress, and
// guarded, so a migration killed between them converges when run again.
#pragma once

#include <strata/plugin/sdk.hpp>

namespace strata::mysql {

class MyRenderer final : public SqlRenderer {
 public:
  using SqlRenderer::SqlRenderer;
  bool same_type(const ColumnType& type, const ColumnInfo& column) const override;
  std::vector<RenderedStatement> render(const ops::Operation& op, Catalog& catalog) const override;
  // MariaDB has ADD COLUMN IF NOT EXISTS, CREATE INDEX IF NOT EXISTS and their DROP ... IF EXISTS;
  // MySQL 8 has none of them. Where the server has them they are added to the guarded
  // operation (another session racing the guard then cannot make it fail).
  void use_native_if_exists(bool use) { native_if_exists_ = use; }

 protected:
  std::string column_definition(const ops::Column& column) const override;
  // Timestamps are DATETIME(3): their current-time default must have the same precision.
  std::string default_sql(const ops::Default& value) const override;
  std::vector<RenderedStatement> drop_index(const ops::DropIndex& op) const override;
  std::string from_no_table() const override { return " FROM DUAL"; }

 private:
  bool native_if_exists_ = false;
};

}  // namespace strata::mysql
