// MySQL and MariaDB compound statements written as real projects write them, without
// `DELIMITER`: routines, triggers and events whose bodies hold semicolons. Each must reach the
// server whole; a body the splitter cannot resolve is refused before anything runs. Observed
// from the user's side: the routines, triggers and events the server lists, what calling them
// returns, the rows their work left, the ledger, and the error's file and line.
//
// Hidden ([.compound-statements]): only a backend with MySQL's procedural SQL runs these cases
// (tests/CMakeLists.txt names the tag for it).
#include "harness.hpp"

#include <catch2/catch.hpp>

using namespace strata;
using namespace strata::conformance;

namespace {

const char* const tables =
    "CREATE TABLE runs (id INT AUTO_INCREMENT PRIMARY KEY, n INT, kind VARCHAR(10));\n"
    "CREATE TABLE audit (run INT);\n";

// Every construct the issue names, in one file, without DELIMITER; the last statement uses them.
const char* const routines =
    "-- a label, LOOP with LEAVE, nested IF ... END IF, and a CASE expression ending in END\n"
    "CREATE DEFINER=CURRENT_USER PROCEDURE fill(IN n INT)\n"
    "main: BEGIN\n"
    "  DECLARE i INT DEFAULT 0;\n"
    "  fill_loop: LOOP\n"
    "    SET i = i + 1;\n"
    "    IF i > n THEN\n"
    "      IF n >= 0 THEN LEAVE fill_loop; END IF;\n"
    "    END IF;\n"
    "    INSERT INTO runs (n, kind) VALUES (i, CASE WHEN i % 2 = 0 THEN 'even' ELSE 'odd' END);\n"
    "  END LOOP fill_loop;\n"
    "END main;\n"
    "\n"
    "-- a CASE statement, and the IF() and REPEAT() functions beside the statements of those names\n"
    "CREATE FUNCTION size_of(x INT) RETURNS VARCHAR(10) DETERMINISTIC\n"
    "BEGIN\n"
    "  DECLARE k INT DEFAULT 0;\n"
    "  REPEAT SET k = k + 1; UNTIL k >= 2 END REPEAT;\n"
    "  WHILE k < 3 DO SET k = k + 1; END WHILE;\n"
    "  CASE WHEN x >= 100 THEN RETURN 'large'; ELSE RETURN IF(x >= 10, 'medium', REPEAT('s', k)); END CASE;\n"
    "END;\n"
    "\n"
    "CREATE FUNCTION twice(x INT) RETURNS INT DETERMINISTIC RETURN x * 2;\n"
    "\n"
    "-- a trigger with a body, and one with a single statement\n"
    "CREATE TRIGGER runs_audit AFTER INSERT ON runs FOR EACH ROW\n"
    "BEGIN\n"
    "  IF NEW.n > 0 THEN INSERT INTO audit (run) VALUES (NEW.id); END IF;\n"
    "END;\n"
    "CREATE TRIGGER runs_kind BEFORE INSERT ON runs FOR EACH ROW SET NEW.kind = UPPER(NEW.kind);\n"
    "\n"
    "CREATE EVENT purge_audit ON SCHEDULE EVERY 1 DAY DISABLE DO\n"
    "BEGIN\n"
    "  DELETE FROM audit WHERE run IS NULL;\n"
    "END;\n"
    "\n"
    "-- MariaDB's anonymous block\n"
    "BEGIN NOT ATOMIC\n"
    "  DECLARE j INT DEFAULT 0;\n"
    "  WHILE j < 2 DO SET j = j + 1; INSERT INTO audit (run) VALUES (NULL); END WHILE;\n"
    "END;\n"
    "\n"
    "CALL fill(3);\n";

std::int64_t objects(Inspector& db, const std::string& table, const std::string& schema_column) {
  return db.count("SELECT COUNT(*) FROM information_schema." + table + " WHERE " + schema_column + " = DATABASE()");
}

}  // namespace

TEST_CASE("routines, triggers and events without DELIMITER are created whole and do what their bodies say",
          "[.compound-statements]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  dir.write("V1__tables.sql", tables);
  dir.write("V2__routines.sql", routines);

  ProcessResult v = run_strata(command_args("validate", url, dir));
  INFO(v.err);
  CHECK(v.exit_code == 0);

  ProcessResult r = run_strata(command_args("migrate", url, dir));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);

  Inspector db(url);
  CHECK(objects(db, "ROUTINES", "ROUTINE_SCHEMA") == 3);
  CHECK(objects(db, "TRIGGERS", "TRIGGER_SCHEMA") == 2);
  CHECK(objects(db, "EVENTS", "EVENT_SCHEMA") == 1);
  // The procedure ran to its end: three runs, upper-cased by one trigger, audited by the other;
  // the block added two audit rows of its own.
  CHECK(db.count("SELECT COUNT(*) FROM runs") == 3);
  CHECK(db.count("SELECT COUNT(*) FROM runs WHERE kind = 'ODD'") == 2);
  CHECK(db.count("SELECT COUNT(*) FROM runs WHERE kind = 'EVEN'") == 1);
  CHECK(db.count("SELECT COUNT(*) FROM audit WHERE run IS NOT NULL") == 3);
  CHECK(db.count("SELECT COUNT(*) FROM audit WHERE run IS NULL") == 2);
  CHECK(db.count("SELECT size_of(150) = 'large' AND size_of(20) = 'medium' AND size_of(1) = 'sss'") == 1);
  CHECK(db.count("SELECT twice(21)") == 42);

  // One ledger row per file; the routines file counted as its eight statements.
  auto ledger = db.ledger();
  REQUIRE(ledger.size() == 2);
  CHECK(to_string(ledger[1].version) == "2");
  CHECK(ledger[1].success);
  CHECK(ledger[1].statements_done == 8);
}

TEST_CASE("a compound body the splitter cannot resolve is refused by validate and migrate at its line, nothing run",
          "[.compound-statements]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  dir.write("V1__tables.sql", tables);
  REQUIRE(run_strata(command_args("migrate", url, dir)).exit_code == 0);
  // An IF closed by a bare END: MySQL would read the procedure's END as the IF's.
  dir.write("V2__bad.sql",
            "CREATE TABLE t (id INT);\n"
            "CREATE PROCEDURE p()\n"
            "BEGIN\n"
            "  IF 1 THEN\n"
            "    SELECT 1;\n"
            "  END;\n"
            "END;\n");

  Inspector db(url);
  std::string schema = db.schema_snapshot(), ledger = db.ledger_snapshot();
  for (const char* command : {"validate", "migrate"}) {
    ProcessResult r = run_strata(command_args(command, url, dir));
    INFO(command << ": " << r.err);
    CHECK(r.exit_code == 3);
    CHECK_THAT(r.err, Catch::Contains("V2__bad.sql:6") && Catch::Contains("END IF") && Catch::Contains("DELIMITER"));
  }
  CHECK_FALSE(db.has_table("t"));
  CHECK(objects(db, "ROUTINES", "ROUTINE_SCHEMA") == 0);
  CHECK(db.schema_snapshot() == schema);
  CHECK(db.ledger_snapshot() == ledger);
}
