// Rendering portable operations into a backend's SQL: the driver's half of the contract.
//
// The core decides whether an operation runs (its guard reads the Catalog: an object already
// there is skipped, or reported as drift when its shape differs); a Renderer only says which
// statements apply it. SqlRenderer writes standard SQL through the Dialect (quoting, types);
// a driver derives from it and overrides what its backend spells differently, and says per
// operation what it can do at all: strata refuses a migration with an operation the backend
// cannot apply before anything runs.
#pragma once

#include <strata/driver.hpp>
#include <strata/export.hpp>
#include <strata/operations.hpp>

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace strata {

// One statement to run, with its bound parameters (seed data is never spliced into SQL). A
// check is a query whose answer decides: `no_rows` fails when it returns any row (SQLite's
// foreign_key_check), `ok` unless it returns the single value "ok" (integrity_check); the
// failure names `what` and the rows found.
//
// Where a migration runs step by step on a backend with transactional DDL (a migration holding a
// backfill), each operation's statements run in a transaction of their own, so that a kill never
// leaves half an operation (half a SQLite table rebuild). `commit` (no SQL) marks a point where the
// statements before it may commit on their own: the core commits there and begins anew, so that a
// long statement after it holds no lock taken before (PostgreSQL's validated NOT NULL). The
// statements between two points must converge when run again. Where the migration runs in one
// transaction, the point is ignored.
struct RenderedStatement {
  enum class Check { none, no_rows, ok, commit };
  RenderedStatement() = default;
  RenderedStatement(std::string text, std::vector<Value> values = {}, Check check_by = Check::none,
                    std::string failure = {})
      : sql(std::move(text)), params(std::move(values)), check(check_by), what(std::move(failure)) {}

  std::string sql;
  std::vector<Value> params;
  Check check = Check::none;
  std::string what;  // for a check: what a failure means ("foreign keys broken by rebuilding t")
};

// One of a backend's built-in types, by name without sizes in lower case ("varchar", "double
// precision", "int unsigned"), and a portable type it stands for (a name may be listed with
// several); the sizes come from the native spelling: CHAR(36) is string(36).
struct NativeType {
  std::string_view name;
  PortableType type;
};

class STRATA_API OperationRenderer {
 public:
  virtual ~OperationRenderer();
  // Whether this renderer knows the operation `name` ("add_column") at all: by default, every
  // operation of the SDK the driver was compiled against (inline, so the answer is the
  // plugin's own). The core asks before anything else and passes a renderer only operations it
  // knows; a migration using one it does not know is refused before anything runs, naming the
  // operation and the driver (an older plugin, a newer strata).
  virtual bool knows(std::string_view name) const { return ops::is_operation(name); }
  // Whether this backend can apply this operation (it may look at its fields).
  virtual bool supports(const ops::Operation& op) const = 0;
  // The statements that apply `op`. The catalog shows the schema as it is at that moment (a
  // rebuild reads the table it rebuilds). Throws Error(apply_failed) when it cannot.
  virtual std::vector<RenderedStatement> render(const ops::Operation& op, Catalog& catalog) const = 0;
  // Whether a column the catalog reports has the portable type `type` on this backend (types
  // that map many-to-one compare equal).
  virtual bool same_type(const ColumnType& type, const ColumnInfo& column) const = 0;
  // Whether a column the catalog reports has the default `declared` (nullopt: none), however the
  // backend spells it ('a'::character varying, current_timestamp(3), 1 for TRUE).
  virtual bool same_default(const std::optional<ops::Default>& declared, const ColumnInfo& column) const = 0;
  // Statements a migration of these operations needs outside its transaction, before it begins
  // and after it ends whatever the outcome (SQLite: foreign keys off around a table rebuild,
  // since the pragma does nothing inside a transaction).
  virtual std::vector<std::string> before_transaction(std::span<const ops::Operation> operations) const;
  virtual std::vector<std::string> after_transaction(std::span<const ops::Operation> operations) const;
};

// Standard SQL through a Dialect; a base for drivers.
class STRATA_API SqlRenderer : public OperationRenderer {
 public:
  explicit SqlRenderer(const Dialect& dialect) : dialect_(dialect) {}
  bool supports(const ops::Operation& op) const override;
  std::vector<RenderedStatement> render(const ops::Operation& op, Catalog& catalog) const override;
  bool same_type(const ColumnType& type, const ColumnInfo& column) const override;
  bool same_default(const std::optional<ops::Default>& declared, const ColumnInfo& column) const override;
  // A default as compared: casts, outer parentheses and letter case outside quotes gone; the
  // current time one spelling; a quoted number or boolean unquoted; TRUE and FALSE as 1 and 0;
  // NULL as none ("").
  static std::string comparable_default(std::string_view sql);

 protected:
  const Dialect& dialect() const { return dialect_; }
  std::string q(std::string_view identifier) const { return dialect_.quote_identifier(identifier); }
  std::string names(const std::vector<std::string>& identifiers) const;  // "a", "b"
  // A type name as compared: upper case, no spaces ("VARCHAR (32)" -> "VARCHAR(32)").
  static std::string compact_upper(std::string_view text);
  // Whether `native` (as a catalog spells it) is `type` by the backend's `table`: for a string,
  // the lengths agree (a native without a length is a string without one, that is text); for a
  // decimal, precision and scale agree.
  static bool stands_for(const ColumnType& type, std::string_view native, std::span<const NativeType> table);
  // A literal for DDL (a DEFAULT), where no parameter can be bound: strings quoted and escaped.
  virtual std::string literal(const ops::Literal& value) const;
  virtual std::string default_sql(const ops::Default& value) const;
  // `"name" TYPE NOT NULL DEFAULT x PRIMARY KEY ...` as in CREATE TABLE and ADD COLUMN.
  virtual std::string column_definition(const ops::Column& column) const;
  virtual std::string foreign_key_clause(const ops::ForeignKey& key) const;
  virtual std::vector<RenderedStatement> create_table(const ops::CreateTable& op) const;
  virtual std::vector<RenderedStatement> drop_index(const ops::DropIndex& op) const;
  virtual std::vector<RenderedStatement> insert_rows(const ops::InsertRows& op, Catalog& catalog) const;
  // The marker of bound parameter `index` where it stands for a value of `column` (nullptr when
  // the catalog does not know it): a backend that cannot infer a parameter's type casts it.
  virtual std::string bound_value(int index, const ColumnInfo* column) const;
  // What follows `SELECT <values>` when it reads no table (" FROM DUAL" on MySQL).
  virtual std::string from_no_table() const { return ""; }
  // Whether the server has its own IF [NOT] EXISTS for the operation `name` ("add_column");
  // the clause is then added to a guarded operation, so that a session racing the guard cannot
  // make it fail. create_table and drop_table by default.
  virtual bool native_if_exists(std::string_view name) const;
  // " IF NOT EXISTS" / " IF EXISTS" when `flag` is set and the server has it for `op`.
  std::string if_clause(const ops::Operation& op, bool flag, const char* clause) const;
  // The SQL a sql operation holds for this dialect, split into statements.
  std::vector<RenderedStatement> sql(const ops::Sql& op) const;

 private:
  const Dialect& dialect_;
};

}  // namespace strata
