#include "overloaded.hpp"

#include <strata/ascii.hpp>
#include <strata/checksum.hpp>
#include <strata/operations.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <set>

namespace strata {
namespace {

constexpr std::array<std::pair<PortableType, std::string_view>, 16> type_names{{
    {PortableType::boolean, "boolean"},
    {PortableType::smallint, "smallint"},
    {PortableType::integer, "integer"},
    {PortableType::bigint, "bigint"},
    {PortableType::real, "real"},
    {PortableType::double_precision, "double"},
    {PortableType::decimal, "decimal"},
    {PortableType::string, "string"},
    {PortableType::text, "text"},
    {PortableType::binary, "binary"},
    {PortableType::date, "date"},
    {PortableType::time, "time"},
    {PortableType::timestamp, "timestamp"},
    {PortableType::timestamptz, "timestamptz"},
    {PortableType::uuid, "uuid"},
    {PortableType::json, "json"},
}};

}  // namespace

std::string to_string(const ColumnType& type) {
  std::string name;
  for (const auto& [t, n] : type_names)
    if (t == type.type) name = n;
  if (type.type == PortableType::string && type.length > 0) return name + "(" + std::to_string(type.length) + ")";
  if (type.type == PortableType::decimal)
    return name + "(" + std::to_string(type.precision) + "," + std::to_string(type.scale) + ")";
  return name;
}

std::string portable_type_names() {
  std::string out;
  for (const auto& [t, n] : type_names) out += (out.empty() ? "" : ", ") + std::string(n);
  return out + " (string takes a length, decimal a precision and scale: string(32), decimal(10,2))";
}

std::optional<ColumnType> parse_column_type(std::string_view text) {
  std::string s;
  for (char c : text)
    if (!ascii_isspace(c)) s += ascii_lower(c);
  std::string base = s.substr(0, s.find('('));
  std::vector<int> args;
  if (auto open = s.find('('); open != std::string::npos) {
    if (s.back() != ')') return std::nullopt;
    std::string inside = s.substr(open + 1, s.size() - open - 2);
    std::size_t at = 0;
    while (at <= inside.size()) {
      std::size_t comma = inside.find(',', at);
      std::string part = inside.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
      int value = 0;
      auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
      if (ec != std::errc() || end != part.data() + part.size() || part.empty() || value < 0) return std::nullopt;
      args.push_back(value);
      if (comma == std::string::npos) break;
      at = comma + 1;
    }
  }
  if (base == "double_precision" || base == "doubleprecision") base = "double";
  for (const auto& [t, n] : type_names) {
    if (n != base) continue;
    ColumnType type{t};
    if (t == PortableType::string && args.size() <= 1) {
      type.length = args.empty() ? 0 : args[0];
      return type;
    }
    if (t == PortableType::decimal && args.size() == 2 && args[0] > 0 && args[1] <= args[0]) {
      type.precision = args[0];
      type.scale = args[1];
      return type;
    }
    if (args.empty() && t != PortableType::decimal) return type;
    return std::nullopt;
  }
  return std::nullopt;
}

namespace ops {
namespace {

using detail::overloaded;

std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + '"';
}

std::string list(const std::vector<std::string>& names) {
  std::string out = "[";
  for (const auto& n : names) out += (out.size() > 1 ? "," : "") + quoted(n);
  return out + "]";
}

std::string literal(const Literal& v) {
  return std::visit(overloaded{[](std::nullptr_t) -> std::string { return "null"; },
                               [](bool b) -> std::string { return b ? "true" : "false"; },
                               [](std::int64_t i) { return std::to_string(i); },
                               [](double d) {
                                 char buffer[32];
                                 std::snprintf(buffer, sizeof buffer, "%.17g", d);
                                 return std::string(buffer) + "d";
                               },
                               [](const std::string& s) { return quoted(s); }},
                    v);
}

std::string default_text(const std::optional<Default>& d) {
  if (!d) return "none";
  return d->kind == Default::Kind::current_timestamp ? "current_timestamp" : literal(d->value);
}

std::string column_text(const Column& c) {
  return "{name=" + quoted(c.name) + " type=" + to_string(c.type) + " nullable=" + (c.nullable ? "true" : "false") +
         " default=" + default_text(c.default_value) + " primary_key=" + (c.primary_key ? "true" : "false") +
         " auto_increment=" + (c.auto_increment ? "true" : "false") + " unique=" + (c.unique ? "true" : "false") + "}";
}

std::string key_text(const ForeignKey& k) {
  return "{name=" + quoted(k.name) + " columns=" + list(k.columns) + " references=" + quoted(k.references) +
         " referenced_columns=" + list(k.referenced_columns) + " on_delete=" + quoted(to_sql(k.on_delete)) +
         " on_update=" + quoted(to_sql(k.on_update)) + "}";
}

std::string flag(const char* name, bool value) {
  return std::string(" ") + name + "=" + (value ? "true" : "false");
}

std::string text_of(const Change& change) {
  return std::visit(
      overloaded{
          [](const CreateTable& o) {
            std::string s = "table=" + quoted(o.table) + " columns=[";
            for (const auto& c : o.columns) s += column_text(c);
            s += "] primary_key=" + list(o.primary_key) + " uniques=[";
            for (const auto& u : o.uniques) s += "{name=" + quoted(u.name) + " columns=" + list(u.columns) + "}";
            s += "] checks=[";
            for (const auto& c : o.checks) s += "{name=" + quoted(c.name) + " expression=" + quoted(c.expression) + "}";
            s += "] foreign_keys=[";
            for (const auto& k : o.foreign_keys) s += key_text(k);
            return s + "]" + flag("if_missing", o.if_missing);
          },
          [](const DropTable& o) {
            // Written only when set, so that the checksums of migrations written before it stay.
            return "table=" + quoted(o.table) + flag("if_exists", o.if_exists) +
                   (o.require_empty ? flag("require_empty", true) : "");
          },
          [](const RenameTable& o) { return "table=" + quoted(o.table) + " to=" + quoted(o.to); },
          [](const AddColumn& o) {
            return "table=" + quoted(o.table) + " column=" + column_text(o.column) + flag("if_missing", o.if_missing);
          },
          [](const DropColumn& o) {
            return "table=" + quoted(o.table) + " column=" + quoted(o.column) + flag("if_exists", o.if_exists) +
                   (o.require_empty ? flag("require_empty", true) : "");
          },
          [](const RenameColumn& o) {
            return "table=" + quoted(o.table) + " column=" + quoted(o.column) + " to=" + quoted(o.to);
          },
          [](const AlterColumn& o) {
            std::string s = "table=" + quoted(o.table) + " column=" + quoted(o.column);
            if (o.type) s += " type=" + to_string(*o.type);
            if (o.nullable) s += flag("nullable", *o.nullable);
            if (o.default_value) s += " default=" + default_text(*o.default_value);
            return s;
          },
          [](const CreateIndex& o) {
            return "table=" + quoted(o.table) + " name=" + quoted(o.name) + " columns=" + list(o.columns) +
                   flag("unique", o.unique) + flag("if_missing", o.if_missing);
          },
          [](const DropIndex& o) {
            return "table=" + quoted(o.table) + " name=" + quoted(o.name) + flag("if_exists", o.if_exists);
          },
          [](const AddForeignKey& o) {
            return "table=" + quoted(o.table) + " key=" + key_text(o.key) + flag("if_missing", o.if_missing);
          },
          [](const DropForeignKey& o) {
            return "table=" + quoted(o.table) + " name=" + quoted(o.name) + flag("if_exists", o.if_exists);
          },
          [](const AddUnique& o) {
            return "table=" + quoted(o.table) + " name=" + quoted(o.constraint.name) +
                   " columns=" + list(o.constraint.columns) + flag("if_missing", o.if_missing);
          },
          [](const AddCheck& o) {
            return "table=" + quoted(o.table) + " name=" + quoted(o.constraint.name) +
                   " expression=" + quoted(o.constraint.expression) + flag("if_missing", o.if_missing);
          },
          [](const DropConstraint& o) {
            return "table=" + quoted(o.table) + " name=" + quoted(o.name) + flag("if_exists", o.if_exists);
          },
          [](const InsertRows& o) {
            // Columns in name order, so that the order a row's keys are written in is no change.
            std::vector<std::size_t> order(o.columns.size());
            for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
            std::sort(order.begin(), order.end(), [&](auto a, auto b) { return o.columns[a] < o.columns[b]; });
            std::vector<std::string> columns;
            columns.reserve(order.size());
            for (auto i : order) columns.push_back(o.columns[i]);
            std::string s = "table=" + quoted(o.table) + " columns=" + list(columns) + " rows=[";
            for (const auto& row : o.rows) {
              s += "[";
              for (std::size_t i = 0; i < order.size(); ++i) s += (i ? "," : "") + literal(row[order[i]]);
              s += "]";
            }
            return s + "] key=" + list(o.key);
          },
          [](const Sql& o) {
            std::string s;
            for (const auto& [dialect, text] : o.by_dialect) s += (s.empty() ? "" : " ") + dialect + "=" + quoted(text);
            return s;
          },
          [](const Backfill& o) {
            return "table=" + quoted(o.table) + " column=" + quoted(o.column) + " value=" + literal(o.value) +
                   " batch_size=" + std::to_string(o.batch_size);
          },
      },
      change);
}

}  // namespace

const char* to_sql(Action action) {
  switch (action) {
    case Action::no_action: return "NO ACTION";
    case Action::restrict: return "RESTRICT";
    case Action::cascade: return "CASCADE";
    case Action::set_null: return "SET NULL";
    case Action::set_default: return "SET DEFAULT";
  }
  return "NO ACTION";
}

std::string Operation::name() const {
  return std::string(std::visit([](const auto& o) { return std::decay_t<decltype(o)>::operation; }, change));
}

std::string Operation::summary() const {
  std::string object = std::visit(
      overloaded{[](const CreateTable& o) { return o.table; }, [](const DropTable& o) { return o.table; },
                 [](const RenameTable& o) { return o.table + " to " + o.to; },
                 [](const AddColumn& o) { return o.table + "." + o.column.name; },
                 [](const DropColumn& o) { return o.table + "." + o.column; },
                 [](const RenameColumn& o) { return o.table + "." + o.column + " to " + o.to; },
                 [](const AlterColumn& o) { return o.table + "." + o.column; },
                 [](const CreateIndex& o) { return o.name + " on " + o.table; },
                 [](const DropIndex& o) { return o.name + " on " + o.table; },
                 [](const AddForeignKey& o) { return o.key.name + " on " + o.table; },
                 [](const DropForeignKey& o) { return o.name + " on " + o.table; },
                 [](const AddUnique& o) { return o.constraint.name + " on " + o.table; },
                 [](const AddCheck& o) { return o.constraint.name + " on " + o.table; },
                 [](const DropConstraint& o) { return o.name + " on " + o.table; },
                 [](const InsertRows& o) {
                   return o.table + " (" + std::to_string(o.rows.size()) + (o.rows.size() == 1 ? " row)" : " rows)");
                 },
                 [](const Sql&) { return std::string(); }, [](const Backfill& o) { return o.table + "." + o.column; }},
      change);
  return object.empty() ? name() : name() + " " + object;
}

std::string canonical_text(const std::vector<Operation>& operations) {
  std::string out;
  for (const auto& op : operations) out += op.name() + " " + text_of(op.change) + "\n";
  return out;
}

std::string checksum(const Script& script) {
  std::string text = "strata portable operations 1\nup\n" + canonical_text(script.up);
  if (script.down) text += "down\n" + canonical_text(*script.down);
  return sha256_hex(text);
}

std::vector<Change> backfilled(AddColumn add, Literal value) {
  bool not_null = !add.column.nullable;
  std::string table = add.table, column = add.column.name;
  add.column.nullable = true;
  add.if_missing = true;  // each step guarded: a killed run converges with plain `migrate`
  std::vector<Change> out{Change(std::move(add)), Change(Backfill{table, column, std::move(value)})};
  if (not_null) out.emplace_back(AlterColumn{table, column, {}, false, {}});
  return out;
}

DerivedUndo derive_undo(const std::vector<Operation>& up) {
  std::vector<Operation> undo;
  const Operation* missing = nullptr;
  // Columns this migration adds: dropping one undoes its backfill and the NOT NULL set after it.
  std::set<std::pair<std::string, std::string>> added;
  for (const auto& op : up)
    if (const auto* a = std::get_if<AddColumn>(&op.change)) added.emplace(a->table, a->column.name);
  auto of_added = [&](const std::string& table, const std::string& column) { return added.count({table, column}) > 0; };
  for (auto it = up.rbegin(); it != up.rend(); ++it) {
    const Operation& op = *it;
    if (const auto* b = std::get_if<Backfill>(&op.change); b && of_added(b->table, b->column)) continue;
    if (const auto* a = std::get_if<AlterColumn>(&op.change); a && of_added(a->table, a->column)) continue;
    std::optional<Change> inverse =
        std::visit(overloaded{[](const CreateTable& o) -> std::optional<Change> {
                                return DropTable{o.table, true, false};
                              },
                              [](const RenameTable& o) -> std::optional<Change> {
                                return RenameTable{o.to, o.table};
                              },
                              [](const AddColumn& o) -> std::optional<Change> {
                                return DropColumn{o.table, o.column.name, true, false};
                              },
                              [](const RenameColumn& o) -> std::optional<Change> {
                                return RenameColumn{o.table, o.to, o.column};
                              },
                              [](const CreateIndex& o) -> std::optional<Change> {
                                return DropIndex{o.table, o.name, true};
                              },
                              [](const AddForeignKey& o) -> std::optional<Change> {
                                return DropForeignKey{o.table, o.key.name, true};
                              },
                              [](const AddUnique& o) -> std::optional<Change> {
                                return DropConstraint{o.table, o.constraint.name, true};
                              },
                              [](const AddCheck& o) -> std::optional<Change> {
                                return DropConstraint{o.table, o.constraint.name, true};
                              },
                              // A drop loses what it dropped, an alter_column the old shape; sql and insert_rows
                              // cannot be reversed from the model.
                              [](const DropTable&) -> std::optional<Change> { return std::nullopt; },
                              [](const DropColumn&) -> std::optional<Change> { return std::nullopt; },
                              [](const AlterColumn&) -> std::optional<Change> { return std::nullopt; },
                              [](const DropIndex&) -> std::optional<Change> { return std::nullopt; },
                              [](const DropForeignKey&) -> std::optional<Change> { return std::nullopt; },
                              [](const DropConstraint&) -> std::optional<Change> { return std::nullopt; },
                              [](const InsertRows&) -> std::optional<Change> { return std::nullopt; },
                              [](const Sql&) -> std::optional<Change> { return std::nullopt; },
                              [](const Backfill&) -> std::optional<Change> { return std::nullopt; }},
                   op.change);
    if (!inverse) {  // read back to front: the last one found is the first written, the one named
      missing = &op;
      continue;
    }
    undo.emplace_back(std::move(*inverse), op.line, op.column);
  }
  if (missing) {
    std::string where = missing->line > 0 ? " (line " + std::to_string(missing->line) + ")" : "";
    return {std::nullopt, missing->summary() + where + " has no exact inverse: write the undo as `down:`"};
  }
  return {std::move(undo), ""};
}

}  // namespace ops
}  // namespace strata
