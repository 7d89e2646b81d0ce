// The lifecycle of migrations on a real database: every state, rollback, baseline, repair,
// statement progress and resume, and the bad-input matrix. Written once for every backend.
#include "harness.hpp"

#include <csignal>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <regex>

using namespace strata;
using namespace strata::conformance;
using namespace std::chrono_literals;

namespace {

// The state `status` prints for a script, read from its table row.
std::string state_in_table(const std::string& table, const std::string& script) {
  std::istringstream lines(table);
  for (std::string line; std::getline(lines, line);) {
    if (line.size() < script.size() || line.compare(line.size() - script.size(), script.size(), script) != 0) continue;
    static const std::regex state(
        "(applied|pending|failed at statement \\d+( \\(in doubt\\))?|checksum-mismatch|missing|future|out-of-order|"
        "undone|below-baseline|baseline)");
    std::smatch m;
    if (std::regex_search(line, m, state)) return m.str(1);
  }
  return "(no row for " + script + ")";
}

std::map<std::string, std::string> states_in_json(const std::string& text) {
  std::map<std::string, std::string> out;
  auto doc = nlohmann::json::parse(text);
  for (const auto& m : doc.at("migrations")) out[m.at("script").get<std::string>()] = m.at("state").get<std::string>();
  return out;
}

// A statement that cannot run inside a transaction; nullopt for a backend that has none (its
// DDL never runs in one).
std::optional<std::string> no_transaction_statement() {
  std::string sql = test_setting("STRATA_TEST_NO_TRANSACTION_SQL");
  if (sql == "none") return std::nullopt;
  return sql.empty() ? "VACUUM" : sql;
}

}  // namespace

TEST_CASE("status and --json show applied, pending, checksum-mismatch, missing, future and out-of-order",
          "[lifecycle]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  dir.write("V1__one.sql", "CREATE TABLE one (id INTEGER);\n");
  dir.write("V2__two.sql", "CREATE TABLE two (id INTEGER);\n");
  dir.write("V3__three.sql", "CREATE TABLE three (id INTEGER);\n");
  dir.write("V5__five.sql", "CREATE TABLE five (id INTEGER);\n");
  dir.write("V99__ninety_nine.sql", "CREATE TABLE ninety_nine (id INTEGER);\n");
  REQUIRE(run_strata(command_args("migrate", url, dir)).exit_code == 0);
  std::filesystem::remove(dir.path() / "V99__ninety_nine.sql");                 // as if applied by a newer release
  dir.write("V2__two.sql", "CREATE TABLE two (id INTEGER, extra INTEGER);\n");  // edited after applying
  std::filesystem::remove(dir.path() / "V3__three.sql");                        // vanished
  dir.write("V4_5__between.sql", "CREATE TABLE between_them (id INTEGER);\n");  // older than 99, not applied
  dir.write("R__summary.sql", "DROP VIEW IF EXISTS summary;\nCREATE VIEW summary AS SELECT id FROM one;\n");

  ProcessResult status = run_strata(command_args("status", url, dir));
  CHECK(status.exit_code == 0);
  CHECK(state_in_table(status.out, "V1__one.sql") == "applied");
  CHECK(state_in_table(status.out, "V2__two.sql") == "checksum-mismatch");
  CHECK(state_in_table(status.out, "V3__three.sql") == "missing");
  CHECK(state_in_table(status.out, "V4_5__between.sql") == "out-of-order");
  CHECK(state_in_table(status.out, "V5__five.sql") == "applied");
  CHECK(state_in_table(status.out, "V99__ninety_nine.sql") == "future");
  CHECK(state_in_table(status.out, "R__summary.sql") == "pending");

  ProcessResult json = run_strata(command_args("status", url, dir, {"--json"}));
  CHECK(json.exit_code == 0);
  auto states = states_in_json(json.out);
  CHECK(states.size() == 7);
  for (const auto& [script, state] : states) CHECK(state_in_table(status.out, script) == state);
  CHECK(nlohmann::json::parse(json.out).at("current_version") == "99");
  ProcessResult check = run_strata(command_args("status", url, dir, {"--check"}));
  CHECK(check.exit_code == 3);  // problems stop migrate: worse than pending
  CHECK_THAT(check.out, Catch::Contains("problems that stop `strata migrate`"));
  ProcessResult validate = run_strata(command_args("validate", url, dir));
  CHECK(validate.exit_code == 3);
  CHECK_THAT(validate.err, Catch::Contains("V2__two.sql") && Catch::Contains("V3__three.sql") &&
                               Catch::Contains("V4_5__between.sql"));
  CHECK_THAT(validate.err, !Catch::Contains("V99__ninety_nine.sql"));  // future is a warning, never an error
}

TEST_CASE("rollback marks versions undone, and migrate applies them again to the same schema and history",
          "[lifecycle]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  dir.write("V1__customers.sql", "CREATE TABLE customers (id INTEGER PRIMARY KEY, name VARCHAR(50));\n");
  dir.write("U1__customers.sql", "DROP TABLE customers;\n");
  dir.write("V2__orders.sql", "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER);\n");
  dir.write("U2__orders.sql", "DROP VIEW IF EXISTS order_view;\nDROP TABLE orders;\n");  // the view depends on it
  dir.write("V3__note.sql", "ALTER TABLE orders ADD COLUMN note VARCHAR(100);\n");
  dir.write("U3__note.sql", "ALTER TABLE orders DROP COLUMN note;\n");
  dir.write("R__order_view.sql", "DROP VIEW IF EXISTS order_view;\nCREATE VIEW order_view AS SELECT id FROM orders;\n");
  REQUIRE(run_strata(command_args("migrate", url, dir)).exit_code == 0);
  Inspector db(url);
  std::string migrated = db.schema_snapshot();

  ProcessResult rollback = run_strata(command_args("rollback", url, dir, {"--steps", "2"}));
  CHECK(rollback.exit_code == 0);
  CHECK_THAT(rollback.out, Catch::Contains("undid 3") && Catch::Contains("undid 2") && Catch::Contains("at version 1"));
  CHECK_FALSE(db.has_table("orders"));
  ProcessResult status = run_strata(command_args("status", url, dir));
  CHECK(state_in_table(status.out, "V2__orders.sql") == "undone");
  CHECK(state_in_table(status.out, "V3__note.sql") == "undone");
  CHECK(state_in_table(status.out, "V1__customers.sql") == "applied");
  CHECK(run_strata(command_args("status", url, dir, {"--check"})).exit_code == 6);

  ProcessResult again = run_strata(command_args("migrate", url, dir));
  CHECK(again.exit_code == 0);
  CHECK(db.schema_snapshot() == migrated);  // the view is back too: repeatables run again after an undo
  std::vector<std::string> history;
  for (const auto& row : db.ledger())
    history.push_back(std::string(to_string(row.kind)) + " " + to_string(row.version, row.description));
  CHECK(history == std::vector<std::string>{"versioned 1", "versioned 2", "versioned 3", "repeatable order view",
                                            "undo 3", "undo 2", "versioned 2", "versioned 3", "repeatable order view"});
}

TEST_CASE("the example project rolls back completely and migrates again to the same schema", "[lifecycle]") {
  std::string example = test_setting("STRATA_TEST_EXAMPLE_DIR");
  REQUIRE_FALSE(example.empty());
  std::string url = fresh_database_url();
  std::vector<std::string> base{"--url", url, "--dir", example};
  auto run = [&](std::vector<std::string> a) {
    a.insert(a.end(), base.begin(), base.end());
    return run_strata(a);
  };
  REQUIRE(run({"migrate"}).exit_code == 0);
  Inspector db(url);
  std::string migrated = db.schema_snapshot();
  ProcessResult down = run({"rollback", "--steps", "5"});
  CHECK(down.exit_code == 0);
  CHECK(db.schema_snapshot().empty());
  CHECK(run({"migrate"}).exit_code == 0);
  CHECK(db.schema_snapshot() == migrated);
}

TEST_CASE("rollback of a version without an undo is refused before anything runs", "[lifecycle]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  dir.write("V1__a.sql", "CREATE TABLE a (id INTEGER);\n");
  dir.write("U1__a.sql", "DROP TABLE a;\n");
  dir.write("V2__b.sql", "CREATE TABLE b (id INTEGER);\n");
  dir.write("V3__c.sql", "CREATE TABLE c (id INTEGER);\n");
  dir.write("U3__c.sql", "DROP TABLE c;\n");
  REQUIRE(run_strata(command_args("migrate", url, dir)).exit_code == 0);
  expect_refused(url, command_args("rollback", url, dir, {"--to", "0"}), 3, {"version 2", "no undo"});
  Inspector db(url);
  CHECK(db.has_table("c"));
}

TEST_CASE("baseline marks an existing database, and migrate then applies only later versions", "[lifecycle]") {
  std::string url = fresh_database_url();
  {
    Inspector db(url);
    db.connection().session().execute("CREATE TABLE legacy (id INTEGER PRIMARY KEY)");
  }
  ScratchDir dir;
  dir.write("V1__legacy.sql", "CREATE TABLE legacy (id INTEGER PRIMARY KEY);\n");
  dir.write("V2__legacy_more.sql", "CREATE TABLE legacy_more (id INTEGER);\n");
  dir.write("U3__new_table.sql", "DROP TABLE new_table;\n");
  dir.write("V3__new_table.sql", "CREATE TABLE new_table (id INTEGER);\n");

  ProcessResult baseline = run_strata(command_args("baseline", url, dir, {"--version", "2"}));
  CHECK(baseline.exit_code == 0);
  CHECK_THAT(baseline.out, Catch::Contains("baselined at version 2"));
  ProcessResult migrate = run_strata(command_args("migrate", url, dir));
  CHECK(migrate.exit_code == 0);
  CHECK_THAT(migrate.out,
             Catch::Contains("applied 3") && !Catch::Contains("applied 1 ") && !Catch::Contains("applied 2 "));
  Inspector db(url);
  CHECK(db.has_table("new_table"));
  CHECK_FALSE(db.has_table("legacy_more"));

  ProcessResult status = run_strata(command_args("status", url, dir));
  CHECK(state_in_table(status.out, "V1__legacy.sql") == "below-baseline");
  CHECK(state_in_table(status.out, "V2__legacy_more.sql") == "baseline");
  CHECK(state_in_table(status.out, "V3__new_table.sql") == "applied");

  expect_refused(url, command_args("baseline", url, dir, {"--version", "5"}), 3,
                 {"already has a baseline, at version 2"});
  expect_refused(url, command_args("rollback", url, dir, {"--to", "1"}), 3, {"below the baseline"});
  CHECK(run_strata(command_args("rollback", url, dir, {"--to", "2"})).exit_code == 0);
  CHECK_FALSE(db.has_table("new_table"));
}

TEST_CASE("migrate --baseline-on-migrate baselines a non-empty database without a ledger", "[lifecycle]") {
  std::string url = fresh_database_url();
  Inspector db(url);
  db.connection().session().execute("CREATE TABLE legacy (id INTEGER)");
  ScratchDir dir;
  dir.write("V1__legacy.sql", "CREATE TABLE legacy (id INTEGER);\n");
  dir.write("V2__next.sql", "CREATE TABLE next_one (id INTEGER);\n");
  ProcessResult r = run_strata(command_args("migrate", url, dir, {"--baseline-on-migrate", "1"}));
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("baselined at version 1") && Catch::Contains("applied 2"));
  CHECK(db.has_table("next_one"));
  auto ledger = db.ledger();
  REQUIRE(ledger.size() == 2);
  CHECK(ledger[0].kind == MigrationKind::baseline);
  CHECK(to_string(ledger[0].version) == "1");
  CHECK(to_string(ledger[1].version) == "2");
}

TEST_CASE("the bad-input matrix: each refused with its exit code and a message, nothing changed", "[lifecycle]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  dir.write("V1__base.sql", "CREATE TABLE base (id INTEGER);\nINSERT INTO base VALUES (1);\n");
  dir.write("V3__later.sql", "CREATE TABLE later (id INTEGER);\n");
  REQUIRE(run_strata(command_args("migrate", url, dir)).exit_code == 0);
  dir.write("V4__next.sql", "CREATE TABLE next_table (id INTEGER);\n");  // pending: every refusal must leave it so

  SECTION("duplicate versions, both files named") {
    dir.write("004_next_again.sql", "CREATE TABLE x (id INTEGER);\n");
    expect_refused(url, command_args("migrate", url, dir), 3, {"004_next_again.sql", "V4__next.sql"});
  }
  SECTION("an unknown file name") {
    dir.write("V5_typo.sql", "CREATE TABLE x (id INTEGER);\n");
    expect_refused(url, command_args("migrate", url, dir), 3, {"V5_typo.sql", "two underscores"});
  }
  SECTION("an empty file") {
    dir.write("V5__empty.sql", "-- to do\n");
    expect_refused(url, command_args("migrate", url, dir), 3, {"V5__empty.sql", "empty"});
  }
  SECTION("a file that is not UTF-8") {
    dir.write("V5__latin1.sql", "INSERT INTO base VALUES ('caf\xE9');\n");
    expect_refused(url, command_args("migrate", url, dir), 3, {"V5__latin1.sql", "not UTF-8"});
  }
  SECTION("an unterminated string, with its line") {
    dir.write("V5__open.sql", "CREATE TABLE y (id INTEGER);\n\nINSERT INTO y VALUES ('open);\n");
    expect_refused(url, command_args("migrate", url, dir), 3, {"V5__open.sql:3", "unterminated"});
  }
  SECTION("a missing migrations directory") {
    std::vector<std::string> a{"migrate", "--url", url, "--dir", (dir.path() / "nope").string()};
    expect_refused(url, a, 2, {"nope", "does not exist"});
  }
  SECTION("an unknown URL scheme") {
    expect_refused(url, {"migrate", "--url", "cassandra://db/x", "--dir", dir.path().string()}, 2, {"'cassandra'"});
  }
  SECTION("a --target that is no migration's version") {
    expect_refused(url, command_args("migrate", url, dir, {"--target", "3.5"}), 2, {"--target 3.5"});
  }
  SECTION("an out-of-order version") {
    dir.write("V2__forgotten.sql", "CREATE TABLE forgotten (id INTEGER);\n");
    expect_refused(url, command_args("migrate", url, dir), 3, {"V2__forgotten.sql", "--out-of-order"});
  }
  SECTION("a .yaml and a .sql for one version") {
    dir.write("V4__next.yaml", "- sql: {sqlite: \"SELECT 1\"}\n");
    expect_refused(url, command_args("migrate", url, dir), 3, {"V4__next.yaml", "one migration has one form"});
  }
  SECTION("a statement that cannot run in a transaction, without the directive") {
    if (auto statement = no_transaction_statement()) {
      dir.write("V5__maintenance.sql", "CREATE TABLE z (id INTEGER);\n" + *statement + ";\n");
      expect_refused(url, command_args("migrate", url, dir), 3, {"V5__maintenance.sql:2", "strata:no-transaction"});
    } else {
      REQUIRE_FALSE(Inspector(url).capabilities().transactional_ddl);  // nothing runs in a transaction here
    }
  }
  SECTION("transaction control, even in a no-transaction file") {
    dir.write("V5__own_transaction.sql", "-- strata:no-transaction\nBEGIN;\nCREATE TABLE z (id INTEGER);\nCOMMIT;\n");
    expect_refused(url, command_args("migrate", url, dir), 3,
                   {"V5__own_transaction.sql:2", "controls the transaction"});
  }
  SECTION("an unknown directive") {
    dir.write("V5__directive.sql", "-- strata:no-transactions\nCREATE TABLE z (id INTEGER);\n");
    expect_refused(url, command_args("migrate", url, dir), 3, {"V5__directive.sql", "line 1", "no-transactions"});
  }
  SECTION("a changed applied file") {
    dir.write("V1__base.sql", "CREATE TABLE base (id INTEGER);\nINSERT INTO base VALUES (2);\n");
    expect_refused(url, command_args("migrate", url, dir), 3, {"V1__base.sql", "checksum"});
  }
}

TEST_CASE("validate and migrate report every problem of a run at once, each at its file and line, and nothing runs",
          "[lifecycle]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  dir.write("V1__base.sql", "CREATE TABLE base (id INTEGER);\n");
  REQUIRE(run_strata(command_args("migrate", url, dir)).exit_code == 0);
  // Four defects in four places: a changed applied file (the plan's), transaction control in
  // two files (each statement's), a string left open (the splitting's).
  dir.write("V1__base.sql", "CREATE TABLE base (id INTEGER);\nINSERT INTO base VALUES (1);\n");
  dir.write("V2__own_transaction.sql", "CREATE TABLE two (id INTEGER);\nBEGIN;\n");
  dir.write("V3__open.sql", "CREATE TABLE three (id INTEGER);\n\nINSERT INTO three VALUES ('open);\n");
  dir.write("V4__commit.sql", "COMMIT;\n");
  for (const char* command : {"validate", "migrate"}) {
    INFO(command);
    expect_refused(url, command_args(command, url, dir), 3,
                   {"4 problems stop the run", "V1__base.sql", "checksum", "V2__own_transaction.sql:2",
                    "V3__open.sql:3", "V4__commit.sql:1"});
  }
  ProcessResult json = run_strata(command_args("validate", url, dir, {"--json"}));
  CHECK(json.exit_code == 3);
  auto problems = nlohmann::json::parse(json.out).at("error").at("problems");
  REQUIRE(problems.size() == 4);
  std::vector<std::pair<std::string, int>> places;
  for (const auto& p : problems) places.emplace_back(p.value("file", ""), p.value("line", 0));
  CHECK(places[1] == std::pair<std::string, int>{(dir.path() / "V2__own_transaction.sql").string(), 2});
  CHECK(places[2] == std::pair<std::string, int>{(dir.path() / "V3__open.sql").string(), 3});
  CHECK(places[3] == std::pair<std::string, int>{(dir.path() / "V4__commit.sql").string(), 1});
  Inspector db(url);
  CHECK_FALSE(db.has_table("two"));
  CHECK(db.ledger().size() == 1);
}

TEST_CASE("a statement that cannot run in a transaction runs with the no-transaction directive", "[lifecycle]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  dir.write("V1__base.sql", "CREATE TABLE base (id INTEGER);\n");
  dir.write("V2__maintenance.sql", "-- strata:no-transaction\n" +
                                       no_transaction_statement().value_or("CREATE TABLE maintenance (id INTEGER)") +
                                       ";\n");
  ProcessResult r = run_strata(command_args("migrate", url, dir));
  INFO(r.err);
  CHECK(r.exit_code == 0);
  Inspector db(url);
  auto ledger = db.ledger();
  REQUIRE(ledger.size() == 2);
  CHECK(ledger[1].success);
  CHECK(ledger[1].statements_done == 1);
  // Where the statement builds an index (CREATE INDEX CONCURRENTLY), the index must be valid.
  if (std::string index = test_setting("STRATA_TEST_NO_TRANSACTION_INDEX"); !index.empty()) {
    auto indexes = db.connection().catalog().indexes("base");
    auto found = std::find_if(indexes.begin(), indexes.end(), [&](const IndexInfo& i) { return i.name == index; });
    REQUIRE(found != indexes.end());
    CHECK(found->valid);
  }
}

TEST_CASE("a migration run statement by statement that fails is recorded exactly and resumed after a fix",
          "[lifecycle][progress]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  std::string first_two = "-- strata:no-transaction\nCREATE TABLE p1 (id INTEGER);\nCREATE TABLE p2 (id INTEGER);\n";
  dir.write("V1__progress.sql", first_two + "INSERT INTO no_such_table VALUES (1);\nCREATE TABLE p4 (id INTEGER);\n" +
                                    "CREATE TABLE p5 (id INTEGER);\n");
  ProcessResult failed = run_strata(command_args("migrate", url, dir));
  CHECK(failed.exit_code == 1);
  CHECK_THAT(failed.err, Catch::Contains("V1__progress.sql:4") && Catch::Contains("statement 3 of 5"));
  CHECK_THAT(failed.err, Catch::Contains("--resume"));
  Inspector db(url);
  CHECK(db.has_table("p2"));
  CHECK_FALSE(db.has_table("p4"));
  auto ledger = db.ledger();
  REQUIRE(ledger.size() == 1);
  CHECK_FALSE(ledger[0].success);
  CHECK(ledger[0].statements_done == 2);
  CHECK_FALSE(ledger[0].in_doubt);
  CHECK(state_in_table(run_strata(command_args("status", url, dir)).out, "V1__progress.sql") ==
        "failed at statement 3");

  expect_refused(url, command_args("migrate", url, dir), 3, {"failed at statement 3", "--resume"});
  std::string fixed_rest =
      "CREATE TABLE p3 (id INTEGER);\nCREATE TABLE p4 (id INTEGER);\nCREATE TABLE p5 (id INTEGER);\n";
  dir.write(
      "V1__progress.sql",
      "-- strata:no-transaction\nCREATE TABLE p1 (id INTEGER);\nCREATE TABLE p2_renamed (id INTEGER);\n" + fixed_rest);
  expect_refused(url, command_args("migrate", url, dir, {"--resume"}), 3, {"statements 1-2", "changed"});

  dir.write("V1__progress.sql", first_two + fixed_rest);
  ProcessResult resumed = run_strata(command_args("migrate", url, dir, {"--resume"}));
  CHECK(resumed.exit_code == 0);
  CHECK(db.has_table("p3"));
  CHECK(db.has_table("p5"));
  ledger = db.ledger();
  REQUIRE(ledger.size() == 1);
  CHECK(ledger[0].success);
  CHECK(ledger[0].statements_done == 5);
  CHECK(ledger[0].checksum == script_checksum(first_two + fixed_rest));

  std::string clean_url = fresh_database_url();
  REQUIRE(run_strata(command_args("migrate", clean_url, dir)).exit_code == 0);
  CHECK(Inspector(clean_url).schema_snapshot() == db.schema_snapshot());
}

TEST_CASE("repair removes a failed row, after which the migration runs from the start", "[lifecycle][progress]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  dir.write("V1__progress.sql",
            "-- strata:no-transaction\nCREATE TABLE r1 (id INTEGER);\nINSERT INTO nope VALUES (1);\n");
  REQUIRE(run_strata(command_args("migrate", url, dir)).exit_code == 1);
  Inspector db(url);
  db.connection().session().execute("DROP TABLE r1");  // the operator reconciles by hand
  ProcessResult repair = run_strata(command_args("repair", url, dir));
  CHECK(repair.exit_code == 0);
  CHECK_THAT(repair.out, Catch::Contains("removed the failed row of V1__progress.sql"));
  CHECK(db.ledger().empty());
  dir.write("V1__progress.sql",
            "-- strata:no-transaction\nCREATE TABLE r1 (id INTEGER);\nCREATE TABLE r2 (id INTEGER);\n");
  CHECK(run_strata(command_args("migrate", url, dir)).exit_code == 0);
  CHECK(db.has_table("r2"));
}

TEST_CASE("repair re-records the checksum and name of a changed applied file", "[lifecycle]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  dir.write("001_first.sql", "CREATE TABLE first_one (id INTEGER);\n");
  REQUIRE(run_strata(command_args("migrate", url, dir)).exit_code == 0);
  std::filesystem::remove(dir.path() / "001_first.sql");
  dir.write("V1__first.sql", "-- a comment added later\nCREATE TABLE first_one (id INTEGER);\n");
  REQUIRE(run_strata(command_args("migrate", url, dir)).exit_code == 3);
  ProcessResult repair = run_strata(command_args("repair", url, dir));
  CHECK(repair.exit_code == 0);
  CHECK_THAT(repair.out, Catch::Contains("re-recorded the checksum of V1__first.sql"));
  CHECK_THAT(repair.out, Catch::Contains("re-recorded the file name of 001_first.sql as V1__first.sql"));
  ProcessResult migrate = run_strata(command_args("migrate", url, dir));
  CHECK(migrate.exit_code == 0);
  CHECK_THAT(migrate.out, Catch::Contains("up to date"));
}

TEST_CASE("a migrator ended between a statement and its record leaves that statement in doubt",
          "[lifecycle][progress]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  Inspector db(url);
  // With transactional DDL each statement of a no-transaction script commits with its record
  // (the next test), except one no transaction may hold: VACUUM, on both such backends.
  bool atomic = db.capabilities().transactional_ddl;
  std::string script = std::string("-- strata:no-transaction\nCREATE TABLE d1 (id INTEGER);\n") +
                       (atomic ? "VACUUM" : "CREATE TABLE d2 (id INTEGER)") + ";\nCREATE TABLE d3 (id INTEGER);\n";
  dir.write("V1__doubt.sql", script);
  ProcessResult ended =
      run_strata(command_args("migrate", url, dir), {{"STRATA_FAILPOINT=exit-after-statement:2"}, {}});
  REQUIRE(ended.exit_code == 86);  // the failpoint fired: a test build
  auto ledger = db.ledger();
  REQUIRE(ledger.size() == 1);
  CHECK(ledger[0].in_doubt);
  CHECK(ledger[0].statements_done == 1);
  if (!atomic) CHECK(db.has_table("d2"));  // it did run; only the ledger does not know
  CHECK(state_in_table(run_strata(command_args("status", url, dir)).out, "V1__doubt.sql") ==
        "failed at statement 2 (in doubt)");

  expect_refused(url, command_args("migrate", url, dir, {"--resume"}), 3, {"--resume=retry", "--resume=skip"});

  SECTION("--resume=skip takes it as done") {
    CHECK(run_strata(command_args("migrate", url, dir, {"--resume=skip"})).exit_code == 0);
  }
  SECTION("--resume=retry runs it again") {
    if (!atomic) db.connection().session().execute("DROP TABLE d2");  // the operator found it had not run
    CHECK(run_strata(command_args("migrate", url, dir, {"--resume=retry"})).exit_code == 0);
  }
  ledger = db.ledger();
  REQUIRE(ledger.size() == 1);
  CHECK(ledger[0].success);
  CHECK(ledger[0].statements_done == 3);
  CHECK_FALSE(ledger[0].in_doubt);
  std::string clean_url = fresh_database_url();
  REQUIRE(run_strata(command_args("migrate", clean_url, dir)).exit_code == 0);
  CHECK(Inspector(clean_url).schema_snapshot() == db.schema_snapshot());
}

TEST_CASE(
    "with transactional DDL a no-transaction script's statement commits with its record, so a kill at it leaves "
    "nothing in doubt and a plain migrate continues",
    "[lifecycle][progress]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  Inspector db(url);
  dir.write("V1__steps.sql",
            "-- strata:no-transaction\nCREATE TABLE s1 (id INTEGER);\nCREATE TABLE s2 (id INTEGER);\n"
            "CREATE TABLE s3 (id INTEGER);\n");
  // Statement 2 ran and its result was read; the process is killed before anything records it.
  ProcessResult killed = run_strata(command_args("migrate", url, dir), {{"STRATA_FAILPOINT=kill-before-record:2"}, {}});
  REQUIRE(killed.signal == SIGKILL);
  auto ledger = db.ledger();
  REQUIRE(ledger.size() == 1);
  CHECK_FALSE(ledger[0].success);
  CHECK(ledger[0].statements_done == 1);
  bool atomic = db.capabilities().transactional_ddl;
  // Undone with the transaction its record was to commit in; or autocommitted, and only the
  // ledger does not know.
  CHECK(db.has_table("s2") == !atomic);
  if (atomic)  // known not to have run: skipping it would leave it out
    expect_refused(url, command_args("migrate", url, dir, {"--resume=skip"}), 3,
                   {"V1__steps.sql", "statement 2, which did not run", "run `strata migrate`"});
  ProcessResult again = run_strata(command_args("migrate", url, dir));
  if (atomic) {
    CHECK(again.exit_code == 0);
    ledger = db.ledger();
    REQUIRE(ledger.size() == 1);
    CHECK(ledger[0].success);
    CHECK(ledger[0].statements_done == 3);
    CHECK_FALSE(ledger[0].in_doubt);
    CHECK(db.has_table("s3"));
  } else {
    CHECK(again.exit_code == 3);
    CHECK_THAT(again.err, Catch::Contains("--resume=retry") && Catch::Contains("--resume=skip"));
  }
}

TEST_CASE("a kill in a statement's own transaction right after one that ran alone leaves nothing in doubt",
          "[lifecycle][progress]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  Inspector db(url);
  bool atomic = db.capabilities().transactional_ddl;
  // VACUUM runs alone (no transaction may hold it); the CREATE after it, in its own transaction.
  dir.write("V1__steps.sql", std::string("-- strata:no-transaction\n") +
                                 (atomic ? "VACUUM;\n" : "CREATE TABLE a1 (id INTEGER);\n") +
                                 "CREATE TABLE a2 (id INTEGER);\nCREATE TABLE a3 (id INTEGER);\n");
  REQUIRE(run_strata(command_args("migrate", url, dir), {{"STRATA_FAILPOINT=kill-before-record:2"}, {}}).signal ==
          SIGKILL);
  CHECK(db.has_table("a2") == !atomic);
  ProcessResult again = run_strata(command_args("migrate", url, dir));
  INFO(again.err);
  if (atomic) {
    CHECK(again.exit_code == 0);
    CHECK(db.has_table("a3"));
    REQUIRE(db.ledger().size() == 1);
    CHECK(db.ledger()[0].success);
  } else {
    CHECK(again.exit_code == 3);
    CHECK_THAT(again.err, Catch::Contains("--resume=retry") && Catch::Contains("--resume=skip"));
  }
}

TEST_CASE(
    "a row in doubt is settled only as this strata wrote it: not from a ledger an older strata kept, nor for an "
    "edited file",
    "[lifecycle][progress]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  Inspector db(url);
  std::string script = "-- strata:no-transaction\nCREATE TABLE o1 (id INTEGER);\nCREATE TABLE o2 (id INTEGER);\n";
  dir.write("V1__steps.sql", script);
  REQUIRE(run_strata(command_args("migrate", url, dir), {{"STRATA_FAILPOINT=kill-before-record:2"}, {}}).signal ==
          SIGKILL);
  REQUIRE(db.ledger().size() == 1);
  REQUIRE(db.ledger()[0].in_doubt);
  std::vector<std::string> asked{"V1__steps.sql", "statement 2", "Check the database", "--resume=retry",
                                 "--resume=skip"};

  // The same file, edited since: its statement 2 may be another than the one that ran.
  dir.write("V1__steps.sql", script + "CREATE TABLE o3 (id INTEGER);\n");
  expect_refused(url, command_args("migrate", url, dir), 3, asked);
  dir.write("V1__steps.sql", script);

  // A ledger of format 4: a strata of that format ran statement 2 alone, so it may have run.
  db.connection().session().execute("UPDATE strata_history_state SET format = 4, reader_format = 3");
  expect_refused(url, command_args("migrate", url, dir), 3, asked);
  CHECK(db.count("SELECT format FROM strata_history_state") == 4);  // kept until the row is resolved
  // As the operator would choose: statement 2 did not run where DDL is transactional.
  bool atomic = db.capabilities().transactional_ddl;
  ProcessResult retried = run_strata(command_args("migrate", url, dir, {atomic ? "--resume=retry" : "--resume=skip"}));
  INFO(retried.err);
  REQUIRE(retried.exit_code == 0);
  CHECK(db.has_table("o2"));
  dir.write("V2__more.sql", "CREATE TABLE o4 (id INTEGER);\n");  // the next run that takes the lock
  ProcessResult next = run_strata(command_args("migrate", url, dir));
  INFO(next.err);
  CHECK(next.exit_code == 0);
  CHECK_THAT(next.err, Catch::Contains("upgraded the ledger strata_history from format 4 to 5"));
  CHECK(db.count("SELECT reader_format FROM strata_history_state") == ledger_reader_format);
}

TEST_CASE("a dry run prints the SQL it would run and changes nothing", "[lifecycle]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  dir.write("V1__a.sql", "CREATE TABLE dry_a (id INTEGER);\n");
  dir.write("V2__b.sql", "CREATE TABLE dry_b (id INTEGER);\nINSERT INTO dry_b VALUES (42);\n");
  Inspector db(url);
  std::string before = db.schema_snapshot();
  ProcessResult r = run_strata(command_args("migrate", url, dir, {"--dry-run"}));
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out,
             Catch::Contains("CREATE TABLE dry_a (id INTEGER);") && Catch::Contains("INSERT INTO dry_b VALUES (42);"));
  CHECK(db.schema_snapshot() == before);
  CHECK_FALSE(db.has_table("strata_history"));
  ProcessResult json = run_strata(command_args("migrate", url, dir, {"--dry-run", "--json"}));
  auto doc = nlohmann::json::parse(json.out);
  CHECK(doc.at("dry_run").size() == 2);
  CHECK(doc.at("dry_run")[1].at("statements").size() == 2);
}

TEST_CASE("a single transaction applies all or nothing where DDL is transactional", "[lifecycle]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  dir.write("V1__a.sql", "CREATE TABLE st_a (id INTEGER);\n");
  dir.write("V2__b.sql", "CREATE TABLE st_b (id INTEGER);\nINSERT INTO missing_table VALUES (1);\n");
  Inspector db(url);
  ProcessResult r = run_strata(command_args("migrate", url, dir, {"--single-transaction"}));
  if (db.capabilities().transactional_ddl) {
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains("V2__b.sql:2"));
    CHECK_FALSE(db.has_table("st_a"));
    CHECK(db.ledger().empty());
    dir.write("V2__b.sql", "CREATE TABLE st_b (id INTEGER);\n");
    CHECK(run_strata(command_args("migrate", url, dir, {"--single-transaction"})).exit_code == 0);
    CHECK(db.ledger().size() == 2);
  } else {
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("transactional DDL"));
    CHECK_FALSE(db.has_table("st_a"));
  }
}

TEST_CASE("a statement timeout interrupts a statement that runs too long", "[lifecycle]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  std::string slow = test_setting("STRATA_TEST_TIMEOUT_SQL");  // one that fails when interrupted
  dir.write("V1__slow.sql",
            "CREATE TABLE before_slow (id INTEGER);\n" + (slow.empty() ? slow_statement() : slow) + ";\n");
  auto start = std::chrono::steady_clock::now();
  ProcessResult r = run_strata(command_args("migrate", url, dir, {"--statement-timeout", "0.5"}));
  CHECK(std::chrono::steady_clock::now() - start < 10s);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("V1__slow.sql:2") && Catch::Contains("timeout"));
}

TEST_CASE("connect retries try again, one second apart, before giving up", "[lifecycle]") {
  std::string url = test_setting("STRATA_TEST_UNREACHABLE_URL");
  REQUIRE_FALSE(url.empty());
  ScratchDir dir;
  auto start = std::chrono::steady_clock::now();
  ProcessResult r = run_strata(command_args("migrate", url, dir, {"--connect-retries", "2"}));
  auto took = std::chrono::steady_clock::now() - start;
  CHECK(r.exit_code == 5);
  CHECK_THAT(r.err, Catch::Contains("attempt 1 of 3") && Catch::Contains("attempt 2 of 3"));
  CHECK(took >= 2s);
}

TEST_CASE("two schemas of one database are migrated independently, each with its own ledger and lock",
          "[lifecycle][schemas]") {
  std::string url = fresh_database_url();
  auto in_schema = [&](const std::string& schema) {
    return url + (url.find('?') == std::string::npos ? "?" : "&") + "schema=" + schema;
  };
  ScratchDir dir;
  dir.write("V1__t.sql", "CREATE TABLE t (id INTEGER);\n");
  Inspector db(url);
  if (!db.capabilities().schemas) {  // a backend without schemas refuses the parameter
    ProcessResult r = run_strata(command_args("migrate", in_schema("alpha"), dir));
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("schema"));
    return;
  }
  ProcessResult missing = run_strata(command_args("migrate", in_schema("alpha"), dir));
  CHECK(missing.exit_code == 2);
  CHECK_THAT(missing.err, Catch::Contains("\"alpha\" does not exist") && Catch::Contains("--create-schema"));

  CHECK(run_strata(command_args("migrate", in_schema("alpha"), dir, {"--create-schema"})).exit_code == 0);
  Inspector alpha(in_schema("alpha"));
  auto lock = alpha.lock();
  REQUIRE(lock->try_acquire());  // alpha's lock does not stop beta
  ProcessResult beta =
      run_strata(command_args("migrate", in_schema("beta"), dir, {"--create-schema", "--lock-timeout", "0"}));
  CHECK(beta.exit_code == 0);
  lock->release();

  Inspector beta_db(in_schema("beta"));
  CHECK(alpha.has_table("t"));
  CHECK(beta_db.has_table("t"));
  CHECK(alpha.ledger().size() == 1);
  CHECK(beta_db.ledger().size() == 1);
  CHECK_FALSE(db.has_table("strata_history"));  // nothing in the default schema
}

TEST_CASE("embedded SQL and C++ migrations are applied once, recorded, and keep their checksums",
          "[lifecycle][embedded]") {
  std::string url = fresh_database_url();
  auto build = [](std::string backfill_checksum) {
    MigrationSet set;
    set.sql("V1__numbers.sql", "CREATE TABLE numbers (id INTEGER, n INTEGER);\n")
        .function("2", "backfill numbers", backfill_checksum, [](Session& session) {
          for (int i = 1; i <= 3; ++i)  // data that needs logic; literals keep this dialect-neutral
            session.execute("INSERT INTO numbers (id, n) VALUES (" + std::to_string(i) + ", " + std::to_string(i * 10) +
                            ")");
        });
    return set;
  };
  Options options;
  options.url = url;
  options.dir = "";
  options.embedded = build("backfill-v1");
  Report first = strata::migrate(options);
  CHECK(first.applied.size() == 2);
  Inspector db(url);
  CHECK(db.count("SELECT COUNT(*) FROM numbers") == 3);
  CHECK(db.count("SELECT SUM(n) FROM numbers") == 60);
  auto ledger = db.ledger();
  REQUIRE(ledger.size() == 2);
  CHECK(ledger[0].script == "V1__numbers.sql");
  CHECK(ledger[0].checksum == script_checksum("CREATE TABLE numbers (id INTEGER, n INTEGER);\n"));
  CHECK(ledger[1].script == "V2__backfill_numbers (C++)");

  Report again = strata::migrate(options);  // a new process would build the same set
  CHECK(again.applied.empty());
  CHECK(db.count("SELECT COUNT(*) FROM numbers") == 3);

  options.embedded = build("backfill-v2");  // the function's behaviour changed
  try {
    strata::migrate(options);
    FAIL("a changed C++ migration was accepted");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::validation);
    CHECK_THAT(e.what(), Catch::Contains("C++ migration V2__backfill_numbers") && Catch::Contains("checksum"));
  }
}

TEST_CASE(
    "a C++ migration that throws fails the run naming it, and leaves no half-done work where DDL is "
    "transactional",
    "[lifecycle][embedded]") {
  std::string url = fresh_database_url();
  MigrationSet set;
  set.sql("V1__numbers.sql", "CREATE TABLE numbers (id INTEGER);\n")
      .function("2", "explode", "x", [](Session& session) {
        session.execute("INSERT INTO numbers (id) VALUES (1)");
        throw std::runtime_error("the backfill found a row it cannot convert");
      });
  Options options;
  options.url = url;
  options.dir = "";
  options.embedded = set;
  try {
    strata::migrate(options);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::apply_failed);
    CHECK(exit_code(e.kind()) == 1);
    CHECK(e.version() == "2");
    CHECK_THAT(e.what(), Catch::Contains("C++ migration") && Catch::Contains("cannot convert"));
  }
  Inspector db(url);
  auto ledger = db.ledger();
  if (db.capabilities().transactional_ddl) {
    CHECK(db.count("SELECT COUNT(*) FROM numbers") == 0);
    CHECK(ledger.size() == 1);
  } else {
    REQUIRE(ledger.size() == 2);
    CHECK_FALSE(ledger[1].success);
    CHECK(ledger[1].statements_done == 0);
  }
}
