// A kill at every statement (docs/reliability.md, "Kills"): for each statement k a run is killed
// (SIGKILL) at one of two points, then the test does what the user guide tells the user, and the
// database must end as a clean run leaves it, every migration recorded once. Written once for
// every backend (hidden, [.faults]: it needs a build with failpoints, which the build's own
// CTest entries are).
//
// The points (failpoints of a test build, numbered over the statements the migrations run):
// - kill-in-flight:k, statement k sent and its result not read (SQLite: while it writes; MySQL:
//   while the server holds it, waiting for a global read lock the migrator's other session
//   took). A statement with no such point runs on: the run ends without a kill, and no kill is
//   counted as tried.
// - kill-before-record:k, its result read and nothing recording it yet.
// - kill-after-record:k, its record committed, the next statement not begun (where DDL is not
//   transactional: there each statement is recorded as it runs).
//
// What the guide tells the user: run `strata migrate` again. Where DDL is not transactional a SQL
// statement left in doubt is refused (exit 3) with both choices; the test then plays the
// operator: it reads the statement in the file, looks in the catalog for its effect, and
// chooses --resume=skip (it ran) or --resume=retry (it did not). With transactional DDL no
// statement may be left in doubt: a plain run must finish.
//
// Each case tries every STRATA_KILL_STRIDE-th statement (default: a sample, for the quick suite;
// scripts/kill-campaign sets 1, every statement) and prints one line per point:
// "kills: <backend> <project> <point>: <survived> survived of <tried> tried", then how many
// statements in doubt the test decided as the operator, and how many runs had no such point.
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <sstream>
#include <vector>

namespace strata::conformance {
namespace {

// The mixed set: a transactional file, a no-transaction file, portable operations (a SQLite
// table rebuild among them), and a transactional file again: 20 statements on the servers, 27
// on SQLite, whose rebuild is several.
void write_mixed_set(const ScratchDir& dir) {
  dir.write("V1__base.sql",
            "CREATE TABLE f_accounts (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL);\n"
            "CREATE TABLE f_events (id INTEGER PRIMARY KEY, account_id INTEGER, kind VARCHAR(20));\n"
            "CREATE INDEX ix_f_events_account ON f_events (account_id);\n"
            "INSERT INTO f_accounts (id, name) VALUES (1, 'one');\n");
  dir.write("V2__steps.sql",
            "-- strata:no-transaction\n"
            "CREATE TABLE f_audit (id INTEGER PRIMARY KEY, note VARCHAR(100));\n"
            "INSERT INTO f_audit (id, note) VALUES (1, 'first');\n"
            "CREATE INDEX ix_f_audit_note ON f_audit (note);\n"
            "ALTER TABLE f_events ADD COLUMN source VARCHAR(20);\n"
            "INSERT INTO f_accounts (id, name) VALUES (2, 'two');\n");
  dir.write("V3__operations.yaml",
            "- add_column: {table: f_accounts, column: {name: email, type: string, length: 100}}\n"
            "- create_index: {table: f_accounts, name: ix_f_accounts_email, columns: [email]}\n"
            "- create_table: {name: f_notes, columns: [{name: id, type: integer, primary_key: true},\n"
            "    {name: body, type: string, length: 200}]}\n"
            "- alter_column: {table: f_audit, column: note, type: string, length: 200, nullable: false}\n"
            "- add_column: {table: f_notes, column: {name: done, type: integer, nullable: false, default: 0}}\n");
  dir.write("V4__finish.sql",
            "UPDATE f_accounts SET name = 'uno' WHERE id = 1;\n"
            "CREATE TABLE f_tags (id INTEGER PRIMARY KEY, label VARCHAR(30));\n"
            "INSERT INTO f_tags (id, label) VALUES (1, 'red');\n"
            "CREATE INDEX ix_f_tags_label ON f_tags (label);\n"
            "ALTER TABLE f_tags ADD COLUMN color VARCHAR(10);\n"
            "INSERT INTO f_tags (id, label) VALUES (2, 'blue');\n");
}

void copy_example_project(const ScratchDir& dir) {
  std::filesystem::copy(test_setting("STRATA_TEST_EXAMPLE_DIR"), dir.path(), std::filesystem::copy_options::recursive);
}

// The ledger as a user reads it: each migration's identity, checksum and outcome, in order of
// identity (not of rank or time, which differ from run to run).
std::vector<std::string> ledger_identities(Inspector& db) {
  std::vector<std::string> out;
  for (const auto& row : db.ledger()) {
    std::ostringstream line;
    line << to_string(row.kind) << ' ' << to_string(row.version, row.description) << ' ' << row.checksum << ' '
         << (row.success ? "success" : "failed") << (row.in_doubt ? " in doubt" : "");
    out.push_back(line.str());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The operator's look at the catalog: whether the statement's effect is in the database. Fails
// the test for a statement it cannot judge, rather than guessing.
bool effect_present(Inspector& db, const std::string& statement) {
  auto flags = std::regex::icase | std::regex::ECMAScript;
  std::smatch m;
  auto has_index = [&](const std::string& table, const std::string& name) {
    for (const auto& index : db.connection().catalog().indexes(table))
      if (index.name == name) return true;
    return false;
  };
  auto has_column = [&](const std::string& table, const std::string& name) {
    for (const auto& column : db.connection().catalog().columns(table))
      if (column.name == name) return true;
    return false;
  };
  if (std::regex_search(statement, m, std::regex(R"(CREATE\s+TABLE\s+(\w+))", flags))) return db.has_table(m[1].str());
  if (std::regex_search(statement, m, std::regex(R"(CREATE\s+VIEW\s+(\w+))", flags))) {
    try {
      db.count("SELECT COUNT(*) FROM " + m[1].str());
      return true;
    } catch (const Error&) {
      return false;  // no such view
    }
  }
  if (std::regex_search(statement, m, std::regex(R"(CREATE\s+(?:UNIQUE\s+)?INDEX\s+(\w+)\s+ON\s+(\w+))", flags)))
    return has_index(m[2].str(), m[1].str());
  if (std::regex_search(statement, m, std::regex(R"(ALTER\s+TABLE\s+(\w+)\s+ADD\s+(?:COLUMN\s+)?(\w+))", flags)))
    return has_column(m[1].str(), m[2].str());
  if (std::regex_search(statement, m, std::regex(R"(INSERT\s+INTO\s+(\w+)\s*\(id\b[^)]*\)\s*VALUES\s*\((\d+))", flags)))
    return db.count("SELECT COUNT(*) FROM " + m[1].str() + " WHERE id = " + m[2].str()) > 0;
  if (std::regex_search(statement, m,
                        std::regex(R"(UPDATE\s+(\w+)\s+SET\s+(\w+)\s*=\s*'([^']*)'\s+WHERE\s+id\s*=\s*(\d+))", flags)))
    return db.count("SELECT COUNT(*) FROM " + m[1].str() + " WHERE " + m[2].str() + " = '" + m[3].str() +
                    "' AND id = " + m[4].str()) > 0;
  FAIL("the operator cannot tell from the catalog whether this statement ran: " << statement);
  return false;
}

// What the guide tells the user after a kill; true when the database was brought up to date.
bool recover(const std::string& url, const ScratchDir& dir, bool transactional_ddl, int& choices) {
  Inspector db(url);
  for (int round = 0; round < 6; ++round) {
    ProcessResult r = run_strata(command_args("migrate", url, dir));
    if (r.exit_code == 0) return true;
    INFO(r.err);
    if (transactional_ddl || r.exit_code != 3) return false;  // no statement may be in doubt here
    // A statement in doubt: the message names both choices and says to check the database.
    CHECK_THAT(r.err, Catch::Contains("which was running when the migrator stopped") &&
                          Catch::Contains("Check the database") && Catch::Contains("--resume=retry") &&
                          Catch::Contains("--resume=skip"));
    auto rows = db.ledger();
    auto row = std::find_if(rows.begin(), rows.end(), [](const LedgerRow& x) { return !x.success && x.in_doubt; });
    if (row == rows.end()) return false;
    CHECK_THAT(r.err, Catch::Contains(row->script) &&
                          Catch::Contains("statement " + std::to_string(row->statements_done + 1)));
    auto statements = db.connection().dialect().split(read_text(dir.path() / row->script));
    REQUIRE(static_cast<std::size_t>(row->statements_done) < statements.size());
    // A statement that converges when run twice (IF EXISTS, IF NOT EXISTS, OR REPLACE) is retried.
    const std::string& text = statements[static_cast<std::size_t>(row->statements_done)].text;
    bool converges = std::regex_search(
        text, std::regex(R"(\bIF\s+(NOT\s+)?EXISTS\b|\bOR\s+REPLACE\b)", std::regex::icase | std::regex::ECMAScript));
    bool ran = !converges && effect_present(db, text);
    ++choices;
    ProcessResult chosen = run_strata(command_args("migrate", url, dir, {ran ? "--resume=skip" : "--resume=retry"}));
    if (chosen.exit_code == 0) return true;
    INFO(chosen.err);
  }
  return false;
}

int stride(int sample) {
  const char* asked = std::getenv("STRATA_KILL_STRIDE");
  if (!asked) return sample;
  int n = std::atoi(asked);
  return n > 0 ? n : sample;
}

// Every stride-th statement k from 1, at both points, until a run ends without being killed at
// its last statement; each killed run recovered and compared with a clean run.
void kill_at_every_statement(const std::string& project, void (*write)(const ScratchDir&), int sample) {
  ScratchDir dir;
  write(dir);
  std::string clean_url = fresh_database_url();
  ProcessResult clean = run_strata(command_args("migrate", clean_url, dir));
  INFO(clean.err);
  REQUIRE(clean.exit_code == 0);
  Inspector clean_db(clean_url);
  const std::string schema = clean_db.schema_snapshot();
  const auto ledger = ledger_identities(clean_db);
  const bool transactional_ddl = clean_db.capabilities().transactional_ddl;
  const int step = stride(sample);

  // Every statement has a point before its record, so the first run that ends unkilled there is
  // past the last statement. A statement may have no point in flight (one that writes nothing on
  // SQLite; none on a driver without one): its run goes on to the end, which must be a clean
  // run's too.
  int past_last = 0;
  std::vector<std::string> points{"kill-before-record", "kill-in-flight"};
  if (!transactional_ddl) points.push_back("kill-after-record");
  for (const std::string& point : points) {
    int tried = 0, survived = 0, not_reached = 0, choices = 0;
    for (int k = 1; past_last == 0 || k < past_last; k += step) {
      std::string url = fresh_database_url();
      std::string failpoint = point + ":" + std::to_string(k);
      INFO(project << ", " << failpoint);
      ProcessResult killed = run_strata(command_args("migrate", url, dir), {{"STRATA_FAILPOINT=" + failpoint}, {}});
      if (killed.signal != SIGKILL) {
        INFO(killed.err);
        REQUIRE(killed.exit_code == 0);
        if (past_last == 0) {
          REQUIRE(k > 1);  // the first statement is killed: a build with failpoints (STRATA_FAILPOINTS)
          past_last = k;
          break;
        }
        ++not_reached;
        Inspector db(url);
        CHECK(db.schema_snapshot() == schema);
        continue;
      }
      ++tried;
      bool recovered = recover(url, dir, transactional_ddl, choices);
      Inspector db(url);
      bool same = recovered && db.schema_snapshot() == schema && ledger_identities(db) == ledger;
      CHECK(recovered);
      if (recovered) {
        CHECK(db.schema_snapshot() == schema);
        CHECK(ledger_identities(db) == ledger);
      }
      if (same) ++survived;
    }
    std::cout << "kills: " << Catch::getCurrentContext().getConfig()->name() << ' ' << project << ' ' << point << ": "
              << survived << " survived of " << tried << " tried"
              << (choices ? ", " + std::to_string(choices) + " statements in doubt decided as an operator would" : "")
              << (not_reached ? ", " + std::to_string(not_reached) + " without this point" : "") << std::endl;
  }
}

}  // namespace

TEST_CASE(
    "a kill at every statement of a mixed set, in flight or before its record, converges as the user guide "
    "says, to a clean run's schema with every migration recorded once",
    "[.faults]") {
  kill_at_every_statement("mixed-set", write_mixed_set, 4);
}

TEST_CASE("a kill at every statement of the example project converges as the user guide says", "[.faults]") {
  kill_at_every_statement("example-project", copy_example_project, 9);
}

}  // namespace strata::conformance
