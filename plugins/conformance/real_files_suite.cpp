// Files as real projects write them, which strata must never run in a way they do not mean: a
// hand-written SQLite table rebuild with foreign keys off, PRAGMAs that SQLite ignores inside a
// transaction, and files written for goose or dbmate that hold both directions of a version.
// Each case is observed from the user's side: rows counted, tables introspected, the ledger read,
// the error's file and line.
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace strata;
using namespace strata::conformance;

namespace {

// Whether this backend reads SQLite's PRAGMA statements. The configuration of a backend that has
// none (where a PRAGMA is a syntax error) says STRATA_TEST_SQLITE_PRAGMAS=none; unset, the cases
// run, so that a backend that should pass them and cannot fails instead of passing quietly.
bool sqlite_pragmas() {
  return test_setting("STRATA_TEST_SQLITE_PRAGMAS") != "none";
}

// The project: "User" and "Post", three posts, the posts deleted with their user (or
// the user kept while it has posts, with `on_delete` RESTRICT).
std::string users_and_posts(const std::string& on_delete) {
  return "CREATE TABLE \"User\" (\"id\" INTEGER NOT NULL PRIMARY KEY, \"email\" TEXT NOT NULL);\n"
         "CREATE TABLE \"Post\" (\"id\" INTEGER NOT NULL PRIMARY KEY, \"title\" TEXT NOT NULL,\n"
         "  \"authorId\" INTEGER NOT NULL REFERENCES \"User\" (\"id\") ON DELETE " +
         on_delete +
         ");\n"
         "INSERT INTO \"User\" (\"id\", \"email\") VALUES (1, 'ada@example.com');\n"
         "INSERT INTO \"User\" (\"id\", \"email\") VALUES (2, 'bob@example.com');\n"
         "INSERT INTO \"Post\" (\"id\", \"title\", \"authorId\") VALUES (1, 'one', 1);\n"
         "INSERT INTO \"Post\" (\"id\", \"title\", \"authorId\") VALUES (2, 'two', 1);\n"
         "INSERT INTO \"Post\" (\"id\", \"title\", \"authorId\") VALUES (3, 'three', 2);\n";
}

// The rebuild SQLite documents and ORMs generate, exactly as the issue shows it.
const char* const user_name_rebuild =
    "PRAGMA foreign_keys=OFF;\n"
    "CREATE TABLE \"new_User\" (\"id\" INTEGER NOT NULL PRIMARY KEY, \"email\" TEXT NOT NULL, \"name\" TEXT NOT NULL "
    "DEFAULT '');\n"
    "INSERT INTO \"new_User\" (\"id\", \"email\") SELECT \"id\", \"email\" FROM \"User\";\n"
    "DROP TABLE \"User\";\n"
    "ALTER TABLE \"new_User\" RENAME TO \"User\";\n"
    "PRAGMA foreign_key_check;\n"
    "PRAGMA foreign_keys=ON;\n";

bool has_column(Inspector& db, const std::string& table, const std::string& column) {
  auto columns = db.connection().catalog().columns(table);
  return std::any_of(columns.begin(), columns.end(), [&](const ColumnInfo& c) { return c.name == column; });
}

}  // namespace

TEST_CASE("a SQLite table rebuild with foreign keys off keeps every child row, and they are on again after it",
          "[real-files][sqlite]") {
  if (!sqlite_pragmas()) {
    SUCCEED("this backend has no SQLite PRAGMAs (STRATA_TEST_SQLITE_PRAGMAS=none)");
    return;
  }
  std::string url = fresh_database_url();
  ScratchDir dir;

  SECTION("ON DELETE CASCADE: the DROP of the old table deletes no post") {
    dir.write("V1__users_and_posts.sql", users_and_posts("CASCADE"));
    dir.write("V2__user_name.sql", user_name_rebuild);
    ProcessResult r = run_strata(command_args("migrate", url, dir));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    Inspector db(url);
    CHECK(db.count("SELECT COUNT(*) FROM \"Post\"") == 3);
    CHECK(db.count("SELECT COUNT(*) FROM \"User\"") == 2);
    CHECK(has_column(db, "User", "name"));
    auto ledger = db.ledger();
    REQUIRE(ledger.size() == 2);
    CHECK(ledger[1].success);
    // The rebuilt parent still cascades: foreign keys are on, and the key points at the new table.
    db.connection().session().execute("DELETE FROM \"User\" WHERE \"id\" = 1");
    CHECK(db.count("SELECT COUNT(*) FROM \"Post\"") == 1);
  }

  SECTION("ON DELETE RESTRICT: the rebuild applies") {
    dir.write("V1__users_and_posts.sql", users_and_posts("RESTRICT"));
    dir.write("V2__user_name.sql", user_name_rebuild);
    ProcessResult r = run_strata(command_args("migrate", url, dir));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    Inspector db(url);
    CHECK(db.count("SELECT COUNT(*) FROM \"Post\"") == 3);
    CHECK(has_column(db, "User", "name"));
    CHECK_THROWS(db.connection().session().execute("DELETE FROM \"User\" WHERE \"id\" = 1"));  // still restricted
  }

  SECTION("a file that leaves foreign keys off (any spelling): the next migration runs with them on") {
    dir.write("V1__users_and_posts.sql", users_and_posts("CASCADE"));
    dir.write("V2__user_name.sql",
              "pragma main . \"Foreign_Keys\" = 'no'; -- rebuilt below\n"
              "CREATE TABLE \"new_User\" (\"id\" INTEGER NOT NULL PRIMARY KEY, \"email\" TEXT NOT NULL);\n"
              "INSERT INTO \"new_User\" (\"id\", \"email\") SELECT \"id\", \"email\" FROM \"User\";\n"
              "DROP TABLE \"User\";\n"
              "ALTER TABLE \"new_User\" RENAME TO \"User\";\n");
    dir.write("V3__remove_bob.sql", "DELETE FROM \"User\" WHERE \"id\" = 2;\n");
    ProcessResult r = run_strata(command_args("migrate", url, dir));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    Inspector db(url);
    CHECK(db.count("SELECT COUNT(*) FROM \"User\"") == 1);
    CHECK(db.count("SELECT COUNT(*) FROM \"Post\"") == 2);  // bob's post went with him: foreign keys were on
  }

  SECTION("--single-transaction refuses such a file: its setting would hold for every migration in it") {
    dir.write("V1__users_and_posts.sql", users_and_posts("CASCADE"));
    REQUIRE(run_strata(command_args("migrate", url, dir)).exit_code == 0);
    dir.write("V2__user_name.sql", user_name_rebuild);
    ProcessResult r = run_strata(command_args("migrate", url, dir, {"--single-transaction"}));
    INFO(r.err);
    CHECK(r.exit_code == 2);
    if (Inspector(url).capabilities().transactional_ddl)
      CHECK_THAT(r.err, Catch::Contains("V2__user_name.sql") && Catch::Contains("PRAGMA foreign_keys = OFF"));
    Inspector db(url);
    CHECK(db.count("SELECT COUNT(*) FROM \"Post\"") == 3);
    CHECK_FALSE(has_column(db, "User", "name"));
  }
}

TEST_CASE("a SQLite rebuild that breaks a foreign key fails naming the rows, and changes nothing where it can",
          "[real-files][sqlite]") {
  if (!sqlite_pragmas()) {
    SUCCEED("this backend has no SQLite PRAGMAs (STRATA_TEST_SQLITE_PRAGMAS=none)");
    return;
  }
  std::string url = fresh_database_url();
  ScratchDir dir;
  dir.write("V1__users_and_posts.sql", users_and_posts("CASCADE"));
  REQUIRE(run_strata(command_args("migrate", url, dir)).exit_code == 0);
  // Copies only Ada: Bob's post is left pointing at no user.
  dir.write("V2__ada_only.sql",
            "PRAGMA foreign_keys = 0;\n"
            "CREATE TABLE \"new_User\" (\"id\" INTEGER NOT NULL PRIMARY KEY, \"email\" TEXT NOT NULL);\n"
            "INSERT INTO \"new_User\" (\"id\", \"email\") SELECT \"id\", \"email\" FROM \"User\" WHERE \"id\" = 1;\n"
            "DROP TABLE \"User\";\n"
            "ALTER TABLE \"new_User\" RENAME TO \"User\";\n"
            "PRAGMA foreign_key_check;\n"
            "PRAGMA foreign_keys = 1;\n");
  Inspector db(url);
  std::string schema = db.schema_snapshot(), ledger = db.ledger_snapshot();
  ProcessResult r = run_strata(command_args("migrate", url, dir));
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("V2__ada_only.sql") && Catch::Contains("foreign keys") &&
                        Catch::Contains("(Post, 3, User, 0)"));
  if (db.capabilities().transactional_ddl) {
    CHECK(db.schema_snapshot() == schema);
    CHECK(db.ledger_snapshot() == ledger);
    return;
  }
  // Run statement by statement, the statements stay applied and the row says so; the advice works.
  CHECK_THAT(r.err, Catch::Contains("migrate --resume"));
  CHECK_FALSE(db.ledger().back().success);
  db.connection().session().execute("DELETE FROM \"Post\" WHERE \"id\" = 3");
  ProcessResult resumed = run_strata(command_args("migrate", url, dir, {"--resume"}));
  INFO(resumed.err);
  CHECK(resumed.exit_code == 0);
  CHECK(db.ledger().back().success);
  CHECK(db.count("SELECT COUNT(*) FROM \"Post\"") == 2);
}

TEST_CASE("a PRAGMA that SQLite ignores inside a transaction is refused before anything runs, naming file and line",
          "[real-files][sqlite]") {
  if (!sqlite_pragmas()) {
    SUCCEED("this backend has no SQLite PRAGMAs (STRATA_TEST_SQLITE_PRAGMAS=none)");
    return;
  }
  std::string url = fresh_database_url();
  ScratchDir dir;
  dir.write("V1__a.sql", "CREATE TABLE a (id INTEGER);\n");
  REQUIRE(run_strata(command_args("migrate", url, dir)).exit_code == 0);
  dir.write("V2__wal.sql", "CREATE TABLE b (id INTEGER);\nPRAGMA main.journal_mode = WAL;\n");
  for (const char* command : {"validate", "migrate"})
    expect_refused(url, command_args(command, url, dir), 3, {"V2__wal.sql:2:1", "journal_mode", "no-transaction"});
  CHECK_FALSE(Inspector(url).has_table("b"));

  dir.write("V2__wal.sql", "-- strata:no-transaction\nCREATE TABLE b (id INTEGER);\nPRAGMA main.journal_mode = WAL;\n");
  ProcessResult r = run_strata(command_args("migrate", url, dir));
  INFO(r.err);
  CHECK(r.exit_code == 0);
  auto mode = Inspector(url).connection().session().query("PRAGMA journal_mode");
  REQUIRE(mode.size() == 1);
  CHECK(std::get<std::string>(mode[0][0]) == "wal");
}

TEST_CASE("a goose file applies only its Up section, and rollback runs its Down section", "[real-files]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  // The trigger body is one statement between StatementBegin and StatementEnd, semicolons and all
  // (MySQL has no other way to say so without DELIMITER).
  const std::string tables =
      "-- +goose Up\n"
      "CREATE TABLE accounts (id INTEGER PRIMARY KEY, name VARCHAR(50));\n"
      "CREATE TABLE account_log (account_id INTEGER);\n"
      "-- +goose StatementBegin\n";
  const std::string down = "-- +goose StatementEnd\n\n-- +goose Down\nDROP TABLE accounts;\nDROP TABLE account_log;\n";
  dir.write("001_accounts.sqlite.sql", tables +
                                           "CREATE TRIGGER accounts_log AFTER INSERT ON accounts BEGIN\n"
                                           "  INSERT INTO account_log (account_id) VALUES (NEW.id);\nEND;\n" +
                                           down);
  dir.write("001_accounts.mysql.sql", tables +
                                          "CREATE TRIGGER accounts_log AFTER INSERT ON accounts FOR EACH ROW BEGIN\n"
                                          "  INSERT INTO account_log (account_id) VALUES (NEW.id);\nEND;\n" +
                                          down);
  dir.write("001_accounts.postgres.sql",
            tables +
                "CREATE FUNCTION accounts_log() RETURNS trigger AS $$ BEGIN\n"
                "  INSERT INTO account_log (account_id) VALUES (NEW.id); RETURN NEW; END $$ LANGUAGE plpgsql;\n"
                "-- +goose StatementEnd\n-- +goose StatementBegin\n"
                "CREATE TRIGGER accounts_log AFTER INSERT ON accounts FOR EACH ROW EXECUTE FUNCTION accounts_log();\n" +
                down + "DROP FUNCTION accounts_log();\n");
  dir.write("20151129054053_entries.sql",
            "-- migrate:up\n"
            "CREATE TABLE entries (id INTEGER PRIMARY KEY, account_id INTEGER);\n"
            "CREATE INDEX ix_entries_account ON entries (account_id);\n\n"
            "-- migrate:down\n"
            "DROP TABLE entries;\n");
  ProcessResult r = run_strata(command_args("migrate", url, dir));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  Inspector db(url);
  CHECK(db.has_table("accounts"));
  CHECK(db.has_table("account_log"));
  CHECK(db.has_table("entries"));
  db.connection().session().execute("INSERT INTO accounts (id, name) VALUES (1, 'cash')");
  CHECK(db.count("SELECT COUNT(*) FROM account_log") == 1);  // the trigger was made whole
  std::string migrated = db.schema_snapshot();
  auto ledger = db.ledger();
  REQUIRE(ledger.size() == 2);
  CHECK(ledger[0].success);
  CHECK(ledger[1].success);
  CHECK(ledger[1].statements_done == 2);  // the Up section's, none of the Down section's

  ProcessResult back = run_strata(command_args("rollback", url, dir, {"--steps", "2"}));
  INFO(back.err);
  CHECK(back.exit_code == 0);
  CHECK_FALSE(db.has_table("accounts"));
  CHECK_FALSE(db.has_table("account_log"));
  CHECK_FALSE(db.has_table("entries"));
  ledger = db.ledger();
  REQUIRE(ledger.size() == 4);
  CHECK(ledger[2].kind == MigrationKind::undo);
  CHECK(ledger[2].script == "20151129054053_entries.sql");
  CHECK(ledger[3].kind == MigrationKind::undo);
  CHECK(to_string(ledger[3].version) == "1");
  CHECK(ledger[3].checksum == ledger[0].checksum);  // the file's, whole

  ProcessResult again = run_strata(command_args("migrate", url, dir));
  INFO(again.err);
  CHECK(again.exit_code == 0);
  db.connection().session().execute("INSERT INTO accounts (id, name) VALUES (1, 'cash')");
  CHECK(db.schema_snapshot() == migrated);
}

TEST_CASE(
    "goose NO TRANSACTION and dbmate transaction:false run a section statement by statement, errors at the "
    "file's line",
    "[real-files]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  std::string file;
  SECTION("goose") {
    file = "001_first_step.sql";
    dir.write(file,
              "-- +goose NO TRANSACTION\n"
              "-- +goose Up\n"
              "CREATE TABLE first_step (id INTEGER);\n"
              "INSERT INTO no_such_table VALUES (1);\n"
              "-- +goose Down\n"
              "DROP TABLE first_step;\n");
  }
  SECTION("dbmate") {
    file = "20151129054053_first_step.sql";
    dir.write(file,
              "-- migrate:up transaction:false\n"
              "CREATE TABLE first_step (id INTEGER);\n"
              "\n"
              "INSERT INTO no_such_table VALUES (1);\n"
              "-- migrate:down\n"
              "DROP TABLE first_step;\n");
  }
  ProcessResult r = run_strata(command_args("migrate", url, dir));
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains(file + ":4:1") && Catch::Contains("statement 2 of 2"));
  Inspector db(url);
  CHECK(db.has_table("first_step"));  // statement 1 ran on its own, outside a transaction
  auto ledger = db.ledger();
  REQUIRE(ledger.size() == 1);
  CHECK_FALSE(ledger[0].success);
  CHECK(ledger[0].statements_done == 1);
}

TEST_CASE("a direction marker strata cannot honour is refused before anything runs, naming it, the file and the line",
          "[real-files]") {
  struct Case {
    const char* file;
    const char* content;
    const char* where;
    const char* marker;
  };
  const Case cases[] = {
      {"002_b.sql", "-- +goose Up\nCREATE TABLE b (id INTEGER);\n-- +goose Downn\nDROP TABLE b;\n", "line 3",
       "`-- +goose Downn`: unknown goose annotation"},
      {"002_b.sql", "-- +goose Down\nDROP TABLE b;\n-- +goose Up\nCREATE TABLE b (id INTEGER);\n", "line 1",
       "`-- +goose Down`: a Down marker before the Up marker"},
      {"002_b.sql", "-- +goose Up\nCREATE TABLE b (id INTEGER);\n\n-- +goose Up\nCREATE TABLE c (id INTEGER);\n",
       "line 4", "`-- +goose Up`: a second Up marker"},
      {"002_b.sql", "-- +goose Up\n-- +goose StatementBegin\nCREATE TABLE b (id INTEGER);\n", "line 2",
       "`-- +goose StatementBegin`: has no `-- +goose StatementEnd`"},
      {"20151129054053_b.sql", "-- migrate:up transaction:never\nCREATE TABLE b (id INTEGER);\n-- migrate:down\n",
       "line 1", "unknown dbmate option 'transaction:never'"},
      {"20151129054053_b.sql",
       "-- migrate:up\nCREATE TABLE b (id INTEGER);\n-- migrate:up\nCREATE TABLE c (id INTEGER);\n", "line 3",
       "`-- migrate:up`: a second Up marker"},
  };
  for (const auto& c : cases) {
    INFO(c.content);
    std::string url = fresh_database_url();
    ScratchDir dir;
    dir.write("001_a.sql", "CREATE TABLE a (id INTEGER);\n");
    dir.write(c.file, c.content);
    for (const char* command : {"validate", "migrate"})
      expect_refused(url, command_args(command, url, dir), 3, {c.file, c.where, c.marker});
    CHECK_FALSE(Inspector(url).has_table("a"));
  }
}

TEST_CASE("an undo file beside a Down section is refused, naming both", "[real-files]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  dir.write("001_a.sql", "-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n");
  dir.write("001_a.down.sql", "DROP TABLE a;\n");
  expect_refused(url, command_args("migrate", url, dir), 3, {"001_a.sql (down)", "001_a.down.sql"});
}

TEST_CASE("a PostgreSQL function between dollar quotes whose tag is not ASCII is one statement", "[real-files]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  // PostgreSQL takes any byte from 0x80 up into a tag ($été$ here); the semicolons inside the
  // body are the function's. Where the PostgreSQL variant is not chosen, the plain file runs.
  dir.write("V1__greet.postgres.sql",
            "CREATE TABLE greetings (word VARCHAR(20));\n"
            "CREATE FUNCTION greet() RETURNS text AS $\xC3\xA9t\xC3\xA9$\nBEGIN\n  RETURN 'a;b';\nEND;\n"
            "$\xC3\xA9t\xC3\xA9$ LANGUAGE plpgsql;\n"
            "INSERT INTO greetings (word) SELECT greet();\n");
  dir.write("V1__greet.sql",
            "CREATE TABLE greetings (word VARCHAR(20));\n"
            "INSERT INTO greetings (word) VALUES ('a;b');\n");
  ProcessResult r = run_strata(command_args("migrate", url, dir));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  Inspector db(url);
  CHECK(db.count("SELECT COUNT(*) FROM greetings WHERE word = 'a;b'") == 1);
  auto ledger = db.ledger();
  REQUIRE(ledger.size() == 1);
  CHECK(ledger[0].success);
  auto suffixes = db.connection().dialect().suffixes();
  bool postgres = std::find(suffixes.begin(), suffixes.end(), "postgres") != suffixes.end();
  CHECK(ledger[0].script == (postgres ? "V1__greet.postgres.sql" : "V1__greet.sql"));
  CHECK(ledger[0].statements_done == (postgres ? 3 : 2));
}
