// A CREATE TABLE statement as SQLite keeps it (sqlite_master.sql), cut into its parts, so that a
// table rebuild changes only what an operation names and keeps the rest as written: unnamed
// constraints, defaults, collations, ON DELETE actions, WITHOUT ROWID.
#pragma once

#include <strata/plugin/sdk.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace strata::sqlite {

struct TableSql {
  std::string head;                // "CREATE TABLE x ", up to the opening parenthesis
  std::vector<std::string> items;  // column definitions and table constraints, as written
  std::string tail;                // what follows the closing parenthesis (" WITHOUT ROWID")

  // Throws Error(apply_failed) when `sql` is not CREATE TABLE <name> (...).
  static TableSql parse(std::string_view sql);
  // CREATE TABLE <quoted name> (<items>)<tail>
  std::string create(std::string_view quoted_name) const;
};

// One token of an item: a word, a quoted name (unquoted), a string literal (with its quotes), or
// one of ( ) , as itself.
struct Token {
  enum class Kind { word, name, literal, punct };
  Kind kind;
  std::string text;
  std::size_t begin = 0, end = 0;  // in the item
  // A word or a name equal to `s`, ignoring letter case for words.
  bool is(std::string_view s) const;
};
std::vector<Token> tokenize(std::string_view text);

// Whether an item is a table constraint (CONSTRAINT, PRIMARY KEY, UNIQUE, CHECK, FOREIGN KEY).
bool is_table_constraint(std::string_view item);
// A column definition's column name.
std::string column_name(std::string_view item);

// A column definition cut into what alter_column changes and the rest, kept as written.
struct ColumnSql {
  std::string name;                        // as written (quoted or not)
  std::string type;                        // as written; may be ""
  std::optional<std::string> null_clause;  // "NOT NULL ...", "NULL"
  std::optional<std::string> default_clause;
  std::vector<std::string> rest;  // every other clause, in order

  static ColumnSql parse(std::string_view item);
  std::string text() const;
};

// The named constraints an item declares (a table constraint, or one inside a column definition).
std::vector<ConstraintInfo> constraints_of(const TableSql& table);
// The name a table-level item gives itself (CONSTRAINT <name> ...), or "".
std::string constraint_name(std::string_view item);
// Whether a table-level item names `column` in its column lists.
bool names_column(std::string_view item, std::string_view column);

}  // namespace strata::sqlite
