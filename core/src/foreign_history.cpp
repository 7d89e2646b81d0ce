// Reading another tool's table for `adopt`: each tool's columns, checked before they are read,
// so that a table of another tool (golang-migrate's and dbmate's are both schema_migrations) is
// named as such rather than misread.
#include "foreign_history.hpp"

#include <strata/ascii.hpp>
#include <strata/checksum.hpp>
#include <strata/error.hpp>

#include <algorithm>
#include <charconv>

namespace strata::detail {
namespace {

// The columns strata reads of a tool's table, in the order of the query.
std::vector<std::string> columns_of(const ForeignTool& tool) {
  std::string version(tool.version_column);
  switch (tool.record) {
    case ForeignRecord::current_version: return {version, "dirty"};
    case ForeignRecord::apply_log: return {version, "is_applied", "id"};
    case ForeignRecord::flyway:
      return {version,        "description",    "type",    "script",        "checksum",
              "installed_by", "execution_time", "success", "installed_rank"};
    case ForeignRecord::sqlx: return {version, "success", "checksum"};
    case ForeignRecord::applied_list:
    case ForeignRecord::heads: break;
  }
  return {version};
}

class Reader {
 public:
  Reader(const ForeignHistory& history, std::size_t row) : history_(history), row_(row) {}

  std::string text(const Value& v, std::string_view column, bool nullable = false) const {
    if (const auto* s = std::get_if<std::string>(&v)) return *s;
    if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
    if (std::holds_alternative<std::nullptr_t>(v) && nullable) return {};
    throw wrong(column, std::holds_alternative<std::nullptr_t>(v) ? "NULL" : "a number with a fraction");
  }

  std::int64_t number(const Value& v, std::string_view column) const {
    if (const auto* i = std::get_if<std::int64_t>(&v)) return *i;
    if (const auto* s = std::get_if<std::string>(&v)) {
      std::int64_t n = 0;
      auto [end, ec] = std::from_chars(s->data(), s->data() + s->size(), n);
      if (ec == std::errc{} && end == s->data() + s->size()) return n;
    }
    throw wrong(column, "not an integer");
  }

  // sqlx's BYTEA/BLOB of 48 bytes, as the driver gives it: the bytes themselves, or hex ("\\x..."
  // from PostgreSQL's text form); lower-case hex.
  std::string sha384(const Value& v, std::string_view column) const {
    const auto* s = std::get_if<std::string>(&v);
    if (!s) throw wrong(column, "not a SHA-384 checksum");
    std::string_view bytes = *s;
    auto is_hex = [](std::string_view t) { return t.size() == 96 && std::all_of(t.begin(), t.end(), ascii_isxdigit); };
    if (bytes.starts_with("\\x")) bytes.remove_prefix(2);
    if (is_hex(bytes)) {
      return ascii_lowercase(bytes);
    }
    if (bytes.size() != 48) throw wrong(column, "not a SHA-384 checksum (48 bytes)");
    return to_hex(bytes);
  }

  bool flag(const Value& v, std::string_view column) const {
    if (const auto* s = std::get_if<std::string>(&v)) {
      if (*s == "t" || *s == "true" || *s == "1") return true;
      if (*s == "f" || *s == "false" || *s == "0") return false;
    }
    std::int64_t n = number(v, column);
    if (n != 0 && n != 1) throw wrong(column, "not a boolean");
    return n == 1;
  }

 private:
  Error wrong(std::string_view column, std::string_view what) const {
    return Error(ErrorKind::validation, history_.tool->name.data() + std::string("'s ") + history_.table + ", row " +
                                            std::to_string(row_ + 1) + ": " + std::string(column) + " is " +
                                            std::string(what) + ", which " + std::string(history_.tool->name) +
                                            " does not write");
  }

  const ForeignHistory& history_;
  std::size_t row_;
};

ForeignRow row_of(const ForeignHistory& history, std::size_t index, const Row& r) {
  Reader read(history, index);
  ForeignRow row;
  const ForeignTool& tool = *history.tool;
  bool flyway = tool.record == ForeignRecord::flyway;
  row.version = read.text(r.at(0), tool.version_column, flyway);  // Flyway's repeatables have none
  switch (tool.record) {
    case ForeignRecord::current_version: row.success = !read.flag(r.at(1), "dirty"); break;
    case ForeignRecord::apply_log: row.success = read.flag(r.at(1), "is_applied"); break;
    case ForeignRecord::sqlx:
      row.success = read.flag(r.at(1), "success");
      row.sha384 = read.sha384(r.at(2), "checksum");
      break;
    case ForeignRecord::flyway:
      row.description = read.text(r.at(1), "description");
      row.type = read.text(r.at(2), "type");
      row.script = read.text(r.at(3), "script");
      if (!std::holds_alternative<std::nullptr_t>(r.at(4))) {
        std::int64_t crc = read.number(r.at(4), "checksum");
        if (crc < INT32_MIN || crc > INT32_MAX)
          throw Error(ErrorKind::validation, "flyway's " + history.table + ": checksum " + std::to_string(crc) +
                                                 " of " + row.script +
                                                 " is not a 32-bit integer, which Flyway does not write");
        row.crc32 = static_cast<std::int32_t>(crc);
      }
      row.installed_by = read.text(r.at(5), "installed_by", true);
      row.execution_ms = read.number(r.at(6), "execution_time");
      row.success = read.flag(r.at(7), "success");
      if (row.type == "BASELINE")
        row.kind = MigrationKind::baseline;
      else if (row.version.empty())
        row.kind = MigrationKind::repeatable;
      break;
    case ForeignRecord::applied_list:
    case ForeignRecord::heads: break;
  }
  return row;
}

}  // namespace

const ForeignTool& foreign_tool(std::string_view name) {
  if (const ForeignTool* tool = find_foreign_tool(name)) return *tool;
  std::string known;
  for (const auto& t : foreign_tools()) known += (known.empty() ? "" : ", ") + std::string(t.name);
  throw Error(ErrorKind::usage, "unknown tool '" + std::string(name) + "' for --from; strata adopts from " + known);
}

ForeignHistory read_foreign_history(Connection& connection, const AdoptOptions& options) {
  ForeignHistory history;
  history.tool = &foreign_tool(options.from);
  const ForeignTool& tool = *history.tool;
  history.table = options.table.empty() ? std::string(tool.default_table) : options.table;
  std::string schema = connection.target_schema();
  std::string where = schema.empty() ? "this database" : "schema " + schema;
  if (!connection.catalog().table_exists(history.table))
    throw Error(ErrorKind::validation, "no " + std::string(tool.name) + " table here: " + where + " has no table " +
                                           history.table +
                                           (options.table.empty() ? " (name the tool's table with --table)" : ""));
  std::vector<std::string> present;
  for (const auto& c : connection.catalog().columns(history.table)) present.push_back(c.name);
  const Dialect& d = connection.dialect();
  std::string select;
  auto wanted = columns_of(tool);
  for (const auto& column : wanted) {
    if (std::find(present.begin(), present.end(), column) == present.end()) {
      std::string found;
      for (const auto& p : present) found += (found.empty() ? "" : ", ") + p;
      throw Error(ErrorKind::validation, history.table + " in " + where + " is not " + std::string(tool.name) +
                                             "'s: it has no column " + column + " (its columns: " + found + ")");
    }
    select += (select.empty() ? "" : ", ") + d.quote_identifier(column);
  }
  // golang-migrate's table has a dirty flag that dbmate's lacks: read as dbmate's, it would lose it.
  if (tool.record == ForeignRecord::applied_list && std::find(present.begin(), present.end(), "dirty") != present.end())
    throw Error(ErrorKind::validation, history.table + " in " + where +
                                           " has a dirty column, as golang-migrate's has: adopt it with --from "
                                           "golang-migrate");
  std::string table = schema.empty() ? d.quote_identifier(history.table)
                                     : d.quote_identifier(schema) + "." + d.quote_identifier(history.table);
  std::string order;
  if (tool.record == ForeignRecord::apply_log) order = " ORDER BY " + d.quote_identifier("id");
  if (tool.record == ForeignRecord::flyway) order = " ORDER BY " + d.quote_identifier("installed_rank");
  auto rows = connection.session().query("SELECT " + select + " FROM " + table + order);
  if (tool.record == ForeignRecord::current_version && rows.size() > 1)
    throw Error(ErrorKind::validation, "golang-migrate's " + history.table + " has " + std::to_string(rows.size()) +
                                           " rows; golang-migrate keeps one (its current version)");
  for (std::size_t i = 0; i < rows.size(); ++i) history.rows.push_back(row_of(history, i, rows[i]));
  return history;
}

}  // namespace strata::detail
