// SQLite's dialect: double-quoted identifiers, ?N parameters, its type affinities, and the
// script rules of its shell (brackets and backticks as identifiers, trigger bodies).
#pragma once

#include <strata/plugin/sdk.hpp>

namespace strata::sqlite {

class SqliteDialect final : public Dialect {
 public:
  std::string_view name() const override { return "sqlite"; }
  std::vector<std::string> suffixes() const override { return {"sqlite"}; }
  std::string quote_identifier(std::string_view identifier) const override;
  std::string placeholder(int index) const override { return "?" + std::to_string(index); }
  std::string type_sql(const ColumnType& type) const override;
  std::vector<Statement> split(std::string_view script) const override;
  std::optional<StatementRefusal> refusal(const Statement& statement) const override;
};

}  // namespace strata::sqlite
