// The declared-schema model: normalising, folding portable operations into it, and the diff
// between two schemas as portable operations. Pure: no database, no files (but
// read_declared_schema, at the end).
#include "overloaded.hpp"

#include <strata/ascii.hpp>
#include <strata/diff.hpp>
#include <strata/error.hpp>

#include <fnmatch.h>
#include <algorithm>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

namespace strata {
namespace {

using detail::overloaded;

std::string join(const std::vector<std::string>& list, const char* separator = ", ") {
  std::string out;
  for (const auto& s : list) out += (out.empty() ? "" : separator) + s;
  return out;
}

template <class T, class F>
auto find_if(std::vector<T>& list, F predicate) {
  return std::find_if(list.begin(), list.end(), predicate);
}

// -- What things are, for comparison: content, never names ---------------------------------

std::string squeezed(std::string_view text) {  // whitespace runs as one space, none at the ends
  std::string out;
  for (char c : text) {
    if (ascii_isspace(c)) {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += c;
    }
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string key_of(const ops::UniqueConstraint& u) {
  return "unique (" + join(u.columns) + ")";
}
std::string key_of(const ops::CheckConstraint& c) {
  return "check (" + squeezed(c.expression) + ")";
}
// RESTRICT and NO ACTION are one behaviour to compare (InnoDB reports no clause as RESTRICT).
const char* action_text(ops::Action a) {
  return ops::to_sql(a == ops::Action::restrict ? ops::Action::no_action : a);
}
std::string key_of(const ops::ForeignKey& k) {
  return "foreign key (" + join(k.columns) + ") -> " + k.references + " (" + join(k.referenced_columns) +
         ") on delete " + action_text(k.on_delete) + " on update " + action_text(k.on_update);
}
std::string key_of(const DeclaredIndex& i) {
  return std::string(i.unique ? "unique index (" : "index (") + join(i.columns) + ")";
}

std::string literal_text(const ops::Literal& value) {
  return std::visit(overloaded{[](std::nullptr_t) -> std::string { return "null"; },
                               [](bool b) -> std::string { return b ? "true" : "false"; },
                               [](std::int64_t i) { return std::to_string(i); },
                               [](double d) {
                                 std::ostringstream out;
                                 out << d;
                                 return out.str();
                               },
                               [](const std::string& s) { return "'" + s + "'"; }},
                    value);
}

std::string default_text(const std::optional<ops::Default>& d) {
  if (!d) return "none";
  if (d->kind == ops::Default::Kind::current_timestamp) return "current_timestamp";
  return literal_text(d->value);
}

// A column's type as the database spells it where no portable type stands for it; "" otherwise.
std::string native_of(const DeclaredTable& t, const std::string& column) {
  auto it = t.column_native.find(column);
  if (it == t.column_native.end()) return "";
  std::string out;
  for (char c : it->second)
    if (c != ' ') out += ascii_lower(c);
  return out;
}

bool same_column(const ops::Column& a, const ops::Column& b) {
  return a.type == b.type && a.nullable == b.nullable && default_text(a.default_value) == default_text(b.default_value);
}

std::string column_text(const ops::Column& c) {
  return to_string(c.type) + (c.nullable ? ", nullable" : ", not null") +
         (c.default_value ? ", default " + default_text(c.default_value) : "");
}

template <class T>
bool contains(const std::vector<T>& list, const T& item) {
  return std::any_of(list.begin(), list.end(), [&](const T& x) { return key_of(x) == key_of(item); });
}

// A unique constraint and a unique index over the same columns are one unique key: backends
// report one as the other (MySQL lists a unique index as a UNIQUE constraint).
bool has_unique_key(const DeclaredTable& t, const std::vector<std::string>& columns) {
  return std::any_of(t.uniques.begin(), t.uniques.end(), [&](const auto& u) { return u.columns == columns; }) ||
         std::any_of(t.indexes.begin(), t.indexes.end(),
                     [&](const auto& i) { return i.unique && i.columns == columns; });
}
bool has(const DeclaredTable& t, const DeclaredIndex& i) {
  return i.unique ? has_unique_key(t, i.columns) : contains(t.indexes, i);
}
bool has(const DeclaredTable& t, const ops::UniqueConstraint& u) {
  return has_unique_key(t, u.columns);
}

// -- Generated names, deterministic, within the 63 bytes every backend allows ----------------

// FNV-1a: the same on every machine and compiler, unlike std::hash.
std::uint32_t stable_hash(std::string_view text) {
  std::uint32_t h = 2166136261u;
  for (unsigned char c : text) h = (h ^ c) * 16777619u;
  return h;
}

// At most 60 bytes, cut at a character (never inside a UTF-8 sequence), with a hash of the whole.
std::string bounded(std::string name) {
  if (name.size() <= 60) return name;
  std::size_t cut = 53;
  while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80) --cut;
  return name.substr(0, cut) + "_" + std::to_string(stable_hash(name) % 100000);
}
std::string name_for(const char* prefix, const std::string& table, const std::vector<std::string>& columns) {
  return bounded(std::string(prefix) + "_" + table + "_" + join(columns, "_"));
}

// The generator's names for what has none.
ops::UniqueConstraint named_unique(const DeclaredTable& t, ops::UniqueConstraint u) {
  if (u.name.empty()) u.name = name_for("uq", t.name, u.columns);
  return u;
}
ops::CheckConstraint named_check(const DeclaredTable& t, ops::CheckConstraint c) {
  if (c.name.empty())
    c.name = bounded("ck_" + t.name + "_" + std::to_string(stable_hash(squeezed(c.expression)) % 100000));
  return c;
}
ops::ForeignKey named_key(const DeclaredTable& t, ops::ForeignKey k) {
  if (k.name.empty()) k.name = name_for("fk", t.name, k.columns);
  return k;
}

// -- The guard-free mechanics of each operation on the model ---------------------------------

[[noreturn]] void refuse(const ops::Operation& op, const std::string& why) {
  Error e(ErrorKind::validation, op.summary() + ": " + why);
  if (op.line > 0) e.at_line(op.line, op.column);
  throw e;
}

void rename_in(std::vector<std::string>& names, const std::string& from, const std::string& to) {
  std::replace(names.begin(), names.end(), from, to);
}

template <class T>
bool mentions(const T& thing, const std::string& column) {
  return std::find(thing.columns.begin(), thing.columns.end(), column) != thing.columns.end();
}

class Folder {
 public:
  explicit Folder(DeclaredSchema& schema) : s_(schema) {}

  void apply(const ops::Operation& op) {
    std::visit([&](const auto& change) { apply(op, change); }, op.change);
  }

 private:
  DeclaredTable& table(const ops::Operation& op, const std::string& name) {
    DeclaredTable* t = s_.table(name);
    if (!t) refuse(op, "the table " + name + " does not exist at this point of the history");
    return *t;
  }

  void apply(const ops::Operation& op, const ops::CreateTable& o) {
    if (s_.table(o.table)) {
      if (o.if_missing) return;
      refuse(op, "the table " + o.table + " already exists at this point of the history");
    }
    DeclaredTable t;
    t.name = o.table;
    t.columns = o.columns;
    t.primary_key = o.primary_key;
    t.uniques = o.uniques;
    t.checks = o.checks;
    t.foreign_keys = o.foreign_keys;
    s_.tables.push_back(std::move(t));
  }
  void apply(const ops::Operation& op, const ops::DropTable& o) {
    auto it = find_if(s_.tables, [&](const auto& t) { return t.name == o.table; });
    if (it == s_.tables.end()) {
      if (o.if_exists) return;
      refuse(op, "the table " + o.table + " does not exist at this point of the history");
    }
    s_.tables.erase(it);
  }
  void apply(const ops::Operation& op, const ops::RenameTable& o) {
    DeclaredTable& t = table(op, o.table);
    if (s_.table(o.to)) refuse(op, "the table " + o.to + " already exists at this point of the history");
    t.name = o.to;
    for (auto& other : s_.tables)
      for (auto& k : other.foreign_keys)
        if (k.references == o.table) k.references = o.to;
  }
  void apply(const ops::Operation& op, const ops::AddColumn& o) {
    DeclaredTable& t = table(op, o.table);
    if (t.column(o.column.name)) {
      if (o.if_missing) return;
      refuse(op, "the column " + o.table + "." + o.column.name + " already exists at this point of the history");
    }
    t.columns.push_back(o.column);
  }
  void apply(const ops::Operation& op, const ops::DropColumn& o) {
    DeclaredTable& t = table(op, o.table);
    auto it = find_if(t.columns, [&](const auto& c) { return c.name == o.column; });
    if (it == t.columns.end()) {
      if (o.if_exists) return;
      refuse(op, "the column " + o.table + "." + o.column + " does not exist at this point of the history");
    }
    t.columns.erase(it);
    t.column_native.erase(o.column);
    t.column_also.erase(o.column);
    // What is over the column goes with it, as on PostgreSQL (an index over it is dropped).
    std::erase_if(t.indexes, [&](const auto& i) { return mentions(i, o.column); });
    std::erase_if(t.uniques, [&](const auto& u) { return mentions(u, o.column); });
    std::erase_if(t.foreign_keys, [&](const auto& k) { return mentions(k, o.column); });
  }
  void apply(const ops::Operation& op, const ops::RenameColumn& o) {
    DeclaredTable& t = table(op, o.table);
    auto it = find_if(t.columns, [&](const auto& c) { return c.name == o.column; });
    if (it == t.columns.end())
      refuse(op, "the column " + o.table + "." + o.column + " does not exist at this point of the history");
    if (t.column(o.to))
      refuse(op, "the column " + o.table + "." + o.to + " already exists at this point of the history");
    it->name = o.to;
    for (auto* map : {&t.column_native, &t.column_renamed_from})
      if (auto node = map->extract(o.column)) {
        node.key() = o.to;
        map->insert(std::move(node));
      }
    if (auto node = t.column_also.extract(o.column)) {
      node.key() = o.to;
      t.column_also.insert(std::move(node));
    }
    rename_in(t.primary_key, o.column, o.to);
    for (auto& u : t.uniques) rename_in(u.columns, o.column, o.to);
    for (auto& i : t.indexes) rename_in(i.columns, o.column, o.to);
    for (auto& k : t.foreign_keys) rename_in(k.columns, o.column, o.to);
    for (auto& other : s_.tables)
      for (auto& k : other.foreign_keys)
        if (k.references == o.table) rename_in(k.referenced_columns, o.column, o.to);
  }
  void apply(const ops::Operation& op, const ops::AlterColumn& o) {
    DeclaredTable& t = table(op, o.table);
    auto it = find_if(t.columns, [&](const auto& c) { return c.name == o.column; });
    if (it == t.columns.end())
      refuse(op, "the column " + o.table + "." + o.column + " does not exist at this point of the history");
    if (o.type) it->type = *o.type;
    if (o.nullable) it->nullable = *o.nullable;
    if (o.default_value) it->default_value = *o.default_value;
  }
  void apply(const ops::Operation& op, const ops::CreateIndex& o) {
    DeclaredTable& t = table(op, o.table);
    if (std::any_of(t.indexes.begin(), t.indexes.end(), [&](const auto& i) { return i.name == o.name; })) {
      if (o.if_missing) return;
      refuse(op, "the index " + o.name + " already exists at this point of the history");
    }
    t.indexes.push_back({o.name, o.columns, o.unique});
  }
  void apply(const ops::Operation& op, const ops::DropIndex& o) {
    DeclaredTable& t = table(op, o.table);
    if (!std::erase_if(t.indexes, [&](const auto& i) { return i.name == o.name; }) && !o.if_exists)
      refuse(op, "the index " + o.name + " does not exist at this point of the history");
  }
  void apply(const ops::Operation& op, const ops::AddForeignKey& o) {
    DeclaredTable& t = table(op, o.table);
    if (std::any_of(t.foreign_keys.begin(), t.foreign_keys.end(),
                    [&](const auto& k) { return k.name == o.key.name; })) {
      if (o.if_missing) return;
      refuse(op, "the foreign key " + o.key.name + " already exists at this point of the history");
    }
    t.foreign_keys.push_back(o.key);
  }
  void apply(const ops::Operation& op, const ops::DropForeignKey& o) {
    DeclaredTable& t = table(op, o.table);
    if (!std::erase_if(t.foreign_keys, [&](const auto& k) { return k.name == o.name; }) && !o.if_exists)
      refuse(op, "the foreign key " + o.name + " does not exist at this point of the history");
  }
  void apply(const ops::Operation& op, const ops::AddUnique& o) {
    DeclaredTable& t = table(op, o.table);
    if (std::any_of(t.uniques.begin(), t.uniques.end(), [&](const auto& u) { return u.name == o.constraint.name; })) {
      if (o.if_missing) return;
      refuse(op, "the constraint " + o.constraint.name + " already exists at this point of the history");
    }
    t.uniques.push_back(o.constraint);
  }
  void apply(const ops::Operation& op, const ops::AddCheck& o) {
    DeclaredTable& t = table(op, o.table);
    if (std::any_of(t.checks.begin(), t.checks.end(), [&](const auto& c) { return c.name == o.constraint.name; })) {
      if (o.if_missing) return;
      refuse(op, "the constraint " + o.constraint.name + " already exists at this point of the history");
    }
    t.checks.push_back(o.constraint);
  }
  void apply(const ops::Operation& op, const ops::DropConstraint& o) {
    DeclaredTable& t = table(op, o.table);
    bool gone = std::erase_if(t.uniques, [&](const auto& u) { return u.name == o.name; }) +
                std::erase_if(t.checks, [&](const auto& c) { return c.name == o.name; });
    if (!gone && !o.if_exists) refuse(op, "the constraint " + o.name + " does not exist at this point of the history");
  }
  void apply(const ops::Operation&, const ops::InsertRows&) {}    // data, not schema
  void apply(const ops::Operation& op, const ops::Backfill& o) {  // data; its column must be there
    DeclaredTable& t = table(op, o.table);
    if (!t.column(o.column))
      refuse(op, "the column " + o.table + "." + o.column + " does not exist at this point of the history");
  }
  void apply(const ops::Operation& op, const ops::Sql&) {
    refuse(op, "SQL cannot be folded without a database; the history is replayed into a scratch database instead");
  }

  DeclaredSchema& s_;
};

}  // namespace

const ops::Column* DeclaredTable::column(std::string_view column_name) const {
  for (const auto& c : columns)
    if (c.name == column_name) return &c;
  return nullptr;
}

const DeclaredTable* DeclaredSchema::table(std::string_view name) const {
  for (const auto& t : tables)
    if (t.name == name) return &t;
  return nullptr;
}

DeclaredTable* DeclaredSchema::table(std::string_view name) {
  for (auto& t : tables)
    if (t.name == name) return &t;
  return nullptr;
}

bool DeclaredSchema::unmanaged_table(std::string_view name) const {
  std::string n(name);
  return std::any_of(unmanaged.begin(), unmanaged.end(),
                     [&](const std::string& glob) { return fnmatch(glob.c_str(), n.c_str(), 0) == 0; });
}

DeclaredSchema normalize(DeclaredSchema schema) {
  for (auto& t : schema.tables) {
    for (auto& c : t.columns) {
      if (c.primary_key) {
        if (std::find(t.primary_key.begin(), t.primary_key.end(), c.name) == t.primary_key.end())
          t.primary_key.push_back(c.name);
        c.primary_key = false;
      }
      if (c.unique) {
        ops::UniqueConstraint u{"", {c.name}};
        if (!contains(t.uniques, u)) t.uniques.push_back(u);
        c.unique = false;
      }
    }
    for (auto& c : t.columns)
      if (std::find(t.primary_key.begin(), t.primary_key.end(), c.name) != t.primary_key.end()) c.nullable = false;
    auto by_key = [](const auto& a, const auto& b) { return key_of(a) < key_of(b); };
    std::sort(t.uniques.begin(), t.uniques.end(), by_key);
    std::sort(t.checks.begin(), t.checks.end(), by_key);
    std::sort(t.foreign_keys.begin(), t.foreign_keys.end(), by_key);
    std::sort(t.indexes.begin(), t.indexes.end(), by_key);
  }
  std::sort(schema.tables.begin(), schema.tables.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return schema;
}

void fold_into(DeclaredSchema& schema, const std::vector<ops::Operation>& operations) {
  Folder folder(schema);
  for (const auto& op : operations) folder.apply(op);
}

DeclaredSchema fold(const std::vector<ops::Operation>& operations, DeclaredSchema start) {
  fold_into(start, operations);
  return normalize(std::move(start));
}

void settle_types(DeclaredSchema& read, const DeclaredSchema& other) {
  for (auto& t : read.tables) {
    const DeclaredTable* o = other.table(t.name);
    if (!o) continue;
    for (auto& c : t.columns) {
      const ops::Column* oc = o->column(c.name);
      auto also = t.column_also.find(c.name);
      if (!oc || also == t.column_also.end() || o->column_native.count(c.name)) continue;
      if (std::find(also->second.begin(), also->second.end(), oc->type) == also->second.end()) continue;
      also->second.push_back(c.type);  // the type it had is one of the others now
      std::erase(also->second, oc->type);
      c.type = oc->type;
    }
  }
}

// -- The diff ---------------------------------------------------------------------------------

namespace {

class Differ {
 public:
  Differ(const DeclaredSchema& from, const DeclaredSchema& to, const DiffOptions& options)
      : from_(managed(from, to)), to_(managed(to, from)), options_(options) {
    exact_ = !from.from_database && !to.from_database;
    for (const auto* side : {&from, &to})
      for (const auto& n : side->notes)
        if (std::find(notes_.begin(), notes_.end(), n) == notes_.end()) notes_.push_back(n);
    if (!exact_)
      notes_.emplace_back("checks are not compared: one side was read from a database, whose catalog rewrites them");
  }

  Diff run() {
    renames();
    settle_types(from_, to_);
    settle_types(to_, from_);
    hints();
    for (const auto& t : to_.tables)
      if (const DeclaredTable* f = from_.table(t.name)) refuse_unportable(*f, t);
    drop_foreign_keys();
    drop_keys_and_indexes();
    create_tables();
    for (const auto& t : to_.tables)
      if (const DeclaredTable* f = from_.table(t.name); f && !created_.count(t.name)) change_columns(*f, t);
    add_keys_and_indexes();
    add_foreign_keys();
    drop_tables();
    // The operations, folded into `from`, must give `to`: anything else is a bug of the differ.
    if (std::string a = content(from_), b = content(to_); a != b)
      throw Error(ErrorKind::internal, "the generated operations do not produce the declared schema:\n  " + a +
                                           "\nagainst\n  " + b + "\nplease report this bug of strata");
    Diff d;
    d.up = std::move(up_);
    d.hints = std::move(hints_);
    d.notes = std::move(notes_);
    return d;
  }

 private:
  // Everything a comparison looks at, names left out.
  std::string content(const DeclaredSchema& schema) const {
    std::string out;
    for (const auto& t : normalize(schema).tables) {
      out += "table " + t.name + " (";
      std::vector<std::string> columns;
      for (const auto& c : t.columns) {
        std::string native = native_of(t, c.name);
        columns.push_back(c.name + " " + (native.empty() ? "" : native + " ") + column_text(c));
      }
      std::sort(columns.begin(), columns.end());
      out += join(columns) + "; primary key (" + join(t.primary_key) + ")";
      std::set<std::string> unique_keys;
      for (const auto& u : t.uniques) unique_keys.insert(key_of(u));
      for (const auto& i : t.indexes)
        if (i.unique) unique_keys.insert("unique (" + join(i.columns) + ")");
      for (const auto& k : unique_keys) out += "; " + k;
      if (exact_)
        for (const auto& c : t.checks) out += "; " + key_of(c);
      for (const auto& k : t.foreign_keys) out += "; " + key_of(k);
      for (const auto& i : t.indexes)
        if (!i.unique) out += "; " + key_of(i);
      out += ") ";
    }
    return out;
  }

  // Both sides without what either leaves unmanaged.
  static DeclaredSchema managed(const DeclaredSchema& schema, const DeclaredSchema& other) {
    DeclaredSchema out = normalize(schema);
    std::erase_if(out.tables, [&](const DeclaredTable& t) {
      return schema.unmanaged_table(t.name) || other.unmanaged_table(t.name);
    });
    return out;
  }

  void emit(ops::Change change) {
    ops::Operation op(std::move(change));
    Folder(from_).apply(op);  // `from_` follows the operations, so each step sees the schema as it then is
    up_.push_back(std::move(op));
  }

  // `renamed_from:` and --rename, where the old name is there and the new one is not.
  void renames() {
    std::map<std::string, std::string> tables = options_.table_renames;
    for (const auto& t : to_.tables)
      if (!t.renamed_from.empty()) tables.emplace(t.renamed_from, t.name);
    for (const auto& [old_name, new_name] : tables)
      if (from_.table(old_name) && !from_.table(new_name) && to_.table(new_name))
        emit(ops::RenameTable{old_name, new_name});
    for (const auto& t : to_.tables) {
      std::map<std::string, std::string> columns;
      if (auto it = options_.column_renames.find(t.name); it != options_.column_renames.end()) columns = it->second;
      for (const auto& [new_name, old_name] : t.column_renamed_from) columns.emplace(old_name, new_name);
      const DeclaredTable* f = from_.table(t.name);
      if (!f) continue;
      for (const auto& [old_name, new_name] : columns)
        if (f->column(old_name) && !f->column(new_name) && t.column(new_name)) {
          emit(ops::RenameColumn{t.name, old_name, new_name});
          f = from_.table(t.name);
        }
    }
  }

  // What looks like a rename is named, never guessed.
  void hints() {
    for (const auto& gone : from_.tables) {
      if (to_.table(gone.name)) continue;
      for (const auto& made : to_.tables)
        if (!from_.table(made.name) && same_columns(gone, made))
          hints_.push_back("table " + made.name + " has the columns of table " + gone.name +
                           ", which is dropped: if it was renamed, write `renamed_from: " + gone.name + "` on table " +
                           made.name + " (or --rename " + gone.name + "=" + made.name + "), and its rows are kept");
    }
    for (const auto& t : to_.tables) {
      const DeclaredTable* f = from_.table(t.name);
      if (!f) continue;
      for (const auto& gone : f->columns) {
        if (t.column(gone.name)) continue;
        for (const auto& made : t.columns)
          if (!f->column(made.name) && made.type == gone.type && made.nullable == gone.nullable)
            hints_.push_back("column " + t.name + "." + made.name + " (" + to_string(made.type) +
                             ") is added and column " + gone.name +
                             " of the same type is dropped: if it was renamed, write `renamed_from: " + gone.name +
                             "` on column " + made.name + " (or --rename " + t.name + "." + gone.name + "=" +
                             made.name + "), and its values are kept");
      }
    }
  }

  // The same column types, whatever the columns are called (a rename may rename columns too).
  static bool same_columns(const DeclaredTable& a, const DeclaredTable& b) {
    auto types = [](const DeclaredTable& t) {
      std::vector<std::string> out;
      for (const auto& c : t.columns) out.push_back(to_string(c.type));
      std::sort(out.begin(), out.end());
      return out;
    };
    return types(a) == types(b);
  }

  // A change no portable operation makes. (Auto-increment is not compared: not every catalog
  // reports it.)
  static void refuse_unportable(const DeclaredTable& from, const DeclaredTable& to) {
    auto fail = [&](const std::string& what) {
      throw Error(ErrorKind::validation, "table " + to.name + ": " + what +
                                             ": no portable operation makes this change; write it as a SQL migration");
    };
    if (from.primary_key != to.primary_key)
      fail("the primary key changes from (" + join(from.primary_key) + ") to (" + join(to.primary_key) + ")");
  }

  static const ops::ForeignKey* named(const DeclaredTable& table, const ops::ForeignKey& k, const char* what) {
    if (k.name.empty())
      throw Error(ErrorKind::validation, "table " + table.name + ": the " + key_of(k) + " must be " + what +
                                             ", and it has no name (it was created without one, so each database "
                                             "named it its own way): give it a name, or write a SQL migration");
    return &k;
  }

  void drop_foreign_keys() {
    for (const auto& f : std::vector<DeclaredTable>(from_.tables)) {
      const DeclaredTable* t = to_.table(f.name);
      for (const auto& k : f.foreign_keys) {
        if (t && contains(t->foreign_keys, k)) continue;
        // A dropped table's keys go with it, but for one that closes a cycle of dropped tables:
        // neither table could be dropped first.
        bool closes_cycle = k.references != f.name && !to_.table(k.references) && references(k.references, f.name);
        if (!t && !closes_cycle) continue;
        emit(ops::DropForeignKey{f.name, named(f, k, "dropped")->name, true});
      }
    }
  }

  // Whether table `from` (in the from-schema) has a foreign key to `to`.
  bool references(const std::string& from, const std::string& to) const {
    const DeclaredTable* t = from_.table(from);
    return t && std::any_of(t->foreign_keys.begin(), t->foreign_keys.end(),
                            [&](const auto& k) { return k.references == to; });
  }

  void drop_keys_and_indexes() {
    for (const auto& f : std::vector<DeclaredTable>(from_.tables)) {
      const DeclaredTable* t = to_.table(f.name);
      if (!t) continue;
      for (const auto& i : f.indexes)
        if (!has(*t, i)) emit(ops::DropIndex{f.name, name_or_fail(f, i.name, key_of(i)), true});
      for (const auto& u : f.uniques)
        if (!has(*t, u)) emit(ops::DropConstraint{f.name, name_or_fail(f, u.name, key_of(u)), true});
      if (exact_)
        for (const auto& c : f.checks)
          if (!contains(t->checks, c)) emit(ops::DropConstraint{f.name, name_or_fail(f, c.name, key_of(c)), true});
    }
  }

  static std::string name_or_fail(const DeclaredTable& t, const std::string& name, const std::string& what) {
    if (!name.empty()) return name;
    throw Error(ErrorKind::validation, "table " + t.name + ": the " + what +
                                           " must be dropped, and it has no name: give it one, or write a SQL "
                                           "migration");
  }

  // New tables, parents first; a foreign key to a table not created yet waits for add_foreign_key.
  void create_tables() {
    std::vector<const DeclaredTable*> pending;
    for (const auto& t : to_.tables)
      if (!from_.table(t.name)) pending.push_back(&t);
    while (!pending.empty()) {
      // The first table whose parents all exist; when none (a cycle), the first one.
      auto ready = std::find_if(pending.begin(), pending.end(), [&](const DeclaredTable* t) {
        return std::all_of(t->foreign_keys.begin(), t->foreign_keys.end(),
                           [&](const auto& k) { return k.references == t->name || from_.table(k.references); });
      });
      if (ready == pending.end()) ready = pending.begin();
      const DeclaredTable& t = **ready;
      pending.erase(ready);
      if (!t.column_native.empty()) refuse_native(t, t.column_native.begin()->first, t.column_native.begin()->second);
      created_.insert(t.name);
      ops::CreateTable c{t.name, t.columns, t.primary_key, {}, {}, {}, true};
      if (c.primary_key.size() == 1) {  // a one-column key on its column, where auto_increment belongs
        for (auto& column : c.columns)
          if (column.name == c.primary_key[0]) column.primary_key = true;
        c.primary_key.clear();
      }
      for (const auto& u : t.uniques) c.uniques.push_back(named_unique(t, u));
      if (exact_)
        for (const auto& check : t.checks) c.checks.push_back(named_check(t, check));
      for (const auto& k : t.foreign_keys) {
        if (k.references == t.name || from_.table(k.references))
          c.foreign_keys.push_back(named_key(t, k));
        else
          deferred_keys_.emplace_back(t.name, named_key(t, k));
      }
      emit(std::move(c));
      for (const auto& i : t.indexes)
        emit(ops::CreateIndex{t.name, i.name.empty() ? name_for("ix", t.name, i.columns) : i.name, i.columns, i.unique,
                              true});
    }
  }

  [[noreturn]] static void refuse_native(const DeclaredTable& t, const std::string& column, const std::string& native) {
    throw Error(ErrorKind::validation, "table " + t.name + ": column " + column + " has the type " + native +
                                           " on one side, which no portable type stands for: no portable operation "
                                           "creates or changes it; write that change as a SQL migration");
  }

  void change_columns(const DeclaredTable& f, const DeclaredTable& t) {
    for (const auto& c : t.columns) {
      const ops::Column* was = f.column(c.name);
      std::string native_was = native_of(f, c.name), native = native_of(t, c.name);
      if (!was) {
        if (!native.empty()) refuse_native(t, c.name, native);
        if (auto fill = t.column_backfill.find(c.name); fill != t.column_backfill.end()) {
          for (auto& step : ops::backfilled(ops::AddColumn{t.name, c, true}, fill->second)) emit(std::move(step));
          continue;
        }
        emit(ops::AddColumn{t.name, c, true});
        continue;
      }
      if (native_was != native) refuse_native(t, c.name, native.empty() ? native_was : native);
      if (same_column(*was, c)) continue;
      ops::AlterColumn a{t.name, c.name, {}, {}, {}};
      if (was->type != c.type && native.empty()) a.type = c.type;
      if (was->nullable != c.nullable) a.nullable = c.nullable;
      if (default_text(was->default_value) != default_text(c.default_value)) a.default_value.emplace(c.default_value);
      emit(std::move(a));
    }
    for (const auto& c : std::vector<ops::Column>(f.columns))
      if (!t.column(c.name)) emit(ops::DropColumn{t.name, c.name, true, false});
  }

  void add_keys_and_indexes() {
    for (const auto& t : to_.tables) {
      if (created_.count(t.name)) continue;
      const DeclaredTable* f = from_.table(t.name);
      for (const auto& u : t.uniques)
        if (!has(*f, u)) emit(ops::AddUnique{t.name, named_unique(t, u), true});
      if (exact_)
        for (const auto& c : t.checks)
          if (!contains(f->checks, c)) emit(ops::AddCheck{t.name, named_check(t, c), true});
      for (const auto& i : t.indexes)
        if (!has(*f, i))
          emit(ops::CreateIndex{t.name, i.name.empty() ? name_for("ix", t.name, i.columns) : i.name, i.columns,
                                i.unique, true});
    }
  }

  void add_foreign_keys() {
    for (auto& [table, key] : deferred_keys_) emit(ops::AddForeignKey{table, key, true});
    for (const auto& t : to_.tables) {
      if (created_.count(t.name)) continue;
      const DeclaredTable* f = from_.table(t.name);
      for (const auto& k : t.foreign_keys)
        if (!contains(f->foreign_keys, k)) emit(ops::AddForeignKey{t.name, named_key(t, k), true});
    }
  }

  // Dropped tables, children first: a table still referenced by another dropped table waits.
  void drop_tables() {
    std::vector<std::string> pending;
    for (const auto& f : from_.tables)
      if (!to_.table(f.name)) pending.push_back(f.name);
    while (!pending.empty()) {
      auto ready = std::find_if(pending.begin(), pending.end(), [&](const std::string& name) {
        return std::none_of(pending.begin(), pending.end(),
                            [&](const std::string& other) { return other != name && references(other, name); });
      });
      if (ready == pending.end()) ready = pending.begin();
      std::string name = *ready;
      pending.erase(ready);
      emit(ops::DropTable{name, true, false});
    }
  }

  DeclaredSchema from_, to_;
  const DiffOptions& options_;
  bool exact_ = true;
  std::vector<ops::Operation> up_;
  std::vector<std::string> hints_, notes_;
  std::set<std::string> created_;
  std::vector<std::pair<std::string, ops::ForeignKey>> deferred_keys_;
};

DiffOptions reversed(const DiffOptions& options, const DeclaredSchema& to) {
  DiffOptions r;
  std::map<std::string, std::string> tables = options.table_renames;
  for (const auto& t : to.tables)
    if (!t.renamed_from.empty()) tables.emplace(t.renamed_from, t.name);
  for (const auto& [old_name, new_name] : tables) r.table_renames[new_name] = old_name;
  for (const auto& t : to.tables) {
    std::map<std::string, std::string> columns;
    if (auto it = options.column_renames.find(t.name); it != options.column_renames.end()) columns = it->second;
    for (const auto& [new_name, old_name] : t.column_renamed_from) columns.emplace(old_name, new_name);
    std::string old_table = t.renamed_from.empty() ? t.name : t.renamed_from;
    for (const auto& [old_name, new_name] : columns) r.column_renames[old_table][new_name] = old_name;
  }
  return r;
}

}  // namespace

Diff diff(const DeclaredSchema& from, const DeclaredSchema& to_declared, const DiffOptions& options) {
  // What the up creates without a name gets the generator's, so that the down drops it by name.
  DeclaredSchema to = to_declared;
  for (auto& t : to.tables) {
    for (auto& u : t.uniques) u = named_unique(t, u);
    for (auto& c : t.checks) c = named_check(t, c);
    for (auto& k : t.foreign_keys) k = named_key(t, k);
    for (auto& i : t.indexes)
      if (i.name.empty()) i.name = name_for("ix", t.name, i.columns);
  }
  Diff d = Differ(from, to, options).run();
  if (d.up.empty()) return d;
  DeclaredSchema back = to;
  for (auto& t : back.tables) {  // `to` as a from-schema: its renames are the reversed options' business
    t.renamed_from.clear();
    t.column_renamed_from.clear();
  }
  try {
    d.down = Differ(back, from, reversed(options, to)).run().up;
  } catch (const Error& e) {  // an up with no portable inverse (a native column dropped) has no down
    if (e.kind() == ErrorKind::internal) throw;
    d.notes.push_back("no down is written: " + e.message());
  }
  return d;
}

DeclaredSchema read_declared_schema(const std::filesystem::path& path) {
  namespace fs = std::filesystem;
  auto read = [](const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw Error(ErrorKind::usage, "cannot read the declared schema " + file.string());
    std::ostringstream text;
    text << in.rdbuf();
    return parse_declared_schema(text.str(), file.string());
  };
  std::error_code ec;
  if (!fs::is_directory(path, ec)) {
    if (!fs::exists(path, ec))
      throw Error(ErrorKind::usage, "the declared schema " + path.string() + " does not exist");
    return read(path);
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(path))
    if (entry.is_regular_file() && (entry.path().extension() == ".yaml" || entry.path().extension() == ".yml"))
      files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  if (files.empty())
    throw Error(ErrorKind::usage, "the declared schema directory " + path.string() + " holds no .yaml file");
  DeclaredSchema merged;
  merged.source = path.string();
  for (const auto& file : files) {
    DeclaredSchema part = read(file);
    for (auto& t : part.tables) {
      if (merged.table(t.name)) {
        Error e(ErrorKind::validation, "the table " + t.name + " is declared twice in " + path.string());
        e.in_file(file.string());
        if (t.line > 0) e.at_line(t.line);
        throw e;
      }
      merged.tables.push_back(std::move(t));
    }
    merged.unmanaged.insert(merged.unmanaged.end(), part.unmanaged.begin(), part.unmanaged.end());
  }
  return normalize(std::move(merged));
}

}  // namespace strata
