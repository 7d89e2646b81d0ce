#include "mysql_renderer.hpp"

#include <strata/ascii.hpp>

#include <cctype>

namespace strata::mysql {
namespace {

// COLUMN_TYPE's spelling and ours, made one: lower case, no spaces, no integer display width.
std::string canonical(std::string_view type) {
  std::string s;
  for (char c : type)
    if (c != ' ') s += ascii_lower(c);
  if (s == "tinyint(1)" || s == "bool") return "boolean";
  for (const char* integer : {"smallint", "int", "bigint", "integer"})
    if (s.starts_with(integer) && s.size() > std::string_view(integer).size() &&
        s[std::string_view(integer).size()] == '(')
      s = s.substr(0, s.find('('));
  if (s == "integer") s = "int";
  return s;
}

}  // namespace

// MySQL's and MariaDB's built-in types as information_schema names them, and what each stands
// for (docs/operations.md's types table). TINYINT(1) is boolean (see canonical).
constexpr NativeType mysql_types[] = {
    {"tinyint", PortableType::smallint},
    {"smallint", PortableType::smallint},
    {"mediumint", PortableType::integer},
    {"int", PortableType::integer},
    {"integer", PortableType::integer},
    {"bigint", PortableType::bigint},
    {"tinyint unsigned", PortableType::smallint},
    {"smallint unsigned", PortableType::integer},
    {"mediumint unsigned", PortableType::integer},
    {"int unsigned", PortableType::bigint},
    {"bigint unsigned", PortableType::bigint},
    {"year", PortableType::smallint},
    {"float", PortableType::real},
    {"double", PortableType::double_precision},
    {"double precision", PortableType::double_precision},
    {"real", PortableType::double_precision},
    {"decimal", PortableType::decimal},
    {"numeric", PortableType::decimal},
    {"char", PortableType::string},
    {"varchar", PortableType::string},
    {"binary", PortableType::binary},
    {"varbinary", PortableType::binary},
    {"tinyblob", PortableType::binary},
    {"blob", PortableType::binary},
    {"mediumblob", PortableType::binary},
    {"longblob", PortableType::binary},
    {"date", PortableType::date},
    {"time", PortableType::time},
    {"datetime", PortableType::timestamp},
    {"datetime", PortableType::timestamptz},
    {"timestamp", PortableType::timestamptz},
    {"timestamp", PortableType::timestamp},
    {"json", PortableType::json},
};

bool MysqlRenderer::same_type(const ColumnType& type, const ColumnInfo& column) const {
  // TINYINT(1) is MySQL's BOOLEAN, and nothing else.
  if (canonical(column.type) == "boolean") return type.type == PortableType::boolean;
  // MariaDB's JSON is LONGTEXT with a JSON_VALID check, and information_schema says longtext.
  if (type.type == PortableType::json && mariadb_ && canonical(column.type) == "longtext") return true;
  // TEXT, MEDIUMTEXT and LONGTEXT are all unbounded text to a portable schema.
  std::string have = canonical(column.type);
  if ((type.type == PortableType::text || (type.type == PortableType::string && type.length == 0)) &&
      (have == "text" || have == "mediumtext" || have == "longtext" || have == "tinytext"))
    return true;
  return canonical(dialect().type_sql(type)) == canonical(column.type) || stands_for(type, column.type, mysql_types);
}

std::string MysqlRenderer::column_definition(const ops::Column& c) const {
  if (!c.auto_increment) return SqlRenderer::column_definition(c);
  return q(c.name) + " " + dialect().type_sql(c.type) + " NOT NULL AUTO_INCREMENT PRIMARY KEY";
}

std::string MysqlRenderer::default_sql(const ops::Default& value) const {
  return value.kind == ops::Default::Kind::current_timestamp ? "CURRENT_TIMESTAMP(3)" : SqlRenderer::default_sql(value);
}

std::vector<RenderedStatement> MysqlRenderer::drop_index(const ops::DropIndex& op) const {
  return {{"DROP INDEX" + if_clause(ops::Operation(op), op.if_exists, " IF EXISTS") + " " + q(op.name) + " ON " +
               q(op.table),
           {}}};
}

bool MysqlRenderer::native_if_exists(std::string_view name) const {
  using namespace ops;
  bool column_or_index = name == AddColumn::operation || name == DropColumn::operation ||
                         name == CreateIndex::operation || name == DropIndex::operation;
  return SqlRenderer::native_if_exists(name) || (column_or_index && native_if_exists_);
}

std::vector<RenderedStatement> MysqlRenderer::modify_column(const ops::AlterColumn& op) const {
  std::vector<Value> params{database_, op.table, op.column};
  auto rows = session_.query(
      "SELECT COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA, COLUMN_COMMENT FROM information_schema.COLUMNS "
      "WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND COLUMN_NAME = ?",
      params);
  if (rows.empty()) throw Error(ErrorKind::apply_failed, "the table " + op.table + " has no column " + op.column);
  auto text = [](const Value& v) -> std::optional<std::string> {
    if (auto s = std::get_if<std::string>(&v)) return *s;
    return std::nullopt;
  };
  const Row& c = rows[0];
  std::string extra = text(c[3]).value_or("");
  std::string sql = "ALTER TABLE " + q(op.table) + " MODIFY COLUMN " + q(op.column) + " " +
                    (op.type ? dialect().type_sql(*op.type) : text(c[0]).value_or(""));
  bool nullable = op.nullable ? *op.nullable : text(c[1]).value_or("YES") == "YES";
  sql += nullable ? " NULL" : " NOT NULL";
  if (op.default_value) {
    if (*op.default_value) sql += " DEFAULT " + default_sql(**op.default_value);
  } else if (auto d = text(c[2]); d && *d != "NULL") {
    bool expression = extra.find("DEFAULT_GENERATED") != std::string::npos;
    sql += " DEFAULT " + (mariadb_ ? *d : expression ? "(" + *d + ")" : literal(*d));
  }
  std::string lower = ascii_lowercase(extra);
  if (lower.find("auto_increment") != std::string::npos) sql += " AUTO_INCREMENT";
  if (auto on_update = lower.find("on update "); on_update != std::string::npos) sql += " " + extra.substr(on_update);
  if (auto comment = text(c[4]); comment && !comment->empty()) sql += " COMMENT " + literal(*comment);
  return {{sql, {}}};
}

std::vector<RenderedStatement> MysqlRenderer::render(const ops::Operation& op, Catalog& catalog) const {
  using namespace ops;
  if (auto* o = std::get_if<AlterColumn>(&op.change)) return modify_column(*o);
  if (auto* o = std::get_if<DropForeignKey>(&op.change))
    return {{"ALTER TABLE " + q(o->table) + " DROP FOREIGN KEY " + q(o->name), {}}};
  if (auto* o = std::get_if<DropConstraint>(&op.change)) {
    for (const auto& c : catalog.constraints(o->table))
      if (c.name == o->name && c.kind == ConstraintInfo::Kind::unique)
        return {{"ALTER TABLE " + q(o->table) + " DROP INDEX " + q(o->name), {}}};
    return {{"ALTER TABLE " + q(o->table) + " DROP CONSTRAINT " + q(o->name), {}}};
  }
  return SqlRenderer::render(op, catalog);
}

}  // namespace strata::mysql
