// `adopt`'s decision (core/src/adopt.cpp): pure, from the migrations, the ledger and another
// tool's record to the ledger rows to write; and Flyway's checksum.
#include <strata/adopt.hpp>

#include <catch2/catch.hpp>

using namespace strata;

namespace {

Migration versioned(const char* version, const char* script, const char* sql = "CREATE TABLE a (id INTEGER);") {
  MigrationName name{MigrationKind::versioned, Version::parse(version), script, "", false};
  return Migration::sql(name, script, sql, "");
}

Migration repeatable(const char* description, const char* script, const char* sql) {
  MigrationName name{MigrationKind::repeatable, std::nullopt, description, "", false};
  return Migration::sql(name, script, sql, "");
}

ForeignHistory history_of(const char* tool, std::vector<ForeignRow> rows) {
  return ForeignHistory{find_foreign_tool(tool), std::string(find_foreign_tool(tool)->default_table), std::move(rows)};
}

ForeignRow version_row(const char* version, bool success = true) {
  ForeignRow row;
  row.version = version;
  row.success = success;
  return row;
}

std::vector<std::string> scripts(const AdoptionPlan& plan) {
  std::vector<std::string> out;
  for (const auto& row : plan.rows) out.push_back(row.script + (row.success ? "" : " failed"));
  return out;
}

AdoptionPlan plan_for(std::span<const Migration> files, const ForeignHistory& history, AdoptOptions options = {}) {
  options.from = std::string(history.tool->name);
  return make_adoption_plan(files, {}, history, options, "strata_history");
}

}  // namespace

TEST_CASE("Flyway's checksum is the CRC-32 of the lines without their endings, signed, BOM left out") {
  // Values from zlib.crc32 over the same lines joined, read as a signed 32-bit integer.
  CHECK(flyway_checksum("CREATE TABLE a (id INT);\n") == -2090711421);
  CHECK(flyway_checksum("CREATE TABLE a (id INT);\r\nINSERT INTO a VALUES (1);\r\n") == -287911070);
  CHECK(flyway_checksum("\xEF\xBB\xBFSELECT 1;\nSELECT 2;") == -1665099012);
  CHECK(flyway_checksum("SELECT '\xC3\xA9';\rSELECT 2;\n\n") == -380431632);
  CHECK(flyway_checksum("") == 0);
  // Line endings never count: LF, CRLF and CR give one checksum.
  CHECK(flyway_checksum("a\nb\n") == flyway_checksum("a\r\nb\r\n"));
  CHECK(flyway_checksum("a\nb\n") == flyway_checksum("a\rb\r"));
}

TEST_CASE(
    "golang-migrate: every file up to its version is applied, and none recorded is nothing, and dirty is a failure") {
  std::vector<Migration> files{versioned("1", "001_a.up.sql"), versioned("2", "002_b.up.sql"),
                               versioned("10", "010_c.up.sql")};
  auto plan = plan_for(files, history_of("golang-migrate", {version_row("2")}));
  CHECK(plan.problems.empty());
  CHECK(scripts(plan) == std::vector<std::string>{"001_a.up.sql", "002_b.up.sql"});
  CHECK(plan.rows[0].statements_done == 0);
  CHECK(plan.rows[0].checksum == files[0].checksum);
  CHECK(plan.rows[0].installed_by.empty());

  CHECK(plan_for(files, history_of("golang-migrate", {})).rows.empty());

  auto dirty = plan_for(files, history_of("golang-migrate", {version_row("10", false)}));
  CHECK(scripts(dirty) == std::vector<std::string>{"001_a.up.sql", "002_b.up.sql", "010_c.up.sql failed"});
  CHECK(dirty.rows[2].statements_done == statements_unknown);
  CHECK(dirty.rows[2].adopted_from == "golang-migrate");
  CHECK_THAT(dirty.actions.back(), Catch::Contains("undoing the version after it failed"));

  // -1, dirty: undoing the first migration failed; no version is known to be applied.
  auto none = plan_for(files, history_of("golang-migrate", {version_row("-1", false)}));
  CHECK(none.rows.empty());
  REQUIRE(none.problems.size() == 1);
  CHECK_THAT(none.problems[0], Catch::Contains("at version -1, dirty") && Catch::Contains("`force`"));

  auto missing = plan_for(files, history_of("golang-migrate", {version_row("3")}));
  CHECK(missing.rows.empty());
  REQUIRE(missing.problems.size() == 1);
  CHECK_THAT(missing.problems[0], Catch::Contains("records version 3 that no migration file has"));
}

TEST_CASE("sqlx's checksum is the SHA-384 of the file's bytes as they are") {
  // sha384sum of the same bytes.
  CHECK(sqlx_checksum("") ==
        "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b");
  CHECK(sqlx_checksum("a\r\n") != sqlx_checksum("a\n"));  // unlike strata's own checksum, line endings count
}

TEST_CASE("sqlx: a changed file refuses, and a failed row is carried over as not known") {
  Migration one = versioned("1", "1_a.sql", "CREATE TABLE a (id INTEGER);\n");
  Migration two = versioned("2", "2_b.sql", "CREATE TABLE b (id INTEGER);\n");
  std::vector<Migration> files{one, two};
  auto sqlx_row = [](const Migration& m, std::string checksum, bool success = true) {
    ForeignRow row = version_row(m.version->str().c_str(), success);
    row.sha384 = std::move(checksum);
    return row;
  };
  auto plan = plan_for(files, history_of("sqlx", {sqlx_row(two, sqlx_checksum(two.sql_script()->text), false),
                                                  sqlx_row(one, sqlx_checksum(one.sql_script()->text))}));
  CHECK(plan.problems.empty());
  CHECK(scripts(plan) == std::vector<std::string>{"1_a.sql", "2_b.sql failed"});
  CHECK(plan.rows[1].statements_done == statements_unknown);
  auto changed = plan_for(files, history_of("sqlx", {sqlx_row(one, sqlx_checksum("other"))}));
  CHECK_THAT(changed.problems.at(0), Catch::Contains("1_a.sql: sqlx recorded checksum"));
}

TEST_CASE("dbmate's versions are recorded in version order, and unknown and unreadable versions are all named") {
  std::vector<Migration> files{versioned("20240101", "20240101_a.sql"), versioned("20240102", "20240102_b.sql")};
  auto plan = plan_for(files, history_of("dbmate", {version_row("20240102"), version_row("20240101")}));
  CHECK(scripts(plan) == std::vector<std::string>{"20240101_a.sql", "20240102_b.sql"});

  auto wrong = plan_for(files, history_of("dbmate", {version_row("7"), version_row("8"), version_row("x1")}));
  REQUIRE(wrong.problems.size() == 2);
  CHECK_THAT(wrong.problems[0], Catch::Contains("records versions 7, 8 that no migration file has"));
  CHECK_THAT(wrong.problems[1], Catch::Contains("'x1'"));
}

TEST_CASE("goose: its version 0 row is its own, and a version's latest row says whether it is applied") {
  std::vector<Migration> files{versioned("1", "00001_a.sql"), versioned("2", "00002_b.sql")};
  auto plan = plan_for(files, history_of("goose", {version_row("0"), version_row("2"), version_row("1"),
                                                   version_row("2", false), version_row("2")}));
  CHECK(plan.problems.empty());
  CHECK(scripts(plan) == std::vector<std::string>{"00001_a.sql", "00002_b.sql"});  // in goose's order
  auto undone = plan_for(files, history_of("goose", {version_row("1"), version_row("2"), version_row("2", false)}));
  CHECK(scripts(undone) == std::vector<std::string>{"00001_a.sql"});
}

TEST_CASE("Flyway: a changed repeatable is left for migrate to run, and a changed versioned file refuses") {
  Migration one = versioned("1", "V1__a.sql", "CREATE TABLE a (id INTEGER);\n");
  Migration view = repeatable("v", "R__v.sql", "CREATE VIEW v AS SELECT 1;\n");
  std::vector<Migration> files{one, view};
  auto flyway_row = [](const Migration& m, std::int32_t crc) {
    ForeignRow row;
    row.kind = m.kind;
    row.version = m.version ? m.version->str() : "";
    row.description = m.description;
    row.script = m.script;
    row.type = "SQL";
    row.crc32 = crc;
    row.installed_by = "deployer";
    return row;
  };
  std::int32_t one_crc = flyway_checksum(one.sql_script()->text), view_crc = flyway_checksum(view.sql_script()->text);
  auto plan = plan_for(files, history_of("flyway", {flyway_row(one, one_crc), flyway_row(view, view_crc + 1)}));
  CHECK(plan.problems.empty());
  CHECK(scripts(plan) == std::vector<std::string>{"V1__a.sql"});
  CHECK(plan.rows[0].installed_by == "deployer");
  CHECK_THAT(plan.actions.back(), Catch::Contains("R__v.sql: changed since Flyway last ran it"));

  auto same = plan_for(files, history_of("flyway", {flyway_row(one, one_crc), flyway_row(view, view_crc)}));
  CHECK(scripts(same) == std::vector<std::string>{"V1__a.sql", "R__v.sql"});
  CHECK_FALSE(same.rows[1].version);

  auto changed = plan_for(files, history_of("flyway", {flyway_row(one, one_crc ^ 4)}));
  REQUIRE(changed.problems.size() == 1);
  CHECK_THAT(changed.problems[0], Catch::Contains("V1__a.sql: Flyway recorded checksum"));

  ForeignRow undo = flyway_row(one, one_crc);
  undo.type = "UNDO_SQL";
  CHECK_THAT(plan_for(files, history_of("flyway", {undo})).problems.at(0), Catch::Contains("has type UNDO_SQL"));

  // Rank 0, the schema Flyway created, is nothing strata records; a baseline is strata's baseline,
  // below which no file is recorded.
  ForeignRow schema;
  schema.type = "SCHEMA";
  schema.version = "";
  schema.description = "<< Flyway Schema Creation >>";
  schema.script = "\"public\"";
  ForeignRow baseline;
  baseline.kind = MigrationKind::baseline;
  baseline.type = "BASELINE";
  baseline.version = "1";
  baseline.description = "<< Flyway Baseline >>";
  baseline.script = "<< Flyway Baseline >>";
  baseline.installed_by = "deployer";
  Migration two = versioned("2", "V2__b.sql", "CREATE TABLE b (id INTEGER);\n");
  std::vector<Migration> later{one, two};
  auto baselined = plan_for(
      later, history_of("flyway", {schema, baseline, flyway_row(two, flyway_checksum(two.sql_script()->text))}));
  CHECK(baselined.problems.empty());
  REQUIRE(baselined.rows.size() == 2);
  CHECK(baselined.rows[0].kind == MigrationKind::baseline);
  CHECK(baselined.rows[0].version->str() == "1");
  CHECK(baselined.rows[0].script == "<< baseline >>");
  CHECK(baselined.rows[0].installed_by == "deployer");
  CHECK(baselined.rows[0].adopted_from == "flyway");
  CHECK(baselined.rows[1].script == "V2__b.sql");
}

TEST_CASE("adoption writes a new ledger only, and --as-version is Alembic's alone") {
  std::vector<Migration> files{versioned("1", "001_a.up.sql")};
  LedgerRow existing;
  existing.script = "001_a.up.sql";
  std::vector<LedgerRow> ledger{existing};
  AdoptOptions options{"dbmate", "", std::nullopt};
  auto refused = make_adoption_plan(files, ledger, history_of("dbmate", {version_row("1")}), options, "strata_history");
  CHECK(refused.rows.empty());
  CHECK_THAT(refused.problems.at(0), Catch::Contains("already records migrations"));

  AdoptOptions as{"dbmate", "", Version::parse("1")};
  CHECK_THAT(plan_for(files, history_of("dbmate", {version_row("1")}), as).problems.at(0),
             Catch::Contains("--as-version is for Alembic"));
}
