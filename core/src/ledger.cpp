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
};

const std::array<LedgerColumn, 12> columns{{
    {"installed_rank", {PortableType::integer}, false},
    {"version", {PortableType::string, 50}, true},
    {"description", {PortableType::string, 200}, false},
    {"kind", {PortableType::string, 20}, false},
    {"script", {PortableType::string, 1000}, false},
    {"checksum", {PortableType::string, 64}, true},
    {"installed_by", {PortableType::string, 100}, false},
    {"installed_on", {PortableType::timestamp}, false},
    {"execution_ms", {PortableType::bigint}, false},
    {"success", {PortableType::boolean}, false},
    {"statements_done", {PortableType::integer}, false},
    {"in_doubt", {PortableType::boolean}, false},
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

std::optional<std::string> as_optional_text(const Value& v) {
  if (std::holds_alternative<std::nullptr_t>(v)) return std::nullopt;
  return as_text(v);
}

Value optional_value(const std::optional<std::string>& text) {
  return text ? Value{*text} : Value{nullptr};
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

std::string Ledger::quoted_table() const {
  return connection_.dialect().quote_identifier(table_);
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
  LedgerRow format_row;
  format_row.installed_rank = 0;
  format_row.version = std::to_string(ledger_format_version);
  format_row.description = "strata ledger format " + std::to_string(ledger_format_version);
  format_row.script = "strata";
  format_row.installed_by = connection_.user_name();
  format_row.installed_on = utc_timestamp_now();
  insert(format_row, format_kind);
}

int Ledger::format() {
  const Dialect& d = connection_.dialect();
  std::vector<Value> kind{std::string(format_kind)};
  auto rows = connection_.session().query("SELECT " + d.quote_identifier("version") + " FROM " + quoted_table() +
                                              " WHERE " + d.quote_identifier("kind") + " = " + d.placeholder(1),
                                          kind);
  if (rows.empty())
    throw Error(ErrorKind::validation, "the table " + table_ + " exists but is not a strata ledger (no format row)");
  int format = static_cast<int>(as_int(rows.front().at(0)));
  if (format > ledger_format_version)
    throw Error(ErrorKind::validation, "the ledger " + table_ + " has format " + std::to_string(format) +
                                           ", newer than this strata understands (format " +
                                           std::to_string(ledger_format_version) + "): use a newer strata");
  return format;
}

std::vector<LedgerRow> Ledger::read() {
  const Dialect& d = connection_.dialect();
  std::string sql = "SELECT ";
  for (std::size_t i = 0; i < columns.size(); ++i) sql += (i ? ", " : "") + d.quote_identifier(columns[i].name);
  sql += " FROM " + quoted_table() + " WHERE " + d.quote_identifier("kind") + " <> " + d.placeholder(1) + " ORDER BY " +
         d.quote_identifier("installed_rank");
  std::vector<Value> kind{std::string(format_kind)};
  std::vector<LedgerRow> rows;
  for (const Row& r : connection_.session().query(sql, kind)) {
    LedgerRow row;
    row.installed_rank = static_cast<int>(as_int(r.at(0)));
    row.version = as_optional_text(r.at(1));
    row.description = as_text(r.at(2));
    auto parsed_kind = parse_migration_kind(as_text(r.at(3)));
    if (!parsed_kind)
      throw Error(ErrorKind::validation, "ledger " + table_ + " row " + std::to_string(row.installed_rank) +
                                             " has an unknown kind '" + as_text(r.at(3)) + "'");
    row.kind = *parsed_kind;
    row.script = as_text(r.at(4));
    row.checksum = as_text(r.at(5));
    row.installed_by = as_text(r.at(6));
    row.installed_on = as_text(r.at(7));
    row.execution_ms = as_int(r.at(8));
    row.success = as_int(r.at(9)) != 0;
    row.statements_done = static_cast<int>(as_int(r.at(10)));
    row.in_doubt = as_int(r.at(11)) != 0;
    rows.push_back(std::move(row));
  }
  return rows;
}

int Ledger::append(LedgerRow row) {
  const Dialect& d = connection_.dialect();
  auto next = connection_.session().query("SELECT COALESCE(MAX(" + d.quote_identifier("installed_rank") +
                                          "), 0) + 1 FROM " + quoted_table());
  row.installed_rank = static_cast<int>(as_int(next.at(0).at(0)));
  insert(row, to_string(row.kind));
  return row.installed_rank;
}

}  // namespace strata

namespace strata {

void Ledger::insert(const LedgerRow& row, std::string_view kind) {
  const Dialect& d = connection_.dialect();
  std::string sql = "INSERT INTO " + quoted_table() + " VALUES (";
  for (std::size_t i = 0; i < columns.size(); ++i) sql += (i ? ", " : "") + d.placeholder(int(i) + 1);
  sql += ")";
  std::vector<Value> values{std::int64_t{row.installed_rank},
                            optional_value(row.version),
                            row.description,
                            std::string(kind),
                            row.script,
                            row.checksum.empty() ? Value{nullptr} : Value{row.checksum},
                            row.installed_by,
                            row.installed_on,
                            row.execution_ms,
                            std::int64_t{row.success},
                            std::int64_t{row.statements_done},
                            std::int64_t{row.in_doubt}};
  connection_.session().execute(sql, values);
}

}  // namespace strata
