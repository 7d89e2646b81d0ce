#include "sqlite_renderer.hpp"

#include <cctype>

namespace strata::sqlite {
namespace {

std::string normalised(std::string_view type) {
  std::string out;
  for (char c : type)
    if (!std::isspace(static_cast<unsigned char>(c))) out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool integer_family(const std::string& type) {
  return type == "INTEGER" || type == "INT" || type == "BIGINT" || type == "SMALLINT";
}

}  // namespace

// SQLite keeps the declared type as written. The integer types are one type to SQLite (an
// auto-increment key must be declared INTEGER whatever its portable type), so they compare equal.
bool SqliteRenderer::same_type(const ColumnType& type, const ColumnInfo& column) const {
  std::string want = normalised(dialect().type_sql(type)), have = normalised(column.type);
  return want == have || (integer_family(want) && integer_family(have));
}

// An auto-increment key is SQLite's rowid alias: INTEGER PRIMARY KEY AUTOINCREMENT, exactly.
std::string SqliteRenderer::column_definition(const ops::Column& c) const {
  if (!c.auto_increment) return SqlRenderer::column_definition(c);
  return q(c.name) + " INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT";
}

}  // namespace strata::sqlite
