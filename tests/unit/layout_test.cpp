// Other tools' layouts (Layout in <strata/source.hpp>): each reads its project as that tool does,
// and strata's own layout refuses what another would read differently, naming the format.
#include <strata/checksum.hpp>
#include <strata/error.hpp>
#include <strata/plan.hpp>
#include <strata/source.hpp>

#include "scratch_dir.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>
#include <fstream>

namespace fs = std::filesystem;
using strata::Layout;
using strata::MigrationKind;

namespace {

std::string load_error(const fs::path& dir, Layout layout = Layout::strata) {
  try {
    strata::load_directory(dir, {}, layout);
  } catch (const strata::Error& e) {
    CHECK(e.kind() == strata::ErrorKind::validation);
    return e.what();
  }
  FAIL("load_directory accepted a defective directory");
  return {};
}

// "kind version script" for each migration, in apply order.
std::vector<std::string> listing(const std::vector<strata::Migration>& migrations) {
  std::vector<std::string> out;
  for (const auto& m : migrations)
    out.push_back(std::string(to_string(m.kind)) + " " + (m.version ? m.version->str() : "-") + " " + m.script +
                  (m.transactional ? "" : " no-transaction"));
  return out;
}

}  // namespace

TEST_CASE("every layout has one name, read back as itself") {
  for (Layout l : {Layout::strata, Layout::golang_migrate, Layout::goose, Layout::dbmate, Layout::flyway, Layout::pop,
                   Layout::diesel})
    CHECK(strata::parse_layout(strata::to_string(l)) == l);
  CHECK_FALSE(strata::parse_layout("liquibase"));
}

TEST_CASE("golang-migrate: an empty file is a migration with nothing to do, and strata's layout names the format") {
  ScratchDir dir;
  dir.write("000001_users.up.sql", "CREATE TABLE users (id INTEGER);\n");
  dir.write("000001_users.down.sql", "DROP TABLE users;\n");
  dir.write("000002_placeholder.up.sql", "");
  dir.write("000002_placeholder.down.sql", "-- nothing to undo\n");
  auto migrations = strata::load_directory(dir.path, {}, Layout::golang_migrate);
  CHECK(listing(migrations) ==
        std::vector<std::string>{"versioned 1 000001_users.up.sql", "versioned 2 000002_placeholder.up.sql",
                                 "undo 1 000001_users.down.sql", "undo 2 000002_placeholder.down.sql"});
  CHECK(migrations[1].checksum == strata::script_checksum(""));

  std::string error = load_error(dir.path);
  CHECK_THAT(error, Catch::Contains("000002_placeholder.up.sql: the file is empty") &&
                        Catch::Contains("set format = \"golang-migrate\" (or pop, diesel)"));
  // A portable file is never empty by layout.
  dir.write("000003_x.yaml", "");
  CHECK_THAT(load_error(dir.path, Layout::golang_migrate), Catch::Contains("000003_x.yaml: the file is empty"));
}

TEST_CASE("diesel: a folder per migration, its version's dashes dropped, metadata.toml honoured") {
  ScratchDir dir;
  dir.write("00000000000000_diesel_initial_setup/up.sql", "-- diesel's own setup, empty here\n");
  dir.write("00000000000000_diesel_initial_setup/down.sql", "");
  dir.write("2019-02-26-002946_create_users/up.sql", "CREATE TABLE users (id INTEGER);\n");
  dir.write("2019-02-26-002946_create_users/down.sql", "DROP TABLE users;\n");
  dir.write("2019-03-01-101010_index_users/up.sql", "CREATE INDEX users_id ON users (id);\n");
  dir.write("2019-03-01-101010_index_users/metadata.toml", "run_in_transaction = false\n");
  dir.write(".keep", "");
  auto migrations = strata::load_directory(dir.path, {}, Layout::diesel);
  CHECK(listing(migrations) ==
        std::vector<std::string>{"versioned 0 00000000000000_diesel_initial_setup/up.sql",
                                 "versioned 20190226002946 2019-02-26-002946_create_users/up.sql",
                                 "versioned 20190301101010 2019-03-01-101010_index_users/up.sql no-transaction",
                                 "undo 0 00000000000000_diesel_initial_setup/down.sql",
                                 "undo 20190226002946 2019-02-26-002946_create_users/down.sql"});
  CHECK(migrations[1].description == "create users");

  // strata's own layout names the format; what diesel's cannot read is refused, each named.
  CHECK_THAT(load_error(dir.path), Catch::Contains("2019-02-26-002946_create_users: a directory") &&
                                       Catch::Contains("set format = \"diesel\""));
  dir.write("notes.sql", "SELECT 1;\n");
  dir.write("not_a_version/up.sql", "SELECT 1;\n");
  dir.write("2020-01-01-000000_x/up.sql", "SELECT 1;\n");
  dir.write("2020-01-01-000000_x/extra.sql", "SELECT 1;\n");
  dir.write("2020-01-02-000000_y/down.sql", "SELECT 1;\n");
  dir.write("2019-03-01-101010_index_users/metadata.toml", "run_in_transaction = \"no\"\n");
  std::string error = load_error(dir.path, Layout::diesel);
  CHECK_THAT(error, Catch::Contains("notes.sql: not in a migration's folder"));
  CHECK_THAT(error, Catch::Contains("not_a_version: not a migration folder: expected <version>_<name>"));
  CHECK_THAT(error, Catch::Contains("extra.sql: not up.sql, down.sql or metadata.toml"));
  CHECK_THAT(error, Catch::Contains("2020-01-02-000000_y: no up.sql"));
  CHECK_THAT(error, Catch::Contains("metadata.toml: run_in_transaction: strata reads only run_in_transaction = true "
                                    "or false"));
}

TEST_CASE("a version folder of numbered files: each a step in the order of its number, the rest refused") {
  ScratchDir dir;
  dir.write("2019-02-26-002946_create_users/up.sql", "CREATE TABLE users (id INTEGER);\n");
  dir.write("2019-03-01-000000_reporting/10_views.sql", "CREATE VIEW v AS SELECT id FROM users;\n");
  dir.write("2019-03-01-000000_reporting/2_tables.sql", "CREATE TABLE report (id INTEGER);\n");
  dir.write("2019-03-01-000000_reporting/2_tables.down.sql", "DROP TABLE report;\n");
  dir.write("2019-03-01-000000_reporting/metadata.toml", "run_in_transaction = false\n");
  auto migrations = strata::load_directory(dir.path, {}, Layout::diesel);
  CHECK(listing(migrations) ==
        std::vector<std::string>{"versioned 20190226002946 2019-02-26-002946_create_users/up.sql",
                                 "versioned 20190301000000.2 2019-03-01-000000_reporting/2_tables.sql no-transaction",
                                 "versioned 20190301000000.10 2019-03-01-000000_reporting/10_views.sql no-transaction",
                                 "undo 20190301000000.2 2019-03-01-000000_reporting/2_tables.down.sql no-transaction"});
  CHECK(migrations[1].description == "tables");

  dir.write("2019-03-01-000000_reporting/02_more.sql", "SELECT 1;\n");
  dir.write("2019-03-01-000000_reporting/notes.sql", "SELECT 1;\n");
  dir.write("2019-03-01-000000_reporting/7_gone.down.sql", "SELECT 1;\n");
  std::string error = load_error(dir.path, Layout::diesel);
  CHECK_THAT(error, Catch::Contains("numbered 2, as 2_tables.sql is: which of the two runs first is not known") ||
                        Catch::Contains("numbered 2, as 02_more.sql is"));
  CHECK_THAT(error, Catch::Contains("notes.sql: neither up.sql, down.sql, metadata.toml nor a numbered step"));
  CHECK_THAT(error, Catch::Contains("7_gone.down.sql: an undo with no step of its number to undo"));
}

TEST_CASE("flyway: subfolders are read as Flyway reads a location, a version in two of them refused") {
  ScratchDir dir;
  dir.write("V1__a.sql", "CREATE TABLE a (id INTEGER);\n");
  dir.write("release_2/V2__b.sql", "CREATE TABLE b (id INTEGER);\n");
  dir.write("release_2/views/R__v.sql", "CREATE VIEW v AS SELECT 1;\n");
  CHECK(listing(strata::load_directory(dir.path, {}, Layout::flyway)) ==
        std::vector<std::string>{"versioned 1 V1__a.sql", "versioned 2 V2__b.sql", "repeatable - R__v.sql"});
  CHECK_THAT(load_error(dir.path),
             Catch::Contains("release_2: a directory") && Catch::Contains("set format = \"flyway\""));
  dir.write("release_3/V2__again.sql", "CREATE TABLE c (id INTEGER);\n");
  CHECK_THAT(load_error(dir.path, Layout::flyway), Catch::Contains("version 2 is also defined by"));
  fs::remove_all(dir.path / "release_3");

  // A link to a folder elsewhere is read; a link back to a folder that holds it is refused.
  ScratchDir shared;
  shared.write("V3__c.sql", "CREATE TABLE c (id INTEGER);\n");
  fs::create_directory_symlink(shared.path, dir.path / "shared");
  CHECK(strata::load_directory(dir.path, {}, Layout::flyway).size() == 4);
  fs::create_directory_symlink("..", dir.path / "release_2" / "loop");
  try {
    strata::load_directory(dir.path, {}, Layout::flyway);
    FAIL("followed a link loop");
  } catch (const strata::Error& e) {
    CHECK(e.kind() == strata::ErrorKind::usage);
    CHECK_THAT(e.what(), Catch::Contains("release_2/loop is a link back to a folder that holds it"));
  }
}

TEST_CASE("pop: a version for some databases only is skipped on the others, and strata's rule names the format") {
  ScratchDir dir;
  dir.write("20240101000000_teams.up.sql", "CREATE TABLE teams (id INTEGER);\n");
  dir.write("20240101000000_teams.down.sql", "");
  dir.write("20240102000000_extension.postgres.up.sql", "CREATE EXTENSION citext;\n");
  dir.write("20240103000000_members.up.sql", "CREATE TABLE members (id INTEGER);\n");
  auto files = strata::load_directory(dir.path, {}, Layout::pop);
  std::vector<std::string> sqlite{"sqlite"}, postgres{"postgres"};
  auto scripts = [](const std::vector<strata::Migration>& ms) {
    std::vector<std::string> out;
    for (const auto& m : ms)
      if (m.kind == MigrationKind::versioned) out.push_back(m.script);
    return out;
  };
  CHECK(scripts(strata::select_for_dialect(files, sqlite, Layout::pop)) ==
        std::vector<std::string>{"20240101000000_teams.up.sql", "20240103000000_members.up.sql"});
  CHECK(scripts(strata::select_for_dialect(files, postgres, Layout::pop)) ==
        std::vector<std::string>{"20240101000000_teams.up.sql", "20240102000000_extension.postgres.up.sql",
                                 "20240103000000_members.up.sql"});
  try {
    strata::select_for_dialect(files, sqlite);
    FAIL("strata's layout skipped a version with no file for this database");
  } catch (const strata::Error& e) {
    CHECK_THAT(std::string(e.what()), Catch::Contains("version 20240102000000 has variants for postgres") &&
                                          Catch::Contains("set format = \"pop\""));
  }
}

TEST_CASE("a rollback with no undo file names the file the migration's own layout would have") {
  ScratchDir dir;
  dir.write("2019-02-26-002946_create_users/up.sql", "CREATE TABLE users (id INTEGER);\n");
  dir.write("000002_x.up.sql", "CREATE TABLE x (id INTEGER);\n");
  auto expected = [](const std::vector<strata::Migration>& files, const char* file) {
    strata::LedgerRow row;
    row.installed_rank = 1;
    row.version = files.front().version;
    row.script = files.front().script;
    row.checksum = files.front().checksum;
    std::vector<strata::LedgerRow> ledger{row};
    auto plan = strata::make_rollback_plan(files, ledger, {});
    REQUIRE(plan.problems.size() == 1);
    CHECK_THAT(plan.problems[0], Catch::EndsWith(std::string("has no undo migration (") + file + ")"));
  };
  fs::remove(dir.path / "000002_x.up.sql");
  expected(strata::load_directory(dir.path, {}, Layout::diesel), "2019-02-26-002946_create_users/down.sql");
  fs::remove_all(dir.path / "2019-02-26-002946_create_users");
  dir.write("000002_x.up.sql", "CREATE TABLE x (id INTEGER);\n");
  expected(strata::load_directory(dir.path, {}, Layout::golang_migrate), "000002_x.down.sql");
  fs::remove(dir.path / "000002_x.up.sql");
  dir.write("2019-03-01-000000_reporting/1_tables.sql", "CREATE TABLE report (id INTEGER);\n");
  expected(strata::load_directory(dir.path, {}, Layout::diesel), "2019-03-01-000000_reporting/1_tables.down.sql");
  fs::remove_all(dir.path / "2019-03-01-000000_reporting");
  dir.write("V3__x.sql", "CREATE TABLE x (id INTEGER);\n");
  expected(strata::load_directory(dir.path, {}, Layout::strata), "U3__<description>.sql");
}
