// The PostgreSQL dialect as the plugin ships it (loaded through the plugin loader; no server
// needed): how it splits scripts and which statements it refuses.
#include <strata/plugin/loader.hpp>
#include <strata/strata.hpp>

#include <catch2/catch.hpp>

namespace {

const strata::Dialect& dialect() {
  static std::shared_ptr<strata::Driver> driver = strata::plugin::Loader().load("postgres");
  return driver->dialect();
}

std::vector<std::string> texts(std::string_view script) {
  std::vector<std::string> out;
  for (const auto& s : dialect().split(script)) out.push_back(s.text);
  return out;
}

std::optional<strata::StatementRefusal> refusal(const std::string& sql) {
  return dialect().refusal(strata::Statement{sql, 1, 1, 0});
}

}  // namespace

TEST_CASE("postgres: functions with semicolons inside dollar quotes are one statement") {
  std::string function =
      "CREATE OR REPLACE FUNCTION set_updated() RETURNS trigger LANGUAGE plpgsql AS $fn$\n"
      "BEGIN\n  NEW.updated_at := now();\n  RETURN NEW;\nEND;\n$fn$";
  auto statements =
      texts(function + ";\nCREATE TRIGGER t BEFORE UPDATE ON a FOR EACH ROW EXECUTE FUNCTION set_updated();");
  REQUIRE(statements.size() == 2);
  CHECK(statements[0] == function);
}

TEST_CASE("postgres: a DO block, nested comments and a string holding $$") {
  auto statements = texts(
      "/* outer /* inner; */ still a comment; */\n"
      "DO $$ BEGIN PERFORM 1; END $$;\n"
      "SELECT 'costs $$; not a quote';\n"
      "SELECT E'it\\'s; escaped';\n"
      "CREATE FUNCTION one() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;");
  CHECK(statements ==
        std::vector<std::string>{"DO $$ BEGIN PERFORM 1; END $$", "SELECT 'costs $$; not a quote'",
                                 "SELECT E'it\\'s; escaped'",
                                 "CREATE FUNCTION one() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END"});
}

TEST_CASE("postgres: an unterminated dollar quote is reported with the line it opened on") {
  try {
    dialect().split("CREATE TABLE a (id int);\n\nCREATE FUNCTION f() RETURNS int AS $body$\nSELECT 1;\n");
    FAIL("no error");
  } catch (const strata::Error& e) {
    CHECK(e.kind() == strata::ErrorKind::validation);
    CHECK(e.line() == 3);
    CHECK_THAT(e.message(), Catch::Contains("$body$"));
  }
}

TEST_CASE("postgres: statements that cannot run in a transaction are allowed only with no-transaction") {
  for (const char* sql :
       {"CREATE INDEX CONCURRENTLY ix ON t (a)", "create unique index concurrently ix on t (a)",
        "DROP INDEX CONCURRENTLY ix", "REINDEX INDEX CONCURRENTLY ix", "VACUUM ANALYZE t", "CREATE DATABASE other",
        "ALTER SYSTEM SET work_mem = '64MB'", "ALTER TABLE m DETACH PARTITION m_2025 CONCURRENTLY",
        "REINDEX SCHEMA app", "REINDEX (VERBOSE) DATABASE app", "REINDEX SYSTEM",
        "CREATE SUBSCRIPTION s CONNECTION "
        "'host=x' PUBLICATION p",
        "DROP SUBSCRIPTION s"}) {
    auto r = refusal(sql);
    REQUIRE(r);
    CHECK(r->allowed_without_transaction);
    CHECK_THAT(r->reason, Catch::Contains("strata:no-transaction"));
  }
  CHECK_THAT(refusal("CREATE INDEX CONCURRENTLY ix ON t (a)")->reason, Catch::StartsWith("CREATE INDEX CONCURRENTLY"));
}

TEST_CASE("postgres: transaction control and COPY FROM stdin are refused everywhere") {
  for (const char* sql : {"BEGIN", "START TRANSACTION", "COMMIT", "ROLLBACK", "SAVEPOINT a", "END",
                          "PREPARE TRANSACTION 'x'", "COPY t FROM stdin", "COPY t (a, b) FROM STDIN WITH (FORMAT csv)",
                          "DISCARD ALL", "discard all", "DEALLOCATE ALL", "DEALLOCATE PREPARE ALL"}) {
    auto r = refusal(sql);
    REQUIRE(r);
    CHECK_FALSE(r->allowed_without_transaction);
  }
  CHECK_THAT(refusal("COPY t FROM stdin")->reason, Catch::Contains("INSERT"));
  CHECK_THAT(refusal("DISCARD ALL")->reason, Catch::Contains("migration lock") && Catch::Contains("DISCARD PLANS"));
}

TEST_CASE("postgres: ordinary statements are not refused") {
  for (const char* sql : {"CREATE INDEX ix ON t (a)", "REFRESH MATERIALIZED VIEW CONCURRENTLY mv", "DISCARD PLANS",
                          "DEALLOCATE mine", "REINDEX TABLE t", "ALTER TABLE m DETACH PARTITION m_2025",
                          "COPY t FROM '/srv/data.csv'", "ALTER TABLE t ADD COLUMN c int", "-- note\nSELECT 1"})
    CHECK_FALSE(refusal(sql));
}

TEST_CASE("postgres: identifiers are quoted, parameters are numbered, types are native") {
  CHECK(dialect().quote_identifier("we\"ird") == "\"we\"\"ird\"");
  CHECK(dialect().placeholder(3) == "$3");
  CHECK(dialect().type_sql({strata::PortableType::json}) == "jsonb");
  CHECK(dialect().type_sql({strata::PortableType::string, 32}) == "varchar(32)");
  CHECK(dialect().suffixes() == std::vector<std::string>{"postgres"});
}

#include "pg_engine.hpp"

// What servers of other engines report at connect (their ParameterStatus values, as recorded
// from their documentation and wire traces): recognised, and PostgreSQL's own never.
TEST_CASE("servers that only speak PostgreSQL's protocol are recognised from what they report at connect") {
  using strata::postgres::foreign_engine;
  auto crdb =
      foreign_engine("13.0.0", "CockroachDB CCL v23.1.11 (x86_64-pc-linux-gnu, built 2023/09/27 01:53:43, go1.19.10)");
  REQUIRE(crdb);
  CHECK(crdb->name == "CockroachDB");
  CHECK_THAT(crdb->differs, Catch::Contains("outside the transaction"));
  auto yb = foreign_engine("11.2-YB-2.18.2.1-b0", "");
  REQUIRE(yb);
  CHECK(yb->name == "YugabyteDB");
  CHECK_FALSE(foreign_engine("15.18 (Debian 15.18-0+deb12u1)", ""));
  CHECK_FALSE(foreign_engine("16.4", ""));
  CHECK_FALSE(foreign_engine("9.6.24", ""));
}
