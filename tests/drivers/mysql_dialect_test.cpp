// The MySQL/MariaDB dialect as the plugin ships it (loaded through the plugin loader; no server
// needed): how it splits scripts and which statements it refuses.
#include <strata/plugin/loader.hpp>
#include <strata/strata.hpp>

#include <catch2/catch.hpp>

namespace {

const strata::Dialect& dialect() {
  static std::shared_ptr<strata::Driver> driver = strata::plugin::Loader().load("mysql");
  return driver->dialect();
}

std::vector<std::string> texts(std::string_view script) {
  std::vector<std::string> out;
  for (const auto& s : dialect().split(script)) out.push_back(s.text);
  return out;
}

}  // namespace

TEST_CASE("mysql: a procedure and a trigger under DELIMITER $$ are one statement each") {
  std::string procedure =
      "CREATE PROCEDURE archive_runs(IN days INT)\nBEGIN\n  DELETE FROM runs WHERE started < NOW() - INTERVAL days "
      "DAY;\n"
      "  SELECT ROW_COUNT();\nEND";
  std::string trigger =
      "CREATE TRIGGER runs_touch BEFORE UPDATE ON runs FOR EACH ROW\nBEGIN\n  SET NEW.updated = NOW();\nEND";
  auto statements =
      texts("DELIMITER $$\n" + procedure + "$$\n\n" + trigger + "$$\nDELIMITER ;\nCALL archive_runs(30);\n");
  CHECK(statements == std::vector<std::string>{procedure, trigger, "CALL archive_runs(30)"});
}

TEST_CASE("mysql: version comments, # comments with semicolons, escaped quotes") {
  auto statements = texts(
      "/*!50003 SET @saved_mode = @@sql_mode */;\n"
      "# a comment; with a semicolon\n"
      "INSERT INTO notes VALUES ('it\\'s; fine', \"say \\\"hi\\\"; twice\");\n"
      "SELECT 1--1;\n");
  CHECK(statements == std::vector<std::string>{"/*!50003 SET @saved_mode = @@sql_mode */",
                                               "INSERT INTO notes VALUES ('it\\'s; fine', \"say \\\"hi\\\"; twice\")",
                                               "SELECT 1--1"});
}

TEST_CASE("mysql: transaction control and LOCK TABLES are refused everywhere") {
  for (const char* sql : {"START TRANSACTION", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT a", "LOCK TABLES t WRITE",
                          "UNLOCK TABLES", "XA START 'x'"}) {
    auto r = dialect().refusal(strata::Statement{sql, 1, 1, 0});
    REQUIRE(r);
    CHECK_FALSE(r->allowed_without_transaction);
  }
  CHECK_FALSE(dialect().refusal(strata::Statement{"CREATE INDEX ix ON t (a)", 1, 1, 0}));
}

TEST_CASE("mysql: identifiers in backticks, positional parameters") {
  CHECK(dialect().quote_identifier("we`ird") == "`we``ird`");
  CHECK(dialect().placeholder(2) == "?");
  CHECK(dialect().type_sql({strata::PortableType::string, 32}) == "VARCHAR(32)");
}
