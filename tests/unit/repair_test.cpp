// The decisions of `repair` and `baseline` (core/src/repair.cpp): pure, from the migrations and
// the ledger's rows to what changes in the ledger.
#include <strata/checksum.hpp>
#include <strata/plan.hpp>

#include <catch2/catch.hpp>

using namespace strata;

namespace {

Migration versioned(const char* version, const char* script, const char* description, const char* sql) {
  MigrationName name{MigrationKind::versioned, Version::parse(version), description, "", false};
  return Migration::sql(name, script, sql, "");
}

LedgerRow row_of(const Migration& m, int rank, bool success = true) {
  LedgerRow row;
  row.installed_rank = rank;
  row.version = m.version;
  row.description = m.description;
  row.kind = m.kind;
  row.script = m.script;
  row.checksum = m.checksum;
  row.success = success;
  return row;
}

}  // namespace

TEST_CASE("repair removes failed rows and re-records what changed in applied files, nothing else") {
  Migration one = versioned("1", "V1__one.sql", "one", "CREATE TABLE a (id INTEGER);");
  Migration two = versioned("2", "V2__two.sql", "two", "CREATE TABLE b (id INTEGER);");
  Migration three = versioned("3", "V3__three.sql", "three", "CREATE TABLE c (id INTEGER);");
  std::vector<LedgerRow> ledger{row_of(one, 1), row_of(two, 2), row_of(three, 3, false)};
  ledger[2].statements_done = 1;

  // The file of 2 was edited and renamed since it was applied.
  Migration two_now = versioned("2", "V2__two_tables.sql", "two tables", "CREATE TABLE b (id INTEGER, x TEXT);");
  std::vector<Migration> files{one, two_now, three};
  RepairPlan repair = make_repair_plan(files, ledger);

  CHECK(repair.remove == std::vector<int>{3});
  REQUIRE(repair.update.size() == 1);
  CHECK(repair.update[0].installed_rank == 2);
  CHECK(repair.update[0].checksum == two_now.checksum);
  CHECK(repair.update[0].script == "V2__two_tables.sql");
  CHECK(repair.update[0].description == "two tables");
  CHECK(repair.actions ==
        std::vector<std::string>{
            "removed the failed row of V3__three.sql (failed at statement 2)",
            "re-recorded the checksum of V2__two_tables.sql: " + two.checksum + " -> " + two_now.checksum,
            "re-recorded the file name of V2__two.sql as V2__two_tables.sql",
        });
}

TEST_CASE("repair of a ledger in step with its files changes nothing") {
  Migration one = versioned("1", "V1__one.sql", "one", "SELECT 1;");
  std::vector<Migration> files{one};
  std::vector<LedgerRow> ledger{row_of(one, 1)};
  RepairPlan repair = make_repair_plan(files, ledger);
  CHECK(repair.remove.empty());
  CHECK(repair.update.empty());
  CHECK(repair.actions.empty());
}

TEST_CASE("repair after a rollback leaves the undo's row as it is") {
  Migration one = versioned("1", "V1__one.sql", "one", "CREATE TABLE a (id INTEGER);");
  MigrationName undo_name{MigrationKind::undo, Version::parse("1"), "one", "", false};
  Migration undo = Migration::sql(undo_name, "U1__one.sql", "DROP TABLE a;", "");
  std::vector<Migration> files{one, undo};
  std::vector<LedgerRow> ledger{row_of(one, 1), row_of(undo, 2)};
  RepairPlan repair = make_repair_plan(files, ledger);
  CHECK(repair.update.empty());
  CHECK(repair.actions.empty());
}

TEST_CASE("baseline marks a version on a ledger with no versioned rows, and refuses one that has any") {
  Version three = *Version::parse("3");
  BaselinePlan empty = make_baseline_plan({}, three, "legacy", "strata_history");
  CHECK(empty.problems.empty());
  CHECK(empty.row.kind == MigrationKind::baseline);
  CHECK(to_string(empty.row.version) == "3");
  CHECK(empty.row.description == "legacy");
  CHECK(empty.row.script == "<< baseline >>");
  CHECK(empty.action == "baselined at version 3: versions up to it are taken as applied");

  Migration one = versioned("1", "V1__one.sql", "one", "SELECT 1;");
  std::vector<LedgerRow> applied{row_of(one, 1)};
  BaselinePlan refused = make_baseline_plan(applied, three, "legacy", "strata_history");
  CHECK(refused.problems ==
        std::vector<std::string>{"cannot baseline: the ledger strata_history already records versioned migrations "
                                 "(V1__one.sql)"});

  std::vector<LedgerRow> baselined{empty.row};
  baselined[0].installed_rank = 1;
  CHECK(make_baseline_plan(baselined, three, "again", "h").problems ==
        std::vector<std::string>{"cannot baseline: the ledger h already has a baseline, at version 3"});

  MigrationName repeatable_name{MigrationKind::repeatable, std::nullopt, "views", "", false};
  std::vector<LedgerRow> repeatables{row_of(Migration::sql(repeatable_name, "R__views.sql", "SELECT 1;", ""), 1)};
  CHECK(make_baseline_plan(repeatables, three, "legacy", "h").problems.empty());  // repeatables do not count
}
