// The JSON documents (core/src/json.cpp): what --json prints and the C ABI returns.
#include <strata/error.hpp>
#include <strata/json.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace strata;

TEST_CASE("a report's document carries its fields, versions as text or null") {
  Report r;
  r.command = "migrate";
  r.url = "postgres://app:***@db/app";
  r.server = "PostgreSQL 15.4";
  r.ledger_table = "strata_history";
  r.current_version = Version::parse("1.2");
  AppliedMigration a;
  a.version = Version::parse("002");
  a.description = "two";
  a.script = "V2__two.sql";
  a.statements = 3;
  r.applied.push_back(a);
  AppliedMigration views;
  views.kind = MigrationKind::repeatable;
  views.description = "views";
  r.applied.push_back(views);
  r.warnings.push_back("a warning");
  auto doc = nlohmann::json::parse(to_json(r));
  CHECK(doc.at("command") == "migrate");
  CHECK(doc.at("url") == "postgres://app:***@db/app");
  CHECK(doc.at("current_version") == "1.2");
  CHECK(doc.at("applied").at(0).at("version") == "2");
  CHECK(doc.at("applied").at(0).at("statements") == 3);
  CHECK(doc.at("applied").at(1).at("version").is_null());
  CHECK(doc.at("warnings") == nlohmann::json::array({"a warning"}));
}

TEST_CASE("an error's document has its place, and each problem of several with its own") {
  Error one(ErrorKind::validation, "BEGIN controls the transaction");
  one.in_file("migrations/V2__x.sql").at_line(2, 1);
  Error two(ErrorKind::validation, "unterminated string");
  two.in_file("migrations/V3__y.sql").at_line(3, 22);
  Error all(ErrorKind::validation, "2 problems stop the run");
  all.with_problems({one, two});
  auto doc = nlohmann::json::parse(to_json(all)).at("error");
  CHECK(doc.at("exit_code") == 3);
  CHECK(doc.at("kind") == "validation failed");
  REQUIRE(doc.at("problems").size() == 2);
  CHECK(doc.at("problems").at(0).at("file") == "migrations/V2__x.sql");
  CHECK(doc.at("problems").at(1).at("line") == 3);
  CHECK(doc.at("problems").at(1).at("column") == 22);
  CHECK_FALSE(nlohmann::json::parse(to_json(one)).at("error").contains("problems"));
}
