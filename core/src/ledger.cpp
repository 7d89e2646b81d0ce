#include <strata/ledger.hpp>

#include <array>
#include <charconv>
#include <chrono>
#include <ctime>

namespace strata {
namespace {

constexpr std::string_view format_kind = "ledger";

struct LedgerColumn {
  const char* name;
  ColumnType type;
  bool nullable;
  int since_format;
};

// In table order; columns of later formats are added at the end by upgrade().
const std::array<LedgerColumn, 14> columns{{
    {"installed_rank", {PortableType::integer}, false, 1},
    {"version", {PortableType::string, 50}, true, 1},
    {"description", {PortableType::string, 200}, false, 1},
    {"kind", {PortableType::string, 20}, false, 1},
    {"script", {PortableType::string, 1000}, false, 1},
    {"checksum", {PortableType::string, 64}, true, 1},
    {"installed_by", {PortableType::string, 100}, false, 1},
    {"installed_on", {PortableType::timestamp}, false, 1},
    {"execution_ms", {PortableType::bigint}, false, 1},
    {"success", {PortableType::boolean}, false, 1},
    {"statements_done", {PortableType::integer}, false, 1},
    {"in_doubt", {PortableType::boolean}, false, 1},
    {"progress_checksum", {PortableType::string, 64}, true, 2},
    {"session_id", {PortableType::string, 64}, true, 2},
}};

std::int64_t as_int(const Value& v) {
  if (auto i = std::get_if<std::int64_t>(&v)) return *i;
  if (auto d = std::get_if<double>(&v)) return static_cast<std::int64_t>(*d);
  if (auto s = std::get_if<std::string>(&v)) {
    if (*s == "t" || *s == "true") return 1;
    if (*s == "f" || *s == "false") return 0;
    std::int64_t out = 0;
    std::from_chars(s->data(), s->data() + s->size(), out);
    return out;
  }
  return 0;
}

std::string as_text(const Value& v) {
  if (auto s = std::get_if<std::string>(&v)) return *s;
  if (auto i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  return {};
}

Value text_or_null(const std::string& text) {
  return text.empty() ? Value{nullptr} : Value{text};
}

std::vector<Value> values_of(const LedgerRow& row, std::string_view kind) {
  return {std::int64_t{row.installed_rank},
          row.version ? Value{*row.version} : Value{nullptr},
          row.description,
          std::string(kind),
          row.script,
          text_or_null(row.checksum),
          row.installed_by,
          row.installed_on,
          row.execution_ms,
          std::int64_t{row.success},
          std::int64_t{row.statements_done},
          std::int64_t{row.in_doubt},
          text_or_null(row.progress_checksum),
          text_or_null(row.session_id)};
}

LedgerRow row_of(const Row& r, const std::string& table) {
  LedgerRow row;
  row.installed_rank = static_cast<int>(as_int(r.at(0)));
  if (!std::holds_alternative<std::nullptr_t>(r.at(1))) row.version = as_text(r.at(1));
  row.description = as_text(r.at(2));
  auto kind = parse_migration_kind(as_text(r.at(3)));
  if (!kind)
    throw Error(ErrorKind::validation, "ledger " + table + " row " + std::to_string(row.installed_rank) +
                                           " has an unknown kind '" + as_text(r.at(3)) + "'");
  row.kind = *kind;
  row.script = as_text(r.at(4));
  row.checksum = as_text(r.at(5));
  row.installed_by = as_text(r.at(6));
  row.installed_on = as_text(r.at(7));
  row.execution_ms = as_int(r.at(8));
  row.success = as_int(r.at(9)) != 0;
  row.statements_done = static_cast<int>(as_int(r.at(10)));
  row.in_doubt = as_int(r.at(11)) != 0;
  if (r.size() > 12) row.progress_checksum = as_text(r.at(12));
  if (r.size() > 13) row.session_id = as_text(r.at(13));
  return row;
}

}  // namespace

std::string utc_timestamp_now() {
  std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M:%S", &utc);
  return buffer;
}

Ledger::Ledger(Connection& connection, std::string table) : connection_(connection), table_(std::move(table)) {}

// Qualified with the connection's schema where it has one: a migration that moves the session
// (`SET search_path`, `USE`) must not move the ledger's reads and writes with it.
std::string Ledger::quoted_table() const {
  const Dialect& d = connection_.dialect();
  std::string schema = connection_.target_schema();
  return schema.empty() ? d.quote_identifier(table_) : d.quote_identifier(schema) + "." + d.quote_identifier(table_);
}

std::string Ledger::column_list(int format) const {
  std::string list;
  for (const auto& c : columns)
    if (c.since_format <= format) list += (list.empty() ? "" : ", ") + connection_.dialect().quote_identifier(c.name);
  return list;
}

bool Ledger::exists() {
  return connection_.catalog().table_exists(table_);
}

void Ledger::create() {
  const Dialect& d = connection_.dialect();
  std::string sql = "CREATE TABLE " + quoted_table() + " (";
  for (std::size_t i = 0; i < columns.size(); ++i) {
    sql += (i ? ", " : "") + d.quote_identifier(columns[i].name) + ' ' + d.type_sql(columns[i].type);
    if (!columns[i].nullable) sql += " NOT NULL";
    if (i == 0) sql += " PRIMARY KEY";
  }
  connection_.session().execute(sql + ")");
  insert_format_row();
}

void Ledger::insert_format_row() {
  LedgerRow format_row;
  format_row.installed_rank = 0;
  format_row.version = std::to_string(ledger_format_version);
  format_row.description = "strata ledger format";
  format_row.script = "strata";
  format_row.installed_by = connection_.user_name();
  format_row.installed_on = utc_timestamp_now();
  insert(format_row, format_kind);
  last_rank_ = 0;
}

int Ledger::format() {
  const Dialect& d = connection_.dialect();
  // One statement, so that a creation under way (table written, format row not yet: DDL and the
  // insert commit separately where DDL is not transactional) is seen whole or not at all.
  std::vector<Value> kind{std::string(format_kind)};
  auto rows = connection_.session().query("SELECT COUNT(*), MAX(CASE WHEN " + d.quote_identifier("kind") + " = " +
                                              d.placeholder(1) + " THEN " + d.quote_identifier("version") +
                                              " END) FROM " + quoted_table(),
                                          kind);
  const Row& row = rows.at(0);
  if (as_int(row.at(0)) == 0) return 0;  // a creation under way or interrupted: upgrade() completes it
  if (std::holds_alternative<std::nullptr_t>(row.at(1)))
    throw Error(ErrorKind::validation, "the table " + table_ + " exists but is not a strata ledger (no format row)");
  int format = static_cast<int>(as_int(row.at(1)));
  if (format > ledger_format_version)
    throw Error(ErrorKind::validation, "the ledger " + table_ + " has format " + std::to_string(format) +
                                           ", newer than this strata understands (format " +
                                           std::to_string(ledger_format_version) + "): use a newer strata");
  return format;
}

int Ledger::upgrade() {
  int found = format();
  if (found == ledger_format_version) return found;
  if (found == 0) {  // a creation that did not finish: the table has this strata's columns
    insert_format_row();
    return found;
  }
  const Dialect& d = connection_.dialect();
  for (const auto& c : columns) {
    if (c.since_format <= found) continue;
    connection_.session().execute("ALTER TABLE " + quoted_table() + " ADD COLUMN " + d.quote_identifier(c.name) + ' ' +
                                  d.type_sql(c.type));
  }
  std::vector<Value> values{std::to_string(ledger_format_version), std::string(format_kind)};
  connection_.session().execute("UPDATE " + quoted_table() + " SET " + d.quote_identifier("version") + " = " +
                                    d.placeholder(1) + " WHERE " + d.quote_identifier("kind") + " = " +
                                    d.placeholder(2),
                                values);
  return found;
}

std::vector<LedgerRow> Ledger::read() {
  const Dialect& d = connection_.dialect();
  int found = format();
  if (found == 0) return {};
  std::string sql = "SELECT " + column_list(found) + " FROM " + quoted_table() + " WHERE " +
                    d.quote_identifier("kind") + " <> " + d.placeholder(1) + " ORDER BY " +
                    d.quote_identifier("installed_rank");
  std::vector<Value> kind{std::string(format_kind)};
  std::vector<LedgerRow> rows;
  for (const Row& r : connection_.session().query(sql, kind)) rows.push_back(row_of(r, table_));
  last_rank_ = rows.empty() ? 0 : rows.back().installed_rank;
  return rows;
}

int Ledger::append(LedgerRow row) {
  if (!last_rank_) {
    const Dialect& d = connection_.dialect();
    auto max = connection_.session().query("SELECT COALESCE(MAX(" + d.quote_identifier("installed_rank") +
                                           "), 0) FROM " + quoted_table());
    last_rank_ = static_cast<int>(as_int(max.at(0).at(0)));
  }
  row.installed_rank = *last_rank_ + 1;
  insert(row, to_string(row.kind));
  last_rank_ = row.installed_rank;
  return row.installed_rank;
}

void Ledger::insert(const LedgerRow& row, std::string_view kind) {
  const Dialect& d = connection_.dialect();
  std::string sql = "INSERT INTO " + quoted_table() + " (" + column_list(ledger_format_version) + ") VALUES (";
  for (std::size_t i = 0; i < columns.size(); ++i) sql += (i ? ", " : "") + d.placeholder(int(i) + 1);
  connection_.session().execute(sql + ")", values_of(row, kind));
}

void Ledger::update(const LedgerRow& row) {
  const Dialect& d = connection_.dialect();
  // Values in the order their placeholders appear, for dialects whose markers are positional.
  std::vector<Value> all = values_of(row, to_string(row.kind));
  std::vector<Value> values(all.begin() + 1, all.end());
  values.push_back(all.front());
  std::string sql = "UPDATE " + quoted_table() + " SET ";
  for (std::size_t i = 1; i < columns.size(); ++i)
    sql += (i > 1 ? ", " : "") + d.quote_identifier(columns[i].name) + " = " + d.placeholder(int(i));
  sql += " WHERE " + d.quote_identifier("installed_rank") + " = " + d.placeholder(int(columns.size()));
  connection_.session().execute(sql, values);
}

void Ledger::remove(int installed_rank) {
  const Dialect& d = connection_.dialect();
  std::vector<Value> rank{std::int64_t{installed_rank}};
  connection_.session().execute("DELETE FROM " + quoted_table() + " WHERE " + d.quote_identifier("installed_rank") +
                                    " = " + d.placeholder(1) + " AND " + d.quote_identifier("kind") + " <> 'ledger'",
                                rank);
}

}  // namespace strata
