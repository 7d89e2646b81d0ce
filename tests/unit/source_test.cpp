#include "utf8.hpp"

#include <strata/checksum.hpp>
#include <strata/error.hpp>
#include <strata/migration_set.hpp>
#include <strata/source.hpp>

#include "scratch_dir.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>
#include <fstream>

namespace fs = std::filesystem;
using strata::MigrationKind;

namespace {

std::string load_error(const fs::path& dir) {
  try {
    strata::load_directory(dir);
  } catch (const strata::Error& e) {
    CHECK(e.kind() == strata::ErrorKind::validation);
    return e.what();
  }
  FAIL("load_directory accepted a defective directory");
  return {};
}

}  // namespace

TEST_CASE("Flyway names are read as versioned, undo and repeatable") {
  auto v = strata::parse_migration_name("V1.2__add_users_table.sql");
  REQUIRE(v);
  CHECK(v->kind == MigrationKind::versioned);
  CHECK(v->version->str() == "1.2");
  CHECK(v->description == "add users table");

  auto u = strata::parse_migration_name("U1.2__add_users_table.sql");
  REQUIRE(u);
  CHECK(u->kind == MigrationKind::undo);

  auto r = strata::parse_migration_name("R__summary_view.sql");
  REQUIRE(r);
  CHECK(r->kind == MigrationKind::repeatable);
  CHECK_FALSE(r->version);
  CHECK(r->description == "summary view");
}

TEST_CASE("numbered names and golang-migrate pairs are read as versioned and undo") {
  auto legacy = strata::parse_migration_name("002_auto_remediation.sql");
  REQUIRE(legacy);
  CHECK(legacy->kind == MigrationKind::versioned);
  CHECK(legacy->version->str() == "2");
  CHECK(legacy->description == "auto remediation");

  auto up = strata::parse_migration_name("20240601_users.up.sql");
  REQUIRE(up);
  CHECK(up->kind == MigrationKind::versioned);
  CHECK(up->description == "users");
  auto down = strata::parse_migration_name("20240601_users.down.sql");
  REQUIRE(down);
  CHECK(down->kind == MigrationKind::undo);
}

TEST_CASE("renaming 002_x.sql to V2__x.sql keeps the identity") {
  auto a = strata::parse_migration_name("002_x.sql");
  auto b = strata::parse_migration_name("V2__x.sql");
  REQUIRE(a);
  REQUIRE(b);
  CHECK(*a->version == *b->version);
  CHECK(a->description == b->description);
}

TEST_CASE("names that are not migration names are refused") {
  for (const char* bad : {"V2_x.sql", "V__x.sql", "Vx__y.sql", "R_x.sql", "R1__x.sql", "x.sql", "_x.sql", "V1__x.txt",
                          "2.sql", "V1.__x.sql"})
    CHECK_FALSE(strata::parse_migration_name(bad));
}

TEST_CASE("a directory is read in apply order, documentation and dotfiles ignored") {
  ScratchDir dir;
  dir.write("V10__ten.sql", "SELECT 10;");
  dir.write("V9__nine.sql", "SELECT 9;");
  dir.write("002_two.sql", "SELECT 2;");
  dir.write("R__b_view.sql", "SELECT 'b';");
  dir.write("R__a_view.sql", "SELECT 'a';");
  dir.write("README.md", "notes");
  dir.write(".keep", "");
  auto migrations = strata::load_directory(dir.path);
  std::vector<std::string> scripts;
  for (const auto& m : migrations) scripts.push_back(m.script);
  CHECK(scripts ==
        std::vector<std::string>{"002_two.sql", "V9__nine.sql", "V10__ten.sql", "R__a_view.sql", "R__b_view.sql"});
  CHECK(migrations[0].checksum == strata::script_checksum("SELECT 2;"));
}

TEST_CASE("a typo in a file name is refused, naming the file") {
  ScratchDir dir;
  dir.write("V1__ok.sql", "SELECT 1;");
  dir.write("V2_x.sql", "SELECT 2;");
  std::string message = load_error(dir.path);
  CHECK_THAT(message, Catch::Contains("V2_x.sql"));
  CHECK_THAT(message, Catch::Contains("two underscores"));
}

TEST_CASE("two files for one version are refused, naming both") {
  ScratchDir dir;
  dir.write("002_first.sql", "SELECT 1;");
  dir.write("V2__second.sql", "SELECT 2;");
  std::string message = load_error(dir.path);
  CHECK_THAT(message, Catch::Contains("002_first.sql"));
  CHECK_THAT(message, Catch::Contains("V2__second.sql"));
}

TEST_CASE("empty files and files that are not UTF-8 are refused") {
  ScratchDir dir;
  dir.write("V1__empty.sql", "-- nothing here yet\n\n");
  dir.write("V3__block.sql", "/* only a block comment;\n   with a semicolon */\n");
  dir.write("V2__latin1.sql", "INSERT INTO t VALUES ('caf\xE9');");
  std::string message = load_error(dir.path);
  CHECK_THAT(message, Catch::Contains("V1__empty.sql: the file is empty"));
  CHECK_THAT(message, Catch::Contains("V2__latin1.sql: not UTF-8"));
  CHECK_THAT(message, Catch::Contains("V3__block.sql: the file is empty"));
}

TEST_CASE("UTF-8 is checked byte by byte wherever the text stops being ASCII, and the first bad byte is named") {
  using strata::detail::valid_utf8;
  std::size_t bad = 0;
  std::string ascii(40, 'a');
  CHECK(valid_utf8(ascii, bad));
  CHECK(valid_utf8("", bad));
  // A bad byte at each offset of an eight-byte block after ASCII, and in the bytes left over.
  for (std::size_t at : {0, 7, 8, 15, 16, 37, 39}) {
    std::string text = ascii;
    text[at] = '\xE9';
    INFO("bad byte at " << at);
    CHECK_FALSE(valid_utf8(text, bad));
    CHECK(bad == at);
  }
  CHECK(valid_utf8(ascii + "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80" + ascii, bad));
  CHECK_FALSE(valid_utf8(ascii + "\xE2\x82", bad));  // cut short at the end
  CHECK(bad == 40);
  CHECK_FALSE(valid_utf8(ascii.substr(0, 12) + "\xED\xA0\x80" + ascii, bad));  // a surrogate
  CHECK(bad == 12);
  CHECK_FALSE(valid_utf8(ascii.substr(0, 9) + "\xC0\xAF", bad));  // overlong
  CHECK(bad == 9);
}

TEST_CASE("a file of nothing but semicolons and comments is empty, a statement after comments is content") {
  ScratchDir dir;
  dir.write("V1__semicolons.sql", "-- a\n;\n /* b */ ;;\n");
  dir.write("V2__after_comments.sql", "-- a\n/* b\n c */\n\tCREATE TABLE t (id INTEGER);\n");
  dir.write("V3__unclosed.sql", "/* never closed\n");
  std::string message = load_error(dir.path);
  CHECK_THAT(message, Catch::Contains("V1__semicolons.sql: the file is empty"));
  CHECK_THAT(message, !Catch::Contains("V2__after_comments.sql"));
  // A comment never closed is not taken for an empty file: the dialect's splitting names it.
  CHECK_THAT(message, !Catch::Contains("V3__unclosed.sql"));
}

TEST_CASE("directives are read from a file with a byte-order mark and CRLF line ends") {
  ScratchDir dir;
  dir.write("V1__bom.sql", "\xEF\xBB\xBF-- strata:no-transaction\r\n-- strata:allow drop-column\r\nDROP TABLE t;\r\n");
  auto migrations = strata::load_directory(dir.path);
  REQUIRE(migrations.size() == 1);
  CHECK_FALSE(migrations[0].transactional);
  CHECK(migrations[0].allow == std::vector<std::string>{"drop-column"});
  CHECK(migrations[0].checksum ==
        strata::sha256_hex("-- strata:no-transaction\n-- strata:allow drop-column\nDROP TABLE t;\n"));
}

TEST_CASE("many files are read on several threads and come back in order, every problem named once") {
  ScratchDir dir;
  for (int i = 1; i <= 300; ++i)
    dir.write("V" + std::to_string(i) + "__t" + std::to_string(i) + ".sql", "SELECT " + std::to_string(i) + ";\n");
  auto migrations = strata::load_directory(dir.path);
  REQUIRE(migrations.size() == 300);
  for (int i = 0; i < 300; ++i) CHECK(migrations[static_cast<std::size_t>(i)].version->str() == std::to_string(i + 1));
  dir.write("V77__empty.sql", "-- nothing\n");
  fs::create_directory(dir.path / "V150_folder");
  dir.write("V250__t250_again.sql", "SELECT 0;\n");
  std::string message = load_error(dir.path);
  CHECK_THAT(message, Catch::Contains("3 defective migration files"));
  // In the order of the names (as the directory is listed, sorted), the directory among them.
  auto folder = message.find("V150_folder"), again = message.find("V250__t250_again.sql"),
       empty = message.find("V77__empty.sql");
  CHECK(folder < again);
  CHECK(again < empty);
}

TEST_CASE("a link to a directory is refused as a directory, a dangling link as a file that cannot be read") {
  ScratchDir dir, elsewhere;
  dir.write("V1__a.sql", "SELECT 1;\n");
  fs::create_directory_symlink(elsewhere.path, dir.path / "V2__folder");
  std::string message = load_error(dir.path);
  CHECK_THAT(message, Catch::Contains("V2__folder: a directory"));
  fs::remove(dir.path / "V2__folder");
  fs::create_symlink(dir.path / "nowhere.sql", dir.path / "V2__gone.sql");
  try {
    strata::load_directory(dir.path);
    FAIL("a dangling link was read");
  } catch (const strata::Error& e) {
    CHECK_THAT(std::string(e.what()), Catch::Contains("V2__gone.sql") && Catch::Contains("cannot read the file"));
  }
}

TEST_CASE("a directory given with or without a trailing slash names its files the same way") {
  ScratchDir dir;
  dir.write("V1__a.sql", "SELECT 1;\n");
  CHECK(strata::load_directory(dir.path).front().origin == (dir.path / "V1__a.sql").string());
  CHECK(strata::load_directory(dir.path.string() + "/").front().origin == (dir.path / "V1__a.sql").string());
}

TEST_CASE("a missing migrations directory is a usage error") {
  try {
    strata::load_directory("/nonexistent/strata/migrations");
    FAIL("no error");
  } catch (const strata::Error& e) {
    CHECK(e.kind() == strata::ErrorKind::usage);
    CHECK_THAT(e.what(), Catch::Contains("/nonexistent/strata/migrations"));
  }
}

TEST_CASE("a dialect tag is a shipped dialect, an alias, another known engine or a declared one, and nothing else") {
  auto tag_of = [](std::string_view file, std::vector<std::string> declared = {}) {
    auto name = strata::parse_migration_name(file, declared);
    REQUIRE(name);
    return std::pair{name->dialect, name->description};
  };
  CHECK(tag_of("V3__api.postgres.sql") == std::pair<std::string, std::string>{"postgres", "api"});
  CHECK(tag_of("V3__api.postgresql.sql").first == "postgres");
  CHECK(tag_of("V3__api.sqlite3.sql").first == "sqlite");
  CHECK(tag_of("R__views.sqlite.sql").first == "sqlite");
  CHECK(tag_of("V3__api.mariadb.sql").first == "mariadb");
  CHECK(tag_of("V3__api.oracle.sql").first == "oracle");
  CHECK(tag_of("001_x.cockroach.up.sql").first == "cockroach");
  CHECK(tag_of("001_x.cockroachdb.up.sql").first == "cockroach");
  CHECK(tag_of("V3__api.sqlserver.sql").first == "mssql");
  // Any other dotted word is part of the description.
  CHECK(tag_of("V3__release.notes.sql") == std::pair<std::string, std::string>{"", "release.notes"});
  CHECK(tag_of("V3__api.litefile.sql") == std::pair<std::string, std::string>{"", "api.litefile"});
  // ...unless the project declares it (strata.toml `dialects`).
  CHECK(tag_of("V3__api.litefile.sql", {"litefile"}) == std::pair<std::string, std::string>{"litefile", "api"});
}

TEST_CASE("the tag stands before .up/.down as well as before the extension") {
  auto up = strata::parse_migration_name("002_x.mysql.up.sql");
  REQUIRE(up);
  CHECK(up->dialect == "mysql");
  CHECK(up->description == "x");
  CHECK(up->kind == strata::MigrationKind::versioned);
  auto down = strata::parse_migration_name("002_x.postgres.down.sql");
  REQUIRE(down);
  CHECK(down->dialect == "postgres");
  CHECK(down->kind == strata::MigrationKind::undo);
  auto plain = strata::parse_migration_name("002_x.up.sql");
  REQUIRE(plain);
  CHECK(plain->dialect.empty());
  CHECK(plain->description == "x");
}

TEST_CASE("in a Flyway name .up and .down are words of the description, never a direction") {
  auto flyway = strata::parse_migration_name("V1__x.greso.postgres.down.sql");
  REQUIRE(flyway);
  CHECK(flyway->kind == MigrationKind::versioned);
  CHECK(flyway->dialect.empty());
  CHECK(flyway->description == "x.greso.postgres.down");
  auto numbered = strata::parse_migration_name("001_x.greso.postgres.down.up.sql");  // found by fuzzing
  REQUIRE(numbered);
  CHECK(numbered->description == flyway->description);
  CHECK(numbered->dialect.empty());
}

TEST_CASE("a 20-digit version is a version") {
  auto name = strata::parse_migration_name("20150100000001000000_x.up.sql");
  REQUIRE(name);
  CHECK(name->version->str() == "20150100000001000000");
}

TEST_CASE("a plain file beside a variant is the other databases' file, never a duplicate") {
  ScratchDir dir;
  dir.write("001_x.up.sql", "SELECT 'plain';");
  dir.write("001_x.postgres.up.sql", "SELECT 'postgres';");
  dir.write("002_y.mysql.up.sql", "SELECT 'mysql';");
  dir.write("002_y.up.sql", "SELECT 'plain 2';");
  dir.write("003_z.cockroach.up.sql", "SELECT 'cockroach';");
  dir.write("003_z.up.sql", "SELECT 'plain 3';");
  auto files = strata::load_directory(dir.path);
  auto scripts = [](const std::vector<strata::Migration>& ms) {
    std::vector<std::string> out;
    for (const auto& m : ms) out.push_back(m.script);
    return out;
  };
  std::vector<std::string> sqlite{"sqlite"}, postgres{"postgresql"}, mysql{"mysql"};
  CHECK(scripts(strata::select_for_dialect(files, sqlite)) ==
        std::vector<std::string>{"001_x.up.sql", "002_y.up.sql", "003_z.up.sql"});
  CHECK(scripts(strata::select_for_dialect(files, postgres)) ==
        std::vector<std::string>{"001_x.postgres.up.sql", "002_y.up.sql", "003_z.up.sql"});
  CHECK(scripts(strata::select_for_dialect(files, mysql)) ==
        std::vector<std::string>{"001_x.up.sql", "002_y.mysql.up.sql", "003_z.up.sql"});
}

TEST_CASE("a file meant for another database never runs: without a plain file its version is refused") {
  ScratchDir dir;
  dir.write("002_y.mysql.up.sql", "SELECT 'mysql';");
  std::vector<std::string> sqlite{"sqlite"};
  auto files = strata::load_directory(dir.path);
  try {
    strata::select_for_dialect(files, sqlite);
    FAIL("no error");
  } catch (const strata::Error& e) {
    CHECK_THAT(e.what(), Catch::Contains("version 2") && Catch::Contains("none for sqlite"));
  }
}

TEST_CASE("an embedded set reads names by the same rule, with the project's declared dialects") {
  strata::MigrationSet set;
  set.sql("V1__t.sql", "SELECT 'plain';").sql("V1__t.litefile.sql", "SELECT 'litefile';");
  set.sql("V2__u.postgresql.sql", "SELECT 'postgres';").sql("V2__u.sql", "SELECT 'plain';");
  // Undeclared, litefile is no tag: two files of version 1.
  CHECK_THROWS_WITH(set.migrations(), Catch::Contains("version 1") && Catch::Contains("V1__t.litefile.sql"));
  std::vector<std::string> declared{"litefile"};
  auto tagged = set.migrations(declared);
  std::vector<std::string> litefile{"litefile"}, postgres{"postgres"};
  auto chosen = strata::select_for_dialect(tagged, litefile);
  REQUIRE(chosen.size() == 2);
  CHECK(chosen[0].script == "V1__t.litefile.sql");
  CHECK(chosen[1].script == "V2__u.sql");
  CHECK(strata::select_for_dialect(set.migrations(declared), postgres)[1].script == "V2__u.postgresql.sql");
}

TEST_CASE("a declared dialect must be a word a file name can carry") {
  std::vector<std::string> bad{"lite.file"};
  CHECK_THROWS_AS(strata::check_declared_dialects(bad, "strata.toml"), strata::Error);
  std::vector<std::string> good{"litefile", "my_db2"};
  CHECK_NOTHROW(strata::check_declared_dialects(good, "strata.toml"));
}

TEST_CASE("the most specific variant wins: mariadb, then mysql, then the plain file") {
  ScratchDir dir;
  dir.write("V1__t.sql", "SELECT 'plain';");
  dir.write("V1__t.mysql.sql", "SELECT 'mysql';");
  dir.write("V1__t.mariadb.sql", "SELECT 'mariadb';");
  dir.write("V2__u.sql", "SELECT 'plain 2';");
  dir.write("V2__u.mysql.sql", "SELECT 'mysql 2';");
  std::vector<std::string> declared{"mariadb", "mysql", "postgres"};
  auto files = strata::load_directory(dir.path, declared);
  auto scripts = [](const std::vector<strata::Migration>& ms) {
    std::vector<std::string> out;
    for (const auto& m : ms) out.push_back(m.script);
    return out;
  };
  std::vector<std::string> mariadb{"mariadb", "mysql"}, mysql{"mysql"}, postgres{"postgres"};
  CHECK(scripts(strata::select_for_dialect(files, mariadb)) ==
        std::vector<std::string>{"V1__t.mariadb.sql", "V2__u.mysql.sql"});
  CHECK(scripts(strata::select_for_dialect(files, mysql)) ==
        std::vector<std::string>{"V1__t.mysql.sql", "V2__u.mysql.sql"});
  CHECK(scripts(strata::select_for_dialect(files, postgres)) == std::vector<std::string>{"V1__t.sql", "V2__u.sql"});
}

TEST_CASE("a version with variants but none for this dialect and no plain file is refused, naming it") {
  ScratchDir dir;
  dir.write("V7__api.postgres.sql", "SELECT 1;");
  dir.write("V7__api.mysql.sql", "SELECT 1;");
  std::vector<std::string> declared{"postgres", "mysql", "sqlite"}, sqlite{"sqlite"};
  auto files = strata::load_directory(dir.path, declared);
  try {
    strata::select_for_dialect(files, sqlite);
    FAIL("no error");
  } catch (const strata::Error& e) {
    CHECK(e.kind() == strata::ErrorKind::validation);
    CHECK_THAT(e.what(), Catch::Contains("version 7") && Catch::Contains("none for sqlite"));
  }
}

TEST_CASE("the no-transaction directive is read from the first lines, and an unknown one is refused at its line") {
  strata::Migration m;
  m.body = strata::SqlScript{
      "-- adds an index without blocking writes\n--strata:no-transaction\nCREATE INDEX i ON t (x);\n"};
  strata::read_directives(m);
  CHECK_FALSE(m.transactional);

  strata::Migration late;
  late.body = strata::SqlScript{"CREATE TABLE t (x INT);\n-- strata:no-transaction\n"};
  strata::read_directives(late);
  CHECK(late.transactional);  // after the first statement it is only a comment

  strata::Migration typo;
  typo.body = strata::SqlScript{"\n-- strata:notransaction\nSELECT 1;"};
  try {
    strata::read_directives(typo);
    FAIL("no error");
  } catch (const strata::Error& e) {
    CHECK(e.line() == 2);
    CHECK_THAT(e.what(), Catch::Contains("strata:notransaction"));
  }
}

TEST_CASE("a .yaml and a .sql for one migration are refused: one migration has one form") {
  ScratchDir dir;
  dir.write("V1__t.sql", "SELECT 1;");
  dir.write("V1__t.yaml", "- sql: {sqlite: 'SELECT 1'}\n");
  std::string message = load_error(dir.path);
  CHECK_THAT(message, Catch::Contains("V1__t.yaml") && Catch::Contains("one migration has one form"));
}

TEST_CASE("an embedded migration set refuses two migrations with one identity, naming both") {
  strata::MigrationSet set;
  set.sql("V1__a.sql", "SELECT 1;");
  try {
    set.function("1", "also one", "x", [](strata::Session&) {});
    FAIL("no error");
  } catch (const strata::Error& e) {
    CHECK(e.kind() == strata::ErrorKind::validation);
    CHECK_THAT(e.what(), Catch::Contains("C++ migration V1__also_one") && Catch::Contains("embedded V1__a.sql"));
  }
  CHECK_THROWS_AS(set.sql("001_a_again.sql", "SELECT 2;"), strata::Error);
  CHECK(set.migrations().size() == 1);
}

TEST_CASE("a migration in a directory and in an embedded set is refused, naming both") {
  ScratchDir dir;
  dir.write("V1__a.sql", "SELECT 1;");
  auto files = strata::load_directory(dir.path);
  strata::MigrationSet set;
  set.sql("V1__b.sql", "SELECT 2;");
  try {
    strata::refuse_duplicate(files, set.migrations().front());
    FAIL("no error");
  } catch (const strata::Error& e) {
    CHECK_THAT(e.what(), Catch::Contains("embedded V1__b.sql") && Catch::Contains("V1__a.sql"));
  }
}
