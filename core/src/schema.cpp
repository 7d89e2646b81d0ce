#include "transaction.hpp"

#include <strata/ascii.hpp>
#include <strata/ledger.hpp>
#include <strata/render.hpp>
#include <strata/schema.hpp>

#include <algorithm>
#include <cstdlib>
#include <map>

namespace strata {
namespace {

// The sizes in a native type's first parentheses: VARCHAR(32) -> {32}, numeric(10, 2) -> {10, 2}.
std::vector<int> sizes_of(const std::string& native) {
  std::vector<int> sizes;
  auto open = native.find('(');
  if (open == std::string::npos) return sizes;
  const char* at = native.c_str() + open + 1;
  while (*at && *at != ')') {
    char* end = nullptr;
    long value = std::strtol(at, &end, 10);
    if (end == at) break;
    sizes.push_back(static_cast<int>(value));
    at = end;
    while (*at == ',' || *at == ' ') ++at;
  }
  return sizes;
}

// What a backend that keeps no size stands for: a string of any length, a decimal of any precision.
constexpr const char* any_length = "string(any length)";
constexpr const char* any_precision = "decimal(any precision)";

std::string join(const std::vector<std::string>& list, const char* separator = ", ") {
  std::string out;
  for (const auto& s : list) out += (out.empty() ? "" : separator) + s;
  return out;
}

std::string shown(const SchemaColumn& c) {
  return (c.types.empty() ? c.native + " (no portable type)" : join(c.types, " or ")) +
         (c.nullable ? ", nullable" : ", not null") + (c.default_value.empty() ? "" : ", default " + c.default_value);
}

bool meet(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  if (a.empty() && b.empty()) return true;
  auto has = [](const std::vector<std::string>& set, const std::string& t) {
    return std::find(set.begin(), set.end(), t) != set.end() ||
           (t.starts_with("string") && std::find(set.begin(), set.end(), any_length) != set.end()) ||
           (t.starts_with("decimal") && std::find(set.begin(), set.end(), any_precision) != set.end());
  };
  return std::any_of(a.begin(), a.end(), [&](const auto& t) { return has(b, t); }) ||
         std::any_of(b.begin(), b.end(), [&](const auto& t) { return has(a, t); });
}

std::string key_text(const SchemaKey& k) {
  return std::string(k.unique ? "unique key (" : "index (") + join(k.columns) + ")";
}

// RESTRICT and NO ACTION are one behaviour to compare: InnoDB reports a key declared without a
// clause as RESTRICT, PostgreSQL as NO ACTION.
std::string action_text(const std::string& action) {
  return action == "RESTRICT" ? "NO ACTION" : action;
}

std::string fk_text(const SchemaForeignKey& k) {
  return "foreign key (" + join(k.columns) + ") -> " + k.references + " (" + join(k.referenced_columns) +
         ") on delete " + action_text(k.on_delete) + " on update " + action_text(k.on_update);
}

std::string primary_key_text(const std::vector<std::string>& columns) {
  return columns.empty() ? "no primary key" : "primary key (" + join(columns) + ")";
}

template <class T>
void compare_sets(const std::string& where, const std::vector<T>& a, const std::vector<T>& b,
                  std::string (*text)(const T&), std::vector<std::string>& out) {
  std::vector<std::string> ta, tb;
  for (const auto& x : a) ta.push_back(text(x));
  for (const auto& x : b) tb.push_back(text(x));
  for (const auto& x : ta)
    if (std::find(tb.begin(), tb.end(), x) == tb.end()) out.push_back(where + ": " + x + " only in the first");
  for (const auto& x : tb)
    if (std::find(ta.begin(), ta.end(), x) == ta.end()) out.push_back(where + ": " + x + " only in the second");
}

// The portable types a column the catalog reports stands for: the type this backend spells exactly
// so first ("VARCHAR(32)" is string(32)), then every type it compares equal to, most specific
// first (a SQLite INTEGER is integer, then bigint and smallint).
std::vector<ColumnType> portable_types_of(const Dialect& dialect, const OperationRenderer& renderer,
                                          const ColumnInfo& column) {
  std::vector<int> sizes = sizes_of(column.type);
  std::vector<ColumnType> candidates;
  for (PortableType t :
       {PortableType::integer, PortableType::bigint, PortableType::smallint, PortableType::boolean,
        PortableType::decimal, PortableType::real, PortableType::double_precision, PortableType::string,
        PortableType::text, PortableType::binary, PortableType::date, PortableType::time, PortableType::timestamp,
        PortableType::timestamptz, PortableType::uuid, PortableType::json}) {
    ColumnType candidate{t};
    if (t == PortableType::string) {
      if (sizes.empty()) continue;  // a string without a length is text
      candidate.length = sizes[0];
    }
    if (t == PortableType::decimal) {
      if (sizes.empty()) continue;
      candidate.precision = sizes[0];
      candidate.scale = sizes.size() > 1 ? sizes[1] : 0;
    }
    candidates.push_back(candidate);
  }
  auto compact = [](const std::string& text) {
    std::string out;
    for (char c : text)
      if (c != ' ') out += ascii_upper(c);
    return out;
  };
  std::vector<ColumnType> out;
  for (const auto& c : candidates)
    if (compact(dialect.type_sql(c)) == compact(column.type)) out.push_back(c);
  for (const auto& c : candidates)
    if (renderer.same_type(c, column) && std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
  return out;
}

// The same as names, for `strata schema` and --compare: where the backend keeps no length (every
// string is TEXT) or no precision, a string of any length and a decimal of any precision too.
std::vector<std::string> portable_types(const Dialect& dialect, const OperationRenderer& renderer,
                                        const ColumnInfo& column) {
  std::vector<std::string> out;
  for (const auto& t : portable_types_of(dialect, renderer, column)) out.push_back(to_string(t));
  if (sizes_of(column.type).empty()) {
    if (renderer.same_type(ColumnType{PortableType::string}, column))
      out.emplace_back(renderer.same_type(ColumnType{PortableType::string, 255}, column) ? any_length : "string");
    if (renderer.same_type(ColumnType{PortableType::decimal, 0, 10, 2}, column)) out.emplace_back(any_precision);
  }
  return out;
}

// The driver's renderer, which says what portable types a native type stands for.
const OperationRenderer& renderer_of(Connection& connection) {
  const OperationRenderer* renderer = connection.renderer();
  if (!renderer)
    throw Error(ErrorKind::validation, "the " + std::string(connection.dialect().name()) +
                                           " driver names no portable types: it cannot describe the schema");
  return *renderer;
}

// A table of the schema: not strata's ledger or its state table, not SQLite's own.
bool user_table(const std::string& name, const std::string& ledger_table) {
  return !is_ledger_table(name, ledger_table) && !name.starts_with("sqlite_");
}

// The index InnoDB makes for a foreign key (named after the key, or after its first column when
// the key has no name of its own) belongs to the key, not to the schema.
bool made_for_key(const IndexInfo& index, const std::vector<ForeignKeyInfo>& foreign_keys) {
  return std::any_of(foreign_keys.begin(), foreign_keys.end(), [&](const ForeignKeyInfo& k) {
    return !index.unique && k.columns == index.columns &&
           (k.name == index.name || (!k.columns.empty() && index.name == k.columns.front()));
  });
}

ops::Action action_of(const std::string& sql) {
  if (sql == "CASCADE") return ops::Action::cascade;
  if (sql == "SET NULL") return ops::Action::set_null;
  if (sql == "SET DEFAULT") return ops::Action::set_default;
  if (sql == "RESTRICT") return ops::Action::restrict;
  return ops::Action::no_action;
}

// A default as the catalog spells it, as a portable default (booleans read as the column's type).
std::optional<ops::Default> default_of(const std::string& sql, const ColumnType& type) {
  std::string d = SqlRenderer::comparable_default(sql);
  if (d.empty()) return std::nullopt;
  if (d == "current_timestamp") return ops::Default{ops::Default::Kind::current_timestamp, nullptr};
  if (d.size() >= 2 && d.front() == '\'' && d.back() == '\'') {
    std::string text;
    for (std::size_t i = 1; i + 1 < d.size(); ++i) {
      text += d[i];
      if (d[i] == '\'' && d[i + 1] == '\'') ++i;
    }
    d = text;
  }
  bool textual = type.type == PortableType::string || type.type == PortableType::text ||
                 type.type == PortableType::uuid || type.type == PortableType::json;
  if (textual) return ops::Default{ops::Default::Kind::literal, d};
  if (type.type == PortableType::boolean && (d == "0" || d == "1"))
    return ops::Default{ops::Default::Kind::literal, d == "1"};
  char* end = nullptr;
  long long i = std::strtoll(d.c_str(), &end, 10);
  if (!d.empty() && end && *end == 0) return ops::Default{ops::Default::Kind::literal, static_cast<std::int64_t>(i)};
  double x = std::strtod(d.c_str(), &end);
  if (!d.empty() && end && *end == 0) return ops::Default{ops::Default::Kind::literal, x};
  return ops::Default{ops::Default::Kind::literal, d};
}

}  // namespace

DeclaredSchema declared_schema_of(Connection& connection, const std::string& ledger_table) {
  const OperationRenderer& renderer = renderer_of(connection);
  Catalog& catalog = connection.catalog();
  detail::Transaction snapshot(connection.session());  // one consistent read, one lock (SQLite)
  DeclaredSchema schema;
  schema.from_database = true;
  schema.source = connection.server_description();
  for (const auto& name : catalog.tables()) {
    if (!user_table(name, ledger_table)) continue;
    DeclaredTable table;
    table.name = name;
    for (const auto& c : catalog.columns(name)) {
      ops::Column column;
      column.name = c.name;
      auto types = portable_types_of(connection.dialect(), renderer, c);
      if (types.empty()) {  // compared as written
        table.column_native[c.name] = c.type;
        schema.notes.push_back("column " + name + "." + c.name + ": " + c.type +
                               " has no portable type; it is compared as written");
        types.push_back(ColumnType{PortableType::text});
      }
      // A one-column key that may be bigint is read as bigint: where a backend keeps one integer
      // type (SQLite's rowid is 64-bit), the wider reading of a key is the true one.
      auto bigint = std::find(types.begin(), types.end(), ColumnType{PortableType::bigint});
      if (c.primary_key && bigint != types.end()) std::rotate(types.begin(), bigint, bigint + 1);
      column.type = types.front();
      if (types.size() > 1) table.column_also[c.name] = std::vector<ColumnType>(types.begin() + 1, types.end());
      column.nullable = c.nullable && !c.primary_key;
      if (c.default_sql && !SqlRenderer::comparable_default(*c.default_sql).starts_with("nextval("))
        column.default_value = default_of(*c.default_sql, column.type);
      if (c.primary_key) table.primary_key.push_back(c.name);
      table.columns.push_back(std::move(column));
    }
    std::vector<ConstraintInfo> constraints;
    try {
      constraints = catalog.constraints(name);
    } catch (const Error&) {  // a driver that cannot list them: unique indexes still say it
    }
    for (const auto& k : constraints) {
      if (k.kind == ConstraintInfo::Kind::primary_key && !k.columns.empty()) table.primary_key = k.columns;
      if (k.kind == ConstraintInfo::Kind::unique) table.uniques.push_back({k.name, k.columns});
      // Kept as the catalog spells them, for schema.yaml; not compared (from_database).
      // (A driver that cannot read an expression gives none: MariaDB's check of a JSON column.)
      if (k.kind == ConstraintInfo::Kind::check && !k.expression.empty())
        table.checks.push_back({k.name, k.expression});
    }
    auto foreign_keys = catalog.foreign_keys(name);
    for (const auto& index : catalog.indexes(name)) {
      if (index.primary) continue;
      // SQLite's index for a UNIQUE written on a column: the unique key, which has no name.
      if (index.unique && index.name.starts_with("sqlite_autoindex_")) {
        ops::UniqueConstraint u{"", index.columns};
        if (std::none_of(table.uniques.begin(), table.uniques.end(),
                         [&](const auto& x) { return x.columns == u.columns; }))
          table.uniques.push_back(u);
        continue;
      }
      // Not a unique constraint's own index, nor the index InnoDB makes for a foreign key.
      bool of_unique = index.unique && std::any_of(table.uniques.begin(), table.uniques.end(),
                                                   [&](const auto& u) { return u.columns == index.columns; });
      if (!of_unique && !made_for_key(index, foreign_keys))
        table.indexes.push_back({index.name, index.columns, index.unique});
    }
    for (const auto& k : foreign_keys) {
      // A backend whose key listing has no names (SQLite's pragma) may name it among the constraints.
      std::string key_name = k.name;
      for (const auto& c : constraints)
        if (key_name.empty() && c.kind == ConstraintInfo::Kind::foreign_key && c.columns == k.columns &&
            c.referenced_table == k.referenced_table)
          key_name = c.name;
      table.foreign_keys.push_back({key_name, k.columns, k.referenced_table, k.referenced_columns,
                                    action_of(k.on_delete), action_of(k.on_update)});
    }
    schema.tables.push_back(std::move(table));
  }
  return normalize(std::move(schema));
}

Schema describe_schema(Connection& connection, const std::string& ledger_table) {
  const OperationRenderer& renderer = renderer_of(connection);
  Catalog& catalog = connection.catalog();
  detail::Transaction snapshot(connection.session());  // one consistent read, one lock (SQLite)
  Schema schema;
  schema.server = connection.server_description();
  for (const auto& name : catalog.tables()) {
    if (!user_table(name, ledger_table)) continue;
    SchemaTable table;
    table.name = name;
    for (const auto& c : catalog.columns(name)) {
      SchemaColumn column{c.name, c.type, portable_types(connection.dialect(), renderer, c), c.nullable || false, ""};
      if (c.default_sql) column.default_value = SqlRenderer::comparable_default(*c.default_sql);
      if (c.primary_key) {
        table.primary_key.push_back(c.name);
        column.nullable = false;  // a primary key is never null, whatever a catalog says
        column.default_value = column.default_value.starts_with("nextval(") ? "" : column.default_value;
      }
      table.columns.push_back(std::move(column));
    }
    auto foreign_keys = catalog.foreign_keys(name);
    for (const auto& index : catalog.indexes(name)) {
      if (!index.primary && !made_for_key(index, foreign_keys)) table.keys.push_back({index.columns, index.unique});
    }
    try {  // a unique constraint is a unique key, whether or not the backend shows its index
      for (const auto& c : catalog.constraints(name))
        if (c.kind == ConstraintInfo::Kind::unique) table.keys.push_back({c.columns, true});
    } catch (const Error&) {
    }
    std::sort(table.keys.begin(), table.keys.end(), [](const auto& a, const auto& b) {
      return std::tie(a.columns, a.unique) < std::tie(b.columns, b.unique);
    });
    table.keys.erase(
        std::unique(table.keys.begin(), table.keys.end(),
                    [](const auto& a, const auto& b) { return a.columns == b.columns && a.unique == b.unique; }),
        table.keys.end());
    for (const auto& k : foreign_keys)
      table.foreign_keys.push_back({k.columns, k.referenced_table, k.referenced_columns, k.on_delete, k.on_update});
    std::sort(table.foreign_keys.begin(), table.foreign_keys.end(),
              [](const auto& a, const auto& b) { return fk_text(a) < fk_text(b); });
    schema.tables.push_back(std::move(table));
  }
  std::sort(schema.tables.begin(), schema.tables.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return schema;
}

std::vector<std::string> compare_schemas(const Schema& a, const Schema& b) {
  std::vector<std::string> out;
  std::map<std::string, const SchemaTable*> in_b;
  for (const auto& t : b.tables) in_b[t.name] = &t;
  for (const auto& ta : a.tables) {
    auto found = in_b.find(ta.name);
    if (found == in_b.end()) {
      out.push_back("table " + ta.name + ": only in the first");
      continue;
    }
    const SchemaTable& tb = *found->second;
    in_b.erase(found);
    std::string where = "table " + ta.name;
    for (const auto& ca : ta.columns) {
      auto cb = std::find_if(tb.columns.begin(), tb.columns.end(), [&](const auto& c) { return c.name == ca.name; });
      if (cb == tb.columns.end()) {
        out.push_back(where + ": column " + ca.name + " only in the first");
        continue;
      }
      if (!meet(ca.types, cb->types) || ca.nullable != cb->nullable || ca.default_value != cb->default_value)
        out.push_back(where + ": column " + ca.name + ": " + shown(ca) + " in the first, " + shown(*cb) +
                      " in the second");
    }
    for (const auto& cb : tb.columns)
      if (std::none_of(ta.columns.begin(), ta.columns.end(), [&](const auto& c) { return c.name == cb.name; }))
        out.push_back(where + ": column " + cb.name + " only in the second");
    if (ta.primary_key != tb.primary_key)
      out.push_back(where + ": " + primary_key_text(ta.primary_key) + " in the first, " +
                    primary_key_text(tb.primary_key) + " in the second");
    compare_sets<SchemaKey>(where, ta.keys, tb.keys, key_text, out);
    compare_sets<SchemaForeignKey>(where, ta.foreign_keys, tb.foreign_keys, fk_text, out);
  }
  for (const auto& [name, table] : in_b) out.push_back("table " + name + ": only in the second");
  return out;
}

}  // namespace strata
