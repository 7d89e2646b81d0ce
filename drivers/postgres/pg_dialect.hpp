// PostgreSQL's dialect: double-quoted identifiers, $N parameters, native types (jsonb, uuid,
// timestamptz, bytea), and the script rules of psql: dollar quotes, nested comments, E''
// strings, BEGIN ATOMIC bodies.
#pragma once

#include <strata/plugin/sdk.hpp>

namespace strata::postgres {

class PgDialect final : public Dialect {
 public:
  std::string_view name() const override { return "postgres"; }
  std::vector<std::string> suffixes() const override { return {"postgres"}; }
  std::string quote_identifier(std::string_view identifier) const override;
  std::string placeholder(int index) const override { return "$" + std::to_string(index); }
  std::string type_sql(const ColumnType& type) const override;
  std::vector<Statement> split(std::string_view script) const override;
  std::optional<StatementRefusal> refusal(const Statement& statement) const override;
  // clock_timestamp(), not now(): now() is the start of the transaction.
  std::string server_clock_ms() const override {
    return "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)";
  }
};

}  // namespace strata::postgres
