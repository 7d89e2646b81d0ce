#include "pg_renderer.hpp"

#include <strata/ascii.hpp>

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <regex>

namespace strata::postgres {
namespace {

// format_type's spelling and ours, made one: lower case, no spaces, long names shortened.
std::string canonical(std::string_view type) {
  std::string s = ascii_lowercase(type);
  static const std::pair<const char*, const char*> synonyms[] = {
      {"character varying", "varchar"},
      {"timestamp without time zone", "timestamp"},
      {"timestamp with time zone", "timestamptz"},
      {"time without time zone", "time"},
      {"int4", "integer"},
      {"int8", "bigint"},
      {"int2", "smallint"},
      {"float8", "double precision"},
      {"float4", "real"},
      {"bool", "boolean"},
  };
  for (const auto& [from, to] : synonyms)
    if (s.starts_with(from)) s = to + s.substr(std::string_view(from).size());
  std::string out;
  for (char c : s)
    if (c != ' ') out += c;
  return out;
}

}  // namespace

// PostgreSQL's built-in types as format_type names them, and what each stands for
// (docs/operations.md's types table).
constexpr NativeType pg_types[] = {
    {"smallint", PortableType::smallint},
    {"integer", PortableType::integer},
    {"bigint", PortableType::bigint},
    {"real", PortableType::real},
    {"double precision", PortableType::double_precision},
    {"numeric", PortableType::decimal},
    {"character varying", PortableType::string},
    {"character", PortableType::string},
    {"text", PortableType::text},
    {"text", PortableType::string},
    {"bytea", PortableType::binary},
    {"boolean", PortableType::boolean},
    {"date", PortableType::date},
    {"time without time zone", PortableType::time},
    {"time with time zone", PortableType::time},
    {"timestamp without time zone", PortableType::timestamp},
    {"timestamp with time zone", PortableType::timestamptz},
    {"uuid", PortableType::uuid},
    {"json", PortableType::json},
    {"jsonb", PortableType::json},
};

bool PgRenderer::same_type(const ColumnType& type, const ColumnInfo& column) const {
  return canonical(dialect().type_sql(type)) == canonical(column.type) || stands_for(type, column.type, pg_types);
}

std::vector<RenderedStatement> PgRenderer::render(const ops::Operation& op, Catalog& catalog) const {
  auto* o = std::get_if<ops::AlterColumn>(&op.change);
  if (!o) return SqlRenderer::render(op, catalog);
  std::string column = q(o->column), actions;
  auto add = [&](const std::string& action) { actions += (actions.empty() ? "" : ", ") + action; };
  if (o->nullable && !*o->nullable && !o->type) {
    // NOT NULL without a long exclusive lock: a check added NOT VALID (a moment's lock), validated
    // under a lock that lets reads and writes go on, then SET NOT NULL, which the valid check
    // spares its scan. Each a step of its own where the migration runs step by step (the commit
    // points); the last two in one statement, so that no kill leaves the check behind a column
    // already NOT NULL, and a re-run starts again from the top.
    std::uint32_t hash = 2166136261u;
    for (char c : o->table + "." + o->column) hash = (hash ^ static_cast<unsigned char>(c)) * 16777619u;
    char name[32];
    std::snprintf(name, sizeof name, "strata_not_null_%08x", hash);
    std::string table = "ALTER TABLE " + q(o->table) + " ", check = q(name);
    add("ALTER COLUMN " + column + " SET NOT NULL");
    if (o->default_value)
      add("ALTER COLUMN " + column +
          (*o->default_value ? " SET DEFAULT " + default_sql(**o->default_value) : std::string(" DROP DEFAULT")));
    RenderedStatement commit_point{"", {}, RenderedStatement::Check::commit};
    return {{table + "DROP CONSTRAINT IF EXISTS " + check + ", ADD CONSTRAINT " + check + " CHECK (" + column +
                 " IS NOT NULL) NOT VALID",
             {}},
            commit_point,
            {table + "VALIDATE CONSTRAINT " + check, {}},
            commit_point,
            {table + actions + "; " + table + "DROP CONSTRAINT " + check, {}}};
  }
  if (o->type) {
    std::string type = dialect().type_sql(*o->type);
    add("ALTER COLUMN " + column + " TYPE " + type + " USING " + column + "::" + type);
  }
  if (o->nullable) add("ALTER COLUMN " + column + (*o->nullable ? " DROP NOT NULL" : " SET NOT NULL"));
  if (o->default_value)
    add("ALTER COLUMN " + column +
        (*o->default_value ? " SET DEFAULT " + default_sql(**o->default_value) : std::string(" DROP DEFAULT")));
  std::vector<RenderedStatement> out;
  std::vector<Row> views;
  if (o->type) {
    std::vector<Value> params{(schema_.empty() ? "" : q(schema_) + ".") + q(o->table), o->column};
    views = session_.query(
        "SELECT v.oid::regclass::text, pg_catalog.pg_get_viewdef(v.oid) FROM pg_catalog.pg_depend d "
        "JOIN pg_catalog.pg_rewrite r ON r.oid = d.objid JOIN pg_catalog.pg_class v ON v.oid = r.ev_class "
        "JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid "
        "WHERE d.refobjid = $1::regclass AND a.attname = $2 AND v.oid <> d.refobjid "
        "GROUP BY v.oid ORDER BY v.oid",
        params);
  }
  for (auto it = views.rbegin(); it != views.rend(); ++it)
    out.push_back({"DROP VIEW " + std::get<std::string>((*it)[0]), {}});
  out.push_back({"ALTER TABLE " + q(o->table) + " " + actions, {}});
  for (const auto& v : views)
    out.push_back({"CREATE VIEW " + std::get<std::string>(v[0]) + " AS " + std::get<std::string>(v[1]), {}});
  return out;
}

std::string PgRenderer::column_definition(const ops::Column& c) const {
  if (!c.auto_increment) return SqlRenderer::column_definition(c);
  return q(c.name) + " " + dialect().type_sql(c.type) + " GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY";
}

std::string PgRenderer::bound_value(int index, const ColumnInfo* column) const {
  std::string marker = dialect().placeholder(index);
  return column ? "CAST(" + marker + " AS " + column->type + ")" : marker;
}

}  // namespace strata::postgres
