#include "overloaded.hpp"

#include "portable.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>

namespace strata::detail {
namespace {

using Outcome = GuardDecision::Outcome;

GuardDecision apply() {
  return {Outcome::apply, ""};
}
GuardDecision done(std::string why) {
  return {Outcome::already_done, std::move(why)};
}
GuardDecision drift(std::string why) {
  return {Outcome::drift, std::move(why)};
}

[[noreturn]] void cannot(const ops::Operation& op, const std::string& why) {
  throw Error(ErrorKind::apply_failed, op.summary() + ": " + why);
}

std::optional<IndexInfo> find_index(Catalog& catalog, const std::string& table, const std::string& name) {
  for (auto& i : catalog.indexes(table))
    if (i.name == name) return i;
  return std::nullopt;
}

std::string shape_of(const ColumnInfo& c) {
  return (c.type.empty() ? std::string("no declared type") : c.type) + (c.nullable ? ", nullable" : ", not null") +
         (c.default_sql && !SqlRenderer::comparable_default(*c.default_sql).empty() ? ", default " + *c.default_sql
                                                                                    : ", no default");
}
std::string shape_of(const ops::Column& c) {
  std::string text = to_string(c.type) + (c.nullable ? ", nullable" : ", not null");
  if (c.auto_increment) return text;
  if (!c.default_value) return text + ", no default";
  if (c.default_value->kind == ops::Default::Kind::current_timestamp) return text + ", default current_timestamp";
  return text + ", default " +
         std::visit(
             [](const auto& v) -> std::string {
               using T = std::decay_t<decltype(v)>;
               if constexpr (std::is_same_v<T, std::nullptr_t>)
                 return "null";
               else if constexpr (std::is_same_v<T, bool>)
                 return v ? "true" : "false";
               else if constexpr (std::is_same_v<T, std::string>)
                 return "'" + v + "'";
               else
                 return std::to_string(v);
             },
             c.default_value->value);
}

// "" when the column the database has matches the one declared; otherwise how it differs.
std::string column_difference(const ops::Column& declared, const ColumnInfo& actual, const OperationRenderer& r) {
  // A primary key is never null, whatever a catalog says (SQLite reports its rowid alias as
  // nullable).
  bool same_nullability = declared.nullable == actual.nullable || (declared.primary_key && actual.primary_key);
  // An auto-increment key's numbering is the backend's own (a sequence, AUTO_INCREMENT): not a default.
  bool same_default = declared.auto_increment || r.same_default(declared.default_value, actual);
  if (r.same_type(declared.type, actual) && same_nullability && same_default) return "";
  return "the column " + declared.name + " exists as " + shape_of(actual) + ", but the migration declares " +
         shape_of(declared);
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::optional<ConstraintInfo> find_constraint(Catalog& catalog, const std::string& table, const std::string& name) {
  for (auto& c : catalog.constraints(table))
    if (c.name == name) return c;
  return std::nullopt;
}

const char* kind_name(ConstraintInfo::Kind kind) {
  switch (kind) {
    case ConstraintInfo::Kind::primary_key: return "primary key";
    case ConstraintInfo::Kind::unique: return "unique constraint";
    case ConstraintInfo::Kind::check: return "check constraint";
    case ConstraintInfo::Kind::foreign_key: return "foreign key";
  }
  return "constraint";
}

void require_table(const ops::Operation& op, Catalog& catalog, const std::string& table) {
  if (!catalog.table_exists(table)) cannot(op, "the table " + table + " does not exist");
}

// The columns of a table the operation needs: one catalog read where the table is there (a
// table with no columns at all is then asked about again).
std::vector<ColumnInfo> table_columns(const ops::Operation& op, Catalog& catalog, const std::string& table) {
  auto columns = catalog.columns(table);
  if (columns.empty()) require_table(op, catalog, table);
  return columns;
}

std::optional<ColumnInfo> named(const std::vector<ColumnInfo>& columns, const std::string& name) {
  for (const auto& c : columns)
    if (c.name == name) return c;
  return std::nullopt;
}

}  // namespace

GuardDecision guard(const ops::Operation& op, Catalog& catalog, const OperationRenderer& renderer) {
  using namespace ops;
  return std::visit(
      overloaded{
          [&](const CreateTable& o) {
            if (!catalog.table_exists(o.table)) return apply();
            if (!o.if_missing) cannot(op, "the table already exists (if_missing: true accepts it when it matches)");
            auto columns = catalog.columns(o.table);
            for (const auto& declared : o.columns) {
              auto it = std::find_if(columns.begin(), columns.end(), [&](auto& c) { return c.name == declared.name; });
              if (it == columns.end())
                return drift("the table " + o.table + " exists without the column " + declared.name);
              if (auto d = column_difference(declared, *it, renderer); !d.empty()) return drift(d);
            }
            return done("the table " + o.table + " already exists");
          },
          [&](const DropTable& o) {
            if (catalog.table_exists(o.table)) return apply();
            if (!o.if_exists) cannot(op, "the table does not exist (if_exists: true accepts that)");
            return done("the table " + o.table + " does not exist");
          },
          [&](const RenameTable& o) {
            bool from = catalog.table_exists(o.table), to = catalog.table_exists(o.to);
            if (from && !to) return apply();
            if (!from && to) return done("the table is already called " + o.to);
            cannot(op, from ? "both " + o.table + " and " + o.to + " exist"
                            : "neither " + o.table + " nor " + o.to + " exists");
          },
          [&](const AddColumn& o) {
            auto existing = named(table_columns(op, catalog, o.table), o.column.name);
            if (!existing) return apply();
            if (!o.if_missing) cannot(op, "the column already exists (if_missing: true accepts it when it matches)");
            if (auto d = column_difference(o.column, *existing, renderer); !d.empty()) return drift(d);
            return done("the column " + o.table + "." + o.column.name + " already exists");
          },
          [&](const DropColumn& o) {
            if (named(table_columns(op, catalog, o.table), o.column)) return apply();
            if (!o.if_exists) cannot(op, "the column does not exist (if_exists: true accepts that)");
            return done("the column " + o.table + "." + o.column + " does not exist");
          },
          [&](const RenameColumn& o) {
            auto columns = table_columns(op, catalog, o.table);
            bool from = named(columns, o.column).has_value();
            bool to = named(columns, o.to).has_value();
            if (from && !to) return apply();
            if (!from && to) return done("the column is already called " + o.to);
            cannot(op, from ? "both " + o.column + " and " + o.to + " exist"
                            : "neither " + o.column + " nor " + o.to + " exists");
          },
          [&](const AlterColumn& o) {
            auto existing = named(table_columns(op, catalog, o.table), o.column);
            if (!existing) cannot(op, "the column does not exist");
            bool type_done = !o.type || renderer.same_type(*o.type, *existing);
            bool null_done = !o.nullable || *o.nullable == existing->nullable;
            bool default_done = !o.default_value || renderer.same_default(*o.default_value, *existing);
            if (type_done && null_done && default_done) return done("the column already has that shape");
            return apply();
          },
          [&](const CreateIndex& o) {
            require_table(op, catalog, o.table);
            auto existing = find_index(catalog, o.table, o.name);
            if (!existing) return apply();
            if (!o.if_missing) cannot(op, "the index already exists (if_missing: true accepts it when it matches)");
            if (existing->columns != o.columns || existing->unique != o.unique)
              return drift("the index " + o.name + " exists over (" + join(existing->columns) + ")" +
                           (existing->unique ? ", unique" : "") + ", but the migration declares (" + join(o.columns) +
                           ")" + (o.unique ? ", unique" : ""));
            return done("the index " + o.name + " already exists");
          },
          [&](const DropIndex& o) {
            if (catalog.table_exists(o.table) && find_index(catalog, o.table, o.name)) return apply();
            if (!o.if_exists) cannot(op, "the index does not exist (if_exists: true accepts that)");
            return done("the index " + o.name + " does not exist");
          },
          [&](const AddForeignKey& o) {
            require_table(op, catalog, o.table);
            auto existing = find_constraint(catalog, o.table, o.key.name);
            if (!existing) return apply();
            if (!o.if_missing)
              cannot(op, "the constraint already exists (if_missing: true accepts it when it matches)");
            if (existing->kind != ConstraintInfo::Kind::foreign_key || existing->columns != o.key.columns ||
                existing->referenced_table != o.key.references ||
                existing->referenced_columns != o.key.referenced_columns)
              return drift("the " + std::string(kind_name(existing->kind)) + " " + o.key.name + " exists over (" +
                           join(existing->columns) + ")" +
                           (existing->referenced_table.empty() ? ""
                                                               : " referencing " + existing->referenced_table + " (" +
                                                                     join(existing->referenced_columns) + ")") +
                           ", but the migration declares a foreign key over (" + join(o.key.columns) +
                           ") referencing " + o.key.references + " (" + join(o.key.referenced_columns) + ")");
            return done("the foreign key " + o.key.name + " already exists");
          },
          [&](const AddUnique& o) {
            require_table(op, catalog, o.table);
            auto existing = find_constraint(catalog, o.table, o.constraint.name);
            if (!existing) return apply();
            if (!o.if_missing)
              cannot(op, "the constraint already exists (if_missing: true accepts it when it matches)");
            if (existing->kind != ConstraintInfo::Kind::unique || existing->columns != o.constraint.columns)
              return drift("the " + std::string(kind_name(existing->kind)) + " " + o.constraint.name +
                           " exists over (" + join(existing->columns) +
                           "), but the migration declares a unique constraint over (" + join(o.constraint.columns) +
                           ")");
            return done("the unique constraint " + o.constraint.name + " already exists");
          },
          [&](const AddCheck& o) {
            require_table(op, catalog, o.table);
            auto existing = find_constraint(catalog, o.table, o.constraint.name);
            if (!existing) return apply();
            if (!o.if_missing)
              cannot(op, "the constraint already exists (if_missing: true accepts it when it matches)");
            // Only the kind is compared: servers rewrite a check's expression (PostgreSQL stores
            // name <> '' as ((name)::text <> ''::text)).
            if (existing->kind != ConstraintInfo::Kind::check)
              return drift("the " + std::string(kind_name(existing->kind)) + " " + o.constraint.name +
                           " exists, but the migration declares a check constraint");
            return done("the check constraint " + o.constraint.name + " already exists");
          },
          [&](const DropForeignKey& o) {
            require_table(op, catalog, o.table);
            auto existing = find_constraint(catalog, o.table, o.name);
            if (existing && existing->kind == ConstraintInfo::Kind::foreign_key) return apply();
            if (existing) cannot(op, o.name + " is a " + kind_name(existing->kind) + ", not a foreign key");
            if (!o.if_exists) cannot(op, "the foreign key does not exist (if_exists: true accepts that)");
            return done("the foreign key " + o.name + " does not exist");
          },
          [&](const DropConstraint& o) {
            require_table(op, catalog, o.table);
            auto existing = find_constraint(catalog, o.table, o.name);
            if (existing &&
                (existing->kind == ConstraintInfo::Kind::unique || existing->kind == ConstraintInfo::Kind::check))
              return apply();
            if (existing)
              cannot(op, o.name + " is a " + kind_name(existing->kind) + ": drop it with its own operation");
            if (!o.if_exists) cannot(op, "the constraint does not exist (if_exists: true accepts that)");
            return done("the constraint " + o.name + " does not exist");
          },
          [&](const InsertRows& o) {
            require_table(op, catalog, o.table);
            return apply();  // each row is guarded by its key in its own statement
          },
          [&](const Sql&) { return apply(); },
          [&](const Backfill& o) {
            if (!named(table_columns(op, catalog, o.table), o.column)) cannot(op, "the column does not exist");
            return apply();  // it sets only what is still NULL: a re-run finishes the job
          }},
      op.change);
}

const OperationRenderer& renderer_for(Connection& connection, const ops::Operation& op, const std::string& file) {
  auto refuse = [&](const std::string& why) {
    Error e(ErrorKind::validation, op.summary() + ": " + why);
    e.in_file(file);
    if (op.line > 0) e.at_line(op.line, op.column);
    throw e;
  };
  const OperationRenderer* renderer = connection.renderer();
  std::string driver(connection.dialect().name());
  if (!renderer) refuse("the " + driver + " driver renders no portable operations; write this migration in SQL");
  // Asked first, by name: an older plugin is never given an operation it was built without.
  if (!renderer->knows(op.name()))
    refuse("the " + driver + " driver does not know the operation " + op.name() +
           " (it was built before strata had it): upgrade the driver, or write this step as `sql`");
  if (!renderer->supports(op))
    refuse("the " + driver + " driver cannot apply " + op.name() + " (it would have to be checked and rendered for " +
           driver + "); write this step as `sql`");
  if (auto* s = std::get_if<ops::Sql>(&op.change)) {
    bool found = false;
    for (const auto& suffix : connection.dialect().suffixes()) found |= s->by_dialect.count(suffix) > 0;
    if (!found)
      refuse("no SQL for " + driver + " (it has: " + [&] {
        std::string have;
        for (const auto& [d, text] : s->by_dialect) have += (have.empty() ? "" : ", ") + d;
        return have;
      }() + ")");
  }
  return *renderer;
}

std::int64_t count_up_to(Session& session, const std::string& from, std::span<const Value> params, std::int64_t limit) {
  auto rows = session.query(
      "SELECT COUNT(*) FROM (SELECT 1 FROM " + from + " LIMIT " + std::to_string(limit + 1) + ") strata_probe", params);
  if (rows.size() == 1 && rows[0].size() == 1) {
    if (const auto* n = std::get_if<std::int64_t>(&rows[0][0])) return *n;
    if (const auto* text = std::get_if<std::string>(&rows[0][0])) return std::strtoll(text->c_str(), nullptr, 10);
  }
  throw Error(ErrorKind::apply_failed, "counting the rows of " + from + " gave no number");
}

std::string rows_text(std::int64_t count, std::int64_t limit) {
  auto grouped = [](std::int64_t n) {
    std::string digits = std::to_string(n), out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
      if (i && (digits.size() - i) % 3 == 0) out += ',';
      out += digits[i];
    }
    return out;
  };
  if (count > limit) return "more than " + grouped(limit) + " rows";
  return grouped(count) + (count == 1 ? " row" : " rows");
}

void require_empty(const ops::Operation& op, Connection& connection) {
  constexpr std::int64_t limit = 1'000;
  const Dialect& d = connection.dialect();
  Session& session = connection.session();
  if (const auto* drop = std::get_if<ops::DropTable>(&op.change); drop && drop->require_empty) {
    std::int64_t n = count_up_to(session, d.quote_identifier(drop->table), {}, limit);
    if (n > 0)
      cannot(op, "require_empty: the table holds " + rows_text(n, limit) +
                     "; nothing was dropped (empty it first, or remove require_empty)");
  }
  if (const auto* drop = std::get_if<ops::DropColumn>(&op.change); drop && drop->require_empty) {
    std::int64_t n = count_up_to(
        session, d.quote_identifier(drop->table) + " WHERE " + d.quote_identifier(drop->column) + " IS NOT NULL", {},
        limit);
    if (n > 0)
      cannot(op, "require_empty: " + rows_text(n, limit) + " hold a value in the column; nothing was dropped (set it " +
                     "to NULL first, or remove require_empty)");
  }
}

namespace {

// An integer as a driver returns it: a number, or its decimal text (MySQL's results are text).
std::optional<std::int64_t> integer_of(const Value& v) {
  if (const auto* n = std::get_if<std::int64_t>(&v)) return *n;
  const auto* text = std::get_if<std::string>(&v);
  if (!text || text->empty()) return std::nullopt;
  std::int64_t out = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), out);
  if (ec != std::errc() || end != text->data() + text->size()) return std::nullopt;
  return out;
}

}  // namespace

bool backfill_by_key_range(Connection& connection, const ops::Backfill& b, const Value& value,
                           const std::function<void(std::int64_t)>& batch_done) {
  std::vector<std::string> key;
  for (const auto& c : connection.catalog().columns(b.table))
    if (c.primary_key) key.push_back(c.name);
  if (key.size() != 1) return false;
  const Dialect& d = connection.dialect();
  Session& session = connection.session();
  std::string table = d.quote_identifier(b.table), column = d.quote_identifier(b.column),
              pk = d.quote_identifier(key[0]);
  auto rows = session.query("SELECT MIN(" + pk + "), MAX(" + pk + "), COUNT(*) FROM " + table + " WHERE " + column +
                            " IS NULL");
  if (rows.size() != 1 || rows[0].size() != 3) return false;
  if (std::holds_alternative<std::nullptr_t>(rows[0][0])) return true;  // nothing is NULL
  auto low = integer_of(rows[0][0]), high = integer_of(rows[0][1]), count = integer_of(rows[0][2]);
  if (!low || !high || !count || *high < *low) return false;
  // Ranges pay while the keys are dense enough: no more than four ranges per full batch of rows.
  const std::int64_t batch = b.batch_size;
  std::uint64_t span = static_cast<std::uint64_t>(*high) - static_cast<std::uint64_t>(*low);
  std::uint64_t ranges = span / static_cast<std::uint64_t>(batch),
                full = static_cast<std::uint64_t>(*count / batch) + 1;
  if (ranges > 4 * full + 100) return false;
  std::string sql = "UPDATE " + table + " SET " + column + " = " + d.placeholder(1) + " WHERE " + column +
                    " IS NULL AND " + pk + " >= " + d.placeholder(2) + " AND " + pk + " <= " + d.placeholder(3);
  for (std::int64_t start = *low;;) {
    std::int64_t end = *high - start < batch ? *high : start + batch - 1;
    std::vector<Value> params{value, start, end};
    batch_done(session.execute(sql, params));
    if (end == *high) break;
    start = end + 1;
  }
  return true;
}

std::string preview(const ops::Operation& op, Connection& connection) {
  const OperationRenderer* renderer = connection.renderer();
  std::string out = "-- " + op.summary();
  if (!renderer) return out;
  try {
    GuardDecision d = guard(op, connection.catalog(), *renderer);
    if (d.outcome == GuardDecision::Outcome::already_done) return out + ": skipped, " + d.message;
    if (d.outcome == GuardDecision::Outcome::drift) return out + ": drift, " + d.message;
    for (const auto& s : renderer->render(op, connection.catalog()))
      if (s.check != RenderedStatement::Check::commit) out += "\n" + s.sql + ";";
  } catch (const Error& e) {
    // Its object may come from an earlier pending migration: the guard decides when it runs.
    out += "\n--   decided when it runs (now: " + e.message() + ")";
  }
  return out;
}

}  // namespace strata::detail
