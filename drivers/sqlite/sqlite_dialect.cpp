#include "sqlite_dialect.hpp"

#include <strata/ascii.hpp>

#include <algorithm>

namespace strata::sqlite {
namespace {

bool word_char(char c) {
  return ascii_isalnum(c) || c == '_' || c == '$' || static_cast<unsigned char>(c) >= 0x80;
}

// The tokens of a statement, comments left out: words, quoted names and strings (unquoted), and
// any other character alone.
std::vector<std::string> tokens_of(std::string_view s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (ascii_isspace(c)) {
      ++i;
    } else if (s.substr(i, 2) == "--") {
      i = std::min(s.find('\n', i), s.size());
    } else if (s.substr(i, 2) == "/*") {
      std::size_t end = s.find("*/", i + 2);
      i = end == std::string_view::npos ? s.size() : end + 2;
    } else if (c == '\'' || c == '"' || c == '`' || c == '[') {
      char close = c == '[' ? ']' : c;
      std::string text;
      for (++i; i < s.size(); ++i) {
        if (s[i] == close && close != ']' && i + 1 < s.size() && s[i + 1] == close) {
          text += close;  // a doubled quote stands for itself
          ++i;
        } else if (s[i] == close) {
          break;
        } else {
          text += s[i];
        }
      }
      ++i;
      out.push_back(text);
    } else if (word_char(c)) {
      std::size_t begin = i;
      while (i < s.size() && word_char(s[i])) ++i;
      out.emplace_back(s.substr(begin, i - begin));
    } else {
      out.emplace_back(1, c);
      ++i;
    }
  }
  return out;
}

// Pragmas that SQLite ignores or refuses inside a transaction, when they set something.
struct OutsideOnly {
  std::string_view name;
  bool only_with_value;
  std::string_view why;
};
constexpr OutsideOnly outside_only[] = {
    {"journal_mode", true, "does nothing inside a transaction (SQLite keeps the journal mode it has)"},
    {"synchronous", true, "cannot change inside a transaction"},
    {"wal_checkpoint", false, "cannot run inside a transaction"},
};

}  // namespace

std::optional<Pragma> pragma_of(std::string_view statement) {
  auto t = tokens_of(statement);
  if (t.size() < 2 || ascii_lowercase(t[0]) != "pragma") return std::nullopt;
  std::size_t at = 1;
  if (t.size() > 3 && t[2] == ".") at = 3;  // schema.name
  Pragma pragma{ascii_lowercase(t[at]), std::nullopt};
  std::size_t value_end = t.size();
  if (at + 1 < t.size() && t[at + 1] == "(" && t.back() == ")")
    --value_end;
  else if (at + 1 < t.size() && t[at + 1] != "=")
    return pragma;  // not a form SQLite accepts: it reports it when the statement runs
  if (at + 1 < t.size()) {
    std::string value;
    for (std::size_t i = at + 2; i < value_end; ++i) value += t[i];
    pragma.value = value;
  }
  return pragma;
}

bool pragma_true(std::string_view value) {
  if (value.starts_with('+')) value.remove_prefix(1);  // SQLite's parser drops a plus sign
  if (!value.empty() && ascii_isdigit(value.front())) {
    for (char c : value) {
      if (!ascii_isdigit(c)) break;
      if (c != '0') return true;
    }
    return false;
  }
  std::string word = ascii_lowercase(value);
  return word == "on" || word == "yes" || word == "true";
}

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
  if (word == "VACUUM" || word == "ATTACH" || word == "DETACH") return StatementRefusal::outside_transaction(word);
  if (auto pragma = pragma_of(statement.text))
    for (const auto& p : outside_only)
      if (pragma->name == p.name && (pragma->value || !p.only_with_value))
        return StatementRefusal::outside_transaction("PRAGMA " + pragma->name, p.why);
  static constexpr std::string_view control[] = {"BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE"};
  if (std::find(std::begin(control), std::end(control), word) != std::end(control))
    return StatementRefusal::transaction_control(word);
  return std::nullopt;
}

// SQLite ignores `PRAGMA foreign_keys` inside a transaction: a file that turns foreign keys off
// (to rebuild a table: create new, copy, drop, rename) would otherwise run with them on, and the
// DROP would delete every child row through ON DELETE CASCADE. It runs as it means to: foreign
// keys off before its transaction, checked before it commits, on again after it.
TransactionFrame SqliteDialect::transaction_frame(std::span<const Statement> statements) const {
  bool off = std::any_of(statements.begin(), statements.end(), [](const Statement& s) {
    auto pragma = pragma_of(s.text);
    return pragma && pragma->name == "foreign_keys" && pragma->value && !pragma_true(*pragma->value);
  });
  if (!off) return {};
  return {{"PRAGMA foreign_keys = OFF"},
          {{"PRAGMA foreign_key_check",
            "the migration turned foreign keys off and leaves rows that break them (table, rowid, referenced table, "
            "foreign key)"}},
          {"PRAGMA foreign_keys = ON"}};
}

}  // namespace strata::sqlite
