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

// Each statement's line and text.
std::vector<std::pair<int, std::string>> lines_and_texts(std::string_view script) {
  std::vector<std::pair<int, std::string>> out;
  for (const auto& s : dialect().split(script)) out.emplace_back(s.line, s.text);
  return out;
}

bool refused(const char* sql) {
  return dialect().refusal(strata::Statement{sql, 1, 1, 0}).has_value();
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

TEST_CASE("mysql: a delimiter that starts like a comment ends statements, as the mysql client reads it") {
  // Found by fuzzing: under DELIMITER /* the splitter took /*+ (a hint) for the delimiter but
  // /* x for a comment. The mysql client matches the delimiter first, everywhere outside strings.
  CHECK(texts("DELIMITER /*\nSELECT 1/*SELECT 2/*\n/*+ nothing") ==
        std::vector<std::string>{"SELECT 1", "SELECT 2", "+ nothing"});
  CHECK(texts("DELIMITER --\nSELECT 1--\nDELIMITER ;\n-- a comment; not a statement\nSELECT 2;") ==
        std::vector<std::string>{"SELECT 1", "SELECT 2"});
}

TEST_CASE("mysql: routines, triggers, events and blocks without DELIMITER are one statement each") {
  std::string procedure =
      "CREATE DEFINER=CURRENT_USER PROCEDURE fill(IN n INT)\n"
      "main: BEGIN\n"
      "  DECLARE i INT DEFAULT 0;\n"
      "  fill_loop: LOOP\n"
      "    SET i = i + 1;\n"
      "    IF i > n THEN LEAVE fill_loop; END IF;\n"
      "    INSERT INTO runs (n, kind) VALUES (i, CASE WHEN i % 2 = 0 THEN 'even' ELSE 'odd' END);\n"
      "  END LOOP fill_loop;\n"
      "END main";
  std::string function =
      "CREATE FUNCTION size_of(x INT) RETURNS VARCHAR(10) DETERMINISTIC\n"
      "BEGIN\n"
      "  CASE WHEN x >= 100 THEN RETURN 'large'; ELSE RETURN IF(x >= 10, 'medium', REPEAT('s', 1)); END CASE;\n"
      "END";
  std::string single_return = "CREATE FUNCTION twice(x INT) RETURNS INT DETERMINISTIC RETURN x * 2";
  std::string trigger =
      "CREATE TRIGGER runs_audit AFTER INSERT ON runs FOR EACH ROW\n"
      "BEGIN\n"
      "  WHILE FALSE DO SET @x = 1; END WHILE;\n"
      "  INSERT INTO audit (run) VALUES (NEW.id);\n"
      "END";
  std::string single_trigger =
      "CREATE TRIGGER runs_kind BEFORE INSERT ON runs FOR EACH ROW SET NEW.kind = UPPER(NEW.kind)";
  std::string event = "CREATE EVENT purge ON SCHEDULE EVERY 1 DAY DO\nBEGIN\n  DELETE FROM audit;\nEND";
  std::string block = "BEGIN NOT ATOMIC\n  REPEAT SET @k = @k + 1; UNTIL @k > 2 END REPEAT;\nEND";
  std::string script = "CREATE TABLE runs (id INT);\n" + procedure + ";\n" + function + ";\n" + single_return + ";\n" +
                       trigger + ";\n" + single_trigger + ";\n" + event + ";\n" + block + ";\nCALL fill(3);\n";
  CHECK(lines_and_texts(script) == std::vector<std::pair<int, std::string>>{{1, "CREATE TABLE runs (id INT)"},
                                                                            {2, procedure},
                                                                            {11, function},
                                                                            {15, single_return},
                                                                            {16, trigger},
                                                                            {21, single_trigger},
                                                                            {22, event},
                                                                            {26, block},
                                                                            {29, "CALL fill(3)"}});
}

TEST_CASE("mysql: a body the splitter cannot resolve is refused at its line, with the advice to use DELIMITER") {
  try {
    dialect().split(
        "CREATE TABLE t (id INT);\nCREATE PROCEDURE p()\nBEGIN\n  IF 1 THEN\n    SELECT 1;\n  END;\nEND;\n");
    FAIL("no error");
  } catch (const strata::Error& e) {
    CHECK(e.kind() == strata::ErrorKind::validation);
    CHECK(e.line() == 6);
    CHECK_THAT(e.message(), Catch::Contains("needs END IF") && Catch::Contains("DELIMITER"));
  }
}

TEST_CASE("mysql: BEGIN NOT ATOMIC is a block, not transaction control") {
  CHECK_FALSE(refused("BEGIN NOT ATOMIC SELECT 1; END"));
  CHECK_FALSE(refused("begin not atomic\n  SELECT 1;\nEND"));
  CHECK(refused("BEGIN WORK"));
  CHECK(refused("BEGIN NOT"));
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

#include "mysql_engine.hpp"

#include <map>

// What servers of other engines answer to VERSION() (as recorded from their documentation):
// recognised, and MySQL's and MariaDB's own never.
TEST_CASE("servers that only speak MySQL's protocol are recognised from VERSION()") {
  using strata::mysql::foreign_engine;
  for (const char* tidb : {"8.0.11-TiDB-v7.5.0", "5.7.25-TiDB-v6.5.0"}) {
    auto e = foreign_engine(tidb);
    REQUIRE(e);
    CHECK(e->name == "TiDB");
  }
  for (const char* vitess : {"8.0.30-Vitess", "5.7.9-vitess-12.0.0"}) {
    auto e = foreign_engine(vitess);
    REQUIRE(e);
    CHECK(e->name == "Vitess");
    CHECK_THAT(e->lock, Catch::Contains("GET_LOCK"));
  }
  for (const char* own : {"10.11.19-MariaDB-0+deb12u1", "8.0.36", "8.4.2-log", "11.4.3-MariaDB-log", "5.7.44"})
    CHECK_FALSE(foreign_engine(own));
}

// What a server's variables say of GET_LOCK (as SHOW GLOBAL VARIABLES reports them on a Galera
// node, a Group Replication member, and a single server).
TEST_CASE("GET_LOCK is known not to hold on a Galera node or a multi-primary Group Replication member") {
  using Variables = std::map<std::string, std::string>;
  auto gap = [](const Variables& v) {
    return strata::mysql::deployment_lock_gap([&](const std::string& name) {
      auto found = v.find(name);
      return found == v.end() ? std::string() : found->second;
    });
  };
  CHECK_THAT(gap({{"wsrep_on", "ON"}, {"wsrep_provider", "/usr/lib/galera/libgalera_smm.so"}}),
             Catch::Contains("Galera cluster"));
  CHECK(gap({{"wsrep_on", "OFF"}, {"wsrep_provider", "/usr/lib/galera/libgalera_smm.so"}}).empty());
  CHECK(gap({{"wsrep_on", "ON"}, {"wsrep_provider", "none"}}).empty());
  CHECK_THAT(gap({{"group_replication_single_primary_mode", "OFF"},
                  {"group_replication_group_name", "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"}}),
             Catch::Contains("multi-primary"));
  CHECK(gap({{"group_replication_single_primary_mode", "ON"},
             {"group_replication_group_name", "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"}})
            .empty());
  CHECK(gap({{"group_replication_single_primary_mode", "OFF"}, {"group_replication_group_name", ""}}).empty());
  CHECK(gap({}).empty());  // a single server: none of these variables
}
