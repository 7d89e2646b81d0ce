#include "mysql_dialect.hpp"

#include <algorithm>

namespace strata::mysql {

std::vector<std::string> MysqlDialect::suffixes() const {
  if (mariadb_) return {"mariadb", "mysql"};
  return {"mysql"};
}

std::string MysqlDialect::quote_identifier(std::string_view identifier) const {
  return quote_identifier_with(identifier, '`');
}

std::string MysqlDialect::type_sql(const ColumnType& type) const {
  switch (type.type) {
    case PortableType::boolean: return "BOOLEAN";
    case PortableType::smallint: return "SMALLINT";
    case PortableType::integer: return "INT";
    case PortableType::bigint: return "BIGINT";
    case PortableType::real: return "FLOAT";
    case PortableType::double_precision: return "DOUBLE";
    case PortableType::decimal:
      return "DECIMAL(" + std::to_string(type.precision) + ", " + std::to_string(type.scale) + ")";
    case PortableType::string: return type.length > 0 ? "VARCHAR(" + std::to_string(type.length) + ")" : "LONGTEXT";
    case PortableType::text: return "LONGTEXT";
    case PortableType::binary: return "LONGBLOB";
    case PortableType::date: return "DATE";
    case PortableType::time: return "TIME";
    case PortableType::timestamp: return "DATETIME(3)";
    case PortableType::timestamptz: return "DATETIME(3)";  // no zone-aware type: stored in UTC
    case PortableType::uuid: return "CHAR(36)";
    case PortableType::json: return "JSON";  // MariaDB: LONGTEXT with a JSON_VALID check
  }
  return "LONGTEXT";
}

std::vector<Statement> MysqlDialect::split(std::string_view script) const {
  SplitRules rules;
  rules.backtick_identifiers = true;
  rules.hash_comments = true;
  rules.backslash_escapes = true;
  rules.delimiter_command = true;
  rules.dash_comment_needs_space = true;
  rules.version_comments = true;
  rules.compound_bodies = true;
  return split_script(script, rules);
}

// Every statement runs outside a transaction here (DDL commits implicitly), so only what
// would break strata's own bookkeeping is refused.
std::optional<StatementRefusal> MysqlDialect::refusal(const Statement& statement) const {
  auto keywords = statement_keywords(statement.text, 1);
  std::string word = keywords.empty() ? "" : keywords.front();
  static constexpr std::string_view control[] = {"BEGIN", "START", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "XA"};
  if (std::find(std::begin(control), std::end(control), word) != std::end(control) && word != "BEGIN")
    return StatementRefusal::transaction_control(word);
  // BEGIN [WORK] starts a transaction; BEGIN NOT ATOMIC ... END is a block (MariaDB), and other
  // BEGIN ... END blocks only occur inside CREATE.
  if (word == "BEGIN" && statement_keywords(statement.text, 3) != std::vector<std::string>{"BEGIN", "NOT", "ATOMIC"})
    return StatementRefusal::transaction_control(word);
  if (word == "LOCK" || word == "UNLOCK")
    return StatementRefusal{word + " TABLES would end or hold locks strata's bookkeeping needs: remove the statement",
                            false};
  return std::nullopt;
}

}  // namespace strata::mysql
