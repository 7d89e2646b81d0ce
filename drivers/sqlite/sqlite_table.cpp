#include "sqlite_table.hpp"

#include <strata/ascii.hpp>

#include <algorithm>

namespace strata::sqlite {
namespace {

std::string trim(std::string_view s) {
  std::size_t b = s.find_first_not_of(" \t\r\n"), e = s.find_last_not_of(" \t\r\n");
  return b == std::string_view::npos ? std::string() : std::string(s.substr(b, e - b + 1));
}

// Moves `i` past a quoted run or comment starting at `i`; returns false when none starts there.
bool skip_quoted(std::string_view s, std::size_t& i) {
  char c = s[i];
  if (c == '-' && i + 1 < s.size() && s[i + 1] == '-') {
    i = s.find('\n', i);
    if (i == std::string_view::npos) i = s.size();
    return true;
  }
  if (c == '/' && i + 1 < s.size() && s[i + 1] == '*') {
    std::size_t end = s.find("*/", i + 2);
    i = end == std::string_view::npos ? s.size() : end + 2;
    return true;
  }
  char close = c == '\'' ? '\'' : c == '"' ? '"' : c == '`' ? '`' : c == '[' ? ']' : 0;
  if (!close) return false;
  ++i;
  while (i < s.size()) {
    if (s[i] == close) {
      if (close != ']' && i + 1 < s.size() && s[i + 1] == close) {
        i += 2;  // a doubled quote stands for itself
        continue;
      }
      ++i;
      return true;
    }
    ++i;
  }
  return true;
}

[[noreturn]] void unreadable(std::string_view sql, const std::string& why) {
  throw Error(ErrorKind::apply_failed, "cannot rebuild the table: its definition could not be read (" + why +
                                           "): " + std::string(sql.substr(0, 80)));
}

// The first name of each entry in the parenthesised list at or after token `from`: the
// columns of (a, b COLLATE nocase, c DESC).
std::vector<std::string> names_in_parens(const std::vector<Token>& tokens, std::size_t from) {
  std::vector<std::string> names;
  std::size_t i = from;
  while (i < tokens.size() && !(tokens[i].kind == Token::Kind::punct && tokens[i].text == "(")) ++i;
  int depth = 0;
  bool expect_name = true;
  for (; i < tokens.size(); ++i) {
    const Token& t = tokens[i];
    if (t.kind == Token::Kind::punct) {
      if (t.text == "(") ++depth;
      if (t.text == ")" && --depth == 0) break;
      if (t.text == "," && depth == 1) expect_name = true;
      continue;
    }
    if (expect_name && depth == 1 && (t.kind == Token::Kind::name || t.kind == Token::Kind::word)) {
      names.push_back(t.text);
      expect_name = false;
    }
  }
  return names;
}

// The text of the parenthesised group starting at token `from` (its first "(").
std::string paren_text(std::string_view item, const std::vector<Token>& tokens, std::size_t from) {
  std::size_t i = from;
  while (i < tokens.size() && !(tokens[i].kind == Token::Kind::punct && tokens[i].text == "(")) ++i;
  if (i == tokens.size()) return "";
  int depth = 0;
  std::size_t begin = tokens[i].end;
  for (; i < tokens.size(); ++i) {
    if (tokens[i].kind != Token::Kind::punct) continue;
    if (tokens[i].text == "(") ++depth;
    if (tokens[i].text == ")" && --depth == 0) return trim(item.substr(begin, tokens[i].begin - begin));
  }
  return "";
}

ConstraintInfo constraint_at(std::string_view item, const std::vector<Token>& t, std::size_t at, std::string name) {
  ConstraintInfo c;
  c.name = std::move(name);
  if (t[at].is("PRIMARY")) {
    c.kind = ConstraintInfo::Kind::primary_key;
    c.columns = names_in_parens(t, at);
  } else if (t[at].is("UNIQUE")) {
    c.kind = ConstraintInfo::Kind::unique;
    c.columns = names_in_parens(t, at);
  } else if (t[at].is("CHECK")) {
    c.kind = ConstraintInfo::Kind::check;
    c.expression = paren_text(item, t, at);
  } else if (t[at].is("FOREIGN")) {
    c.kind = ConstraintInfo::Kind::foreign_key;
    c.columns = names_in_parens(t, at);
    for (std::size_t i = at; i < t.size(); ++i)
      if (t[i].is("REFERENCES") && i + 1 < t.size()) {
        c.referenced_table = t[i + 1].text;
        c.referenced_columns = names_in_parens(t, i + 1);
        break;
      }
  }
  return c;
}

}  // namespace

bool Token::is(std::string_view s) const {
  if (kind == Kind::word) return ascii_iequals(text, s);
  return kind == Kind::name && text == s;
}

std::vector<Token> tokenize(std::string_view s) {
  std::vector<Token> out;
  std::size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (ascii_isspace(c)) {
      ++i;
      continue;
    }
    std::size_t begin = i;
    if ((c == '-' && i + 1 < s.size() && s[i + 1] == '-') || (c == '/' && i + 1 < s.size() && s[i + 1] == '*')) {
      skip_quoted(s, i);
      continue;
    }
    if (c == '\'' || c == '"' || c == '`' || c == '[') {
      skip_quoted(s, i);
      std::string_view raw = s.substr(begin, i - begin);
      if (c == '\'') {
        out.push_back({Token::Kind::literal, std::string(raw), begin, i});
      } else {
        std::string name(raw.substr(1, raw.size() >= 2 ? raw.size() - 2 : 0));
        if (c != '[')
          for (std::size_t at = name.find(std::string(2, c)); at != std::string::npos;
               at = name.find(std::string(2, c), at + 1))
            name.erase(at, 1);
        out.push_back({Token::Kind::name, name, begin, i});
      }
      continue;
    }
    if (c == '(' || c == ')' || c == ',') {
      out.push_back({Token::Kind::punct, std::string(1, c), begin, ++i});
      continue;
    }
    while (i < s.size() && !ascii_isspace(s[i]) && std::string_view("(),'\"`[").find(s[i]) == std::string_view::npos)
      ++i;
    out.push_back({Token::Kind::word, std::string(s.substr(begin, i - begin)), begin, i});
  }
  return out;
}

TableSql TableSql::parse(std::string_view sql) {
  std::size_t i = 0, open = std::string_view::npos;
  while (i < sql.size()) {
    if (skip_quoted(sql, i)) continue;
    if (sql[i] == '(') {
      open = i;
      break;
    }
    ++i;
  }
  if (open == std::string_view::npos) unreadable(sql, "no column list");
  TableSql table;
  table.head = std::string(sql.substr(0, open));
  int depth = 0;
  std::size_t item_begin = open + 1;
  for (i = open; i < sql.size();) {
    if (skip_quoted(sql, i)) continue;
    char c = sql[i];
    if (c == '(') ++depth;
    if (c == ')' && --depth == 0) {
      table.items.push_back(trim(sql.substr(item_begin, i - item_begin)));
      table.tail = std::string(sql.substr(i + 1));
      return table;
    }
    if (c == ',' && depth == 1) {
      table.items.push_back(trim(sql.substr(item_begin, i - item_begin)));
      item_begin = i + 1;
    }
    ++i;
  }
  unreadable(sql, "unbalanced parentheses");
}

std::string TableSql::create(std::string_view quoted_name) const {
  std::string sql = "CREATE TABLE " + std::string(quoted_name) + " (";
  for (std::size_t i = 0; i < items.size(); ++i) sql += (i ? ",\n  " : "\n  ") + items[i];
  return sql + "\n)" + tail;
}

bool is_table_constraint(std::string_view item) {
  auto t = tokenize(item);
  if (t.empty() || t[0].kind != Token::Kind::word) return false;
  return t[0].is("CONSTRAINT") || t[0].is("PRIMARY") || t[0].is("UNIQUE") || t[0].is("CHECK") || t[0].is("FOREIGN");
}

std::string column_name(std::string_view item) {
  auto t = tokenize(item);
  return t.empty() ? std::string() : t[0].text;
}

std::string constraint_name(std::string_view item) {
  auto t = tokenize(item);
  return t.size() > 1 && t[0].is("CONSTRAINT") ? t[1].text : std::string();
}

bool names_column(std::string_view item, std::string_view column) {
  for (const auto& t : tokenize(item))
    if ((t.kind == Token::Kind::name || t.kind == Token::Kind::word) && t.text == column) return true;
  return false;
}

ColumnSql ColumnSql::parse(std::string_view item) {
  auto t = tokenize(item);
  ColumnSql c;
  if (t.empty()) return c;
  c.name = std::string(item.substr(t[0].begin, t[0].end - t[0].begin));
  static constexpr std::string_view starts[] = {"CONSTRAINT", "PRIMARY", "NULL",       "UNIQUE",    "CHECK",
                                                "DEFAULT",    "COLLATE", "REFERENCES", "GENERATED", "AS"};
  auto starts_clause = [&](std::size_t i) {
    if (t[i].kind != Token::Kind::word) return false;
    if (t[i].is("NOT")) return i + 1 < t.size() && t[i + 1].is("NULL");  // not NOT DEFERRABLE
    return std::any_of(std::begin(starts), std::end(starts), [&](std::string_view s) { return t[i].is(s); });
  };
  auto paren = [&](std::size_t i, int& depth) {
    if (t[i].kind != Token::Kind::punct) return;
    if (t[i].text == "(") ++depth;
    if (t[i].text == ")") --depth;
  };
  // The type: everything up to the first clause, parenthesised sizes included.
  std::size_t i = 1;
  int depth = 0;
  while (i < t.size() && (depth > 0 || !starts_clause(i))) paren(i++, depth);
  if (i > 1) c.type = trim(item.substr(t[1].begin, t[i - 1].end - t[1].begin));
  // Clauses: each runs to the start of the next one at the same level. A clause's own leading
  // words come with it: NOT NULL, DEFAULT and its value (even NULL), CONSTRAINT, its name and
  // its kind.
  while (i < t.size()) {
    std::size_t begin = i, j = i + 1;
    if (t[begin].is("NOT")) j = begin + 2;
    if (t[begin].is("CONSTRAINT")) j = begin + 3;
    if (t[begin].is("DEFAULT"))
      j = begin + 2 + (begin + 1 < t.size() && (t[begin + 1].text == "-" || t[begin + 1].text == "+"));
    j = std::min(j, t.size());
    depth = 0;
    for (std::size_t k = begin; k < j; ++k) paren(k, depth);
    while (j < t.size() && (depth > 0 || !starts_clause(j))) paren(j++, depth);
    std::string clause = trim(item.substr(t[begin].begin, t[j - 1].end - t[begin].begin));
    if (t[begin].is("NOT") || t[begin].is("NULL"))
      c.null_clause = clause;
    else if (t[begin].is("DEFAULT"))
      c.default_clause = clause;
    else
      c.rest.push_back(clause);
    i = j;
  }
  return c;
}

std::string ColumnSql::text() const {
  std::string out = name;
  if (!type.empty()) out += " " + type;
  if (null_clause) out += " " + *null_clause;
  if (default_clause) out += " " + *default_clause;
  for (const auto& r : rest) out += " " + r;
  return out;
}

std::vector<ConstraintInfo> constraints_of(const TableSql& table) {
  std::vector<ConstraintInfo> out;
  for (const auto& item : table.items) {
    auto t = tokenize(item);
    if (t.empty()) continue;
    bool table_level = is_table_constraint(item);
    for (std::size_t i = 0; i + 2 < t.size(); ++i) {
      if (!t[i].is("CONSTRAINT") || (table_level && i != 0)) continue;
      ConstraintInfo c = constraint_at(item, t, i + 2, t[i + 1].text);
      if (!table_level && c.kind != ConstraintInfo::Kind::check && c.columns.empty()) c.columns = {t[0].text};
      if (!table_level && c.kind == ConstraintInfo::Kind::foreign_key) c.columns = {t[0].text};
      out.push_back(std::move(c));
    }
  }
  return out;
}

}  // namespace strata::sqlite
