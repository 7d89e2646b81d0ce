#include "overloaded.hpp"

#include <strata/ascii.hpp>
#include <strata/render.hpp>

#include <algorithm>
#include <charconv>
#include <cstdio>

namespace strata {
namespace {

using detail::overloaded;

Value bound(const ops::Literal& v) {
  return std::visit(overloaded{[](std::nullptr_t) -> Value { return nullptr; },
                               [](bool b) -> Value { return static_cast<std::int64_t>(b ? 1 : 0); },
                               [](std::int64_t i) -> Value { return i; }, [](double d) -> Value { return d; },
                               [](const std::string& s) -> Value { return s; }},
                    v);
}

}  // namespace

OperationRenderer::~OperationRenderer() = default;

std::vector<std::string> OperationRenderer::before_transaction(std::span<const ops::Operation>) const {
  return {};
}
std::vector<std::string> OperationRenderer::after_transaction(std::span<const ops::Operation>) const {
  return {};
}

bool SqlRenderer::supports(const ops::Operation& op) const {
  // Not in standard SQL as every backend takes it: changing a column, and constraints and
  // foreign keys on an existing table. A driver that renders them (SQLite, by rebuilding the
  // table) says so.
  using namespace ops;
  const Change& c = op.change;
  return !(std::holds_alternative<AlterColumn>(c) || std::holds_alternative<AddForeignKey>(c) ||
           std::holds_alternative<DropForeignKey>(c) || std::holds_alternative<AddUnique>(c) ||
           std::holds_alternative<AddCheck>(c) || std::holds_alternative<DropConstraint>(c));
}

bool SqlRenderer::same_type(const ColumnType& type, const ColumnInfo& column) const {
  return compact_upper(dialect_.type_sql(type)) == compact_upper(column.type);
}

bool SqlRenderer::stands_for(const ColumnType& type, std::string_view native, std::span<const NativeType> table) {
  // "character varying(32)" -> name "character varying", sizes {32}; "int(11) unsigned" -> "int unsigned".
  std::string name;
  std::vector<int> sizes;
  for (std::size_t i = 0; i < native.size(); ++i) {
    char c = native[i];
    if (c == '(') {
      std::size_t end = native.find(')', i);
      if (end == std::string_view::npos) return false;
      std::string inside(native.substr(i + 1, end - i - 1));
      for (std::size_t at = 0; at < inside.size();) {
        std::size_t comma = inside.find(',', at);
        std::string part = inside.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
        int value = 0;
        auto trimmed = part.find_first_not_of(' ');
        if (trimmed == std::string::npos) return false;
        auto [ptr, ec] = std::from_chars(part.data() + trimmed, part.data() + part.size(), value);
        if (ec != std::errc()) return false;
        sizes.push_back(value);
        if (comma == std::string::npos) break;
        at = comma + 1;
      }
      i = end;
      continue;
    }
    name += ascii_lower(c);
  }
  // Spaces as one, none at the ends: "double  precision " -> "double precision".
  std::string squeezed;
  for (char c : name)
    if (c != ' ' || (!squeezed.empty() && squeezed.back() != ' ')) squeezed += c;
  while (!squeezed.empty() && squeezed.back() == ' ') squeezed.pop_back();
  for (const auto& [known, t] : table) {
    if (known != squeezed || t != type.type) continue;
    if (t == PortableType::string) return sizes.empty() ? type.length == 0 : type.length == sizes[0];
    if (t == PortableType::decimal)
      return sizes.size() >= 2 ? type.precision == sizes[0] && type.scale == sizes[1]
                               : sizes.size() == 1 && type.precision == sizes[0] && type.scale == 0;
    return true;
  }
  return false;
}

bool SqlRenderer::same_default(const std::optional<ops::Default>& declared, const ColumnInfo& column) const {
  std::string want = declared ? comparable_default(default_sql(*declared)) : "";
  std::string have = column.default_sql ? comparable_default(*column.default_sql) : "";
  return want == have;
}

std::string SqlRenderer::comparable_default(std::string_view sql) {
  // Lower case and no casts outside quoted text: 'Pending'::character varying -> 'Pending'.
  std::string out;
  for (std::size_t i = 0; i < sql.size();) {
    char c = sql[i];
    if (c == '\'') {
      std::size_t end = i + 1;
      while (end < sql.size() && !(sql[end] == '\'' && (end + 1 >= sql.size() || sql[end + 1] != '\'')))
        end += sql[end] == '\'' ? 2 : 1;
      out.append(sql.substr(i, end + 1 - i));
      i = end + 1;
      continue;
    }
    if (c == ':' && i + 1 < sql.size() && sql[i + 1] == ':') {  // a cast: skip the type's name and size
      i += 2;
      while (i < sql.size() && (ascii_isalnum(sql[i]) || sql[i] == '_' || sql[i] == ' ' || sql[i] == '"')) ++i;
      if (i < sql.size() && sql[i] == '(') i = std::min(sql.size(), sql.find(')', i) + 1);
      continue;
    }
    if (!ascii_isspace(c)) out += ascii_lower(c);
    ++i;
  }
  while (out.size() >= 2 && out.front() == '(' && out.back() == ')') out = out.substr(1, out.size() - 2);
  if (out.size() >= 2 && out.front() == '\'' && out.back() == '\'') {
    std::string inside = out.substr(1, out.size() - 2);
    bool number = !inside.empty() && inside.find_first_not_of("-+.0123456789") == std::string::npos;
    if (number || inside == "true" || inside == "false" || inside == "t" || inside == "f") out = inside;
  }
  if (out == "true" || out == "t") return "1";
  if (out == "false" || out == "f") return "0";
  if (out == "null") return "";
  if (out == "now()" || out.starts_with("current_timestamp")) return "current_timestamp";
  return out;
}

std::string SqlRenderer::compact_upper(std::string_view text) {
  std::string out;
  for (char c : text)
    if (!ascii_isspace(c)) out += ascii_upper(c);
  return out;
}

std::string SqlRenderer::names(const std::vector<std::string>& identifiers) const {
  std::string out;
  for (const auto& i : identifiers) out += (out.empty() ? "" : ", ") + q(i);
  return out;
}

std::string SqlRenderer::literal(const ops::Literal& value) const {
  return std::visit(overloaded{[](std::nullptr_t) -> std::string { return "NULL"; },
                               [](bool b) -> std::string { return b ? "TRUE" : "FALSE"; },
                               [](std::int64_t i) { return std::to_string(i); },
                               [](double d) {
                                 char buffer[32];
                                 std::snprintf(buffer, sizeof buffer, "%.17g", d);
                                 return std::string(buffer);
                               },
                               [](const std::string& s) {
                                 std::string out = "'";
                                 for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
                                 return out + "'";
                               }},
                    value);
}

std::string SqlRenderer::default_sql(const ops::Default& value) const {
  return value.kind == ops::Default::Kind::current_timestamp ? "CURRENT_TIMESTAMP" : literal(value.value);
}

std::string SqlRenderer::column_definition(const ops::Column& c) const {
  std::string sql = q(c.name) + " " + dialect_.type_sql(c.type);
  if (!c.nullable) sql += " NOT NULL";
  if (c.default_value) sql += " DEFAULT " + default_sql(*c.default_value);
  if (c.primary_key) sql += " PRIMARY KEY";
  if (c.unique) sql += " UNIQUE";
  return sql;
}

std::string SqlRenderer::foreign_key_clause(const ops::ForeignKey& k) const {
  std::string sql = k.name.empty() ? "" : "CONSTRAINT " + q(k.name) + " ";
  sql +=
      "FOREIGN KEY (" + names(k.columns) + ") REFERENCES " + q(k.references) + " (" + names(k.referenced_columns) + ")";
  if (k.on_delete != ops::Action::no_action) sql += std::string(" ON DELETE ") + ops::to_sql(k.on_delete);
  if (k.on_update != ops::Action::no_action) sql += std::string(" ON UPDATE ") + ops::to_sql(k.on_update);
  return sql;
}

bool SqlRenderer::native_if_exists(std::string_view name) const {
  return name == ops::CreateTable::operation || name == ops::DropTable::operation;
}

std::string SqlRenderer::if_clause(const ops::Operation& op, bool flag, const char* clause) const {
  return flag && native_if_exists(op.name()) ? clause : "";
}

std::vector<RenderedStatement> SqlRenderer::create_table(const ops::CreateTable& op) const {
  std::string sql =
      "CREATE TABLE" + if_clause(ops::Operation(op), op.if_missing, " IF NOT EXISTS") + " " + q(op.table) + " (";
  std::string sep = "\n  ";
  for (const auto& c : op.columns) {
    sql += sep + column_definition(c);
    sep = ",\n  ";
  }
  if (!op.primary_key.empty()) sql += sep + "PRIMARY KEY (" + names(op.primary_key) + ")";
  for (const auto& u : op.uniques) sql += sep + "CONSTRAINT " + q(u.name) + " UNIQUE (" + names(u.columns) + ")";
  for (const auto& c : op.checks) sql += sep + "CONSTRAINT " + q(c.name) + " CHECK (" + c.expression + ")";
  for (const auto& k : op.foreign_keys) sql += sep + foreign_key_clause(k);
  return {{sql + "\n)", {}}};
}

// One statement per row; with a key, a row whose key is already there is left alone, in the
// same statement, so that a re-run converges and the values are always bound.
std::string SqlRenderer::bound_value(int index, const ColumnInfo*) const {
  return dialect_.placeholder(index);
}

std::vector<RenderedStatement> SqlRenderer::insert_rows(const ops::InsertRows& op, Catalog& catalog) const {
  std::vector<ColumnInfo> columns = catalog.columns(op.table);
  auto info = [&](const std::string& name) -> const ColumnInfo* {
    auto it = std::find_if(columns.begin(), columns.end(), [&](const ColumnInfo& c) { return c.name == name; });
    return it == columns.end() ? nullptr : &*it;
  };
  std::vector<RenderedStatement> out;
  for (const auto& row : op.rows) {
    RenderedStatement s;
    std::string values;
    for (std::size_t i = 0; i < row.size(); ++i) {
      s.params.push_back(bound(row[i]));
      values += (i ? ", " : "") + bound_value(static_cast<int>(s.params.size()), info(op.columns[i]));
    }
    if (op.key.empty()) {
      s.sql = "INSERT INTO " + q(op.table) + " (" + names(op.columns) + ") VALUES (" + values + ")";
    } else {
      std::string match;
      for (const auto& k : op.key) {
        auto at = std::find(op.columns.begin(), op.columns.end(), k) - op.columns.begin();
        s.params.push_back(bound(row[static_cast<std::size_t>(at)]));
        match +=
            (match.empty() ? "" : " AND ") + q(k) + " = " + bound_value(static_cast<int>(s.params.size()), info(k));
      }
      s.sql = "INSERT INTO " + q(op.table) + " (" + names(op.columns) + ") SELECT " + values + from_no_table() +
              " WHERE NOT EXISTS (SELECT 1 FROM " + q(op.table) + " WHERE " + match + ")";
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<RenderedStatement> SqlRenderer::drop_index(const ops::DropIndex& op) const {
  return {{"DROP INDEX" + if_clause(ops::Operation(op), op.if_exists, " IF EXISTS") + " " + q(op.name), {}}};
}

std::vector<RenderedStatement> SqlRenderer::sql(const ops::Sql& op) const {
  std::string text;
  for (const auto& suffix : dialect_.suffixes())
    if (auto it = op.by_dialect.find(suffix); it != op.by_dialect.end()) {
      text = it->second;
      break;
    }
  std::vector<RenderedStatement> out;
  for (const auto& s : dialect_.split(text)) out.push_back({s.text, {}});
  return out;
}

std::vector<RenderedStatement> SqlRenderer::render(const ops::Operation& op, Catalog& catalog) const {
  using namespace ops;
  return std::visit(
      overloaded{
          [&](const CreateTable& o) { return create_table(o); },
          [&](const DropTable& o) {
            return std::vector<RenderedStatement>{
                {"DROP TABLE" + if_clause(op, o.if_exists, " IF EXISTS") + " " + q(o.table), {}}};
          },
          [&](const RenameTable& o) {
            return std::vector<RenderedStatement>{{"ALTER TABLE " + q(o.table) + " RENAME TO " + q(o.to), {}}};
          },
          [&](const AddColumn& o) {
            return std::vector<RenderedStatement>{{"ALTER TABLE " + q(o.table) + " ADD COLUMN" +
                                                       if_clause(op, o.if_missing, " IF NOT EXISTS") + " " +
                                                       column_definition(o.column),
                                                   {}}};
          },
          [&](const DropColumn& o) {
            return std::vector<RenderedStatement>{{"ALTER TABLE " + q(o.table) + " DROP COLUMN" +
                                                       if_clause(op, o.if_exists, " IF EXISTS") + " " + q(o.column),
                                                   {}}};
          },
          [&](const RenameColumn& o) {
            return std::vector<RenderedStatement>{
                {"ALTER TABLE " + q(o.table) + " RENAME COLUMN " + q(o.column) + " TO " + q(o.to), {}}};
          },
          [&](const CreateIndex& o) {
            return std::vector<RenderedStatement>{{std::string("CREATE ") + (o.unique ? "UNIQUE " : "") + "INDEX" +
                                                       if_clause(op, o.if_missing, " IF NOT EXISTS") + " " + q(o.name) +
                                                       " ON " + q(o.table) + " (" + names(o.columns) + ")",
                                                   {}}};
          },
          [&](const DropIndex& o) { return drop_index(o); },
          [&](const AddForeignKey& o) {
            return std::vector<RenderedStatement>{
                {"ALTER TABLE " + q(o.table) + " ADD " + foreign_key_clause(o.key), {}}};
          },
          [&](const DropForeignKey& o) {
            return std::vector<RenderedStatement>{{"ALTER TABLE " + q(o.table) + " DROP CONSTRAINT " + q(o.name), {}}};
          },
          [&](const AddUnique& o) {
            return std::vector<RenderedStatement>{{"ALTER TABLE " + q(o.table) + " ADD CONSTRAINT " +
                                                       q(o.constraint.name) + " UNIQUE (" +
                                                       names(o.constraint.columns) + ")",
                                                   {}}};
          },
          [&](const AddCheck& o) {
            return std::vector<RenderedStatement>{{"ALTER TABLE " + q(o.table) + " ADD CONSTRAINT " +
                                                       q(o.constraint.name) + " CHECK (" + o.constraint.expression +
                                                       ")",
                                                   {}}};
          },
          [&](const DropConstraint& o) {
            return std::vector<RenderedStatement>{{"ALTER TABLE " + q(o.table) + " DROP CONSTRAINT " + q(o.name), {}}};
          },
          [&](const InsertRows& o) { return insert_rows(o, catalog); }, [&](const Sql& o) { return sql(o); },
          [&](const Backfill& o) {
            // One batch: rows still NULL, chosen by primary key through a derived table (which
            // MySQL needs to read the table it updates). The core runs it until it changes no row.
            // A table without a primary key is updated in one statement.
            std::vector<ColumnInfo> columns = catalog.columns(o.table);
            std::vector<std::string> key;
            const ColumnInfo* target = nullptr;
            for (const auto& c : columns) {
              if (c.primary_key) key.push_back(c.name);
              if (c.name == o.column) target = &c;
            }
            RenderedStatement s;
            s.params.push_back(bound(o.value));
            s.sql = "UPDATE " + q(o.table) + " SET " + q(o.column) + " = " + bound_value(1, target) + " WHERE " +
                    q(o.column) + " IS NULL";
            if (!key.empty()) {
              std::string k = key.size() == 1 ? q(key[0]) : "(" + names(key) + ")";
              s.sql += " AND " + k + " IN (SELECT " + names(key) + " FROM (SELECT " + names(key) + " FROM " +
                       q(o.table) + " WHERE " + q(o.column) + " IS NULL LIMIT " + std::to_string(o.batch_size) +
                       ") strata_batch)";
            }
            return std::vector<RenderedStatement>{std::move(s)};
          },
          [&](const AlterColumn&) -> std::vector<RenderedStatement> {  // not standard SQL: see supports()
            throw Error(ErrorKind::apply_failed,
                        op.name() + " is not supported by the " + std::string(dialect_.name()) + " driver");
          }},
      op.change);
}

}  // namespace strata
