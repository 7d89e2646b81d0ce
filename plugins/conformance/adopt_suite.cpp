// `strata adopt --from TOOL`: a project that another tool migrated switches to strata with its
// files unchanged and its history carried over. Each case builds the old tool's table with the
// tool's own published DDL (as close as one statement runs on every backend) and the rows the
// tool writes, the schema those migrations made, and the files in the tool's layout; then adopts
// and checks what a user sees: `status`, the ledger's rows, the old table untouched, and that
// `migrate` runs only what is newer.
#include "harness.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <strata/adopt.hpp>

using namespace strata;
using namespace strata::conformance;

namespace {

void run_sql(const std::string& url, const std::vector<std::string>& statements) {
  Inspector db(url);
  for (const auto& sql : statements) db.connection().session().execute(sql);
}

// Each migration's state as `status --json` shows it, "version=state" in apply order.
std::vector<std::string> states(const std::string& url, const ScratchDir& dir) {
  ProcessResult status = run_strata(command_args("status", url, dir, {"--json"}));
  INFO(status.err);
  REQUIRE(status.exit_code == 0);
  std::vector<std::string> result;
  auto document = nlohmann::json::parse(status.out);
  for (const auto& m : document.at("migrations")) {
    std::string id = m.at("kind") == "repeatable" ? std::string(m.at("description")) : std::string(m.at("version"));
    result.push_back(id + "=" + std::string(m.at("state")));
  }
  return result;
}

// The adopted rows as an operator reads them: script, success, statements_done, the tool it was
// adopted from, session_id.
std::vector<std::string> ledger_rows(const std::string& url) {
  Inspector db(url);
  std::vector<std::string> rows;
  for (const auto& row : db.ledger())
    rows.push_back(row.script + " " + (row.success ? "ok" : "failed") + " " + std::to_string(row.statements_done) +
                   (row.adopted_from.empty() ? "" : " from " + row.adopted_from) +
                   (row.session_id.empty() ? "" : " session " + row.session_id));
  return rows;
}

// The three versions every project below has, each one table; undo files where the tool has them.
const char* const create_1 = "CREATE TABLE adopt_one (id INTEGER)";
const char* const create_2 = "CREATE TABLE adopt_two (id INTEGER)";
const char* const create_3 = "CREATE TABLE adopt_three (id INTEGER)";

void golang_migrate_files(const ScratchDir& dir) {
  dir.write("000001_one.up.sql", std::string(create_1) + ";\n");
  dir.write("000001_one.down.sql", "DROP TABLE adopt_one;\n");
  dir.write("000002_two.up.sql", std::string(create_2) + ";\n");
  dir.write("000002_two.down.sql", "DROP TABLE adopt_two;\n");
  dir.write("000003_three.up.sql", std::string(create_3) + ";\n");
  dir.write("000003_three.down.sql", "DROP TABLE adopt_three;\n");
}

const char* const golang_migrate_ddl =
    "CREATE TABLE schema_migrations (version BIGINT NOT NULL PRIMARY KEY, dirty "
    "BOOLEAN NOT NULL)";

}  // namespace

TEST_CASE("adopt --from golang-migrate records every version up to its current one, and migrate runs only the newer",
          "[adopt]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  golang_migrate_files(dir);
  run_sql(url, {create_1, create_2, golang_migrate_ddl, "INSERT INTO schema_migrations VALUES (2, FALSE)"});

  ProcessResult dry = run_strata(command_args("adopt", url, dir, {"--from", "golang-migrate", "--dry-run"}));
  INFO(dry.err);
  REQUIRE(dry.exit_code == 0);
  CHECK_THAT(dry.out, Catch::Contains("golang-migrate's schema_migrations: 2 migrations applied") &&
                          Catch::Contains("nothing was written"));
  CHECK_FALSE(Inspector(url).has_table("strata_history"));

  ProcessResult adopted = run_strata(command_args("adopt", url, dir, {"--from", "golang-migrate"}));
  INFO(adopted.err);
  REQUIRE(adopted.exit_code == 0);
  CHECK_THAT(adopted.out,
             Catch::Contains("recorded 2 ledger rows in strata_history; schema_migrations is left as it was"));
  CHECK(states(url, dir) == std::vector<std::string>{"1=applied", "2=applied", "3=pending"});
  CHECK(ledger_rows(url) == std::vector<std::string>{"000001_one.up.sql ok 0 from golang-migrate",
                                                     "000002_two.up.sql ok 0 from golang-migrate"});
  for (const auto& row : Inspector(url).ledger()) CHECK(row.checksum.size() == 64);
  CHECK(Inspector(url).count("SELECT COUNT(*) FROM schema_migrations WHERE version = 2") == 1);
  CHECK(Inspector(url).count("SELECT reader_format FROM strata_history_state") == ledger_reader_format);

  ProcessResult migrated = run_strata(command_args("migrate", url, dir));
  INFO(migrated.err);
  REQUIRE(migrated.exit_code == 0);
  CHECK_THAT(migrated.out, Catch::Contains("1 migration applied"));
  CHECK(Inspector(url).has_table("adopt_three"));

  // A second adoption would record the same history twice.
  expect_refused(url, command_args("adopt", url, dir, {"--from", "golang-migrate"}), 3,
                 {"already records migrations", "adopt writes a new ledger only"});
}

TEST_CASE("a dirty golang-migrate version becomes a failed row that only repair clears", "[adopt]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  golang_migrate_files(dir);
  run_sql(url, {create_1, golang_migrate_ddl, "INSERT INTO schema_migrations VALUES (2, TRUE)"});

  ProcessResult adopted = run_strata(command_args("adopt", url, dir, {"--from", "golang-migrate"}));
  INFO(adopted.err);
  REQUIRE(adopted.exit_code == 0);
  CHECK_THAT(adopted.out, Catch::Contains("000002_two.up.sql: failed under golang-migrate") &&
                              Catch::Contains("failed (under another tool)"));
  CHECK(ledger_rows(url) == std::vector<std::string>{"000001_one.up.sql ok 0 from golang-migrate",
                                                     "000002_two.up.sql failed -1 from golang-migrate"});
  // A strata of ledger format 3 would refuse -1 as a value it never writes: it is asked to upgrade
  // (format 5's own reader format is already above).
  CHECK(Inspector(url).count("SELECT reader_format FROM strata_history_state") ==
        std::max(ledger_reader_format, ledger_reader_format_unknown_progress));

  // Neither a plain run nor either --resume guesses how far it got.
  for (std::string resume : {"", "--resume", "--resume=retry", "--resume=skip"}) {
    INFO("migrate " << resume);
    std::vector<std::string> extra;
    if (!resume.empty()) extra.push_back(resume);
    expect_refused(url, command_args("migrate", url, dir, extra), 3,
                   {"000002_two.up.sql", "how far it got is not known", "strata repair"});
  }
  // Nor does a rollback offer --resume, which would refuse it in turn.
  ProcessResult rollback = run_strata(command_args("rollback", url, dir));
  CHECK(rollback.exit_code == 3);
  CHECK_THAT(rollback.err, Catch::Contains("how far it got is not known") && Catch::Contains("before rolling back") &&
                               !Catch::Contains("--resume"));
  ProcessResult repaired = run_strata(command_args("repair", url, dir));
  INFO(repaired.err);
  REQUIRE(repaired.exit_code == 0);
  CHECK_THAT(repaired.out, Catch::Contains("removed the failed row of 000002_two.up.sql (failed under another tool)"));
  ProcessResult migrated = run_strata(command_args("migrate", url, dir));
  INFO(migrated.err);
  REQUIRE(migrated.exit_code == 0);
  CHECK(states(url, dir) == std::vector<std::string>{"1=applied", "2=applied", "3=applied"});
}

TEST_CASE("adopt --from dbmate reads its applied versions, and a version with no file refuses, naming it", "[adopt]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  dir.write("20240101000000_one.sql",
            "-- migrate:up\n" + std::string(create_1) + ";\n\n-- migrate:down\nDROP TABLE adopt_one;\n");
  dir.write("20240102000000_two.sql",
            "-- migrate:up\n" + std::string(create_2) + ";\n\n-- migrate:down\nDROP TABLE adopt_two;\n");
  dir.write("20240103000000_three.sql",
            "-- migrate:up\n" + std::string(create_3) + ";\n\n-- migrate:down\nDROP TABLE adopt_three;\n");
  run_sql(url, {create_1, create_2, "CREATE TABLE schema_migrations (version VARCHAR(128) PRIMARY KEY)",
                "INSERT INTO schema_migrations (version) VALUES ('20240102000000')",
                "INSERT INTO schema_migrations (version) VALUES ('20240101000000')",
                "INSERT INTO schema_migrations (version) VALUES ('20240109000000')"});
  expect_refused(url, command_args("adopt", url, dir, {"--from", "dbmate"}), 3,
                 {"dbmate's schema_migrations records version 20240109000000 that no migration file has"});
  CHECK_FALSE(Inspector(url).has_table("strata_history"));

  run_sql(url, {"DELETE FROM schema_migrations WHERE version = '20240109000000'"});
  ProcessResult adopted = run_strata(command_args("adopt", url, dir, {"--from", "dbmate"}));
  INFO(adopted.err);
  REQUIRE(adopted.exit_code == 0);
  CHECK(states(url, dir) ==
        std::vector<std::string>{"20240101000000=applied", "20240102000000=applied", "20240103000000=pending"});
  CHECK(ledger_rows(url) ==
        std::vector<std::string>{"20240101000000_one.sql ok 0 from dbmate", "20240102000000_two.sql ok 0 from dbmate"});
  ProcessResult migrated = run_strata(command_args("migrate", url, dir));
  INFO(migrated.err);
  REQUIRE(migrated.exit_code == 0);
  CHECK(Inspector(url).has_table("adopt_three"));
}

TEST_CASE("adopt --from pop reads pop's layout and table: a version for another database stays skipped", "[adopt]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  dir.write("20240101000000_one.up.sql", std::string(create_1) + ";\n");
  dir.write("20240101000000_one.down.sql", "DROP TABLE adopt_one;\n");
  dir.write("20240102000000_crdb_only.cockroach.up.sql", "SET CLUSTER SETTING x = 1;\n");  // pop skips it here
  dir.write("20240103000000_placeholder.up.sql", "");                                      // a no-op
  dir.write("20240104000000_two.up.sql", std::string(create_2) + ";\n");
  dir.write("20240105000000_three.up.sql", std::string(create_3) + ";\n");
  // pop's table, as its migrator creates it.
  run_sql(url, {create_1, create_2, "CREATE TABLE schema_migration (version VARCHAR(14) NOT NULL)",
                "CREATE UNIQUE INDEX schema_migration_version_idx ON schema_migration (version)",
                "INSERT INTO schema_migration (version) VALUES ('20240101000000')",
                "INSERT INTO schema_migration (version) VALUES ('20240103000000')",
                "INSERT INTO schema_migration (version) VALUES ('20240104000000')"});
  std::vector<std::string> pop{"--from", "pop", "--format", "pop"};
  ProcessResult adopted = run_strata(command_args("adopt", url, dir, pop));
  INFO(adopted.err);
  REQUIRE(adopted.exit_code == 0);
  CHECK(ledger_rows(url) == std::vector<std::string>{"20240101000000_one.up.sql ok 0 from pop",
                                                     "20240103000000_placeholder.up.sql ok 0 from pop",
                                                     "20240104000000_two.up.sql ok 0 from pop"});
  ProcessResult migrated = run_strata(command_args("migrate", url, dir, {"--format", "pop"}));
  INFO(migrated.err);
  REQUIRE(migrated.exit_code == 0);
  CHECK_THAT(migrated.out, Catch::Contains("1 migration applied"));
  CHECK(Inspector(url).has_table("adopt_three"));
}

TEST_CASE("adopt --from rails reads Rails' schema_migrations beside its ar_internal_metadata", "[adopt]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  dir.write("20240101000000_one.sql", std::string(create_1) + ";\n");
  dir.write("20240102000000_two.sql", std::string(create_2) + ";\n");
  std::string key = Inspector(url).connection().dialect().quote_identifier("key");  // a keyword in MySQL
  run_sql(url, {create_1, "CREATE TABLE schema_migrations (version VARCHAR(255) NOT NULL PRIMARY KEY)",
                "CREATE TABLE ar_internal_metadata (" + key + " VARCHAR(255) NOT NULL PRIMARY KEY, value VARCHAR(255))",
                "INSERT INTO schema_migrations (version) VALUES ('20240101000000')"});
  ProcessResult adopted = run_strata(command_args("adopt", url, dir, {"--from", "rails"}));
  INFO(adopted.err);
  REQUIRE(adopted.exit_code == 0);
  CHECK(ledger_rows(url) == std::vector<std::string>{"20240101000000_one.sql ok 0 from rails"});
  CHECK(states(url, dir) == std::vector<std::string>{"20240101000000=applied", "20240102000000=pending"});
}

TEST_CASE("adopt --from goose takes each version's latest row, so a version goose undid stays pending", "[adopt]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  for (auto [file, create, table] :
       {std::tuple{"00001_one.sql", create_1, "adopt_one"}, std::tuple{"00002_two.sql", create_2, "adopt_two"},
        std::tuple{"00003_three.sql", create_3, "adopt_three"}})
    dir.write(file, "-- +goose Up\n" + std::string(create) + ";\n\n-- +goose Down\nDROP TABLE " + table + ";\n");
  run_sql(url, {create_1, create_2,
                "CREATE TABLE goose_db_version (id BIGINT NOT NULL PRIMARY KEY, version_id BIGINT NOT NULL, "
                "is_applied BOOLEAN NOT NULL, tstamp TIMESTAMP NULL DEFAULT CURRENT_TIMESTAMP)",
                "INSERT INTO goose_db_version (id, version_id, is_applied) VALUES (1, 0, TRUE)",
                "INSERT INTO goose_db_version (id, version_id, is_applied) VALUES (2, 1, TRUE)",
                "INSERT INTO goose_db_version (id, version_id, is_applied) VALUES (3, 2, TRUE)",
                "INSERT INTO goose_db_version (id, version_id, is_applied) VALUES (4, 3, TRUE)",
                "INSERT INTO goose_db_version (id, version_id, is_applied) VALUES (5, 3, FALSE)"});
  ProcessResult adopted = run_strata(command_args("adopt", url, dir, {"--from", "goose"}));
  INFO(adopted.err);
  REQUIRE(adopted.exit_code == 0);
  CHECK(states(url, dir) == std::vector<std::string>{"1=applied", "2=applied", "3=pending"});
  ProcessResult migrated = run_strata(command_args("migrate", url, dir));
  INFO(migrated.err);
  REQUIRE(migrated.exit_code == 0);
  CHECK(Inspector(url).has_table("adopt_three"));
}

TEST_CASE("adopt --from flyway verifies its CRC-32 checksums and carries over repeatables and failed rows", "[adopt]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  std::string one = std::string(create_1) + ";\r\n", two = std::string(create_2) + ";\n",
              three = std::string(create_3) + ";\n", view = "CREATE VIEW adopt_view AS SELECT 1 AS one;\n";
  dir.write("V1__one.sql", one);
  dir.write("V2__two.sql", two);
  dir.write("V3__three.sql", three);
  dir.write("R__adopt_view.sql", view);
  auto row = [](int rank, const std::string& version, const std::string& description, const std::string& script,
                std::int32_t checksum, bool success) {
    return "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, "
           "installed_by, execution_time, success) VALUES (" +
           std::to_string(rank) + ", " + (version.empty() ? "NULL" : "'" + version + "'") + ", '" + description +
           "', 'SQL', '" + script + "', " + std::to_string(checksum) + ", 'deployer', 7, " +
           (success ? "TRUE" : "FALSE") + ")";
  };
  run_sql(url, {create_1, create_2, "CREATE VIEW adopt_view AS SELECT 1 AS one",
                "CREATE TABLE flyway_schema_history (installed_rank INT NOT NULL PRIMARY KEY, version VARCHAR(50), "
                "description VARCHAR(200) NOT NULL, type VARCHAR(20) NOT NULL, script VARCHAR(1000) NOT NULL, "
                "checksum INT, installed_by VARCHAR(100) NOT NULL, installed_on TIMESTAMP NOT NULL DEFAULT "
                "CURRENT_TIMESTAMP, execution_time INT NOT NULL, success BOOLEAN NOT NULL)",
                row(1, "1", "one", "V1__one.sql", flyway_checksum(one), true),
                row(2, "2", "two", "V2__two.sql", flyway_checksum(two) ^ 1, true),
                row(3, "", "adopt view", "R__adopt_view.sql", flyway_checksum(view), true),
                row(4, "3", "three", "V3__three.sql", flyway_checksum(three), false)});
  // Version 2's file is not what Flyway applied: refused, nothing written.
  expect_refused(url, command_args("adopt", url, dir, {"--from", "flyway"}), 3,
                 {"V2__two.sql: Flyway recorded checksum", "the file changed after Flyway applied it"});
  CHECK_FALSE(Inspector(url).has_table("strata_history"));

  run_sql(url, {"UPDATE flyway_schema_history SET checksum = " + std::to_string(flyway_checksum(two)) +
                " WHERE installed_rank = 2"});
  ProcessResult adopted = run_strata(command_args("adopt", url, dir, {"--from", "flyway"}));
  INFO(adopted.err);
  REQUIRE(adopted.exit_code == 0);
  CHECK(states(url, dir) == std::vector<std::string>{"1=applied", "2=applied", "3=failed", "adopt view=applied"});
  auto rows = Inspector(url).ledger();
  REQUIRE(rows.size() == 4);
  CHECK(rows[0].installed_by == "deployer");
  CHECK(rows[0].execution_ms == 7);
  CHECK(rows[3].script == "V3__three.sql");
  CHECK(rows[3].statements_done == statements_unknown);
  // The failed version waits for repair; then migrate runs it and nothing else.
  expect_refused(url, command_args("migrate", url, dir), 3, {"V3__three.sql", "how far it got is not known"});
  REQUIRE(run_strata(command_args("repair", url, dir)).exit_code == 0);
  ProcessResult migrated = run_strata(command_args("migrate", url, dir));
  INFO(migrated.err);
  REQUIRE(migrated.exit_code == 0);
  CHECK_THAT(migrated.out, Catch::Contains("1 migration applied"));
}

TEST_CASE("adopt --from alembic baselines its one head at the version named, and no version, or two heads, refuse",
          "[adopt]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  dir.write("V1__one.sql", std::string(create_1) + ";\n");
  dir.write("V2__two.sql", std::string(create_2) + ";\n");
  dir.write("V3__three.sql", std::string(create_3) + ";\n");
  run_sql(url, {create_1, create_2, "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)",
                "INSERT INTO alembic_version (version_num) VALUES ('ae1027a6acf')",
                "INSERT INTO alembic_version (version_num) VALUES ('27c6a30d7c24')"});
  expect_refused(url, command_args("adopt", url, dir, {"--from", "alembic"}), 3, {"give --as-version V"});
  expect_refused(url, command_args("adopt", url, dir, {"--from", "alembic", "--as-version", "2"}), 3,
                 {"has 2 heads", "ae1027a6acf", "27c6a30d7c24", "alembic merge"});
  run_sql(url, {"DELETE FROM alembic_version WHERE version_num = '27c6a30d7c24'"});
  ProcessResult adopted = run_strata(command_args("adopt", url, dir, {"--from", "alembic", "--as-version", "2"}));
  INFO(adopted.err);
  REQUIRE(adopted.exit_code == 0);
  CHECK_THAT(adopted.out, Catch::Contains("Alembic's revision ae1027a6acf: recorded as a baseline at version 2"));
  CHECK(states(url, dir) == std::vector<std::string>{"1=below-baseline", "2=baseline", "3=pending"});
  REQUIRE(run_strata(command_args("migrate", url, dir)).exit_code == 0);
  CHECK(Inspector(url).has_table("adopt_three"));
}

TEST_CASE("adopt --from sqlx verifies its SHA-384 checksums, and adopt --from diesel reads its versions", "[adopt]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  std::string one = std::string(create_1) + ";\n", two = std::string(create_2) + ";\n";
  dir.write("20240101000000_one.up.sql", one);
  dir.write("20240101000000_one.down.sql", "DROP TABLE adopt_one;\n");
  dir.write("20240102000000_two.up.sql", two);
  dir.write("20240103000000_three.up.sql", std::string(create_3) + ";\n");
  // sqlx's table, with the checksum as it stores it: the 48 bytes (BYTEA on PostgreSQL, BLOB elsewhere).
  bool postgres = Inspector(url).connection().dialect().name() == "postgres";
  auto blob = [&](const std::string& hex) { return postgres ? "'\\x" + hex + "'::bytea" : "X'" + hex + "'"; };
  auto row = [&](const char* version, const char* description, const std::string& checksum) {
    return std::string(
               "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) "
               "VALUES (") +
           version + ", '" + description + "', TRUE, " + blob(checksum) + ", 12)";
  };
  run_sql(url, {create_1, create_2,
                std::string("CREATE TABLE _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, "
                            "installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, success BOOLEAN NOT NULL, "
                            "checksum ") +
                    (postgres ? "BYTEA" : "BLOB") + " NOT NULL, execution_time BIGINT NOT NULL)",
                row("20240101000000", "one", sqlx_checksum(one)), row("20240102000000", "two", sqlx_checksum(one))});
  expect_refused(url, command_args("adopt", url, dir, {"--from", "sqlx"}), 3,
                 {"20240102000000_two.up.sql: sqlx recorded checksum " + sqlx_checksum(one),
                  "the file changed after sqlx applied it"});
  run_sql(url, {"DELETE FROM _sqlx_migrations WHERE version = 20240102000000",
                row("20240102000000", "two", sqlx_checksum(two))});
  ProcessResult adopted = run_strata(command_args("adopt", url, dir, {"--from", "sqlx"}));
  INFO(adopted.err);
  REQUIRE(adopted.exit_code == 0);
  CHECK(states(url, dir) ==
        std::vector<std::string>{"20240101000000=applied", "20240102000000=applied", "20240103000000=pending"});

  std::string diesel_url = fresh_database_url();
  run_sql(diesel_url, {create_1,
                       "CREATE TABLE __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY NOT NULL, "
                       "run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)",
                       "INSERT INTO __diesel_schema_migrations (version) VALUES ('20240101000000')"});
  ProcessResult diesel = run_strata(command_args("adopt", diesel_url, dir, {"--from", "diesel"}));
  INFO(diesel.err);
  REQUIRE(diesel.exit_code == 0);
  CHECK(states(diesel_url, dir) ==
        std::vector<std::string>{"20240101000000=applied", "20240102000000=pending", "20240103000000=pending"});
}

TEST_CASE("adopt refuses a missing table, another tool's table and an unknown tool, changing nothing", "[adopt]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  golang_migrate_files(dir);
  run_sql(url, {golang_migrate_ddl, "INSERT INTO schema_migrations VALUES (1, FALSE)"});
  expect_refused(url, command_args("adopt", url, dir, {"--from", "goose"}), 3,
                 {"no goose table here", "has no table goose_db_version", "--table"});
  expect_refused(url, command_args("adopt", url, dir, {"--from", "dbmate"}), 3,
                 {"has a dirty column", "--from golang-migrate"});
  expect_refused(url, command_args("adopt", url, dir, {"--from", "flyway", "--table", "schema_migrations"}), 3,
                 {"schema_migrations", "is not flyway's: it has no column description"});
  expect_refused(url, command_args("adopt", url, dir, {"--from", "liquibase"}), 2,
                 {"unknown tool 'liquibase'", "golang-migrate, goose, dbmate"});
}
