// Portable operations: schema changes written once, which each driver renders into its own SQL.
//
// A portable migration is a list of operations, written in YAML (V8__x.yaml, see
// docs/operations.md) or with the builder below for a MigrationSet:
//
//   using namespace strata::ops;
//   set.operations("V8__add_runbook_version", {
//       add_column("runbook_executions", column("runbook_version").integer().not_null().default_(1)).if_missing(),
//       create_index("runbook_executions", "ix_runbook_status", {"status"}).if_missing(),
//   });
//
// Both forms give the same model and the same checksum, which is taken over a canonical
// serialisation of the operations (canonical_text), never over rendered SQL: a driver that
// renders differently after an upgrade does not make an applied migration look edited.
//
// Before each operation runs, strata reads the catalog. `if_missing` (`if_exists` for drops)
// makes an operation whose object is already there (already gone) a no-op, so a re-run
// converges; an object there with another shape (a column of another type or nullability, an
// index over other columns) is drift: reported, and an error with --strict. Without the flag,
// an object already there (already gone) is an error naming the operation, before it runs.
//
// The plugin ABI (see <strata/plugin/sdk.hpp>): operations reach a driver's renderer as these
// types, and are known across the boundary by name (`operation`), never by their index in Change.
// So that a compiled plugin keeps working when strata learns an operation or a field:
//   - a new operation is appended to Change, no larger than CreateTable (checked below); the
//     core asks the renderer whether it knows it (OperationRenderer::knows, by name) before
//     passing it, and refuses a migration that uses it with an older plugin, naming both;
//   - a new field is appended to its struct, and its default means what the operation meant
//     before; a field that asks more of a renderer is a new operation, or a name of its own
//     that the renderer must know ("create_index.concurrently").
// Anything else (reordering, removing, changing a field's type) raises STRATA_PLUGIN_ABI_VERSION.
#pragma once

#include <strata/export.hpp>
#include <strata/types.hpp>

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

namespace strata::ops {

// A default or a seed value. Booleans are kept apart from integers so that each backend writes
// its own TRUE/FALSE.
using Literal = std::variant<std::nullptr_t, bool, std::int64_t, double, std::string>;

struct Default {
  enum class Kind { literal, current_timestamp };
  Kind kind = Kind::literal;
  Literal value;  // for Kind::literal
};

enum class Action { no_action, restrict, cascade, set_null, set_default };
STRATA_API const char* to_sql(Action action);  // "NO ACTION", "CASCADE", ...

struct Column {
  std::string name;
  ColumnType type;
  bool nullable = true;
  std::optional<Default> default_value;
  bool primary_key = false;     // a one-column primary key (create_table)
  bool auto_increment = false;  // with primary_key: the database numbers new rows
  bool unique = false;
};

struct ForeignKey {
  std::string name;  // "" lets the database name it (create_table only)
  std::vector<std::string> columns;
  std::string references;  // the referenced table
  std::vector<std::string> referenced_columns;
  Action on_delete = Action::no_action;
  Action on_update = Action::no_action;
};

struct UniqueConstraint {
  std::string name;
  std::vector<std::string> columns;
};

struct CheckConstraint {
  std::string name;
  std::string expression;  // SQL every backend of the project understands
};

struct CreateTable {
  static constexpr std::string_view operation = "create_table";
  std::string table;
  std::vector<Column> columns;
  std::vector<std::string> primary_key;  // a composite key; or mark one column primary
  std::vector<UniqueConstraint> uniques;
  std::vector<CheckConstraint> checks;
  std::vector<ForeignKey> foreign_keys;
  bool if_missing = false;
};
struct DropTable {
  static constexpr std::string_view operation = "drop_table";
  std::string table;
  bool if_exists = false;
  // Refused at apply time, naming the row count, when the table holds a row (checked by the
  // core before the renderer is asked; the renderer never sees the difference).
  bool require_empty = false;
};
struct RenameTable {
  static constexpr std::string_view operation = "rename_table";
  std::string table;
  std::string to;
};
struct AddColumn {
  static constexpr std::string_view operation = "add_column";
  std::string table;
  Column column;
  bool if_missing = false;
};
struct DropColumn {
  static constexpr std::string_view operation = "drop_column";
  std::string table;
  std::string column;
  bool if_exists = false;
  bool require_empty = false;  // refused at apply time when a row holds a value in the column
};
struct RenameColumn {
  static constexpr std::string_view operation = "rename_column";
  std::string table;
  std::string column;
  std::string to;
};
// Changes what is given; leaves the rest of the column as it is.
struct AlterColumn {
  static constexpr std::string_view operation = "alter_column";
  std::string table;
  std::string column;
  std::optional<ColumnType> type;
  std::optional<bool> nullable;
  std::optional<std::optional<Default>> default_value;  // a new default, or nullopt inside to drop it
};
struct CreateIndex {
  static constexpr std::string_view operation = "create_index";
  std::string table;
  std::string name;
  std::vector<std::string> columns;
  bool unique = false;
  bool if_missing = false;
};
struct DropIndex {
  static constexpr std::string_view operation = "drop_index";
  std::string table;
  std::string name;
  bool if_exists = false;
};
struct AddForeignKey {
  static constexpr std::string_view operation = "add_foreign_key";
  std::string table;
  ForeignKey key;  // named
  bool if_missing = false;
};
struct DropForeignKey {
  static constexpr std::string_view operation = "drop_foreign_key";
  std::string table;
  std::string name;
  bool if_exists = false;
};
struct AddUnique {
  static constexpr std::string_view operation = "add_unique";
  std::string table;
  UniqueConstraint constraint;
  bool if_missing = false;
};
struct AddCheck {
  static constexpr std::string_view operation = "add_check";
  std::string table;
  CheckConstraint constraint;
  bool if_missing = false;
};
// Drops a unique or check constraint by name.
struct DropConstraint {
  static constexpr std::string_view operation = "drop_constraint";
  std::string table;
  std::string name;
  bool if_exists = false;
};
// Seed data. With `key`, a row whose key columns match an existing row is left alone
// (if_missing by key); without, every row is inserted.
struct InsertRows {
  static constexpr std::string_view operation = "insert_rows";
  std::string table;
  std::vector<std::string> columns;
  std::vector<std::vector<Literal>> rows;
  std::vector<std::string> key;
};
// The escape hatch: SQL per dialect ("sqlite", "postgres", "mysql", ...); a dialect with no
// entry refuses the migration before anything runs.
struct Sql {
  static constexpr std::string_view operation = "sql";
  std::map<std::string, std::string> by_dialect;
};
// Sets `column` to `value` in every row where it is NULL, in batches of `batch_size` rows each
// committed on its own (the core runs the rendered UPDATE again until it changes no row). What
// YAML's `add_column ... backfill: <value>` is read into, between the add (nullable) and the
// alter_column that sets NOT NULL; a migration holding one runs outside a single transaction,
// with its progress recorded, on every backend. Idempotent: a re-run updates what is still NULL.
struct Backfill {
  static constexpr std::string_view operation = "backfill";
  std::string table;
  std::string column;
  Literal value;
  int batch_size = 10'000;
};

using Change = std::variant<CreateTable, DropTable, RenameTable, AddColumn, DropColumn, RenameColumn, AlterColumn,
                            CreateIndex, DropIndex, AddForeignKey, DropForeignKey, AddUnique, AddCheck, DropConstraint,
                            InsertRows, Sql, Backfill>;

// Every operation's name, in the order of Change. Built from the alternatives: an operation
// without a name does not compile, and no list elsewhere can fall out of step with Change.
template <class>
struct NamesOf;
template <class... T>
struct NamesOf<std::variant<T...>> {
  static constexpr std::array<std::string_view, sizeof...(T)> names{T::operation...};
  // An operation added later keeps the layout a compiled plugin knows: no larger than the
  // largest (so the variant's storage does not grow), and appended after the others.
  static constexpr bool fits = ((sizeof(T) <= sizeof(CreateTable)) && ...);
};
inline constexpr auto operation_names = NamesOf<Change>::names;
static_assert(NamesOf<Change>::fits, "a new operation must be no larger than CreateTable (see the plugin ABI rules)");
static_assert(std::variant_size_v<Change> < 255);

// Whether `name` is an operation of the SDK this code was compiled against. Inline on purpose:
// a plugin keeps the answer of the SDK it was built with (see OperationRenderer::knows).
inline bool is_operation(std::string_view name) {
  for (auto known : operation_names)
    if (known == name) return true;
  return false;
}

// One operation and where it was written.
struct Operation {
  Change change;
  int line = 0;  // in its YAML file; 0 for the builder
  int column = 0;

  Operation(Change c) : change(std::move(c)) {}  // NOLINT: the builder's operations convert
  Operation(Change c, int at_line, int at_column) : change(std::move(c)), line(at_line), column(at_column) {}

  // The operation's name as written in YAML: "add_column".
  STRATA_API std::string name() const;
  // "add_column runbook_executions.runbook_version": what messages and events call it.
  STRATA_API std::string summary() const;
};

// A portable migration's operations, and its undo when written out (`down:`). `allow`: the lint
// findings (codes, see <strata/lint.hpp>) its author accepts (`allow: [drop-column]`); not part
// of the checksum, which covers what runs.
struct Script {
  std::vector<Operation> up;
  std::optional<std::vector<Operation>> down;
  std::vector<std::string> allow{};
};

// One line per operation, fields in a fixed order, strings quoted: what the checksum covers.
STRATA_API std::string canonical_text(const std::vector<Operation>& operations);
STRATA_API std::string checksum(const Script& script);

// The undo of `up`, derived where the inverse is exact (create_table, add_column, create_index,
// renames, add_foreign_key, add_unique, add_check), in reverse order; nullopt naming the first
// operation that has none (a drop loses what it dropped, an alter_column the old shape, sql
// and insert_rows cannot be reversed from the model).
struct DerivedUndo {
  std::optional<std::vector<Operation>> operations;
  std::string missing;  // why not, naming the operation
};
STRATA_API DerivedUndo derive_undo(const std::vector<Operation>& up);

// What `add_column ... backfill: <value>` stands for (in a migration, and where the generator adds
// a column whose schema.yaml says `backfill:`): the column added nullable (if_missing), the
// backfill, then, for a NOT NULL column, alter_column setting NOT NULL. Each step guarded and
// recorded on its own.
STRATA_API std::vector<Change> backfilled(AddColumn add, Literal value);

// Reads a portable migration from YAML text. Throws Error(validation) naming `file`, line and
// column for anything that is not a well-formed operation list.
STRATA_API Script parse_yaml(const std::string& text, const std::string& file);

// -- The builder, for MigrationSet::operations ----------------------------------------------

// column("id").bigint().primary_key().auto_increment(), column("status").string(32).not_null().default_("new")
class ColumnBuilder {
 public:
  explicit ColumnBuilder(std::string name) { c_.name = std::move(name); }
  ColumnBuilder& type(ColumnType t) {
    c_.type = t;
    return *this;
  }
  ColumnBuilder& boolean() { return type({PortableType::boolean}); }
  ColumnBuilder& smallint() { return type({PortableType::smallint}); }
  ColumnBuilder& integer() { return type({PortableType::integer}); }
  ColumnBuilder& bigint() { return type({PortableType::bigint}); }
  ColumnBuilder& real() { return type({PortableType::real}); }
  ColumnBuilder& double_precision() { return type({PortableType::double_precision}); }
  ColumnBuilder& decimal(int precision, int scale) { return type({PortableType::decimal, 0, precision, scale}); }
  ColumnBuilder& string(int length = 0) { return type({PortableType::string, length}); }
  ColumnBuilder& text() { return type({PortableType::text}); }
  ColumnBuilder& binary() { return type({PortableType::binary}); }
  ColumnBuilder& date() { return type({PortableType::date}); }
  ColumnBuilder& time() { return type({PortableType::time}); }
  ColumnBuilder& timestamp() { return type({PortableType::timestamp}); }
  ColumnBuilder& timestamptz() { return type({PortableType::timestamptz}); }
  ColumnBuilder& uuid() { return type({PortableType::uuid}); }
  ColumnBuilder& json() { return type({PortableType::json}); }
  ColumnBuilder& not_null() {
    c_.nullable = false;
    return *this;
  }
  ColumnBuilder& default_(Literal value) {
    c_.default_value = Default{Default::Kind::literal, std::move(value)};
    return *this;
  }
  ColumnBuilder& default_(const char* value) { return default_(Literal(std::string(value))); }
  ColumnBuilder& default_(int value) { return default_(Literal(static_cast<std::int64_t>(value))); }
  ColumnBuilder& default_now() {
    c_.default_value = Default{Default::Kind::current_timestamp, nullptr};
    return *this;
  }
  ColumnBuilder& primary_key() {
    c_.primary_key = true;
    c_.nullable = false;
    return *this;
  }
  ColumnBuilder& auto_increment() {
    c_.auto_increment = true;
    return *this;
  }
  ColumnBuilder& unique() {
    c_.unique = true;
    return *this;
  }
  operator Column() const { return c_; }  // NOLINT: a builder stands for its column

 private:
  Column c_;
};
inline ColumnBuilder column(std::string name) {
  return ColumnBuilder(std::move(name));
}

// An operation being built; converts to the Operation. The guard flags exist only on the
// operations that have them.
template <class T>
struct Builder {
  T change;
  Builder& if_missing() requires requires(T t) { t.if_missing; }
  {
    change.if_missing = true;
    return *this;
  }
  Builder& if_exists() requires requires(T t) { t.if_exists; }
  {
    change.if_exists = true;
    return *this;
  }
  // drop_table, drop_column: refused at apply time while there is data to lose
  Builder& require_empty() requires requires(T t) { t.require_empty; }
  {
    change.require_empty = true;
    return *this;
  }
  // create_index
  Builder& unique() requires std::is_same_v<T, CreateIndex> {
    change.unique = true;
    return *this;
  }
  // add_foreign_key
  Builder& on_delete(Action a) requires std::is_same_v<T, AddForeignKey> {
    change.key.on_delete = a;
    return *this;
  }
  Builder& on_update(Action a) requires std::is_same_v<T, AddForeignKey> {
    change.key.on_update = a;
    return *this;
  }
  // alter_column
  Builder& type(ColumnType t) requires std::is_same_v<T, AlterColumn> {
    change.type = t;
    return *this;
  }
  Builder& not_null() requires std::is_same_v<T, AlterColumn> {
    change.nullable = false;
    return *this;
  }
  Builder& null() requires std::is_same_v<T, AlterColumn> {
    change.nullable = true;
    return *this;
  }
  Builder& default_(Literal v) requires std::is_same_v<T, AlterColumn> {
    change.default_value = std::optional<Default>(Default{Default::Kind::literal, std::move(v)});
    return *this;
  }
  Builder& drop_default() requires std::is_same_v<T, AlterColumn> {
    change.default_value = std::optional<Default>();
    return *this;
  }
  // insert_rows: rows whose `key` columns match an existing row are left alone
  Builder& by_key(const std::vector<std::string>& key) requires std::is_same_v<T, InsertRows> {
    change.key = key;
    return *this;
  }
  operator Operation() const { return Operation(change); }  // NOLINT: a builder stands for its operation
};

inline Builder<CreateTable> create_table(std::string table, std::vector<Column> columns) {
  return {CreateTable{std::move(table), std::move(columns), {}, {}, {}, {}, false}};
}
inline Builder<DropTable> drop_table(std::string table) {
  return {DropTable{std::move(table), false, false}};
}
inline Builder<RenameTable> rename_table(std::string table, std::string to) {
  return {RenameTable{std::move(table), std::move(to)}};
}
inline Builder<AddColumn> add_column(std::string table, Column c) {
  return {AddColumn{std::move(table), std::move(c), false}};
}
inline Builder<DropColumn> drop_column(std::string table, std::string c) {
  return {DropColumn{std::move(table), std::move(c), false, false}};
}
inline Builder<Backfill> backfill(std::string table, std::string c, Literal value) {
  return {Backfill{std::move(table), std::move(c), std::move(value)}};
}
inline Builder<RenameColumn> rename_column(std::string table, std::string c, std::string to) {
  return {RenameColumn{std::move(table), std::move(c), std::move(to)}};
}
inline Builder<AlterColumn> alter_column(std::string table, std::string c) {
  return {AlterColumn{std::move(table), std::move(c), {}, {}, {}}};
}
inline Builder<CreateIndex> create_index(std::string table, std::string name, std::vector<std::string> columns) {
  return {CreateIndex{std::move(table), std::move(name), std::move(columns), false, false}};
}
inline Builder<DropIndex> drop_index(std::string table, std::string name) {
  return {DropIndex{std::move(table), std::move(name), false}};
}
inline Builder<AddForeignKey> add_foreign_key(std::string table, std::string name, std::vector<std::string> columns,
                                              std::string references, std::vector<std::string> referenced_columns) {
  return {AddForeignKey{std::move(table),
                        ForeignKey{std::move(name), std::move(columns), std::move(references),
                                   std::move(referenced_columns), Action::no_action, Action::no_action},
                        false}};
}
inline Builder<DropForeignKey> drop_foreign_key(std::string table, std::string name) {
  return {DropForeignKey{std::move(table), std::move(name), false}};
}
inline Builder<AddUnique> add_unique(std::string table, std::string name, std::vector<std::string> columns) {
  return {AddUnique{std::move(table), UniqueConstraint{std::move(name), std::move(columns)}, false}};
}
inline Builder<AddCheck> add_check(std::string table, std::string name, std::string expression) {
  return {AddCheck{std::move(table), CheckConstraint{std::move(name), std::move(expression)}, false}};
}
inline Builder<DropConstraint> drop_constraint(std::string table, std::string name) {
  return {DropConstraint{std::move(table), std::move(name), false}};
}
inline Builder<InsertRows> insert_rows(std::string table, std::vector<std::string> columns,
                                       std::vector<std::vector<Literal>> rows) {
  return {InsertRows{std::move(table), std::move(columns), std::move(rows), {}}};
}
inline Builder<Sql> sql(std::map<std::string, std::string> by_dialect) {
  return {Sql{std::move(by_dialect)}};
}

}  // namespace strata::ops
