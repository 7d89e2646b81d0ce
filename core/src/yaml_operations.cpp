// Portable migrations written in YAML: a list of operations, each a one-key mapping
//
//   - add_column: {table: runbook_executions, if_missing: true,
//       column: {name: runbook_version, type: integer, nullable: false, default: 1}}
//
// or a mapping {up: [...], down: [...]} when the undo is written out. Every error names the file,
// line and column, and what would have been right there.
#include "utf8.hpp"
#include "yaml_tree.hpp"

#include <strata/ascii.hpp>
#include <strata/diff.hpp>
#include <strata/error.hpp>
#include <strata/operations.hpp>

#include <charconv>
#include <optional>
#include <set>
#include <type_traits>
#include <variant>

namespace strata::ops {
namespace {

using Node = detail::YamlNode;

class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const Node& at, const std::string& message) const {
    const detail::YamlMark mark = at.Mark();
    Error e(ErrorKind::validation, message);
    e.in_file(file_);
    if (mark.line >= 0) e.at_line(mark.line + 1, mark.column + 1);
    throw e;
  }

  Script script(const Node& root) {
    Script s;
    if (!root || root.IsNull()) fail(root, "the file holds no operations: write a list of operations");
    if (root.IsSequence()) {
      s.up = operations(root);
    } else if (root.IsMap()) {
      allow(root, "a portable migration", {"up", "down", "allow"});
      if (!root["up"]) fail(root, "a portable migration written as a mapping needs `up:`, a list of operations");
      s.up = operations(root["up"]);
      if (root["down"]) s.down = operations(root["down"]);
      if (root["allow"]) s.allow = names(root["allow"]);
    } else {
      fail(root, "expected a list of operations (- create_table: {...}), or a mapping with up: and down:");
    }
    if (s.up.empty()) fail(root, "the migration has no operations");
    return s;
  }

  // A schema.yaml: {unmanaged: [...], tables: [{name:, columns: [...], ...}, ...]}.
  DeclaredSchema declared(const Node& root) {
    DeclaredSchema s;
    s.source = file_;
    if (!root || root.IsNull()) fail(root, "the declared schema is empty: write `tables:`, a list of tables");
    allow(root, "a declared schema", {"tables", "unmanaged"});
    if (root["unmanaged"]) s.unmanaged = names(root["unmanaged"]);
    const Node& tables = required(root, "a declared schema", "tables");
    std::map<std::string, Node> where;
    for (const auto& t : sequence(tables, "tables (- name: ..., columns: [...])")) {
      DeclaredTable table = declared_table(t);
      if (where.count(table.name)) fail(t, "the table " + table.name + " is declared twice");
      where.emplace(table.name, t);
      s.tables.push_back(std::move(table));
    }
    for (const auto& t : s.tables)
      for (const auto& k : t.foreign_keys) {
        if (s.unmanaged_table(k.references)) continue;
        const DeclaredTable* parent = s.table(k.references);
        if (!parent)
          fail(where[t.name], "table " + t.name + ": a foreign key references " + k.references +
                                  ", which the schema does not declare (declare it, or list it in `unmanaged`)");
        for (const auto& c : k.referenced_columns)
          if (!parent->column(c))
            fail(where[t.name], "table " + t.name + ": a foreign key references " + k.references + "." + c +
                                    ", which is not a column of " + k.references);
      }
    return s;
  }

 private:
  std::vector<Operation> operations(const Node& list) {
    if (!list.IsSequence()) fail(list, "expected a list of operations (- add_column: {...})");
    std::vector<Operation> out;
    for (const auto& item : list) {
      Operation op = operation(item);
      if (auto* add = std::get_if<AddColumn>(&op.change); add && item.begin()->second["backfill"]) {
        add_backfilled(out, std::move(*add), item.begin()->second["backfill"], op.line, op.column);
        continue;
      }
      out.push_back(std::move(op));
    }
    return out;
  }

  // `add_column ... backfill: <value>`: the steps it stands for (ops::backfilled), at its line.
  void add_backfilled(std::vector<Operation>& out, AddColumn add, const Node& value, int line, int column) {
    if (add.column.primary_key) fail(value, "a primary key column cannot be backfilled");
    Literal fill = literal(value);
    if (std::holds_alternative<std::nullptr_t>(fill)) fail(value, "backfill needs a value, not null");
    for (auto& step : ops::backfilled(std::move(add), std::move(fill))) out.emplace_back(std::move(step), line, column);
  }

  Operation operation(const Node& item) {
    if (!item.IsMap() || item.size() != 1)
      fail(item, "an operation is a mapping with one key, its name (- create_index: {...}); known: " + known_names());
    auto entry = item.begin();
    std::string op = entry->first.as_text();
    const Node f = entry->second;  // a copy: the iterator's proxy dies with this statement
    if (!f.IsMap() && op != "sql") fail(f, op + " takes a mapping of its fields ({table: ..., ...})");
    int line = item.Mark().line + 1, column = item.Mark().column + 1;
    std::optional<Change> change = read_named(static_cast<Change*>(nullptr), op, f);
    if (!change) fail(entry->first, "unknown operation '" + op + "'; known: " + known_names());
    return Operation(std::move(*change), line, column);
  }

  // One reader per operation, chosen by its name: an operation without one does not compile.
  template <class... T>
  std::optional<Change> read_named(std::variant<T...>*, const std::string& op, const Node& f) {
    std::optional<Change> out;
    ((op == T::operation ? (void)(out = read(std::type_identity<T>{}, f, op)) : void()), ...);
    return out;
  }

  Change read(std::type_identity<CreateTable>, const Node& f, const std::string& op) {
    allow(f, op, {"name", "table", "columns", "primary_key", "uniques", "checks", "foreign_keys", "if_missing"});
    CreateTable t;
    t.table = table_name(f, op);
    const Node& columns = required(f, op, "columns");
    if (!columns.IsSequence() || columns.size() == 0) fail(columns, "create_table needs a list of columns");
    for (const auto& c : columns) t.columns.push_back(column_of(c));
    if (f["primary_key"]) t.primary_key = names(f["primary_key"]);
    if (f["uniques"])
      for (const auto& u : sequence(f["uniques"], "uniques")) {
        allow(u, "a unique constraint", {"name", "columns"});
        t.uniques.push_back(
            {text(required(u, "a unique constraint", "name")), names(required(u, "unique", "columns"))});
      }
    if (f["checks"])
      for (const auto& c : sequence(f["checks"], "checks")) {
        allow(c, "a check constraint", {"name", "expression"});
        t.checks.push_back({text(required(c, "a check", "name")), text(required(c, "a check", "expression"))});
      }
    if (f["foreign_keys"])
      for (const auto& k : sequence(f["foreign_keys"], "foreign_keys")) t.foreign_keys.push_back(key_of(k, false));
    t.if_missing = flag(f, "if_missing");
    return Change(std::move(t));
  }

  Change read(std::type_identity<DropTable>, const Node& f, const std::string& op) {
    allow(f, op, {"name", "table", "if_exists", "require_empty"});
    return Change(DropTable{table_name(f, op), flag(f, "if_exists"), flag(f, "require_empty")});
  }

  Change read(std::type_identity<RenameTable>, const Node& f, const std::string& op) {
    allow(f, op, {"name", "table", "to"});
    return Change(RenameTable{table_name(f, op), text(required(f, op, "to"))});
  }

  Change read(std::type_identity<AddColumn>, const Node& f, const std::string& op) {
    allow(f, op, {"table", "column", "if_missing", "backfill"});
    return Change(
        AddColumn{text(required(f, op, "table")), column_of(required(f, op, "column")), flag(f, "if_missing")});
  }

  Change read(std::type_identity<DropColumn>, const Node& f, const std::string& op) {
    allow(f, op, {"table", "column", "if_exists", "require_empty"});
    return Change(DropColumn{text(required(f, op, "table")), text(required(f, op, "column")), flag(f, "if_exists"),
                             flag(f, "require_empty")});
  }

  Change read(std::type_identity<RenameColumn>, const Node& f, const std::string& op) {
    allow(f, op, {"table", "column", "to"});
    return Change(
        RenameColumn{text(required(f, op, "table")), text(required(f, op, "column")), text(required(f, op, "to"))});
  }

  Change read(std::type_identity<AlterColumn>, const Node& f, const std::string& op) {
    allow(f, op,
          {"table", "column", "type", "length", "precision", "scale", "nullable", "default", "default_expression",
           "drop_default"});
    AlterColumn a{text(required(f, op, "table")), text(required(f, op, "column")), {}, {}, {}};
    if (f["type"]) a.type = type_of(f);
    if (f["nullable"]) a.nullable = boolean(f["nullable"]);
    if (auto d = default_of(f)) a.default_value = std::optional<Default>(*d);
    if (flag(f, "drop_default")) {
      if (a.default_value) fail(f["drop_default"], "alter_column cannot both set and drop the default");
      a.default_value = std::optional<Default>();
    }
    if (!a.type && !a.nullable && !a.default_value)
      fail(f, "alter_column changes nothing: give type, nullable, default or drop_default");
    return Change(std::move(a));
  }

  Change read(std::type_identity<CreateIndex>, const Node& f, const std::string& op) {
    allow(f, op, {"table", "name", "columns", "unique", "if_missing"});
    return Change(CreateIndex{text(required(f, op, "table")), text(required(f, op, "name")),
                              names(required(f, op, "columns")), flag(f, "unique"), flag(f, "if_missing")});
  }

  Change read(std::type_identity<DropIndex>, const Node& f, const std::string& op) {
    allow(f, op, {"table", "name", "if_exists"});
    return Change(DropIndex{text(required(f, op, "table")), text(required(f, op, "name")), flag(f, "if_exists")});
  }

  Change read(std::type_identity<AddForeignKey>, const Node& f, const std::string& op) {
    allow(f, op,
          {"table", "name", "columns", "references", "referenced_columns", "on_delete", "on_update", "if_missing"});
    return Change(AddForeignKey{text(required(f, op, "table")), key_of(f, true), flag(f, "if_missing")});
  }

  Change read(std::type_identity<DropForeignKey>, const Node& f, const std::string& op) {
    allow(f, op, {"table", "name", "if_exists"});
    return Change(DropForeignKey{text(required(f, op, "table")), text(required(f, op, "name")), flag(f, "if_exists")});
  }

  Change read(std::type_identity<AddUnique>, const Node& f, const std::string& op) {
    allow(f, op, {"table", "name", "columns", "if_missing"});
    return Change(AddUnique{text(required(f, op, "table")),
                            {text(required(f, op, "name")), names(required(f, op, "columns"))},
                            flag(f, "if_missing")});
  }

  Change read(std::type_identity<AddCheck>, const Node& f, const std::string& op) {
    allow(f, op, {"table", "name", "expression", "if_missing"});
    return Change(AddCheck{text(required(f, op, "table")),
                           {text(required(f, op, "name")), text(required(f, op, "expression"))},
                           flag(f, "if_missing")});
  }

  Change read(std::type_identity<DropConstraint>, const Node& f, const std::string& op) {
    allow(f, op, {"table", "name", "if_exists"});
    return Change(DropConstraint{text(required(f, op, "table")), text(required(f, op, "name")), flag(f, "if_exists")});
  }

  Change read(std::type_identity<InsertRows>, const Node& f, const std::string& op) {
    allow(f, op, {"table", "rows", "key"});
    InsertRows r{text(required(f, op, "table")), {}, {}, {}};
    const Node& rows = required(f, op, "rows");
    if (!rows.IsSequence() || rows.size() == 0) fail(rows, "insert_rows needs a list of rows ({column: value, ...})");
    for (const auto& row : rows) {
      if (!row.IsMap() || row.size() == 0) fail(row, "a row is a mapping of column to value");
      if (r.columns.empty())
        for (const auto& cell : row) r.columns.push_back(cell.first.as_text());
      std::vector<Literal> values;
      if (row.size() != r.columns.size()) fail(row, "every row must name the same columns as the first");
      for (const auto& c : r.columns) {
        if (!row[c]) fail(row, "this row has no value for '" + c + "', which the first row has");
        values.push_back(literal(row[c]));
      }
      r.rows.push_back(std::move(values));
    }
    if (f["key"]) {
      r.key = names(f["key"]);
      for (const auto& k : r.key)
        if (std::find(r.columns.begin(), r.columns.end(), k) == r.columns.end())
          fail(f["key"], "the key column '" + k + "' is not a column of the rows");
    }
    return Change(std::move(r));
  }

  Change read(std::type_identity<Sql>, const Node& f, const std::string& /*op*/) {
    if (!f.IsMap() || f.size() == 0)
      fail(f, "sql takes a mapping of dialect to SQL ({sqlite: \"...\", postgres: \"...\", mysql: \"...\"})");
    Sql s;
    for (const auto& entry2 : f) s.by_dialect[entry2.first.as_text()] = text(entry2.second);
    return Change(std::move(s));
  }

  Change read(std::type_identity<Backfill>, const Node& f, const std::string& op) {
    allow(f, op, {"table", "column", "value", "batch_size"});
    Backfill b{text(required(f, op, "table")), text(required(f, op, "column")), literal(required(f, op, "value"))};
    if (std::holds_alternative<std::nullptr_t>(b.value)) fail(f["value"], "backfill needs a value, not null");
    if (f["batch_size"]) {
      auto n = f["batch_size"].as_text();
      int size = 0;
      auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), size);
      if (ec != std::errc() || end != n.data() + n.size() || size < 1 || size > 1'000'000)
        fail(f["batch_size"], "batch_size must be a whole number from 1 to 1000000");
      b.batch_size = size;
    }
    return Change(std::move(b));
  }

  DeclaredTable declared_table(const Node& f) {
    allow(f, "a table",
          {"name", "renamed_from", "columns", "primary_key", "uniques", "checks", "foreign_keys", "indexes"});
    DeclaredTable t;
    t.name = text(required(f, "a table", "name"));
    t.line = f.Mark().line + 1;
    if (f["renamed_from"]) t.renamed_from = text(f["renamed_from"]);
    const Node& columns = required(f, "a table", "columns");
    if (!columns.IsSequence() || columns.size() == 0) fail(columns, "a table needs a list of columns");
    for (const auto& c : columns) {
      ops::Column column = column_of(c, true);
      if (c["native"]) t.column_native[column.name] = text(c["native"]);
      if (t.column(column.name)) fail(c, "the column " + column.name + " is declared twice in table " + t.name);
      if (c["renamed_from"]) t.column_renamed_from[column.name] = text(c["renamed_from"]);
      if (c["backfill"]) {
        Literal fill = literal(c["backfill"]);
        if (std::holds_alternative<std::nullptr_t>(fill)) fail(c["backfill"], "backfill needs a value, not null");
        if (column.primary_key) fail(c["backfill"], "a primary key column cannot be backfilled");
        t.column_backfill[column.name] = std::move(fill);
      }
      t.columns.push_back(std::move(column));
    }
    auto known = [&](const Node& at, const std::vector<std::string>& list) {
      for (const auto& c : list)
        if (!t.column(c)) fail(at, "table " + t.name + " has no column '" + c + "'");
      return list;
    };
    if (f["primary_key"]) t.primary_key = known(f["primary_key"], names(f["primary_key"]));
    int on_columns = 0;
    for (const auto& c : t.columns) on_columns += c.primary_key ? 1 : 0;
    if (on_columns > 0 && !t.primary_key.empty())
      fail(f["primary_key"], "table " + t.name + " declares its primary key twice: on a column and in primary_key");
    if (on_columns > 1)
      fail(columns, "table " + t.name +
                        " has primary_key: true on several columns: a composite key is declared as "
                        "primary_key: [a, b]");
    if (f["uniques"])
      for (const auto& u : sequence(f["uniques"], "uniques")) {
        allow(u, "a unique key", {"name", "columns"});
        t.uniques.push_back(
            {u["name"] ? text(u["name"]) : "", known(u, names(required(u, "a unique key", "columns")))});
      }
    if (f["checks"])
      for (const auto& c : sequence(f["checks"], "checks")) {
        allow(c, "a check", {"name", "expression"});
        t.checks.push_back({c["name"] ? text(c["name"]) : "", text(required(c, "a check", "expression"))});
      }
    if (f["foreign_keys"])
      for (const auto& k : sequence(f["foreign_keys"], "foreign_keys")) {
        t.foreign_keys.push_back(key_of(k, false));
        known(k, t.foreign_keys.back().columns);
      }
    if (f["indexes"])
      for (const auto& i : sequence(f["indexes"], "indexes")) {
        allow(i, "an index", {"name", "columns", "unique"});
        t.indexes.push_back(
            {i["name"] ? text(i["name"]) : "", known(i, names(required(i, "an index", "columns"))), flag(i, "unique")});
      }
    return t;
  }

  static std::string known_names() {
    std::string out;
    for (auto name : operation_names) out += (out.empty() ? "" : ", ") + std::string(name);
    return out;
  }

  void allow(const Node& map, const std::string& what, std::initializer_list<const char*> keys) {
    if (!map.IsMap()) fail(map, what + " takes a mapping");
    for (const auto& entry : map) {
      std::string key = entry.first.as_text();
      bool known = false;
      for (const char* k : keys) known |= key == k;
      if (known) continue;
      std::string list;
      for (const char* k : keys) list += (list.empty() ? "" : ", ") + std::string(k);
      std::string advice =
          key.ends_with(")") ? " (in a {...} mapping, quote a type with a comma: \"decimal(10,2)\")" : "";
      fail(entry.first, "unknown field '" + key + "' in " + what + "; it takes: " + list + advice);
    }
  }

  const Node required(const Node& map, const std::string& what, const char* key) {
    Node node = map[key];
    if (!node || node.IsNull()) fail(map, what + " needs `" + key + "`");
    return node;
  }

  std::string table_name(const Node& f, const std::string& op) {
    if (f["name"] && f["table"]) fail(f, op + " takes `name` or `table`, not both");
    return text(f["name"] ? f["name"] : required(f, op, "table"));
  }

  Node sequence(const Node& node, const std::string& what) {
    if (!node.IsSequence()) fail(node, "expected a list of " + what);
    return node;
  }

  std::string text(const Node& node) {
    if (!node.IsScalar()) fail(node, "expected a text value");
    std::string value = checked(node);
    if (value.empty()) fail(node, "expected a non-empty value");
    return value;
  }

  // A scalar's text: no control character but tab and line breaks, and UTF-8. libyaml refuses
  // both in the text it reads; a value escaped into it ("\0", "\x01") is refused here.
  std::string checked(const Node& node) {
    const std::string& value = node.Scalar();
    for (char c : value)
      if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r')
        fail(node, "a control character (byte " + std::to_string(static_cast<int>(c)) + ") in a value");
    if (std::size_t bad = 0; !detail::valid_utf8(value, bad)) fail(node, "a value that is not UTF-8 text");
    return value;
  }

  std::vector<std::string> names(const Node& node) {
    if (node.IsScalar()) return {text(node)};
    if (!node.IsSequence() || node.size() == 0) fail(node, "expected a list of column names ([a, b])");
    std::vector<std::string> out;
    for (const auto& n : node) out.push_back(text(n));
    return out;
  }

  bool boolean(const Node& node) {
    if (node.IsScalar() && node.Tag() != "!") {
      if (node.Scalar() == "true") return true;
      if (node.Scalar() == "false") return false;
    }
    fail(node, "expected true or false");
  }

  bool flag(const Node& map, const char* key) { return map[key] ? boolean(map[key]) : false; }

  int number(const Node& node) {
    int value = 0;
    const std::string& s = node.IsScalar() ? node.Scalar() : std::string();
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc() || end != s.data() + s.size() || value <= 0) fail(node, "expected a positive whole number");
    return value;
  }

  Literal literal(const Node& node) {
    if (node.IsNull()) return nullptr;
    if (!node.IsScalar()) fail(node, "expected a single value (text, number, true/false or null)");
    const std::string s = checked(node);
    if (node.Tag() == "!") return s;  // quoted: always text
    if (s == "true") return true;
    if (s == "false") return false;
    if (s == "null" || s == "~") return nullptr;
    std::int64_t i = 0;
    if (auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
        ec == std::errc() && end == s.data() + s.size())
      return i;
    double d = 0;
    if (auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
        ec == std::errc() && end == s.data() + s.size())
      return d;
    return s;
  }

  ColumnType type_of(const Node& f) {
    const Node& t = required(f, "a column", "type");
    auto type = parse_column_type(text(t));
    if (!type && f["precision"] && parse_column_type(text(t) + "(1,0)")) type = ColumnType{PortableType::decimal};
    if (!type) fail(t, "unknown type '" + t.Scalar() + "'; the portable types are " + portable_type_names());
    if (f["length"]) {
      if (type->type != PortableType::string) fail(f["length"], "only a string takes a length");
      type->length = number(f["length"]);
    }
    if (f["precision"] || f["scale"]) {
      if (type->type != PortableType::decimal) fail(f, "only a decimal takes a precision and scale");
      type->precision = number(required(f, "a decimal", "precision"));
      type->scale = f["scale"] && f["scale"].Scalar() != "0" ? number(f["scale"]) : 0;
    }
    if (type->type == PortableType::decimal && type->precision == 0)
      fail(t, "a decimal needs its precision and scale: decimal(10,2), or precision: and scale:");
    return *type;
  }

  std::optional<Default> default_of(const Node& f) {
    if (f["default"] && f["default_expression"]) fail(f, "give `default` or `default_expression`, not both");
    if (f["default"]) return Default{Default::Kind::literal, literal(f["default"])};
    if (f["default_expression"]) {
      const Node& e = f["default_expression"];
      if (text(e) != "current_timestamp")
        fail(e, "the portable default expression is current_timestamp; write other expressions in `sql`");
      return Default{Default::Kind::current_timestamp, nullptr};
    }
    return std::nullopt;
  }

  // A column of create_table or add_column; in a declared schema it may also say `renamed_from`.
  Column column_of(const Node& c, bool declared = false) {
    if (declared)
      allow(c, "a column",
            {"name", "type", "native", "length", "precision", "scale", "nullable", "default", "default_expression",
             "primary_key", "auto_increment", "unique", "renamed_from", "backfill"});
    else
      allow(c, "a column",
            {"name", "type", "length", "precision", "scale", "nullable", "default", "default_expression", "primary_key",
             "auto_increment", "unique"});
    Column column;
    column.name = text(required(c, "a column", "name"));
    if (declared && c["native"]) {  // a type no portable type stands for, compared as written
      if (c["type"]) fail(c["native"], "a column takes `type` or `native`, not both");
      column.type = ColumnType{PortableType::text};
    } else {
      column.type = type_of(c);
    }
    column.primary_key = flag(c, "primary_key");
    column.nullable = c["nullable"] ? boolean(c["nullable"]) : !column.primary_key;
    if (column.primary_key && column.nullable) fail(c["nullable"], "a primary key column cannot be nullable");
    column.default_value = default_of(c);
    column.auto_increment = flag(c, "auto_increment");
    if (column.auto_increment && !column.primary_key)
      fail(c["auto_increment"], "auto_increment is for a primary key column (primary_key: true)");
    column.unique = flag(c, "unique");
    return column;
  }

  Action action(const Node& node) {
    std::string s = text(node);
    for (auto& ch : s) ch = ch == ' ' ? '_' : ascii_lower(ch);
    if (s == "no_action") return Action::no_action;
    if (s == "restrict") return Action::restrict;
    if (s == "cascade") return Action::cascade;
    if (s == "set_null") return Action::set_null;
    if (s == "set_default") return Action::set_default;
    fail(node, "unknown action '" + node.Scalar() + "'; one of: no_action, restrict, cascade, set_null, set_default");
  }

  ForeignKey key_of(const Node& k, bool named) {
    if (!named)
      allow(k, "a foreign key", {"name", "columns", "references", "referenced_columns", "on_delete", "on_update"});
    ForeignKey key;
    if (named || k["name"]) key.name = text(required(k, "a foreign key", "name"));
    key.columns = names(required(k, "a foreign key", "columns"));
    key.references = text(required(k, "a foreign key", "references"));
    key.referenced_columns = names(required(k, "a foreign key", "referenced_columns"));
    if (key.columns.size() != key.referenced_columns.size())
      fail(k, "a foreign key needs as many referenced_columns as columns");
    if (k["on_delete"]) key.on_delete = action(k["on_delete"]);
    if (k["on_update"]) key.on_update = action(k["on_update"]);
    return key;
  }

  std::string file_;
};

}  // namespace

namespace {

// Parses `text` and reads it with `read`; every YAML error names the file, line and column.
template <class F>
auto read_yaml(const std::string& text, const std::string& file, F read) {
  auto error = [&](const std::string& message, detail::YamlMark mark) {
    Error e(ErrorKind::validation, message);
    e.in_file(file);
    if (mark.line >= 0) e.at_line(mark.line + 1, mark.column + 1);
    return e;
  };
  std::optional<detail::YamlDocument> document;
  try {
    document.emplace(text);
  } catch (const detail::YamlError& e) {
    throw error("not valid YAML: " + e.message, e.mark);
  }
  try {
    Reader reader(file);
    return read(reader, document->root());
  } catch (const detail::YamlError& e) {  // a question the reader did not foresee
    throw error(e.message, e.mark);
  }
}

}  // namespace

Script parse_yaml(const std::string& text, const std::string& file) {
  return read_yaml(text, file, [](Reader& r, const Node& root) { return r.script(root); });
}

}  // namespace strata::ops

namespace strata {

DeclaredSchema parse_declared_schema(const std::string& text, const std::string& file) {
  if (std::size_t bad = 0; !detail::valid_utf8(text, bad))
    throw Error(ErrorKind::validation, "not UTF-8 text (invalid byte at offset " + std::to_string(bad) + ")")
        .in_file(file);
  return normalize(
      ops::read_yaml(text, file, [](ops::Reader& r, const detail::YamlNode& root) { return r.declared(root); }));
}

}  // namespace strata
