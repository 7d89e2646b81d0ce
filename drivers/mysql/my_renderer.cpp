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
  return {{std::string("DROP INDEX ") + (native_if_exists_ && op.if_exists ? "IF EXISTS " : "") + q(op.name) + " ON " +
               q(op.table),
           {}}};
}

std::vector<RenderedStatement> MyRenderer::render(const ops::Operation& op, Catalog& catalog) const {
  using namespace ops;
  if (native_if_exists_) {
    if (auto* o = std::get_if<AddColumn>(&op.change); o && o->if_missing)
      return {{"ALTER TABLE " + q(o->table) + " ADD COLUMN IF NOT EXISTS " + column_definition(o->column), {}}};
    if (auto* o = std::get_if<DropColumn>(&op.change); o && o->if_exists)
      return {{"ALTER TABLE " + q(o->table) + " DROP COLUMN IF EXISTS " + q(o->column), {}}};
    if (auto* o = std::get_if<CreateIndex>(&op.change); o && o->if_missing)
      return {{std::string("CREATE ") + (o->unique ? "UNIQUE " : "") + "INDEX IF NOT EXISTS " + q(o->name) + " ON " +
                   q(o->table) + " (" + names(o->columns) + ")",
               {}}};
  }
  return SqlRenderer::render(op, catalog);
}

}  // namespace strata::mysql
