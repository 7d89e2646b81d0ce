// The ledger as others read it: operators' SQL, older and newer strata, and values strata never
// wrote. Every row is about a migration and means what its columns say; the format lives beside
// the ledger; formats 1 and 2 are upgraded in place; a hostile value is refused naming where it
// is, or read as it is, never read as 0. Written once for every backend.
#include "harness.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <set>

using namespace strata;
using namespace strata::conformance;

namespace {

// A value as the tests compare and show it.
std::string text(const Value& v) {
  if (std::holds_alternative<std::nullptr_t>(v)) return "NULL";
  if (auto i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  if (auto d = std::get_if<double>(&v)) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.17g", *d);
    return buffer;
  }
  return std::get<std::string>(v);
}

// Every row a query returns, one line each: what an operator's SQL sees.
std::string lines(Inspector& db, const std::string& sql) {
  std::string out;
  for (const auto& row : db.connection().session().query(sql)) {
    for (const auto& v : row) out += text(v) + " | ";
    out += "\n";
  }
  return out;
}

std::map<std::string, std::string> states_by_script(const ProcessResult& status) {
  std::map<std::string, std::string> out;
  auto document = nlohmann::json::parse(status.out);
  for (const auto& m : document.at("migrations"))
    out[m.at("script").get<std::string>()] = m.at("state").get<std::string>();
  return out;
}

std::map<std::string, std::string> states(const std::string& url, const ScratchDir& dir) {
  ProcessResult status = run_strata(command_args("status", url, dir, {"--json"}));
  INFO(status.err);
  REQUIRE(status.exit_code == 0);
  return states_by_script(status);
}

// What an operator's SQL says about the rows of the ledger: none but migrations' rows, a version
// on every row but a repeatable's.
void expect_only_migration_rows(Inspector& db) {
  CHECK(db.count("SELECT COUNT(*) FROM strata_history WHERE kind NOT IN ('versioned', 'undo', 'baseline', "
                 "'repeatable')") == 0);
  CHECK(db.count("SELECT COUNT(*) FROM strata_history WHERE version IS NULL AND kind <> 'repeatable'") == 0);
  CHECK(db.count("SELECT COUNT(*) FROM strata_history WHERE version IS NOT NULL AND kind = 'repeatable'") == 0);
}

std::string format_in_state_table(Inspector& db) {
  return lines(db, "SELECT format, reader_format FROM strata_history_state WHERE ledger_table = 'strata_history'");
}

// The ledger's columns as a strata of format 1 or 2 created them (core/src/ledger.cpp before
// format 3): format 1 has the first twelve, format 2 all fourteen. Rendered through the
// driver's dialect, as that strata rendered them.
struct OldColumn {
  const char* name;
  ColumnType type;
  bool nullable;
};
const std::vector<OldColumn> old_columns{
    {"installed_rank", {PortableType::integer}, false},      {"version", {PortableType::string, 50}, true},
    {"description", {PortableType::string, 200}, false},     {"kind", {PortableType::string, 20}, false},
    {"script", {PortableType::string, 1000}, false},         {"checksum", {PortableType::string, 64}, true},
    {"installed_by", {PortableType::string, 100}, false},    {"installed_on", {PortableType::timestamp}, false},
    {"execution_ms", {PortableType::bigint}, false},         {"success", {PortableType::boolean}, false},
    {"statements_done", {PortableType::integer}, false},     {"in_doubt", {PortableType::boolean}, false},
    {"progress_checksum", {PortableType::string, 64}, true}, {"session_id", {PortableType::string, 64}, true},
};

std::size_t old_column_count(int format) {
  return format == 1 ? 12 : 14;
}

void create_old_ledger(Inspector& db, int format) {
  const Dialect& d = db.connection().dialect();
  std::string sql = "CREATE TABLE " + d.quote_identifier("strata_history") + " (";
  for (std::size_t i = 0; i < old_column_count(format); ++i) {
    const OldColumn& c = old_columns[i];
    sql += (i ? ", " : "") + d.quote_identifier(c.name) + ' ' + d.type_sql(c.type) + (c.nullable ? "" : " NOT NULL") +
           (i == 0 ? " PRIMARY KEY" : "");
  }
  db.connection().session().execute(sql + ")");
}

// A row as that strata wrote it: `values` for the fourteen columns, the last two dropped for format 1.
void insert_old_row(Inspector& db, int format, std::vector<Value> values) {
  const Dialect& d = db.connection().dialect();
  values.resize(old_column_count(format));
  std::string names, markers;
  for (std::size_t i = 0; i < values.size(); ++i) {
    names += (i ? ", " : "") + d.quote_identifier(old_columns[i].name);
    markers += (i ? ", " : "") + d.placeholder(int(i) + 1);
  }
  db.connection().session().execute("INSERT INTO strata_history (" + names + ") VALUES (" + markers + ")", values);
}

std::vector<Value> old_row(std::int64_t rank, Value version, std::string description, std::string kind,
                           std::string script, Value checksum, std::int64_t statements, Value session) {
  return {rank,
          std::move(version),
          std::move(description),
          std::move(kind),
          std::move(script),
          std::move(checksum),
          std::string("old"),
          std::string("2026-01-01 00:00:00"),
          std::int64_t{3},
          std::int64_t{1},
          statements,
          std::int64_t{0},
          Value{nullptr},
          std::move(session)};
}

}  // namespace

TEST_CASE("ledgers of formats 1 and 2 are upgraded in place by migrate, every row and every state kept", "[ledger]") {
  int format = GENERATE(1, 2);
  INFO("format " << format);
  ScratchDir dir;
  dir.write("V1__a.sql", "CREATE TABLE fa (id INTEGER);\n");
  dir.write("V2__b.sql", "CREATE TABLE fb (id INTEGER);\n");
  dir.write("V3__c.sql", "CREATE TABLE fc (id INTEGER);\n");
  dir.write("V4__d.sql", "CREATE TABLE fd (id INTEGER);\n");
  dir.write("U4__d.sql", "DROP TABLE fd;\n");
  dir.write("V5__e.sql", "CREATE TABLE fe (id INTEGER);\n");
  std::string view = "DROP VIEW IF EXISTS fv;\nCREATE VIEW fv AS SELECT id FROM fc;\n";
  dir.write("R__v.sql", view);

  // What an older strata left: a baseline at 2, 3 applied, 4 applied and undone, the view.
  std::string url = fresh_database_url();
  Inspector db(url);
  Session& s = db.connection().session();
  for (const char* table : {"fa", "fb", "fc"}) s.execute(std::string("CREATE TABLE ") + table + " (id INTEGER)");
  s.execute("CREATE VIEW fv AS SELECT id FROM fc");
  create_old_ledger(db, format);
  Value session = format == 1 ? Value{nullptr} : Value{std::string("pid 1")};
  insert_old_row(db, format,
                 old_row(0, std::to_string(format), format == 1 ? "strata ledger format 1" : "strata ledger format",
                         "ledger", "strata", nullptr, 0, nullptr));
  insert_old_row(db, format, old_row(1, "2", "baseline", "baseline", "<< baseline >>", nullptr, 0, session));
  insert_old_row(
      db, format,
      old_row(2, "3", "c", "versioned", "V3__c.sql", script_checksum("CREATE TABLE fc (id INTEGER);\n"), 1, session));
  insert_old_row(
      db, format,
      old_row(3, "4", "d", "versioned", "V4__d.sql", script_checksum("CREATE TABLE fd (id INTEGER);\n"), 1, session));
  insert_old_row(db, format,
                 old_row(4, "4", "d", "undo", "U4__d.sql", script_checksum("DROP TABLE fd;\n"), 1, session));
  insert_old_row(db, format, old_row(5, nullptr, "v", "repeatable", "R__v.sql", script_checksum(view), 2, session));
  std::string old_rows_sql =
      "SELECT installed_rank, version, description, kind, script, checksum, installed_by, installed_on, execution_ms, "
      "success, statements_done, in_doubt FROM strata_history WHERE installed_rank > 0 ORDER BY installed_rank";
  std::string old_rows = lines(db, old_rows_sql);

  std::map<std::string, std::string> before{{"V1__a.sql", "below-baseline"}, {"V2__b.sql", "baseline"},
                                            {"V3__c.sql", "applied"},        {"V4__d.sql", "undone"},
                                            {"V5__e.sql", "pending"},        {"R__v.sql", "applied"}};
  std::string stored = db.ledger_snapshot();
  CHECK(states(url, dir) == before);  // an older format is read as it is, without a lock
  CHECK(db.ledger_snapshot() == stored);

  ProcessResult r = run_strata(command_args("migrate", url, dir));
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.err,
             Catch::Contains("upgraded the ledger strata_history from format " + std::to_string(format) + " to 5"));
  CHECK_THAT(r.out, Catch::Contains("applied 4") && Catch::Contains("applied 5") && !Catch::Contains("repeatable"));

  CHECK(lines(db, old_rows_sql).starts_with(old_rows));  // every row kept as it was
  CHECK(db.count("SELECT COUNT(*) FROM strata_history WHERE installed_rank > 5") == 2);
  CHECK(db.count("SELECT COUNT(*) FROM strata_history WHERE installed_rank = 0") == 0);  // the format row is gone
  expect_only_migration_rows(db);
  CHECK(format_in_state_table(db) == "5 | 5 | \n");
  std::set<std::string> columns;
  for (const auto& c : db.connection().catalog().columns("strata_history")) columns.insert(c.name);
  CHECK(columns.count("progress_checksum") == 1);
  CHECK(columns.count("session_id") == 1);
  CHECK(db.has_table("fd"));
  CHECK(db.has_table("fe"));

  std::map<std::string, std::string> after = before;
  after["V4__d.sql"] = after["V5__e.sql"] = "applied";
  CHECK(states(url, dir) == after);
}

TEST_CASE("in every state, only migrations' rows have a version, and the latest row of a version gives its state",
          "[ledger]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  dir.write("V1__a.sql", "CREATE TABLE sa (id INTEGER);\n");
  dir.write("V2__b.sql", "CREATE TABLE sb (id INTEGER);\n");
  dir.write("V3__c.sql", "CREATE TABLE sc (id INTEGER);\n");
  dir.write("U3__c.sql", "DROP TABLE sc;\n");
  dir.write("V4__d.sql", "CREATE TABLE sd (id INTEGER);\n");
  dir.write("U4__d.sql", "DROP TABLE sd;\n");
  dir.write("R__r.sql", "DROP VIEW IF EXISTS sr;\nCREATE VIEW sr AS SELECT 1 AS one;\n");
  {
    Inspector db(url);
    db.connection().session().execute("CREATE TABLE sa (id INTEGER)");
    db.connection().session().execute("CREATE TABLE sb (id INTEGER)");
  }
  std::set<std::string> seen;
  // After each step: what `status` shows, against what an operator's SQL reads from the ledger.
  auto check_ledger = [&](const std::string& step) {
    INFO("after " << step);
    Inspector db(url);
    expect_only_migration_rows(db);
    std::map<std::string, std::string> latest;  // version -> state its latest row gives
    for (const auto& row : db.connection().session().query(
             "SELECT h.version, h.kind, h.success FROM strata_history h WHERE h.version IS NOT NULL AND "
             "h.installed_rank = (SELECT MAX(l.installed_rank) FROM strata_history l WHERE l.version = h.version)")) {
      std::string kind = text(row.at(1));
      bool success = text(row.at(2)) == "1";
      latest[text(row.at(0))] = kind == "baseline" ? "baseline"
                                : kind == "undo"   ? "undone"
                                : success          ? "applied"
                                                   : "failed";
    }
    auto baseline = db.connection().session().query("SELECT version FROM strata_history WHERE kind = 'baseline'");
    ProcessResult status = run_strata(command_args("status", url, dir, {"--json"}));
    REQUIRE(status.exit_code == 0);
    auto document = nlohmann::json::parse(status.out);
    for (const auto& m : document.at("migrations")) {
      if (m.at("kind") != "versioned") continue;
      std::string version = m.at("version"), state = m.at("state");
      INFO("version " << version << " is " << state);
      seen.insert(state);
      if (latest.count(version)) {
        CHECK(latest[version] == state);
      } else if (state == "below-baseline") {
        REQUIRE(baseline.size() == 1);
        CHECK(*Version::parse(version) < *Version::parse(text(baseline[0][0])));
      } else {
        CHECK(state == "pending");
      }
    }
  };

  REQUIRE(run_strata(command_args("baseline", url, dir, {"--version", "2"})).exit_code == 0);
  check_ledger("baseline at 2");
  REQUIRE(run_strata(command_args("migrate", url, dir)).exit_code == 0);
  check_ledger("migrate");
  REQUIRE(run_strata(command_args("rollback", url, dir, {"--steps", "2"})).exit_code == 0);
  check_ledger("rollback of 4 and 3");
  REQUIRE(run_strata(command_args("migrate", url, dir, {"--target", "3"})).exit_code == 0);
  check_ledger("3 re-applied");
  {
    Inspector db(url);
    CHECK(lines(db, "SELECT kind FROM strata_history WHERE version = '3' ORDER BY installed_rank") ==
          "versioned | \nundo | \nversioned | \n");
  }
  dir.write("V5__e.sql",
            "-- strata:no-transaction\nCREATE TABLE se (id INTEGER);\nINSERT INTO no_such_table VALUES (1);\n");
  REQUIRE(run_strata(command_args("migrate", url, dir)).exit_code == 1);
  check_ledger("5 failed");
  CHECK(seen == std::set<std::string>{"applied", "baseline", "below-baseline", "failed", "pending", "undone"});
}

TEST_CASE("a ledger whose reader format is newer than this strata's is refused naming both formats", "[ledger]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  dir.write("V1__a.sql", "CREATE TABLE na (id INTEGER);\n");
  REQUIRE(run_strata(command_args("migrate", url, dir)).exit_code == 0);
  Inspector(url).connection().session().execute("UPDATE strata_history_state SET format = 7, reader_format = 6");
  dir.write("V2__b.sql", "CREATE TABLE nb (id INTEGER);\n");
  std::vector<std::string> message{"the ledger strata_history has format 7", "ledger format 6 or later",
                                   "this strata has ledger format 5"};
  expect_refused(url, command_args("migrate", url, dir), 3, message);
  expect_refused(url, command_args("status", url, dir), 3, message);
}

TEST_CASE("a ledger of a newer format whose reader format this strata has is used as it is", "[ledger]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  dir.write("V1__a.sql", "CREATE TABLE ua (id INTEGER);\n");
  REQUIRE(run_strata(command_args("migrate", url, dir)).exit_code == 0);
  {  // what a later, additive format could have done: a nullable column, and its number
    Inspector db(url);
    const Dialect& d = db.connection().dialect();
    db.connection().session().execute("ALTER TABLE strata_history ADD COLUMN future_note " +
                                      d.type_sql({PortableType::string, 20}));
    db.connection().session().execute("UPDATE strata_history_state SET format = 6, reader_format = 5");
  }
  dir.write("V2__b.sql", "CREATE TABLE ub (id INTEGER);\n");
  ProcessResult r = run_strata(command_args("migrate", url, dir));
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("applied 2"));
  CHECK_THAT(r.err, !Catch::Contains("upgraded"));
  Inspector db(url);
  CHECK(format_in_state_table(db) == "6 | 5 | \n");  // never downgraded
  CHECK(db.count("SELECT COUNT(*) FROM strata_history WHERE future_note IS NULL") == 2);
  CHECK(states(url, dir) == std::map<std::string, std::string>{{"V1__a.sql", "applied"}, {"V2__b.sql", "applied"}});
}

TEST_CASE("a ledger of format 3 gains adopted_from in place, every row kept, and becomes format 5", "[ledger]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  dir.write("V1__a.sql", "CREATE TABLE ta (id INTEGER);\n");
  REQUIRE(run_strata(command_args("migrate", url, dir)).exit_code == 0);
  {  // the ledger as a strata of format 3 left it
    Inspector db(url);
    db.connection().session().execute("ALTER TABLE strata_history DROP COLUMN adopted_from");
    db.connection().session().execute("UPDATE strata_history_state SET format = 3, reader_format = 3");
  }
  Inspector db(url);
  std::string row = lines(db, "SELECT installed_rank, script, checksum, session_id FROM strata_history");
  dir.write("V2__b.sql", "CREATE TABLE tb (id INTEGER);\n");
  ProcessResult r = run_strata(command_args("migrate", url, dir));
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.err, Catch::Contains("upgraded the ledger strata_history from format 3 to 5"));
  // Format 4's column is nullable, but format 5 settles rows in doubt that format 4 would write
  // as a guess: no older strata writes to it.
  CHECK(format_in_state_table(db) == "5 | 5 | \n");
  CHECK(lines(db, "SELECT installed_rank, script, checksum, session_id FROM strata_history").starts_with(row));
  CHECK(db.count("SELECT COUNT(*) FROM strata_history WHERE adopted_from IS NULL") == 2);  // strata ran both
  expect_only_migration_rows(db);
}

TEST_CASE("a ledger whose creation was cut short is completed by the next run", "[ledger]") {
  int format = GENERATE(1, 2);  // the columns that strata created before it stopped
  bool state_table = GENERATE(false, true);
  std::string url = fresh_database_url();
  ScratchDir dir;
  dir.write("V1__a.sql", "CREATE TABLE ca (id INTEGER);\n");
  INFO("columns of format " << format << (state_table ? ", the state table created" : ""));
  {
    Inspector db(url);
    create_old_ledger(db, format);
    if (state_table)
      db.connection().session().execute(
          "CREATE TABLE strata_history_state (ledger_table VARCHAR(128) NOT NULL PRIMARY KEY, format INTEGER NOT "
          "NULL, reader_format INTEGER NOT NULL)");
  }
  CHECK(states(url, dir) == std::map<std::string, std::string>{{"V1__a.sql", "pending"}});
  ProcessResult r = run_strata(command_args("migrate", url, dir));
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.err, Catch::Contains("completed the creation of the ledger strata_history"));
  Inspector db(url);
  CHECK(format_in_state_table(db) == "5 | 5 | \n");
  REQUIRE(db.ledger().size() == 1);
  CHECK_FALSE(db.ledger()[0].session_id.empty());
}

TEST_CASE("a format row an older strata added to a format-3 ledger is ignored, and removed under the lock",
          "[ledger]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  dir.write("V1__a.sql", "CREATE TABLE oa (id INTEGER);\n");
  REQUIRE(run_strata(command_args("migrate", url, dir)).exit_code == 0);
  {  // a strata of format 2 takes an empty ledger for a creation cut short and adds its format row
    Inspector db(url);
    insert_old_row(db, 2, old_row(0, "2", "strata ledger format", "ledger", "strata", nullptr, 0, nullptr));
  }
  CHECK(states(url, dir) == std::map<std::string, std::string>{{"V1__a.sql", "applied"}});
  dir.write("V2__b.sql", "CREATE TABLE ob (id INTEGER);\n");
  CHECK(run_strata(command_args("migrate", url, dir)).exit_code == 0);
  Inspector db(url);
  expect_only_migration_rows(db);
  CHECK(db.count("SELECT COUNT(*) FROM strata_history") == 2);
}

namespace {

enum class Outcome {
  refused,  // exit 3, naming the table, the row and the column
  read,     // exit 0, and the value read as it is
  either,   // one or the other: the driver decides whether it can use the value
};

// A value strata never writes, written by hand into one column of a ledger row.
struct Hostile {
  std::string column;
  Value value;
  Outcome outcome;
  // Checks a correct read; the database's URL.
  std::function<void(const std::string&)> read = [](const std::string&) {};
  // On a row that failed in doubt, run by `migrate --resume=retry` (which asks the driver
  // whether the row's session still runs); else on an applied row, by `status`.
  bool in_doubt = false;
  std::string row = "row installed_rank 1";  // how the refusal names the row
};

LedgerRow only_row(const std::string& url) {
  auto rows = Inspector(url).ledger();
  REQUIRE(rows.size() == 1);
  return rows[0];
}

// The session ids this backend's driver records, with the number replaced: "pid " + tail (a
// server's id without the server's start that follows its number).
std::string session_like(const std::string& recorded, const std::string& tail) {
  std::string id = recorded.substr(0, recorded.find(", server started "));
  return id.substr(0, id.find_last_not_of("0123456789") + 1) + tail;
}

}  // namespace

TEST_CASE("every hostile value a ledger column admits is refused naming table, row and column, or read as it is",
          "[ledger][hostile]") {
  const std::string megabyte(1 << 20, 'm');
  std::vector<Hostile> cases{
      {"statements_done", std::string("x"), Outcome::refused},
      {"statements_done", std::int64_t{-1}, Outcome::refused},
      {"statements_done", std::int64_t{2147483647}, Outcome::refused},  // its next statement is no int
      {"statements_done", std::int64_t{99999999999999}, Outcome::refused},
      {"statements_done", 1.5, Outcome::refused},
      {"execution_ms", std::string("x"), Outcome::refused},
      {"execution_ms", std::int64_t{-5}, Outcome::refused},
      {"execution_ms", std::int64_t{99999999999999}, Outcome::read,
       [](const std::string& url) { CHECK(only_row(url).execution_ms == 99999999999999); }},
      {"success", std::int64_t{2}, Outcome::refused},
      {"success", std::string("x"), Outcome::refused},
      {"in_doubt", std::string("yes"), Outcome::refused},
      {"kind", std::string("bogus"), Outcome::refused},
      {"version", nullptr, Outcome::refused},
      {"version", std::string("x"), Outcome::refused},
      {"version", std::string("001"), Outcome::read,
       [](const std::string& url) { CHECK(to_string(only_row(url).version) == "1"); }},
      {"checksum", nullptr, Outcome::refused},
      {"description", megabyte, Outcome::read,
       [&](const std::string& url) { CHECK(only_row(url).description == megabyte); }},
      {"installed_on", std::string("x"), Outcome::read,
       [](const std::string& url) { CHECK(only_row(url).installed_on == "x"); }},
      {"installed_rank", std::int64_t{99999999999999}, Outcome::refused, {}, false, "a row"},
      {"installed_rank", std::int64_t{-1}, Outcome::refused, {}, false, "a row"},
      {"session_id", std::string("x"), Outcome::refused, {}, true},  // "pid x"
      {"session_id", std::string("-1"), Outcome::refused, {}, true},
      {"session_id", std::string("99999999999999"), Outcome::either,
       [](const std::string& url) { CHECK(only_row(url).success); }, true},
      {"session_id", nullptr, Outcome::read, [](const std::string& url) { CHECK(only_row(url).success); }, true},
      {"adopted_from", std::string("x"), Outcome::read,  // a name strata does not know is still a name
       [](const std::string& url) { CHECK(only_row(url).adopted_from == "x"); }},
  };
  int exercised = 0;
  for (auto& c : cases) {
    INFO("column " << c.column << " = " << text(c.value).substr(0, 20));
    std::string url = fresh_database_url();
    ScratchDir dir;
    std::string script = "-- strata:no-transaction\nCREATE TABLE hv (id INTEGER);\nINSERT INTO hv (id) VALUES (1);\n";
    if (c.in_doubt)  // its statement 2 fails, then reads as running when its migrator died
      dir.write("V1__hostile.sql",
                "-- strata:no-transaction\nCREATE TABLE hv (id INTEGER);\nINSERT INTO nowhere VALUES (1);\n");
    else
      dir.write("V1__hostile.sql", script);
    REQUIRE(run_strata(command_args("migrate", url, dir)).exit_code == (c.in_doubt ? 1 : 0));
    Inspector db(url);
    Session& s = db.connection().session();
    const Dialect& d = db.connection().dialect();
    if (c.in_doubt) {
      std::vector<Value> yes{std::int64_t{1}};
      s.execute("UPDATE strata_history SET in_doubt = " + d.placeholder(1), yes);
      dir.write("V1__hostile.sql", script);  // fixed; statement 1 unchanged
      if (auto tail = std::get_if<std::string>(&c.value)) c.value = session_like(only_row(url).session_id, *tail);
    }
    REQUIRE(db.count("SELECT COUNT(*) FROM strata_history") == 1);  // the row, and no other
    std::vector<Value> value{c.value};
    try {
      s.execute("UPDATE strata_history SET " + d.quote_identifier(c.column) + " = " + d.placeholder(1), value);
    } catch (const Error&) {
      continue;  // the column's type does not admit it on this backend
    }
    if (text(s.query("SELECT " + d.quote_identifier(c.column) + " FROM strata_history").at(0).at(0)) != text(c.value))
      continue;  // stored as something else: not this value
    ++exercised;

    ProcessResult r = run_strata(c.in_doubt ? command_args("migrate", url, dir, {"--resume=retry"})
                                            : command_args("status", url, dir));
    INFO(r.err);
    CHECK(r.signal == 0);
    bool refused = c.outcome == Outcome::refused || (c.outcome == Outcome::either && r.exit_code != 0);
    if (refused) {
      CHECK(r.exit_code == 3);
      CHECK_THAT(r.err, Catch::StartsWith("strata: error: cannot read the ledger strata_history: " + c.row +
                                          ", column " + c.column + ": "));
      if (c.row == "a row") CHECK_THAT(r.err, Catch::Contains(text(c.value)));
    } else {
      CHECK(r.exit_code == 0);
      if (c.read) c.read(url);
    }
  }
  CHECK(exercised >= 10);
}
