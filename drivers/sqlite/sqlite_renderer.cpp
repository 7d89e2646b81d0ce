#include "sqlite_renderer.hpp"

#include "sqlite_table.hpp"

#include <algorithm>
#include <cctype>

namespace strata::sqlite {
namespace {

bool integer_family(const std::string& type) {
  return type == "INTEGER" || type == "INT" || type == "BIGINT" || type == "SMALLINT";
}

bool rebuilds(const ops::Operation& op) {
  using namespace ops;
  const Change& c = op.change;
  return std::holds_alternative<AlterColumn>(c) || std::holds_alternative<DropColumn>(c) ||
         std::holds_alternative<AddForeignKey>(c) || std::holds_alternative<DropForeignKey>(c) ||
         std::holds_alternative<AddUnique>(c) || std::holds_alternative<AddCheck>(c) ||
         std::holds_alternative<DropConstraint>(c);
}

// The table an operation changes; "" for sql.
std::string table_of(const ops::Operation& op) {
  return std::visit(
      [](const auto& o) -> std::string {
        if constexpr (requires { o.table; })
          return o.table;
        else
          return "";
      },
      op.change);
}

std::size_t column_item(const TableSql& def, const std::string& column, const std::string& table) {
  for (std::size_t i = 0; i < def.items.size(); ++i)
    if (!is_table_constraint(def.items[i]) && column_name(def.items[i]) == column) return i;
  throw Error(ErrorKind::apply_failed, "the table " + table + " has no column " + column);
}

void remove_constraint(TableSql& def, const std::string& name, const std::string& table) {
  for (auto it = def.items.begin(); it != def.items.end(); ++it)
    if (is_table_constraint(*it) && constraint_name(*it) == name) {
      def.items.erase(it);
      return;
    }
  throw Error(ErrorKind::apply_failed, "the constraint " + name + " of " + table +
                                           " is declared inside a column's definition; strata drops only "
                                           "table-level constraints (CONSTRAINT " +
                                           name + " ... after the columns)");
}

std::vector<std::string> index_columns(std::string_view index_sql) {
  auto t = tokenize(index_sql);
  std::vector<std::string> names;
  std::size_t i = 0;
  while (i < t.size() && !t[i].is("ON")) ++i;
  while (i < t.size() && !(t[i].kind == Token::Kind::punct && t[i].text == "(")) ++i;
  int depth = 0;
  for (; i < t.size(); ++i) {
    if (t[i].kind == Token::Kind::punct && t[i].text == "(") ++depth;
    if (t[i].kind == Token::Kind::punct && t[i].text == ")" && --depth == 0) break;
    if (t[i].kind == Token::Kind::name || t[i].kind == Token::Kind::word) names.push_back(t[i].text);
  }
  return names;
}

}  // namespace

// SQLite keeps the declared type as written. The integer types are one type to SQLite (an
// auto-increment key must be declared INTEGER whatever its portable type), so they compare equal.
// Type names SQLite programs commonly declare (it keeps them as written and enforces only their
// affinity), and what each stands for (docs/operations.md's types table).
constexpr NativeType sqlite_types[] = {
    {"tinyint", PortableType::smallint},
    {"tinyint", PortableType::integer},
    {"tinyint", PortableType::bigint},
    {"mediumint", PortableType::integer},
    {"mediumint", PortableType::bigint},
    {"bool", PortableType::boolean},
    {"boolean", PortableType::boolean},
    {"real", PortableType::real},
    {"real", PortableType::double_precision},
    {"float", PortableType::real},
    {"float", PortableType::double_precision},
    {"double", PortableType::double_precision},
    {"double precision", PortableType::double_precision},
    {"numeric", PortableType::decimal},
    {"decimal", PortableType::decimal},
    {"varchar", PortableType::string},
    {"character varying", PortableType::string},
    {"char", PortableType::string},
    {"character", PortableType::string},
    {"nchar", PortableType::string},
    {"nvarchar", PortableType::string},
    {"text", PortableType::text},
    {"text", PortableType::string},
    {"clob", PortableType::text},
    {"blob", PortableType::binary},
    {"date", PortableType::date},
    {"time", PortableType::time},
    {"datetime", PortableType::timestamp},
    {"timestamp", PortableType::timestamp},
    {"timestamptz", PortableType::timestamptz},
    {"uuid", PortableType::uuid},
    {"json", PortableType::json},
};

bool SqliteRenderer::same_type(const ColumnType& type, const ColumnInfo& column) const {
  std::string want = compact_upper(dialect().type_sql(type)), have = compact_upper(column.type);
  return want == have || (integer_family(want) && integer_family(have)) || stands_for(type, column.type, sqlite_types);
}

// An auto-increment key is SQLite's rowid alias: INTEGER PRIMARY KEY AUTOINCREMENT, exactly.
std::string SqliteRenderer::column_definition(const ops::Column& c) const {
  if (!c.auto_increment) return SqlRenderer::column_definition(c);
  return q(c.name) + " INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT";
}

std::vector<std::string> SqliteRenderer::before_transaction(std::span<const ops::Operation> operations) const {
  if (std::none_of(operations.begin(), operations.end(), rebuilds)) return {};
  return {"PRAGMA foreign_keys = OFF"};
}

std::vector<std::string> SqliteRenderer::after_transaction(std::span<const ops::Operation> operations) const {
  if (std::none_of(operations.begin(), operations.end(), rebuilds)) return {};
  return {"PRAGMA foreign_keys = ON"};
}

std::vector<RenderedStatement> SqliteRenderer::render(const ops::Operation& op, Catalog& catalog) const {
  using namespace ops;
  std::vector<RenderedStatement> out;
  if (auto* o = std::get_if<AlterColumn>(&op.change)) {
    if (o->nullable && !*o->nullable)
      out.push_back({"SELECT * FROM " + q(o->table) + " WHERE " + q(o->column) + " IS NULL LIMIT 5",
                     {},
                     RenderedStatement::Check::no_rows,
                     "rows of " + o->table + " have no value in " + o->column +
                         ", which the migration makes NOT NULL; give them one first"});
    auto rebuilt = rebuild(o->table, [&](TableSql& def) {
      std::size_t at = column_item(def, o->column, o->table);
      ColumnSql c = ColumnSql::parse(def.items[at]);
      if (o->type) c.type = dialect().type_sql(*o->type);
      if (o->nullable) c.null_clause = *o->nullable ? std::nullopt : std::optional<std::string>("NOT NULL");
      if (o->default_value)
        c.default_clause =
            *o->default_value ? std::optional<std::string>("DEFAULT " + default_sql(**o->default_value)) : std::nullopt;
      def.items[at] = c.text();
    });
    out.insert(out.end(), rebuilt.begin(), rebuilt.end());
    return out;
  }
  if (auto* o = std::get_if<DropColumn>(&op.change))
    return rebuild(
        o->table,
        [&](TableSql& def) {
          std::size_t at = column_item(def, o->column, o->table);
          for (const auto& item : def.items)
            if (is_table_constraint(item) && names_column(item, o->column))
              throw Error(ErrorKind::apply_failed, "the column " + o->column + " of " + o->table +
                                                       " is part of the table constraint `" + item +
                                                       "`: drop the constraint first");
          def.items.erase(def.items.begin() + static_cast<std::ptrdiff_t>(at));
          if (std::all_of(def.items.begin(), def.items.end(), [](auto& i) { return is_table_constraint(i); }))
            throw Error(ErrorKind::apply_failed,
                        o->column + " is the last column of " + o->table + ": drop the table instead");
        },
        o->column);
  if (auto* o = std::get_if<AddForeignKey>(&op.change))
    return rebuild(o->table, [&](TableSql& def) { def.items.push_back(foreign_key_clause(o->key)); });
  if (auto* o = std::get_if<AddUnique>(&op.change))
    return rebuild(o->table, [&](TableSql& def) {
      def.items.push_back("CONSTRAINT " + q(o->constraint.name) + " UNIQUE (" + names(o->constraint.columns) + ")");
    });
  if (auto* o = std::get_if<AddCheck>(&op.change))
    return rebuild(o->table, [&](TableSql& def) {
      def.items.push_back("CONSTRAINT " + q(o->constraint.name) + " CHECK (" + o->constraint.expression + ")");
    });
  if (auto* o = std::get_if<DropForeignKey>(&op.change))
    return rebuild(o->table, [&](TableSql& def) { remove_constraint(def, o->name, o->table); });
  if (auto* o = std::get_if<DropConstraint>(&op.change))
    return rebuild(o->table, [&](TableSql& def) { remove_constraint(def, o->name, o->table); });

  out = SqlRenderer::render(op, catalog);
  // In a migration that rebuilds a table, foreign keys are off for its whole transaction: every
  // other operation's rows are checked here instead.
  auto enforced = session_.query("PRAGMA foreign_keys");
  if (!enforced.empty() && std::get<std::int64_t>(enforced[0][0]) == 0) {
    std::string table = table_of(op);
    out.push_back({table.empty() || std::holds_alternative<DropTable>(op.change)
                       ? "PRAGMA foreign_key_check"
                       : "PRAGMA foreign_key_check(" + q(table) + ")",
                   {},
                   RenderedStatement::Check::no_rows,
                   op.summary() + " leaves rows that break foreign keys (table, rowid, referenced table, key)"});
  }
  return out;
}

std::vector<RenderedStatement> SqliteRenderer::rebuild(const std::string& table,
                                                       const std::function<void(TableSql&)>& edit,
                                                       const std::string& dropped) const {
  std::vector<Value> name{table};
  auto found = session_.query("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?1", name);
  if (found.empty() || !std::get_if<std::string>(&found[0][0]))
    throw Error(ErrorKind::apply_failed, "the table " + table + " does not exist");
  TableSql def = TableSql::parse(std::get<std::string>(found[0][0]));
  std::vector<std::string> before;
  for (const auto& item : def.items)
    if (!is_table_constraint(item)) before.push_back(column_name(item));
  edit(def);
  std::vector<std::string> kept;
  for (const auto& item : def.items)
    if (!is_table_constraint(item) && std::find(before.begin(), before.end(), column_name(item)) != before.end())
      kept.push_back(column_name(item));

  std::string rebuilt = "strata_rebuild_" + table;
  std::vector<RenderedStatement> out;
  auto add = [&](std::string sql) { out.push_back({std::move(sql), {}}); };
  // One savepoint around the rebuild: in the migration's transaction it is nested and changes
  // nothing; where the run has none (DDL declared not transactional) it makes the rebuild whole
  // or nothing, so that a kill never leaves the new table in place without its indexes, views or
  // triggers, which no guard would notice.
  add("SAVEPOINT strata_rebuild");
  add("DROP TABLE IF EXISTS " + q(rebuilt));  // left by an older strata's rebuild, killed part-way
  auto dependents = session_.query(
      "SELECT type, name, sql FROM sqlite_master WHERE type IN ('view', 'trigger') AND sql IS NOT NULL ORDER BY rowid");
  for (auto it = dependents.rbegin(); it != dependents.rend(); ++it)
    add("DROP " + std::string(std::get<std::string>((*it)[0]) == "view" ? "VIEW" : "TRIGGER") + " IF EXISTS " +
        q(std::get<std::string>((*it)[1])));
  auto indexes = session_.query(
      "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?1 AND sql IS NOT NULL ORDER BY rowid", name);
  add(def.create(q(rebuilt)));
  add("INSERT INTO " + q(rebuilt) + " (" + names(kept) + ") SELECT " + names(kept) + " FROM " + q(table));
  add("DROP TABLE " + q(table));
  add("ALTER TABLE " + q(rebuilt) + " RENAME TO " + q(table));
  for (const auto& index : indexes) {
    const std::string& sql = std::get<std::string>(index[0]);
    auto columns = index_columns(sql);
    if (!dropped.empty() && std::find(columns.begin(), columns.end(), dropped) != columns.end()) continue;
    add(sql);
  }
  for (const auto& d : dependents) add(std::get<std::string>(d[2]));
  if (!session_.query("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'").empty()) {
    auto seq = session_.query("SELECT seq FROM sqlite_sequence WHERE name = ?1", name);
    if (!seq.empty())
      out.push_back({"UPDATE sqlite_sequence SET seq = ?1 WHERE name = ?2 AND seq < ?1", {seq[0][0], Value(table)}});
  }
  add("RELEASE strata_rebuild");
  out.push_back(
      {"PRAGMA foreign_key_check",
       {},
       RenderedStatement::Check::no_rows,
       "rebuilding " + table + " would leave rows that break foreign keys (table, rowid, referenced table, key)"});
  out.push_back({"PRAGMA integrity_check(" + q(table) + ")",
                 {},
                 RenderedStatement::Check::ok,
                 "the rebuilt table " + table + " failed SQLite's integrity check"});
  return out;
}

}  // namespace strata::sqlite
