// Checks that look at the data, on a backend: `strata lint --url` asks the rows, a backfill adds a
// NOT NULL column to a table that has them (and converges after a kill between its steps),
// require_empty refuses a drop that would lose data, and `strata drift` names what was changed by
// hand.
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <strata/render.hpp>

#include <algorithm>
#include <filesystem>

using namespace strata;
using namespace strata::conformance;
namespace fs = std::filesystem;

namespace {

const char* runs_table =
    "- create_table:\n"
    "    name: runs\n"
    "    columns:\n"
    "      - {name: id, type: bigint, primary_key: true}\n"
    "      - {name: status, type: string, length: 20}\n";

// `n` rows in runs (ids from `first`), by a cross join of a table of ten digits: one statement.
void fill_runs(const std::string& url, int n, int first = 1) {
  Inspector db(url);
  Session& s = db.connection().session();
  s.execute("CREATE TABLE digits (d INTEGER)");
  s.execute("INSERT INTO digits (d) VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)");
  s.execute("INSERT INTO runs (id, status) SELECT n + " + std::to_string(first) +
            ", 'done' FROM (SELECT a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 10000 * f.d AS n FROM digits a, digits b, "
            "digits c, digits e, digits f) numbers WHERE n < " +
            std::to_string(n));
  s.execute("DROP TABLE digits");
}

// Whether the driver under test can apply every operation of `yaml` (a driver may declare some it
// cannot, such as a template driver's alter_column; migrate then refuses before anything runs).
bool supported(const std::string& url, const std::string& yaml) {
  Inspector db(url);
  const OperationRenderer* renderer = db.connection().renderer();
  ops::Script script = ops::parse_yaml(yaml, "V2__x.yaml");
  return renderer &&
         std::all_of(script.up.begin(), script.up.end(), [&](const auto& op) { return renderer->supports(op); });
}

const ColumnInfo* column_of(const std::vector<ColumnInfo>& columns, const std::string& name) {
  for (const auto& c : columns)
    if (c.name == name) return &c;
  return nullptr;
}

}  // namespace

TEST_CASE(
    "lint: a NOT NULL column without a default passes on an empty table, is refused on one with a row, and "
    "its backfill applies on 100,000 rows",
    "[backend]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  dir.write("V1__runs.yaml", runs_table);
  REQUIRE(run_strata(command_args("migrate", url, dir)).exit_code == 0);
  dir.write("V2__runbook_version.yaml",
            "- add_column: {table: runs, column: {name: runbook_version, type: integer, nullable: false}}\n");

  ProcessResult empty = run_strata(command_args("lint", url, dir));
  INFO(empty.out << empty.err);
  CHECK(empty.exit_code == 0);
  CHECK_THAT(empty.out, Catch::Contains("ok not-null-no-default") && Catch::Contains("runs, which is empty"));
  CHECK_THAT(empty.out, Catch::Contains("1 migration checked with data: 0 errors"));

  fill_runs(url, 1);
  ProcessResult one = run_strata(command_args("lint", url, dir));
  INFO(one.out << one.err);
  CHECK(one.exit_code == 3);
  CHECK_THAT(one.out, Catch::Contains("V2__runbook_version.yaml:1: error not-null-no-default") &&
                          Catch::Contains("it fails on runs, which holds 1 row") && Catch::Contains("backfill"));

  // The remedy lint names: the rows filled first.
  const std::string remedy =
      "- add_column: {table: runs, column: {name: runbook_version, type: integer, nullable: false}, backfill: 1}\n";
  dir.write("V2__runbook_version.yaml", remedy);
  ProcessResult remedied = run_strata(command_args("lint", url, dir));
  INFO(remedied.out << remedied.err);
  CHECK(remedied.exit_code == 0);
  if (!supported(url, remedy)) return;  // refused before anything runs (the operations suite proves it)
  fill_runs(url, 100'000, 2);
  ProcessResult applied = run_strata(command_args("migrate", url, dir));
  INFO(applied.out << applied.err);
  REQUIRE(applied.exit_code == 0);
  Inspector db(url);
  auto columns = db.connection().catalog().columns("runs");
  const ColumnInfo* added = column_of(columns, "runbook_version");
  REQUIRE(added);
  CHECK_FALSE(added->nullable);
  CHECK(db.count("SELECT COUNT(*) FROM runs WHERE runbook_version = 1") == 100'001);
  auto ledger = db.ledger();
  REQUIRE(ledger.size() == 2);
  CHECK(ledger[1].success);
  CHECK(ledger[1].statements_done == 3);  // added nullable, filled, set NOT NULL: each recorded
}

TEST_CASE("a backfill killed between its steps converges with plain migrate", "[backend]") {
  const std::string migration =
      "- add_column: {table: runs, if_missing: true, column: {name: owner, type: string, length: 20}}\n"
      "- backfill: {table: runs, column: owner, value: nobody, batch_size: 30}\n"
      "- alter_column: {table: runs, column: owner, nullable: false}\n";
  // After each step, after a batch, and inside the NOT NULL step (between the statements of a
  // SQLite table rebuild, or of PostgreSQL's validated NOT NULL; MySQL's is one statement).
  for (std::string failpoint : {"exit-after-statement:1", "exit-after-backfill-batch:1", "exit-after-statement:2",
                                "exit-in-operation:2", "exit-after-statement:3"}) {
    INFO(failpoint);
    std::string url = fresh_database_url();
    if (!supported(url, migration)) return;
    ScratchDir dir;
    dir.write("V1__runs.yaml", runs_table);
    REQUIRE(run_strata(command_args("migrate", url, dir)).exit_code == 0);
    fill_runs(url, 100);
    dir.write("V2__owner.yaml", migration);
    ProcessResult killed = run_strata(command_args("migrate", url, dir), {{"STRATA_FAILPOINT=" + failpoint}, {}});
    INFO(killed.out << killed.err);
    // A backfill runs step by step on every backend: each failpoint is reached, but the one inside
    // an operation where the NOT NULL is a single statement.
    if (killed.exit_code == 0) {
      CHECK(failpoint == "exit-in-operation:2");
    } else {
      CHECK(killed.exit_code == 86);
      Inspector db(url);
      auto ledger = db.ledger();
      REQUIRE(ledger.size() == 2);
      CHECK_FALSE(ledger[1].success);
    }
    // Resumed with the drift check on: the steps already done are what the ledger says, not drift.
    ProcessResult again = run_strata(command_args("migrate", url, dir, {"--check-drift"}));
    INFO(again.out << again.err);
    CHECK(again.exit_code == 0);
    Inspector db(url);
    auto columns = db.connection().catalog().columns("runs");
    const ColumnInfo* owner = column_of(columns, "owner");
    REQUIRE(owner);
    CHECK_FALSE(owner->nullable);
    CHECK(db.count("SELECT COUNT(*) FROM runs WHERE owner = 'nobody'") == 100);
    auto ledger = db.ledger();
    REQUIRE(ledger.size() == 2);  // the one row, completed: applied once
    CHECK(ledger[1].success);
    CHECK(ledger[1].statements_done == 3);
    // Nothing of the steps is left behind (PostgreSQL's NOT VALID check is dropped).
    for (const auto& c : db.connection().catalog().constraints("runs"))
      CHECK(c.name.find("strata_not_null") == std::string::npos);
  }
}

TEST_CASE("a backfill fills every row whatever the key: sparse integers, text, none", "[backend]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  dir.write("V1__tables.yaml",
            "- create_table: {name: sparse, columns: [{name: id, type: bigint, primary_key: true}]}\n"
            "- create_table: {name: named, columns: [{name: code, type: string, length: 10, primary_key: true}]}\n"
            "- create_table: {name: keyless, columns: [{name: n, type: integer}]}\n"
            "- insert_rows: {table: sparse, rows: [{id: 1}, {id: 2}, {id: 1000000000000}]}\n"
            "- insert_rows: {table: named, rows: [{code: a}, {code: b}, {code: c}]}\n"
            "- insert_rows: {table: keyless, rows: [{n: 1}, {n: 1}, {n: 2}]}\n");
  const std::string fill =
      "- add_column: {table: sparse, column: {name: v, type: integer, nullable: false}, backfill: 5}\n"
      "- add_column: {table: named, column: {name: v, type: integer, nullable: false}, backfill: 5}\n"
      "- add_column: {table: keyless, column: {name: v, type: integer, nullable: false}, backfill: 5}\n";
  if (!supported(url, fill)) return;
  dir.write("V2__fill.yaml", fill);
  ProcessResult applied = run_strata(command_args("migrate", url, dir));
  INFO(applied.out << applied.err);
  REQUIRE(applied.exit_code == 0);
  Inspector db(url);
  for (const char* table : {"sparse", "named", "keyless"}) {
    INFO(table);
    CHECK(db.count(std::string("SELECT COUNT(*) FROM ") + table + " WHERE v = 5") == 3);
  }
}

TEST_CASE("lint: a narrowing change is refused when a value would not fit, allowed when none would", "[backend]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  dir.write("V1__codes.yaml",
            "- create_table:\n"
            "    name: codes\n"
            "    columns:\n"
            "      - {name: id, type: integer, primary_key: true}\n"
            "      - {name: code, type: string, length: 64}\n"
            "      - {name: counter, type: bigint}\n");
  REQUIRE(run_strata(command_args("migrate", url, dir)).exit_code == 0);
  dir.write("V2__narrow.yaml",
            "- alter_column: {table: codes, column: code, type: string, length: 8}\n"
            "- alter_column: {table: codes, column: counter, type: integer}\n");
  Inspector db(url);
  db.connection().session().execute(
      "INSERT INTO codes (id, code, counter) VALUES (1, 'abcdefghij', 3000000000), (2, 'abc', 1)");

  ProcessResult refused = run_strata(command_args("lint", url, dir));
  INFO(refused.out << refused.err);
  CHECK(refused.exit_code == 3);
  CHECK_THAT(refused.out, Catch::Contains("error narrowing-type: changes codes.code from string(64) to string(8): "
                                          "a value longer than 8 characters does not fit: 1 row"));
  CHECK_THAT(refused.out,
             Catch::Contains("changes codes.counter from bigint to integer") && Catch::Contains("does not fit: 1 row"));

  db.connection().session().execute("UPDATE codes SET code = 'abcdefgh', counter = 2147483647 WHERE id = 1");
  ProcessResult fits = run_strata(command_args("lint", url, dir));
  INFO(fits.out << fits.err);
  CHECK(fits.exit_code == 0);
  CHECK_THAT(fits.out, Catch::Contains("ok narrowing-type: changes codes.code from string(64) to string(8); every "
                                       "value fits"));
  // Accepted in the file: reported, never refused.
  db.connection().session().execute("UPDATE codes SET code = 'abcdefghij' WHERE id = 1");
  dir.write("V2__narrow.yaml",
            "allow: [narrowing-type]\n"
            "up:\n"
            "  - alter_column: {table: codes, column: code, type: string, length: 8}\n");
  ProcessResult allowed = run_strata(command_args("lint", url, dir));
  INFO(allowed.out << allowed.err);
  CHECK(allowed.exit_code == 0);
  CHECK_THAT(allowed.out, Catch::Contains("allowed narrowing-type"));
}

TEST_CASE(
    "lint: a unique key over duplicates and NOT NULL over a NULL are refused naming the count, passed "
    "without them",
    "[backend]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  dir.write("V1__runs.yaml", runs_table);
  REQUIRE(run_strata(command_args("migrate", url, dir)).exit_code == 0);
  dir.write("V2__keys.yaml",
            "- add_unique: {table: runs, name: uq_runs_status, columns: [status]}\n"
            "- alter_column: {table: runs, column: status, nullable: false}\n");
  Inspector db(url);
  db.connection().session().execute(
      "INSERT INTO runs (id, status) VALUES (1, 'done'), (2, 'done'), (3, 'new'), (4, 'new'), (5, NULL)");
  ProcessResult refused = run_strata(command_args("lint", url, dir));
  INFO(refused.out << refused.err);
  CHECK(refused.exit_code == 3);
  CHECK_THAT(refused.out, Catch::Contains("error new-unique: add_unique uq_runs_status on runs: rows already share a "
                                          "value of (status) (2 values)"));
  CHECK_THAT(refused.out, Catch::Contains("error set-not-null: sets runs.status NOT NULL, but it is NULL in 1 row"));

  db.connection().session().execute("DELETE FROM runs WHERE id IN (2, 4, 5)");
  ProcessResult passed = run_strata(command_args("lint", url, dir));
  INFO(passed.out << passed.err);
  CHECK(passed.exit_code == 0);
  CHECK_THAT(passed.out, Catch::Contains("ok new-unique") && Catch::Contains("ok set-not-null"));
}

TEST_CASE("require_empty refuses a drop that would lose data, naming the rows, and drops nothing", "[backend]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  dir.write("V1__runs.yaml", runs_table);
  REQUIRE(run_strata(command_args("migrate", url, dir)).exit_code == 0);
  fill_runs(url, 3);
  dir.write("V2__drop.yaml",
            "- drop_column: {table: runs, column: status, require_empty: true}\n"
            "- drop_table: {table: runs, require_empty: true}\n");
  ProcessResult refused = run_strata(command_args("migrate", url, dir));
  INFO(refused.out << refused.err);
  CHECK(refused.exit_code == 1);
  CHECK_THAT(refused.err, Catch::Contains("drop_column runs.status: require_empty: 3 rows hold a value in the column"));
  Inspector db(url);
  CHECK(db.count("SELECT COUNT(*) FROM runs WHERE status IS NOT NULL") == 3);
  db.connection().session().execute("UPDATE runs SET status = NULL");
  ProcessResult second = run_strata(command_args("migrate", url, dir));
  INFO(second.out << second.err);
  CHECK(second.exit_code == 1);
  CHECK_THAT(second.err, Catch::Contains("drop_table runs: require_empty: the table holds 3 rows"));
  CHECK(db.has_table("runs"));
  db.connection().session().execute("DELETE FROM runs");
  CHECK(run_strata(command_args("migrate", url, dir)).exit_code == 0);
  CHECK_FALSE(db.has_table("runs"));
}

TEST_CASE(
    "drift: clean after migrate, a column added by hand is named, a pending migration is not drift, and "
    "migrate --check-drift refuses over it",
    "[backend]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  dir.write("V1__runs.yaml", runs_table);
  dir.write("V2__index.yaml", "- create_index: {table: runs, name: ix_runs_status, columns: [status]}\n");
  REQUIRE(run_strata(command_args("migrate", url, dir)).exit_code == 0);
  ProcessResult clean = run_strata(command_args("drift", url, dir));
  INFO(clean.out << clean.err);
  CHECK(clean.exit_code == 0);
  CHECK_THAT(clean.out, Catch::Contains("no drift") && Catch::Contains("the 2 migrations the ledger records"));

  Inspector db(url);
  db.connection().session().execute("ALTER TABLE runs ADD COLUMN hotfix INTEGER");
  dir.write("V3__pending.yaml", "- add_column: {table: runs, column: {name: planned, type: integer}}\n");
  ProcessResult drifted = run_strata(command_args("drift", url, dir));
  INFO(drifted.out << drifted.err);
  CHECK(drifted.exit_code == 3);
  CHECK_THAT(drifted.out, Catch::Contains("(1 difference)") && Catch::Contains("  add_column runs.hotfix"));
  CHECK_THAT(drifted.out, !Catch::Contains("planned"));  // pending: not drift
  CHECK_THAT(drifted.out, Catch::Contains("drop_column:") && Catch::Contains("column: hotfix"));

  expect_refused(url, command_args("migrate", url, dir, {"--check-drift"}), 3,
                 {"differs from what the 2 migrations the ledger records as applied make", "add_column runs.hotfix",
                  "nothing was applied"});

  db.connection().session().execute("ALTER TABLE runs DROP COLUMN hotfix");
  ProcessResult applied = run_strata(command_args("migrate", url, dir, {"--check-drift"}));
  INFO(applied.out << applied.err);
  CHECK(applied.exit_code == 0);
  CHECK(db.ledger().size() == 3);
  CHECK(run_strata(command_args("drift", url, dir)).exit_code == 0);
}

TEST_CASE(
    "the incident: generate --url refuses a NOT NULL column without a default on a table with rows, naming "
    "the remedy, and writes the backfill once it is declared",
    "[backend]") {
  std::string url = fresh_database_url();
  ScratchDir project;
  project.write("migrations/V1__runbook_executions.yaml",
                "- create_table:\n"
                "    name: runbook_executions\n"
                "    columns:\n"
                "      - {name: id, type: bigint, primary_key: true}\n"
                "      - {name: status, type: string, length: 32, nullable: false}\n");
  ChildOptions here{{}, project.path()};
  REQUIRE(run_strata({"migrate", "--url", url}, here).exit_code == 0);
  Inspector db(url);
  db.connection().session().execute("INSERT INTO runbook_executions (id, status) VALUES (1, 'done')");
  std::string schema =
      "tables:\n"
      "  - name: runbook_executions\n"
      "    columns:\n"
      "      - {name: id, type: bigint, primary_key: true}\n"
      "      - {name: status, type: string(32), nullable: false}\n"
      "      - {name: runbook_version, type: integer, nullable: false";
  project.write("schema.yaml", schema + "}\n");
  ProcessResult refused = run_strata({"generate", "add runbook version", "--url", url}, here);
  INFO(refused.out << refused.err);
  CHECK(refused.exit_code == 3);
  CHECK_THAT(refused.err, Catch::Contains("nothing written") &&
                              Catch::Contains("it fails on runbook_executions, which holds 1 row") &&
                              Catch::Contains("give it a default") && Catch::Contains("backfill"));
  CHECK_FALSE(fs::exists(project.path() / "migrations" / "V2__add_runbook_version.yaml"));

  project.write("schema.yaml", schema + ", backfill: 1}\n");
  ProcessResult written = run_strata({"generate", "add runbook version", "--url", url}, here);
  INFO(written.out << written.err);
  REQUIRE(written.exit_code == 0);
  CHECK_THAT(written.out, Catch::Contains("backfill runbook_executions.runbook_version"));
  if (!supported(url, "- alter_column: {table: runbook_executions, column: runbook_version, nullable: false}\n"))
    return;
  ProcessResult applied = run_strata({"migrate", "--url", url}, here);
  INFO(applied.out << applied.err);
  REQUIRE(applied.exit_code == 0);
  auto columns = db.connection().catalog().columns("runbook_executions");
  const ColumnInfo* added = column_of(columns, "runbook_version");
  REQUIRE(added);
  CHECK_FALSE(added->nullable);
  CHECK(db.count("SELECT runbook_version FROM runbook_executions WHERE id = 1") == 1);
  CHECK(run_strata({"diff", "--check", "--from", url}, here).exit_code == 0);
}
