#include "sqlite_dialect.hpp"

#include <algorithm>

namespace strata::sqlite {
std::string SqliteDialect::quote_identifier(std::string_view identifier) const {
  return quote_identifier_with(identifier, '"');
}

std::string SqliteDialect::type_sql(const ColumnType& type) const {
  switch (type.type) {
    case PortableType::boolean: return "BOOLEAN";
    case PortableType::smallint: return "SMALLINT";
    case PortableType::integer: return "INTEGER";
    case PortableType::bigint: return "BIGINT";
    case PortableType::real: return "REAL";
    case PortableType::double_precision: return "DOUBLE";
    case PortableType::decimal:
      return "DECIMAL(" + std::to_string(type.precision) + ", " + std::to_string(type.scale) + ")";
    case PortableType::string: return type.length > 0 ? "VARCHAR(" + std::to_string(type.length) + ")" : "TEXT";
    case PortableType::text: return "TEXT";
    case PortableType::binary: return "BLOB";
    case PortableType::date: return "DATE";
    case PortableType::time: return "TIME";
    case PortableType::timestamp: return "TIMESTAMP";
    case PortableType::timestamptz: return "TIMESTAMPTZ";
    case PortableType::uuid: return "UUID";
    case PortableType::json: return "JSON";
  }
  return "TEXT";
}

std::vector<Statement> SqliteDialect::split(std::string_view script) const {
  SplitRules rules;
  rules.bracket_identifiers = true;
  rules.backtick_identifiers = true;
  rules.trigger_bodies = true;
  return split_script(script, rules);
}

std::optional<StatementRefusal> SqliteDialect::refusal(const Statement& statement) const {
  auto keywords = statement_keywords(statement.text, 1);
  std::string word = keywords.empty() ? "" : keywords.front();
  if (word == "VACUUM" || word == "ATTACH" || word == "DETACH")
    return StatementRefusal{word +
                                " cannot run inside a transaction, and strata runs each migration in one; put "
                                "`-- strata:no-transaction` on the file's first line to run it statement by "
                                "statement, outside a transaction",
                            true};
  static constexpr std::string_view control[] = {"BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE"};
  if (std::find(std::begin(control), std::end(control), word) != std::end(control))
    return StatementRefusal{word +
                                " controls the transaction, which strata owns (each migration runs in one "
                                "transaction with its ledger row, or statement by statement with recorded "
                                "progress): remove the statement",
                            false};
  return std::nullopt;
}

}  // namespace strata::sqlite
