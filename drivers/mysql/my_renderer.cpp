#include "my_renderer.hpp"

#include <cctype>

namespace strata::mysql {
namespace {

// COLUMN_TYPE's spelling and ours, made one: lower case, no spaces, no integer display width.
std::string canonical(std::string_view type) {
  std::string s;
  for (char c : type)
    if (c != ' ') s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (s == "tinyint(1)" || s == "bool") return "boolean";
  for (const char* integer : {"smallint", "int", "bigint", "integer"})
    if (s.starts_with(integer) && s.size() > std::string_view(integer).size() && s[std::string_view(integer).size()] == '(')
      s = s.substr(0, s.find('('));
  if (s == "integer") s = "int";
  return s;
}

}  // namespace

bool MyRenderer::same_type(const ColumnType& type, const ColumnInfo& column) const {
  return canonical(dialect().type_sql(type)) == canonical(column.type);
}

std::string MyRenderer::column_definition(const ops::Column& c) const {
  if (!c.auto_increment) return SqlRenderer::column_definition(c);
  return q(c.name) + " " + dialect().type_sql(c.type) + " NOT NULL AUTO_INCREMENT PRIMARY KEY";
}

std::string MyRenderer::default_sql(const ops::Default& value) const {
  return value.kind == ops::Default::Kind::current_timestamp ? "CURRENT_TIMESTAMP(3)" : SqlRenderer::default_sql(value);
}

std::vector<RenderedStatement> MyRenderer::drop_index(const ops::DropIndex& op) const {
  return {{"DROP INDEX " + q(op.name) + " ON " + q(op.table), {}}};
}

}  // namespace strata::mysql
