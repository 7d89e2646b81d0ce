// Files written for goose or dbmate: read by their direction markers, never run whole.
#include <strata/checksum.hpp>
#include <strata/error.hpp>
#include <strata/migration_set.hpp>
#include <strata/source.hpp>

#include "scratch_dir.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>
#include <fstream>

namespace fs = std::filesystem;
using strata::Migration;
using strata::MigrationKind;
using strata::ScriptPart;

namespace {

Migration named(const std::string& file, std::string text) {
  auto name = strata::parse_migration_name(file);
  REQUIRE(name);
  return Migration::sql(*name, file, std::move(text), "migrations/" + file);
}

// The error reading `text` as `file` gives; fails the test when it reads.
strata::Error read_error(const std::string& file, const std::string& text) {
  try {
    strata::sql_migrations(named(file, text));
  } catch (const strata::Error& e) {
    CHECK(e.kind() == strata::ErrorKind::validation);
    return e;
  }
  FAIL("the file was read: " << text);
  throw;
}

}  // namespace

TEST_CASE("a goose file's Up section is the migration and its Down section the undo of that version") {
  const std::string text =
      "-- +goose Up\n"
      "CREATE TABLE a (id INTEGER);\n"
      "CREATE TABLE b (id INTEGER);\n"
      "\n"
      "-- +goose Down\n"
      "DROP TABLE b;\n"
      "DROP TABLE a;\n";
  auto read = strata::sql_migrations(named("002_ab.sql", text));
  REQUIRE(read.size() == 2);
  const Migration& up = read[0];
  CHECK(up.kind == MigrationKind::versioned);
  REQUIRE(up.sql_script()->parts);
  REQUIRE(up.sql_script()->parts->size() == 1);
  CHECK((*up.sql_script()->parts)[0].text == "CREATE TABLE a (id INTEGER);\nCREATE TABLE b (id INTEGER);\n\n");
  CHECK((*up.sql_script()->parts)[0].line == 2);  // the file's line, not the section's
  CHECK_FALSE((*up.sql_script()->parts)[0].whole);
  CHECK(up.sql_script()->text == text);
  CHECK(up.checksum == strata::script_checksum(text));  // of the whole file

  const Migration& down = read[1];
  CHECK(down.kind == MigrationKind::undo);
  CHECK(down.version == up.version);
  CHECK(down.script == "002_ab.sql");
  CHECK(down.origin == "migrations/002_ab.sql (down)");
  CHECK(down.checksum == up.checksum);
  REQUIRE(down.sql_script()->parts);
  REQUIRE(down.sql_script()->parts->size() == 1);
  CHECK((*down.sql_script()->parts)[0].text == "DROP TABLE b;\nDROP TABLE a;\n");
  CHECK((*down.sql_script()->parts)[0].line == 6);
}

TEST_CASE("goose annotations are read in any letter case, and a file without markers is read whole") {
  auto read = strata::sql_migrations(named("1_x.sql", "--   +goose   up\nSELECT 1;\n-- +GOOSE DOWN\nSELECT 2;\n"));
  REQUIRE(read.size() == 2);
  CHECK((*read[0].sql_script()->parts)[0].text == "SELECT 1;\n");
  // Only upper case: the file is still looked through for markers.
  auto upper = strata::sql_migrations(named("2_x.sql", "-- +GOOSE UP\nSELECT 1;\n-- +Goose Down\nSELECT 2;\n"));
  REQUIRE(upper.size() == 2);
  CHECK((*upper[1].sql_script()->parts)[0].text == "SELECT 2;\n");

  auto plain = strata::sql_migrations(named("V1__x.sql", "-- goose was here\nCREATE TABLE a (id INTEGER);\n"));
  REQUIRE(plain.size() == 1);
  CHECK_FALSE(plain[0].sql_script()->parts);  // all of the file, split by the dialect
  CHECK(plain[0].transactional);
}

TEST_CASE("the lines between goose's StatementBegin and StatementEnd are one statement") {
  const std::string text =
      "-- +goose Up\n"
      "CREATE TABLE a (id INTEGER);\n"
      "-- +goose StatementBegin\n"
      "-- the body has semicolons of its own\n"
      "  CREATE PROCEDURE p() BEGIN\n"
      "    SELECT 1;\n"
      "  END;\n"
      "-- +goose StatementEnd\n"
      "INSERT INTO a VALUES (1);\n"
      "-- +goose Down\n"
      "-- +goose StatementBegin\n"
      "DROP PROCEDURE p;\n"
      "-- +goose StatementEnd\n"
      "DROP TABLE a;\n";
  auto read = strata::sql_migrations(named("003_p.sql", text));
  REQUIRE(read.size() == 2);
  const auto& up = *read[0].sql_script()->parts;
  REQUIRE(up.size() == 3);
  CHECK(up[0].text == "CREATE TABLE a (id INTEGER);\n");
  CHECK_FALSE(up[0].whole);
  CHECK(up[1].whole);
  CHECK(up[1].text == "CREATE PROCEDURE p() BEGIN\n    SELECT 1;\n  END");  // without its final ';'
  CHECK(up[1].line == 5);
  CHECK(up[1].column == 3);
  CHECK(up[2].text == "INSERT INTO a VALUES (1);\n");
  CHECK(up[2].line == 9);
  const auto& down = *read[1].sql_script()->parts;
  REQUIRE(down.size() == 2);
  CHECK(down[0].whole);
  CHECK(down[0].text == "DROP PROCEDURE p");
  CHECK(down[1].line == 14);
}

TEST_CASE("goose NO TRANSACTION holds for both sections, dbmate's transaction:false for its own") {
  auto goose = strata::sql_migrations(
      named("4_x.sql", "-- +goose NO TRANSACTION\n-- +goose Up\nSELECT 1;\n-- +goose Down\nSELECT 2;\n"));
  REQUIRE(goose.size() == 2);
  CHECK_FALSE(goose[0].transactional);
  CHECK_FALSE(goose[1].transactional);

  auto dbmate = strata::sql_migrations(
      named("20151129054053_x.sql", "-- migrate:up transaction:false\nSELECT 1;\n\n-- migrate:down\nSELECT 2;\n"));
  REQUIRE(dbmate.size() == 2);
  CHECK_FALSE(dbmate[0].transactional);
  CHECK(dbmate[1].transactional);
  CHECK((*dbmate[0].sql_script()->parts)[0].text == "SELECT 1;\n\n");
  CHECK((*dbmate[1].sql_script()->parts)[0].line == 5);

  auto directive = strata::sql_migrations(
      named("5_x.sql", "-- strata:no-transaction\n-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 2;\n"));
  CHECK_FALSE(directive[0].transactional);
  CHECK_FALSE(directive[1].transactional);
}

TEST_CASE("a Down section without statements gives no undo, and says why") {
  auto empty = strata::sql_migrations(named("6_x.sql", "-- +goose Up\nSELECT 1;\n-- +goose Down\n-- nothing\n"));
  REQUIRE(empty.size() == 1);
  CHECK(empty[0].undo_missing == "the Down section of 6_x.sql (line 3) holds no statement");
  auto none = strata::sql_migrations(named("7_x.sql", "-- migrate:up\nSELECT 1;\n"));
  REQUIRE(none.size() == 1);
  CHECK(none[0].undo_missing == "7_x.sql has no Down section");
}

TEST_CASE("a marker that cannot be honoured is refused, naming it and its line") {
  struct Case {
    const char* text;
    int line;
    const char* message;
  };
  const Case cases[] = {
      {"-- +goose Up\nSELECT 1;\n-- +goose Upp\n", 3, "`-- +goose Upp`: unknown goose annotation"},
      {"-- +goose Down\nSELECT 2;\n-- +goose Up\nSELECT 1;\n", 1, "`-- +goose Down`: a Down marker before the Up"},
      {"-- +goose Up\nSELECT 1;\n-- +goose Up\nSELECT 2;\n", 3, "a second Up marker (the first is on line 1)"},
      {"-- +goose Up\nSELECT 1;\n-- +goose Down\n-- +goose Down\n", 4, "a second Down marker (the first is on line 3)"},
      {"-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n", 2, "has no `-- +goose StatementEnd`"},
      {"-- +goose Up\nSELECT 1;\n-- +goose StatementEnd\n", 3, "no `-- +goose StatementBegin` opened"},
      {"-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n-- +goose Down\n", 4,
       "close it with `-- +goose StatementEnd`"},
      {"CREATE TABLE z (id INTEGER);\n-- +goose Up\nSELECT 1;\n", 2, "line 1 holds SQL before the Up section"},
      {"-- +goose ENVSUB ON\n-- +goose Up\nSELECT 1;\n", 1, "does not substitute environment variables"},
      {"  -- +goose Up\nSELECT 1;\n", 1, "starts at the beginning of its line"},
      {"-- +goose NO TRANSACTION\nSELECT 1;\n", 1, "no Up section (`-- +goose Up`)"},
      {"-- migrate:up\nSELECT 1;\n-- +goose Down\nSELECT 2;\n", 3,
       "holds dbmate's (`-- migrate:up` on line 1) and goose's"},
      {"-- migrate:down\nSELECT 2;\n-- migrate:up\nSELECT 1;\n", 1, "`-- migrate:down`: a Down marker before the Up"},
      {"-- migrate:up\nSELECT 1;\n-- migrate:up\nSELECT 2;\n", 3, "`-- migrate:up`: a second Up marker"},
      {"-- migrate:up transaction:false timeout:5\nSELECT 1;\n", 1, "unknown dbmate option 'timeout:5'"},
      // Found by fuzzing: a carriage return ended the marker for dbmate but not for strata, so the
      // line was SQL and a `-- migrate:down\rx` would have let the Down section run with the Up.
      {"-- migrate:up\nSELECT 1;\n--migrate:up\rD\n", 3, "unknown dbmate option 'D'"},
      {"-- migrate:up\nSELECT 1;\n-- migrate:down\rx\nDROP TABLE t;\n", 3, "unknown dbmate option 'x'"},
      // Found by fuzzing: only the words after +goose were read, so this line was a goose setting
      // kept in the Up section's SQL, where dbmate reads its Down marker. goose reads the whole
      // line, and refuses it; so does strata.
      {"-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n-- migrate:down +goose envsub off\nSELECT 2;\n"
       "-- +goose StatementEnd\n",
       4, "`-- migrate:down +goose envsub off`: unknown goose annotation"},
      {"-- migrate:up\nSELECT 1;\n-- migrate:down +goose envsub off\nSELECT 2;\n", 3, "unknown goose annotation"},
      {"-- +goose Up\nSELECT 1;\n-- see +goose down below\n", 3,
       "`-- see +goose down below`: unknown goose annotation"},
      {"-- +goose Up\nSELECT 1;\n-- +goose Down -- +goose Up\n", 3, "unknown goose annotation"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    strata::Error e = read_error("8_x.sql", c.text);
    CHECK(e.line() == c.line);
    CHECK_THAT(e.message(), Catch::Contains(c.message));
  }
}

TEST_CASE("direction markers are refused in an undo file, and a Down section in a repeatable") {
  CHECK_THAT(read_error("U1__x.sql", "-- +goose Up\nSELECT 1;\n").message(),
             Catch::Contains("an undo file holds no direction markers"));
  strata::Error e = read_error("R__x.sql", "-- +goose Up\nSELECT 1;\n-- +goose Down\nSELECT 2;\n");
  CHECK(e.line() == 3);
  CHECK_THAT(e.message(), Catch::Contains("a repeatable migration has no undo"));
  auto repeatable = strata::sql_migrations(named("R__x.sql", "-- +goose Up\nSELECT 1;\n"));
  REQUIRE(repeatable.size() == 1);
  CHECK(repeatable[0].sql_script()->parts);
}

TEST_CASE("a directory reads a Down section as the undo, and an undo file beside it is refused, naming both") {
  ScratchDir dir;
  dir.write("001_a.sql", "-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n");
  auto migrations = strata::load_directory(dir.path);
  REQUIRE(migrations.size() == 2);
  CHECK(migrations[0].kind == MigrationKind::versioned);
  CHECK(migrations[1].kind == MigrationKind::undo);
  CHECK(migrations[1].origin == (dir.path / "001_a.sql").string() + " (down)");

  for (const char* undo_file : {"001_a.down.sql", "U1__a.sql"}) {
    ScratchDir both;
    both.write("001_a.sql", "-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n");
    both.write(undo_file, "DROP TABLE a;\n");
    try {
      strata::load_directory(both.path);
      FAIL("an undo file beside a Down section was accepted");
    } catch (const strata::Error& e) {
      CHECK(e.kind() == strata::ErrorKind::validation);
      CHECK_THAT(std::string(e.what()), Catch::Contains("001_a.sql (down)") && Catch::Contains(undo_file));
    }
  }

  ScratchDir bad;
  bad.write("001_a.sql", "-- +goose Up\nCREATE TABLE a (id INTEGER);\n-- +goose Sideways\n");
  try {
    strata::load_directory(bad.path);
    FAIL("an unknown goose annotation was accepted");
  } catch (const strata::Error& e) {
    CHECK_THAT(std::string(e.what()), Catch::Contains("001_a.sql: line 3, column 1: `-- +goose Sideways`"));
  }
}

TEST_CASE("an embedded migration set reads direction markers as a directory does") {
  const std::string text = "-- +goose Up\nCREATE TABLE a (id INTEGER);\n-- +goose Down\nDROP TABLE a;\n";
  strata::MigrationSet set;
  set.sql("V1__a.sql", text);
  auto migrations = set.migrations();
  REQUIRE(migrations.size() == 2);
  CHECK(migrations[0].kind == MigrationKind::versioned);
  CHECK(migrations[0].checksum == strata::script_checksum(text));
  CHECK(migrations[1].kind == MigrationKind::undo);
  CHECK(migrations[1].origin == "embedded V1__a.sql (down)");

  CHECK_THROWS_WITH(set.sql("U1__a.sql", "DROP TABLE a;\n"), Catch::Contains("embedded V1__a.sql (down)"));
  CHECK_THROWS_WITH(
      strata::MigrationSet().sql("V2__b.sql", "-- migrate:up\nSELECT 1;\n-- migrate:sideways\n-- migrate:up\n"),
      Catch::Contains("embedded V2__b.sql") && Catch::Contains("a second Up marker"));
}
