// Other tools' layouts read as they are (`format` in strata.toml, --format): for each, a project
// as that tool's users write it (several versions, undo files, a placeholder, a version for
// another database only, a migration outside a transaction where the tool has one), migrated
// and rolled back on this backend; what a user sees is checked: the tables, the ledger's rows,
// and what `status` says.
#include "harness.hpp"

#include <catch2/catch.hpp>

using namespace strata;
using namespace strata::conformance;

namespace {

std::vector<std::string> ledger_scripts(const std::string& url) {
  std::vector<std::string> out;
  for (const auto& row : Inspector(url).ledger())
    out.push_back(std::string(to_string(row.kind)) + " " + row.script + (row.success ? "" : " failed"));
  return out;
}

void expect_ok(const ProcessResult& r) {
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
}

}  // namespace

TEST_CASE("golang-migrate's layout: an empty placeholder is applied and undone as nothing to do", "[layouts]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  dir.write("000001_create_teams.up.sql", "CREATE TABLE layout_teams (id INTEGER PRIMARY KEY);\n");
  dir.write("000001_create_teams.down.sql", "DROP TABLE layout_teams;\n");
  dir.write("000002_placeholder.up.sql", "");
  dir.write("000002_placeholder.down.sql", "");
  dir.write("000003_create_members.up.sql", "CREATE TABLE layout_members (id INTEGER PRIMARY KEY);\n");
  dir.write("000003_create_members.down.sql", "DROP TABLE layout_members;\n");
  // strata's own rules refuse the empty files before connecting, naming the format.
  expect_refused(url, command_args("migrate", url, dir), 3,
                 {"000002_placeholder.up.sql: the file is empty", "set format = \"golang-migrate\""});

  std::vector<std::string> format{"--format", "golang-migrate"};
  expect_ok(run_strata(command_args("migrate", url, dir, format)));
  Inspector db(url);
  CHECK(db.has_table("layout_teams"));
  CHECK(db.has_table("layout_members"));
  CHECK(ledger_scripts(url) == std::vector<std::string>{"versioned 000001_create_teams.up.sql",
                                                        "versioned 000002_placeholder.up.sql",
                                                        "versioned 000003_create_members.up.sql"});
  std::vector<std::string> rollback = format;
  rollback.insert(rollback.end(), {"--steps", "2"});
  expect_ok(run_strata(command_args("rollback", url, dir, rollback)));
  CHECK_FALSE(Inspector(url).has_table("layout_members"));
  CHECK(Inspector(url).has_table("layout_teams"));
  expect_ok(run_strata(command_args("migrate", url, dir, format)));
  CHECK(Inspector(url).has_table("layout_members"));
}

TEST_CASE("pop's layout: a version for another database only is skipped here, empty files are no-ops", "[layouts]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  dir.write("20240101000000_create_teams.up.sql", "CREATE TABLE layout_teams (id INTEGER PRIMARY KEY);\n");
  dir.write("20240101000000_create_teams.down.sql", "DROP TABLE layout_teams;\n");
  dir.write("20240102000000_cockroach_zones.cockroach.up.sql",
            "ALTER DATABASE x CONFIGURE ZONE USING num_replicas = 5;\n");
  dir.write("20240103000000_nothing_yet.up.sql", "");
  dir.write("20240104000000_create_members.up.sql", "CREATE TABLE layout_members (id INTEGER PRIMARY KEY);\n");
  std::vector<std::string> format{"--format", "pop"};
  expect_ok(run_strata(command_args("migrate", url, dir, format)));
  CHECK(ledger_scripts(url) == std::vector<std::string>{"versioned 20240101000000_create_teams.up.sql",
                                                        "versioned 20240103000000_nothing_yet.up.sql",
                                                        "versioned 20240104000000_create_members.up.sql"});
  CHECK(Inspector(url).has_table("layout_members"));
  // A second run: up to date, the skipped version still skipped.
  ProcessResult again = run_strata(command_args("migrate", url, dir, format));
  expect_ok(again);
  CHECK_THAT(again.out, Catch::Contains("up to date"));
}

TEST_CASE("diesel's layout: folders per migration, dashed versions, run_in_transaction = false, down.sql undoes",
          "[layouts]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  dir.write("00000000000000_diesel_initial_setup/up.sql", "");
  dir.write("00000000000000_diesel_initial_setup/down.sql", "");
  dir.write("2019-02-26-002946_create_teams/up.sql",
            "CREATE TABLE layout_teams (id INTEGER PRIMARY KEY, name "
            "VARCHAR(50));\n");
  dir.write("2019-02-26-002946_create_teams/down.sql", "DROP TABLE layout_teams;\n");
  dir.write("2019-03-01-101010_index_teams/up.sql", "CREATE INDEX layout_teams_name ON layout_teams (name);\n");
  dir.write("2019-03-01-101010_index_teams/metadata.toml", "run_in_transaction = false\n");
  // A folder of numbered steps, each with its undo where it has one.
  dir.write("2019-04-01-000000_members/1_tables.sql", "CREATE TABLE layout_members (id INTEGER PRIMARY KEY);\n");
  dir.write("2019-04-01-000000_members/1_tables.down.sql", "DROP TABLE layout_members;\n");
  dir.write("2019-04-01-000000_members/2_city.sql", "ALTER TABLE layout_teams ADD COLUMN city VARCHAR(50);\n");
  dir.write("2019-04-01-000000_members/2_city.down.sql", "ALTER TABLE layout_teams DROP COLUMN city;\n");
  std::vector<std::string> format{"--format", "diesel"};
  expect_ok(run_strata(command_args("migrate", url, dir, format)));
  CHECK(ledger_scripts(url) == std::vector<std::string>{"versioned 00000000000000_diesel_initial_setup/up.sql",
                                                        "versioned 2019-02-26-002946_create_teams/up.sql",
                                                        "versioned 2019-03-01-101010_index_teams/up.sql",
                                                        "versioned 2019-04-01-000000_members/1_tables.sql",
                                                        "versioned 2019-04-01-000000_members/2_city.sql"});
  auto rows = Inspector(url).ledger();
  REQUIRE(rows.size() == 5);
  CHECK(rows[1].version->str() == "20190226002946");
  CHECK_FALSE(rows[2].progress_checksum.empty());  // outside a transaction: progress recorded statement by statement
  CHECK(rows[4].version->str() == "20190401000000.2");
  auto indexes = Inspector(url).connection().catalog().indexes("layout_teams");
  CHECK(std::any_of(indexes.begin(), indexes.end(), [](const IndexInfo& i) { return i.name == "layout_teams_name"; }));

  // The steps are undone in reverse, each by its own down file.
  expect_ok(run_strata(command_args("rollback", url, dir, {"--format", "diesel", "--steps", "2"})));
  CHECK_FALSE(Inspector(url).has_table("layout_members"));
  auto columns = Inspector(url).connection().catalog().columns("layout_teams");
  CHECK(std::none_of(columns.begin(), columns.end(), [](const ColumnInfo& c) { return c.name == "city"; }));
  CHECK(Inspector(url).has_table("layout_teams"));
}

TEST_CASE("Flyway's layout: the subfolders of a location are read, in version order across them", "[layouts]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  dir.write("V1__create_teams.sql", "CREATE TABLE layout_teams (id INTEGER PRIMARY KEY);\n");
  dir.write("release_2/V2__create_members.sql", "CREATE TABLE layout_members (id INTEGER PRIMARY KEY);\n");
  dir.write("release_2/views/R__team_view.sql",
            "DROP VIEW IF EXISTS layout_team_view;\nCREATE VIEW layout_team_view AS SELECT id FROM layout_teams;\n");
  dir.write("release_3/V3__create_roles.sql", "CREATE TABLE layout_roles (id INTEGER PRIMARY KEY);\n");
  expect_refused(url, command_args("migrate", url, dir), 3, {"release_2: a directory", "set format = \"flyway\""});
  expect_ok(run_strata(command_args("migrate", url, dir, {"--format", "flyway"})));
  CHECK(ledger_scripts(url) ==
        std::vector<std::string>{"versioned V1__create_teams.sql", "versioned V2__create_members.sql",
                                 "versioned V3__create_roles.sql", "repeatable R__team_view.sql"});
}

TEST_CASE("A Flyway project is migrated where it stands: flyway.conf names the location", "[layouts]") {
  std::string url = fresh_database_url();
  ScratchDir project;
  project.write("strata.toml", "format = \"flyway\"\n");
  project.write("conf/flyway.conf", "flyway.url=jdbc:example\nflyway.locations=filesystem:sql\n");
  project.write("sql/V1__create_teams.sql", "CREATE TABLE layout_teams (id INTEGER PRIMARY KEY);\n");
  project.write("sql/release_2/V2__create_members.sql", "CREATE TABLE layout_members (id INTEGER PRIMARY KEY);\n");
  ChildOptions in_project;
  in_project.directory = project.path();
  expect_ok(run_strata({"migrate", "--url", url}, in_project));
  CHECK(ledger_scripts(url) ==
        std::vector<std::string>{"versioned V1__create_teams.sql", "versioned V2__create_members.sql"});

  // What strata cannot follow is refused, naming the file and line, before anything runs.
  project.write("conf/flyway.conf", "flyway.locations=filesystem:sql,filesystem:more\n");
  ProcessResult r = run_strata({"migrate", "--url", url}, in_project);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("conf/flyway.conf:1") && Catch::Contains("several locations"));
}
