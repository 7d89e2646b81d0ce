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
  // A script that turns foreign keys off (`PRAGMA foreign_keys=OFF`, which SQLite ignores inside
  // a transaction) runs with them off around its transaction, checked before it commits.
  TransactionFrame transaction_frame(std::span<const Statement> statements) const override;
  // julianday('now') is the time of the statement (SQLite keeps it for one statement), to the
  // millisecond.
  std::string server_clock_ms() const override {
    return "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)";
  }
};

// A PRAGMA statement as SQLite reads it: `PRAGMA [schema.]name [= value | (value)]`, the name
// and the value quoted or not; nullopt for any other statement.
struct Pragma {
  std::string name;                  // lower case, unquoted
  std::optional<std::string> value;  // unquoted; nullopt for a query (`PRAGMA journal_mode`)
};
std::optional<Pragma> pragma_of(std::string_view statement);
// Whether SQLite reads a pragma's value as true: on, yes, true, or a number not 0.
bool pragma_true(std::string_view value);

}  // namespace strata::sqlite
