// Portable operations in MySQL's and MariaDB's SQL: AUTO_INCREMENT keys, DROP INDEX ... ON, a
// SELECT of values FROM DUAL, and types compared as information_schema spells them (int(11) is
// integer, tinyint(1) is boolean). Every operation is one step of the statement progress, and
// guarded, so a migration killed between them converges when run again.
#pragma once

#include <strata/plugin/sdk.hpp>

namespace strata::mysql {

class MysqlRenderer final : public SqlRenderer {
 public:
  // `session` reads a column's full definition for MODIFY COLUMN.
  MysqlRenderer(const Dialect& dialect, Session& session) : SqlRenderer(dialect), session_(session) {}
  bool supports(const ops::Operation&) const override { return true; }
  bool same_type(const ColumnType& type, const ColumnInfo& column) const override;
  std::vector<RenderedStatement> render(const ops::Operation& op, Catalog& catalog) const override;
  // The server: MariaDB reports a column's default as SQL ('a', NULL, current_timestamp()),
  // MySQL as its bare value. MariaDB has ADD COLUMN IF NOT EXISTS, CREATE INDEX IF NOT EXISTS and
  // their DROP ... IF EXISTS; MySQL 8 has none of them. Where the server has them
  // (`native_if_exists`) they are added to the guarded operation, so that another session
  // racing the guard cannot make it fail.
  void use_server(bool mariadb, bool native_if_exists) {
    mariadb_ = mariadb;
    native_if_exists_ = native_if_exists;
  }
  // The database the connection works in: what a catalog read names, whatever database the
  // session is in.
  void in_database(std::string database) { database_ = std::move(database); }

 protected:
  std::string column_definition(const ops::Column& column) const override;
  // Timestamps are DATETIME(3): their current-time default must have the same precision.
  std::string default_sql(const ops::Default& value) const override;
  std::vector<RenderedStatement> drop_index(const ops::DropIndex& op) const override;
  std::string from_no_table() const override { return " FROM DUAL"; }
  bool native_if_exists(std::string_view name) const override;

 private:
  // MODIFY COLUMN restates the whole column: what alter_column does not change is kept.
  std::vector<RenderedStatement> modify_column(const ops::AlterColumn& op) const;
  Session& session_;
  std::string database_;
  bool mariadb_ = false;
  bool native_if_exists_ = false;
};

}  // namespace strata::mysql
