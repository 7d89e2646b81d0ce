#include <strata/ledger.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <ctime>
#include <limits>
#include <optional>
#include <span>

namespace strata {
namespace {

// Formats 1 and 2 kept the format in a row of this kind (installed_rank 0, the number in
// `version`); format 3 removes it when it upgrades such a ledger.
constexpr std::string_view format_row_kind = "ledger";

// A rank or a statement count must leave room for the next one (+ 1) in an int.
constexpr std::int64_t max_count = std::numeric_limits<int>::max() - 1;
// The longest table name every shipped backend takes (PostgreSQL's 63 bytes).
constexpr std::size_t max_table_name = 63;

struct LedgerColumn {
  const char* name;
  ColumnType type;
  bool nullable;
  int since_format;
};

// In table order; columns of later formats are added at the end by upgrade().
const std::array<LedgerColumn, 15> columns{{
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
    {"adopted_from", {PortableType::string, 50}, true, 4},
}};

// The state table (since format 3): one row per ledger, keyed by the ledger's name.
const std::array<LedgerColumn, 3> state_columns{{
    {"ledger_table", {PortableType::string, 128}, false, 3},
    {"format", {PortableType::integer}, false, 3},
    {"reader_format", {PortableType::integer}, false, 3},
}};

// CREATE TABLE for `table` with these columns, the first one the primary key.
std::string create_table_sql(const Dialect& d, const std::string& table, std::span<const LedgerColumn> list) {
  std::string sql = "CREATE TABLE " + table + " (";
  for (std::size_t i = 0; i < list.size(); ++i) {
    sql += (i ? ", " : "") + d.quote_identifier(list[i].name) + ' ' + d.type_sql(list[i].type);
    if (!list[i].nullable) sql += " NOT NULL";
    if (i == 0) sql += " PRIMARY KEY";
  }
  return sql + ")";
}

// Where a value was read: the table and the row, for the message that refuses it.
struct Place {
  std::string table;                 // "the ledger strata_history"
  std::string row;                   // "installed_rank 0 (its format row)"; "" where `rank` names it
  std::optional<std::int64_t> rank;  // a ledger row's installed_rank, once read: "installed_rank 7"
};

// A value as a message shows it: quoted text cut short, so that a hostile megabyte stays out.
std::string shown(const Value& v) {
  if (std::holds_alternative<std::nullptr_t>(v)) return "NULL";
  if (auto i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  if (auto d = std::get_if<double>(&v)) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.17g", *d);
    return buffer;
  }
  const auto& s = std::get<std::string>(v);
  constexpr std::size_t shown_chars = 40;
  return "'" + (s.size() <= shown_chars ? s : s.substr(0, shown_chars) + "...") + "'";
}

[[noreturn]] void refuse(const Place& at, std::string_view column, const std::string& what) {
  std::string row = !at.row.empty() ? "row " + at.row
                    : at.rank       ? "row installed_rank " + std::to_string(*at.rank)
                                    : "a row";
  throw Error(ErrorKind::validation, "cannot read " + at.table + ": " + row + ", column " + std::string(column) + ": " +
                                         what + "; strata never writes such a value: correct the row by hand");
}

[[noreturn]] void refuse_null(const Place& at, std::string_view column) {
  refuse(at, column, "NULL where a value is required");
}

std::int64_t integer_of(const Value& v, const Place& at, std::string_view column, std::int64_t min, std::int64_t max) {
  std::optional<std::int64_t> n;
  bool too_large = false;
  if (std::holds_alternative<std::nullptr_t>(v)) refuse_null(at, column);
  if (auto i = std::get_if<std::int64_t>(&v)) {
    n = *i;
  } else if (auto d = std::get_if<double>(&v)) {
    constexpr double limit = 9.0e18;  // within int64, with room to spare
    if (std::isfinite(*d) && *d == std::trunc(*d) && std::fabs(*d) < limit) n = static_cast<std::int64_t>(*d);
    too_large = std::isfinite(*d) && *d == std::trunc(*d);
  } else if (auto s = std::get_if<std::string>(&v)) {
    std::int64_t parsed = 0;
    auto [end, ec] = std::from_chars(s->data(), s->data() + s->size(), parsed);
    if (ec == std::errc() && end == s->data() + s->size() && !s->empty()) n = parsed;
    too_large = ec == std::errc::result_out_of_range && end == s->data() + s->size();
  }
  if (!n && !too_large) refuse(at, column, shown(v) + " is not a whole number");
  if (!n || *n < min || *n > max)
    refuse(at, column, shown(v) + " is out of range (" + std::to_string(min) + " to " + std::to_string(max) + ")");
  return *n;
}

int count_of(const Value& v, const Place& at, std::string_view column, std::int64_t min) {
  return static_cast<int>(integer_of(v, at, column, min, max_count));
}

bool boolean_of(const Value& v, const Place& at, std::string_view column) {
  if (std::holds_alternative<std::nullptr_t>(v)) refuse_null(at, column);
  if (auto i = std::get_if<std::int64_t>(&v); i && (*i == 0 || *i == 1)) return *i == 1;
  if (auto d = std::get_if<double>(&v); d && (*d == 0 || *d == 1)) return *d == 1;
  if (auto s = std::get_if<std::string>(&v)) {
    if (*s == "1" || *s == "t" || *s == "true") return true;
    if (*s == "0" || *s == "f" || *s == "false") return false;
  }
  refuse(at, column, shown(v) + " is not a boolean (0 or 1)");
}

std::optional<std::string> optional_text_of(const Value& v, const Place& at, std::string_view column) {
  if (std::holds_alternative<std::nullptr_t>(v)) return std::nullopt;
  if (auto s = std::get_if<std::string>(&v)) return *s;
  if (auto i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);  // a number stored in a text column
  refuse(at, column, shown(v) + " is a number with a fraction, where text is expected");
}

std::string text_of(const Value& v, const Place& at, std::string_view column) {
  auto text = optional_text_of(v, at, column);
  if (!text) refuse_null(at, column);
  return *text;
}

// As optional_text_of and text_of, moving the text out of a value read once.
std::optional<std::string> take_optional_text(Value& v, const Place& at, std::string_view column) {
  if (auto s = std::get_if<std::string>(&v)) return std::move(*s);
  return optional_text_of(v, at, column);
}
std::string take_text(Value& v, const Place& at, std::string_view column) {
  if (auto s = std::get_if<std::string>(&v)) return std::move(*s);
  return text_of(v, at, column);
}

Value text_or_null(const std::string& text) {
  return text.empty() ? Value{nullptr} : Value{text};
}

std::vector<Value> values_of(const LedgerRow& row) {
  return {std::int64_t{row.installed_rank},
          row.version ? Value{row.version->str()} : Value{nullptr},
          row.description,
          std::string(to_string(row.kind)),
          row.script,
          text_or_null(row.checksum),
          row.installed_by,
          row.installed_on,
          row.execution_ms,
          std::int64_t{row.success},
          std::int64_t{row.statements_done},
          std::int64_t{row.in_doubt},
          text_or_null(row.progress_checksum),
          text_or_null(row.session_id),
          text_or_null(row.adopted_from)};
}

// The version of a row: NULL for a repeatable and only for one, a version otherwise.
std::optional<Version> version_of(const Value& v, MigrationKind kind, const Place& at) {
  auto text = optional_text_of(v, at, "version");
  if (kind == MigrationKind::repeatable) {
    if (text) refuse(at, "version", "a repeatable migration has no version, but this row has " + shown(v));
    return std::nullopt;
  }
  if (!text) refuse(at, "version", "NULL, but a " + std::string(to_string(kind)) + " row needs a version");
  auto version = Version::parse(*text);
  if (!version) refuse(at, "version", shown(v) + " is not a version");
  return version;
}

// The row `r`, whose texts it takes; `at` names the ledger, and the row once its rank is read.
LedgerRow row_of(Row& r, Place& at) {
  LedgerRow row;
  at.row.clear();
  at.rank.reset();
  row.installed_rank = count_of(r.at(0), at, "installed_rank", 1);  // first: it names the row from here on
  at.rank = row.installed_rank;  // made a message only when one is needed: an allocation per row
  std::string kind = text_of(r.at(3), at, "kind");
  auto parsed_kind = parse_migration_kind(kind);
  if (!parsed_kind) refuse(at, "kind", "unknown kind " + shown(r.at(3)));
  row.kind = *parsed_kind;
  row.version = version_of(r.at(1), row.kind, at);
  row.description = take_text(r.at(2), at, "description");
  row.script = take_text(r.at(4), at, "script");
  auto checksum = take_optional_text(r.at(5), at, "checksum");
  if (!checksum && row.kind != MigrationKind::baseline)  // only a baseline ran no script
    refuse(at, "checksum", "NULL, but a " + kind + " row needs a checksum");
  row.checksum = std::move(checksum).value_or("");
  row.installed_by = take_text(r.at(6), at, "installed_by");
  row.installed_on = take_text(r.at(7), at, "installed_on");
  row.execution_ms = integer_of(r.at(8), at, "execution_ms", 0, std::numeric_limits<std::int64_t>::max());
  row.success = boolean_of(r.at(9), at, "success");
  row.statements_done = count_of(r.at(10), at, "statements_done", statements_unknown);
  row.in_doubt = boolean_of(r.at(11), at, "in_doubt");
  if (r.size() > 12) row.progress_checksum = take_optional_text(r.at(12), at, "progress_checksum").value_or("");
  if (r.size() > 13) row.session_id = take_optional_text(r.at(13), at, "session_id").value_or("");
  if (r.size() > 14) row.adopted_from = take_optional_text(r.at(14), at, "adopted_from").value_or("");
  if (row.statements_done == statements_unknown && (row.success || row.in_doubt || row.adopted_from.empty()))
    refuse(at, "statements_done", "-1 (not known), which only a failed row carried over from another tool has");
  return row;
}

// The highest installed_rank as the database gives it (0 for an empty ledger), unchecked. Nothing
// is bound: one round trip, on MySQL too.
Value highest_rank_in(Session& session, const Dialect& d, const std::string& quoted_table) {
  Value highest = nullptr;
  session.query_each("SELECT COALESCE(MAX(" + d.quote_identifier("installed_rank") + "), 0) FROM " + quoted_table, {},
                     [&](Row& r) {
                       if (!r.empty()) highest = std::move(r.front());
                     });
  return highest;
}

}  // namespace

struct Ledger::Found {
  LedgerFormat format;     // {0, 0}: a creation that has not finished
  bool state_row = false;  // recorded in the state table (format 3 on); else in a format row
};

std::string utc_timestamp_now() {
  std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M:%S", &utc);
  return buffer;
}

std::string ledger_state_table(std::string_view ledger_table) {
  return std::string(ledger_table) + "_state";
}

std::string ledger_lock_table(std::string_view ledger_table) {
  return std::string(ledger_table) + "_lock";
}

bool is_ledger_table(std::string_view table, std::string_view ledger_table) {
  return table == ledger_table || table == ledger_state_table(ledger_table) || table == ledger_lock_table(ledger_table);
}

Ledger::Ledger(Connection& connection, std::string table)
    : connection_(connection), table_(std::move(table)), state_table_(ledger_state_table(table_)) {
  if (state_table_.size() > max_table_name)
    throw Error(ErrorKind::usage, "the ledger table name '" + table_ + "' is too long: strata keeps its format in '" +
                                      state_table_ + "', which must fit in " + std::to_string(max_table_name) +
                                      " characters");
}

// Qualified with the schema strata works in: a migration that moves the session's search path
// or database moves none of strata's bookkeeping.
std::string qualified_table(Connection& connection, std::string_view table) {
  const Dialect& d = connection.dialect();
  std::string schema = connection.target_schema();
  return schema.empty() ? d.quote_identifier(table) : d.quote_identifier(schema) + "." + d.quote_identifier(table);
}

std::string Ledger::qualified(const std::string& table) const {
  return qualified_table(connection_, table);
}

std::string Ledger::quoted_table() const {
  return qualified(table_);
}

std::string Ledger::quoted_state_table() const {
  return qualified(state_table_);
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

// Without transactional DDL each statement commits on its own: a creation cut short leaves an
// empty ledger without a recorded format, which format() reads as 0 and upgrade() completes.
void Ledger::create() {
  connection_.session().execute(create_table_sql(connection_.dialect(), quoted_table(), columns));
  create_state_table();
  write_state();
  last_rank_ = 0;
}

void Ledger::create_state_table() {
  // It may outlive a ledger dropped by hand: its row is then rewritten.
  if (state_table_seen_ || connection_.catalog().table_exists(state_table_)) return;
  connection_.session().execute(create_table_sql(connection_.dialect(), quoted_state_table(), state_columns));
}

// Delete and insert: a run cut short between the two leaves the ledger without a recorded
// format, as before the write (an empty ledger, or one with its old format row), which the next
// run completes.
void Ledger::write_state(int format, int reader_format) {
  const Dialect& d = connection_.dialect();
  std::vector<Value> key{table_};
  connection_.session().execute(
      "DELETE FROM " + quoted_state_table() + " WHERE " + d.quote_identifier("ledger_table") + " = " + d.placeholder(1),
      key);
  std::vector<Value> values{table_, std::int64_t{format}, std::int64_t{reader_format}};
  connection_.session().execute("INSERT INTO " + quoted_state_table() + " (" + d.quote_identifier("ledger_table") +
                                    ", " + d.quote_identifier("format") + ", " + d.quote_identifier("reader_format") +
                                    ") VALUES (" + d.placeholder(1) + ", " + d.placeholder(2) + ", " +
                                    d.placeholder(3) + ")",
                                values);
}

std::optional<LedgerFormat> Ledger::read_state() {
  if (!state_table_seen_) {
    if (!connection_.catalog().table_exists(state_table_)) return std::nullopt;
    state_table_seen_ = true;
  }
  const Dialect& d = connection_.dialect();
  std::vector<Value> key{table_};
  auto rows = connection_.session().query("SELECT " + d.quote_identifier("format") + ", " +
                                              d.quote_identifier("reader_format") + " FROM " + quoted_state_table() +
                                              " WHERE " + d.quote_identifier("ledger_table") + " = " + d.placeholder(1),
                                          key);
  if (rows.empty()) return std::nullopt;
  Place at{"the state table " + state_table_ + " of the ledger " + table_, "ledger_table '" + table_ + "'"};
  const Row& row = rows.front();
  LedgerFormat found{count_of(row.at(0), at, "format", 1), count_of(row.at(1), at, "reader_format", 1)};
  if (found.reader_format > found.format)
    refuse(at, "reader_format",
           std::to_string(found.reader_format) + " is above the format, " + std::to_string(found.format));
  return found;
}

Ledger::Found Ledger::inspect() {
  auto checked = [&](Found found) {
    const LedgerFormat& f = found.format;
    if (f.reader_format > ledger_format_version)
      throw Error(ErrorKind::validation, "the ledger " + table_ + " has format " + std::to_string(f.format) +
                                             ", which only a strata of ledger format " +
                                             std::to_string(f.reader_format) +
                                             " or later can use; this strata has ledger format " +
                                             std::to_string(ledger_format_version) + ": use a newer strata");
    return found;
  };
  if (auto state = read_state()) return checked(Found{*state, true});

  // Formats 1 and 2 keep the format in a row. One statement, so that a creation under way
  // (table written, format not yet) is seen whole or not at all.
  const Dialect& d = connection_.dialect();
  std::vector<Value> kind{std::string(format_row_kind)};
  auto rows = connection_.session().query("SELECT COUNT(*), MAX(CASE WHEN " + d.quote_identifier("kind") + " = " +
                                              d.placeholder(1) + " THEN " + d.quote_identifier("version") +
                                              " END) FROM " + quoted_table(),
                                          kind);
  Place at{"the ledger " + table_, "installed_rank 0 (its format row)"};
  const Row& row = rows.at(0);
  if (integer_of(row.at(0), Place{"the ledger " + table_, ""}, "COUNT(*)", 0,
                 std::numeric_limits<std::int64_t>::max()) == 0)
    return Found{};  // a creation under way or cut short: upgrade() completes it
  if (!std::holds_alternative<std::nullptr_t>(row.at(1))) {
    int format = count_of(row.at(1), at, "version", 1);
    return checked(Found{{format, format}, false});  // formats before 3 knew no reader format
  }
  // Rows, but no format: an upgrade may have recorded it and removed the row since the state
  // table was read.
  if (auto state = read_state()) return checked(Found{*state, true});
  throw Error(ErrorKind::validation, "the table " + table_ + " exists but is not a strata ledger (no format row)");
}

void Ledger::require_reader_format(int reader_format) {
  auto state = read_state();
  if (!state) throw Error(ErrorKind::internal, "the ledger " + table_ + " has no recorded format: upgrade() first");
  if (state->reader_format >= reader_format) return;
  const Dialect& d = connection_.dialect();
  std::vector<Value> values{std::int64_t{reader_format}, table_};
  connection_.session().execute("UPDATE " + quoted_state_table() + " SET " + d.quote_identifier("reader_format") +
                                    " = " + d.placeholder(1) + " WHERE " + d.quote_identifier("ledger_table") + " = " +
                                    d.placeholder(2),
                                values);
}

LedgerFormat Ledger::format() {
  return inspect().format;
}

void Ledger::add_missing_columns(int found) {
  // From the catalog, not from `found`: an upgrade cut short between two ADD COLUMNs (where DDL
  // is not transactional) still reads as the format it started from.
  std::vector<const LedgerColumn*> added;
  for (const auto& c : columns)
    if (c.since_format > std::max(found, 1)) added.push_back(&c);  // a creation (0) made at least format 1's
  if (added.empty()) return;
  std::vector<std::string> present;
  for (const auto& c : connection_.catalog().columns(table_)) present.push_back(c.name);
  const Dialect& d = connection_.dialect();
  for (const LedgerColumn* c : added) {
    if (std::find(present.begin(), present.end(), c->name) != present.end()) continue;
    connection_.session().execute("ALTER TABLE " + quoted_table() + " ADD COLUMN " + d.quote_identifier(c->name) + ' ' +
                                  d.type_sql(c->type));
  }
}

void Ledger::remove_format_row() {
  const Dialect& d = connection_.dialect();
  std::vector<Value> kind{std::string(format_row_kind)};
  // Read first: a ledger already in shape is left unwritten, so that a start-up with nothing to
  // do writes nothing (and a read-only database file can still be inspected up to the first
  // migration that needs a write).
  std::string where = " WHERE " + d.quote_identifier("installed_rank") + " = 0 AND " + d.quote_identifier("kind") +
                      " = " + d.placeholder(1);
  auto rows = connection_.session().query("SELECT COUNT(*) FROM " + quoted_table() + where, kind);
  if (integer_of(rows.at(0).at(0), Place{"the ledger " + table_, ""}, "COUNT(*)", 0,
                 std::numeric_limits<std::int64_t>::max()) == 0)
    return;
  connection_.session().execute("DELETE FROM " + quoted_table() + where, kind);
}

Ledger::Upgrade Ledger::upgrade() {
  Found found = inspect();
  int was = found.format.format;
  if (found.state_row && was >= ledger_format_version) {
    // A format row may remain: from an upgrade cut short, or written by a strata of format 2
    // that took an empty ledger for one whose creation had not finished.
    remove_format_row();
    return {was, was};
  }
  add_missing_columns(was);
  create_state_table();
  // Before the format row goes: a run cut short in between still finds a format.
  int to = ledger_format_version;
  if (was > 0 && holds_row_in_doubt()) {
    to = std::max(was, ledger_format_before_settled_doubt);
    // Format 4's reader format is 3, or 4 with a row of statements_unknown.
    if (to > was || !found.state_row) write_state(to, std::max(found.format.reader_format, 3));
  } else {
    write_state();
  }
  remove_format_row();
  return {was, to};
}

bool Ledger::holds_row_in_doubt() {
  const Dialect& d = connection_.dialect();
  // Booleans as the ledger stores them (values_of): compared with bound values, as written.
  std::vector<Value> values{std::int64_t{0}, std::int64_t{1}};
  auto rows = connection_.session().query("SELECT COUNT(*) FROM " + quoted_table() + " WHERE " +
                                              d.quote_identifier("success") + " = " + d.placeholder(1) + " AND " +
                                              d.quote_identifier("in_doubt") + " = " + d.placeholder(2),
                                          values);
  return integer_of(rows.at(0).at(0), Place{"the ledger " + table_, ""}, "COUNT(*)", 0,
                    std::numeric_limits<std::int64_t>::max()) > 0;
}

std::vector<LedgerRow> Ledger::read() {
  const Dialect& d = connection_.dialect();
  LedgerFormat found = format();
  format_read_ = found.format;
  if (found.format == 0) return {};
  // A newer format this strata can use has every column it knows, and maybe more. The kind is
  // strata's own constant, written as an SQL string: a query with nothing to bind is one round
  // trip on MySQL, where a prepared one takes two and holds the whole result in the client.
  static_assert(format_row_kind.find('\'') == std::string_view::npos);
  std::string sql = "SELECT " + column_list(std::min(found.format, ledger_format_version)) + " FROM " + quoted_table() +
                    " WHERE " + d.quote_identifier("kind") + " <> '" + std::string(format_row_kind) + "' ORDER BY " +
                    d.quote_identifier("installed_rank");
  // Room for about as many rows as the highest rank, asked first where not known: grown by
  // doubling, the rows were each moved about twice, into fresh memory each time (a third of
  // reading 10,000 rows on MariaDB), for one round trip more. Only a hint, and at most 100,000: a
  // rank out of range is refused below, naming its row.
  std::int64_t expected = last_rank_.value_or(0);
  if (!last_rank_) {
    Value highest = highest_rank_in(connection_.session(), d, quoted_table());
    if (auto* rank = std::get_if<std::int64_t>(&highest)) expected = *rank;
  }
  std::vector<LedgerRow> rows;
  rows.reserve(static_cast<std::size_t>(std::clamp<std::int64_t>(expected, 0, 100'000)));
  Place at{"the ledger " + table_, ""};
  // Row by row: the result is never held whole as rows beside the ledger rows made of it.
  connection_.session().query_each(sql, {}, [&](Row& r) { rows.push_back(row_of(r, at)); });
  last_rank_ = rows.empty() ? 0 : rows.back().installed_rank;
  return rows;
}

int Ledger::highest_rank() {
  return count_of(highest_rank_in(connection_.session(), connection_.dialect(), quoted_table()),
                  Place{"the ledger " + table_, "with the highest installed_rank"}, "installed_rank", 0);
}

int Ledger::append(LedgerRow row) {
  if (!last_rank_) last_rank_ = highest_rank();
  row.installed_rank = *last_rank_ + 1;
  if (row.statements_done == statements_unknown) require_reader_format(ledger_reader_format_unknown_progress);
  insert(row);
  last_rank_ = row.installed_rank;
  return row.installed_rank;
}

void Ledger::insert(const LedgerRow& row) {
  const Dialect& d = connection_.dialect();
  std::string sql = "INSERT INTO " + quoted_table() + " (" + column_list(ledger_format_version) + ") VALUES (";
  for (std::size_t i = 0; i < columns.size(); ++i) sql += (i ? ", " : "") + d.placeholder(int(i) + 1);
  connection_.session().execute(sql + ")", values_of(row));
}

void Ledger::update(const LedgerRow& row) {
  const Dialect& d = connection_.dialect();
  // Values in the order their placeholders appear, for dialects whose markers are positional.
  std::vector<Value> all = values_of(row);
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
