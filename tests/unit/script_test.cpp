#include <strata/ascii.hpp>
#include <strata/error.hpp>
#include <strata/script.hpp>

#include <catch2/catch.hpp>

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace {

using Texts = std::vector<std::string>;

strata::SplitRules sqlite_rules() {
  strata::SplitRules rules;
  rules.bracket_identifiers = true;
  rules.backtick_identifiers = true;
  rules.trigger_bodies = true;
  return rules;
}

strata::SplitRules postgres_rules() {
  strata::SplitRules rules;
  rules.nested_block_comments = true;
  rules.dollar_quotes = true;
  rules.escape_strings = true;
  rules.atomic_bodies = true;
  return rules;
}

strata::SplitRules mysql_rules() {
  strata::SplitRules rules;
  rules.backtick_identifiers = true;
  rules.hash_comments = true;
  rules.backslash_escapes = true;
  return rules;
}

// MySQL's rules as the dialect sets them, compound statements included.
strata::SplitRules mysql_compound_rules() {
  strata::SplitRules rules = mysql_rules();
  rules.delimiter_command = true;
  rules.dash_comment_needs_space = true;
  rules.version_comments = true;
  rules.compound_bodies = true;
  return rules;
}

// A statement as a user finds it in the file: its first line and its text.
struct Placed {
  int line = 0;
  std::string text;
  bool operator==(const Placed&) const = default;
};
std::ostream& operator<<(std::ostream& out, const Placed& p) {
  return out << "line " << p.line << ": " << p.text;
}

// The statements with their lines, each checked to be exactly the bytes of the script at its
// offset, at its line and column, after the one before it.
std::vector<Placed> placed(std::string_view script, const strata::SplitRules& rules) {
  std::vector<Placed> out;
  std::size_t end = 0;
  for (const strata::Statement& s : strata::split_script(script, rules)) {
    CHECK(s.offset >= end);
    CHECK(script.substr(s.offset, s.text.size()) == s.text);
    CHECK(strata::position_of(script, s.offset).line == s.line);
    CHECK(strata::position_of(script, s.offset).column == s.column);
    end = s.offset + s.text.size();
    out.push_back({s.line, s.text});
  }
  return out;
}

std::vector<std::string> texts(std::string_view script, const strata::SplitRules& rules = {}) {
  std::vector<std::string> out;
  for (const strata::Statement& statement : strata::split_script(script, rules)) out.push_back(statement.text);
  return out;
}

std::optional<strata::Error> split_error(std::string_view script, const strata::SplitRules& rules = {}) {
  try {
    strata::split_script(script, rules);
  } catch (const strata::Error& e) {
    return e;
  }
  return std::nullopt;
}

}  // namespace

TEST_CASE("statements split at semicolons keep their line, column and offset") {
  auto statements = strata::split_script("CREATE TABLE a (id int);\n  INSERT INTO a VALUES (1);\nSELECT 1;", {});
  REQUIRE(statements.size() == 3);
  CHECK(statements[0].text == "CREATE TABLE a (id int)");
  CHECK(statements[0].line == 1);
  CHECK(statements[0].column == 1);
  CHECK(statements[0].offset == 0);
  CHECK(statements[1].text == "INSERT INTO a VALUES (1)");
  CHECK(statements[1].line == 2);
  CHECK(statements[1].column == 3);
  CHECK(statements[1].offset == 27);
  CHECK(statements[2].text == "SELECT 1");
  CHECK(statements[2].line == 3);
  CHECK(statements[2].column == 1);
}

TEST_CASE("the last statement needs no semicolon") {
  CHECK(texts("SELECT 1; SELECT 2") == Texts{"SELECT 1", "SELECT 2"});
  CHECK(texts("  SELECT 1\n\n") == Texts{"SELECT 1"});
}

TEST_CASE("statements holding only comments or whitespace are dropped") {
  CHECK(texts("").empty());
  CHECK(texts(" ;\n;;").empty());
  CHECK(texts("-- a note\n;\n/* another */;SELECT 1;\n-- the end\n") == Texts{"SELECT 1"});
}

TEST_CASE("comments before a statement are left out and comments inside it are kept") {
  auto statements = strata::split_script("-- head\n/* more */ SELECT 1 /* inner */ + 2 -- tail\n;", {});
  REQUIRE(statements.size() == 1);
  CHECK(statements[0].text == "SELECT 1 /* inner */ + 2");
  CHECK(statements[0].line == 2);
  CHECK(statements[0].column == 12);
  CHECK(statements[0].offset == 19);
}

TEST_CASE("a semicolon inside a comment does not end a statement") {
  CHECK(texts("SELECT 1 -- a; b\n+ 2; SELECT 3") == Texts{"SELECT 1 -- a; b\n+ 2", "SELECT 3"});
  CHECK(texts("SELECT 1 /* a; b */ + 2; SELECT 3") == Texts{"SELECT 1 /* a; b */ + 2", "SELECT 3"});
}

TEST_CASE("a semicolon inside a string does not end a statement") {
  CHECK(texts("INSERT INTO t VALUES ('it''s; here'); SELECT 2") ==
        Texts{"INSERT INTO t VALUES ('it''s; here')", "SELECT 2"});
  CHECK(texts("SELECT ''; SELECT ';'") == Texts{"SELECT ''", "SELECT ';'"});
}

TEST_CASE("a semicolon inside a quoted identifier does not end a statement") {
  CHECK(texts("SELECT \"a;b\", \"c\"\";d\" FROM t; SELECT 2") ==
        Texts{"SELECT \"a;b\", \"c\"\";d\" FROM t", "SELECT 2"});
}

TEST_CASE("bracket identifiers hide semicolons only when the dialect has them") {
  strata::SplitRules brackets;
  brackets.bracket_identifiers = true;
  CHECK(texts("SELECT [a;b] FROM t; SELECT 2", brackets) == Texts{"SELECT [a;b] FROM t", "SELECT 2"});
  CHECK(texts("SELECT a[1;2]") == Texts{"SELECT a[1", "2]"});
}

TEST_CASE("backtick identifiers hide semicolons only when the dialect has them") {
  strata::SplitRules backticks;
  backticks.backtick_identifiers = true;
  CHECK(texts("SELECT `a;b`, `c``;d` FROM t; SELECT 2", backticks) ==
        Texts{"SELECT `a;b`, `c``;d` FROM t", "SELECT 2"});
  CHECK(texts("SELECT `a;b`") == Texts{"SELECT `a", "b`"});
}

TEST_CASE("a trigger body keeps its semicolons and its CASE ... END") {
  std::string trigger =
      "CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE b SET x = CASE WHEN new.v > 0 THEN 1 "
      "ELSE 0 END; INSERT INTO c VALUES (';'); END";
  CHECK(texts(trigger + ";\nSELECT 1;", sqlite_rules()) == Texts{trigger, "SELECT 1"});
}

TEST_CASE("without the trigger rule a trigger body is split at its semicolons") {
  CHECK(texts("CREATE TRIGGER t AFTER INSERT ON a BEGIN DELETE FROM b; END;").size() == 2);
}

TEST_CASE("words that only contain END or CASE do not count in a trigger body") {
  std::string trigger =
      "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n"
      "  UPDATE b SET ending = 1, backend = 'END', \"end\" = new.end, cases = 2;\n"
      "  -- END;\n"
      "  INSERT INTO c VALUES (1) /* END; */;\n"
      "END";
  CHECK(texts(trigger + "; SELECT 1", sqlite_rules()) == Texts{trigger, "SELECT 1"});
}

TEST_CASE("temporary triggers, IF NOT EXISTS and any letter case are triggers too") {
  auto rules = sqlite_rules();
  CHECK(texts("CREATE TEMP TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; END; SELECT 2", rules) ==
        Texts{"CREATE TEMP TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; END", "SELECT 2"});
  CHECK(texts("create temporary trigger t after delete on a begin select 1; end;", rules) ==
        Texts{"create temporary trigger t after delete on a begin select 1; end"});
  CHECK(texts("/* lead */ CREATE TRIGGER IF NOT EXISTS t BEFORE UPDATE ON a "
              "BEGIN SELECT 1; SELECT 2; END;",
              rules) == Texts{"CREATE TRIGGER IF NOT EXISTS t BEFORE UPDATE ON a "
                              "BEGIN SELECT 1; SELECT 2; END"});
}

TEST_CASE("BEGIN outside a trigger does not open a body") {
  CHECK(texts("BEGIN; CREATE TABLE t (x int); COMMIT;", sqlite_rules()) ==
        Texts{"BEGIN", "CREATE TABLE t (x int)", "COMMIT"});
  CHECK(texts("CREATE TABLE t (begin int); END;", sqlite_rules()) == Texts{"CREATE TABLE t (begin int)", "END"});
}

TEST_CASE("an unterminated string is reported at the line where it opened") {
  auto error = split_error("SELECT 1;\nSELECT\n  'abc;\nmore");
  REQUIRE(error);
  CHECK(error->kind() == strata::ErrorKind::validation);
  CHECK(error->line() == 3);
  CHECK(error->column() == 3);
  CHECK_THAT(error->message(), Catch::Contains("unterminated string literal"));
}

TEST_CASE("an unterminated quoted identifier is reported where it opened") {
  auto error = split_error("SELECT \"abc;\nSELECT 2;");
  REQUIRE(error);
  CHECK(error->kind() == strata::ErrorKind::validation);
  CHECK(error->line() == 1);
  CHECK(error->column() == 8);
  CHECK_THAT(error->message(), Catch::Contains("unterminated quoted identifier"));
}

TEST_CASE("an unterminated block comment is reported where it opened") {
  auto error = split_error("SELECT 1;\n\n  /* never closed; SELECT 2;\n");
  REQUIRE(error);
  CHECK(error->kind() == strata::ErrorKind::validation);
  CHECK(error->line() == 3);
  CHECK(error->column() == 3);
  CHECK_THAT(error->message(), Catch::Contains("unterminated block comment"));
}

TEST_CASE("an unterminated trigger body is reported at its BEGIN") {
  auto error = split_error("SELECT 1;\nCREATE TRIGGER t AFTER INSERT ON a\nBEGIN\n  SELECT 1;\n", sqlite_rules());
  REQUIRE(error);
  CHECK(error->kind() == strata::ErrorKind::validation);
  CHECK(error->line() == 3);
  CHECK(error->column() == 1);
  CHECK_THAT(error->message(), Catch::Contains("unterminated body"));
}

TEST_CASE("dollar quotes hide semicolons, including other tags inside them") {
  auto rules = postgres_rules();
  CHECK(texts("CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql; SELECT 2", rules) ==
        Texts{"CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql", "SELECT 2"});
  CHECK(texts("DO $a$ BEGIN PERFORM $$;$$; END $a$; SELECT 2", rules) ==
        Texts{"DO $a$ BEGIN PERFORM $$;$$; END $a$", "SELECT 2"});
  CHECK(texts("SELECT $$;$$", {}) == Texts{"SELECT $$", "$$"});
}

TEST_CASE("a dollar sign that opens no quote is left alone") {
  auto rules = postgres_rules();
  CHECK(texts("PREPARE p AS SELECT $1; SELECT $2", rules) == Texts{"PREPARE p AS SELECT $1", "SELECT $2"});
  CHECK(texts("SELECT a$b$c; SELECT 2", rules) == Texts{"SELECT a$b$c", "SELECT 2"});
  CHECK(texts("PREPARE p AS SELECT $1$1; SELECT 2", rules) == Texts{"PREPARE p AS SELECT $1$1", "SELECT 2"});
  CHECK(texts("SELECT 1 $", rules) == Texts{"SELECT 1 $"});
}

TEST_CASE("an unterminated dollar quote names its tag and where it opened") {
  auto error = split_error("SELECT 1;\nCREATE FUNCTION f() AS $fn$ SELECT 1; $$;", postgres_rules());
  REQUIRE(error);
  CHECK(error->kind() == strata::ErrorKind::validation);
  CHECK(error->line() == 2);
  CHECK(error->column() == 24);
  CHECK_THAT(error->message(), Catch::Contains("$fn$"));
}

TEST_CASE("block comments nest only when the dialect says so") {
  CHECK(texts("/* outer /* inner; */ still; */ SELECT 1;", postgres_rules()) == Texts{"SELECT 1"});
  CHECK(texts("/* a /* b */ SELECT 1; */") == Texts{"SELECT 1", "*/"});
  auto error = split_error("/* outer /* inner */ SELECT 1;", postgres_rules());
  REQUIRE(error);
  CHECK(error->line() == 1);
  CHECK(error->column() == 1);
}

TEST_CASE("hash comments run to the end of the line only when the dialect has them") {
  CHECK(texts("# note; here\nSELECT 1; # trailing;\nSELECT 2", mysql_rules()) == Texts{"SELECT 1", "SELECT 2"});
  CHECK(texts("SELECT 1 # 2; SELECT 3") == Texts{"SELECT 1 # 2", "SELECT 3"});
}

TEST_CASE("backslash escapes hide quotes only when the dialect has them") {
  CHECK(texts(R"(INSERT INTO t VALUES ('it\'s; here', "say \"hi;\""); SELECT 2)", mysql_rules()) ==
        Texts{R"(INSERT INTO t VALUES ('it\'s; here', "say \"hi;\""))", "SELECT 2"});
  CHECK(texts(R"(SELECT 'a\\'; SELECT 2)", mysql_rules()) == Texts{R"(SELECT 'a\\')", "SELECT 2"});
  CHECK(texts(R"(SELECT 'a\'; SELECT 2)") == Texts{R"(SELECT 'a\')", "SELECT 2"});
}

TEST_CASE("UTF-8 passes through and columns count bytes") {
  auto statements = strata::split_script("/* é */ SELECT 'héllo; wörld';\r\nSELECT 2;\r\n", {});
  REQUIRE(statements.size() == 2);
  CHECK(statements[0].text == "SELECT 'héllo; wörld'");
  CHECK(statements[0].column == 10);
  CHECK(statements[1].text == "SELECT 2");
  CHECK(statements[1].line == 2);
}

TEST_CASE("position_of counts lines and byte columns") {
  std::string_view text = "ab\ncd\n";
  CHECK(strata::position_of(text, 0).line == 1);
  CHECK(strata::position_of(text, 0).column == 1);
  CHECK(strata::position_of(text, 1).column == 2);
  CHECK(strata::position_of(text, 3).line == 2);
  CHECK(strata::position_of(text, 3).column == 1);
  CHECK(strata::position_of(text, 4).column == 2);
  CHECK(strata::position_of(text, 6).line == 3);
  CHECK(strata::position_of(text, 6).column == 1);
}

TEST_CASE("an excerpt is the first line, shortened") {
  strata::Statement statement;
  statement.text = "SELECT 1\nFROM t";
  CHECK(statement.excerpt() == "SELECT 1");
  statement.text = "SELECT abcdefgh";
  CHECK(statement.excerpt(10) == "SELECT abc...");
  CHECK(statement.excerpt(15) == "SELECT abcdefgh");
  statement.text = "SELECT é";
  CHECK(statement.excerpt(8) == "SELECT ...");
}

TEST_CASE("E strings take backslash escapes, plain strings do not") {
  auto rules = postgres_rules();
  CHECK(texts("SELECT E'it\\'s; here'; SELECT 2", rules) ==
        std::vector<std::string>{"SELECT E'it\\'s; here'", "SELECT 2"});
  CHECK(texts("SELECT 'a\\'; SELECT 2", rules) == std::vector<std::string>{"SELECT 'a\\'", "SELECT 2"});
  CHECK(texts("SELECT e'\\\\'; SELECT 3", rules) == std::vector<std::string>{"SELECT e'\\\\'", "SELECT 3"});
  CHECK(texts("SELECT name'x'; SELECT 4", rules).size() == 2);  // an E at the end of a word is not a prefix
}

TEST_CASE("BEGIN ATOMIC bodies keep their semicolons, CASE ... END included") {
  auto rules = postgres_rules();
  std::string body =
      "CREATE FUNCTION f(x int) RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT CASE WHEN x > 0 THEN 1 ELSE 0 END;\n"
      "  SELECT x;\nEND";
  auto statements = texts(body + ";\nSELECT 1;", rules);
  REQUIRE(statements.size() == 2);
  CHECK(statements[0] == body);
  CHECK(texts("BEGIN; SELECT 1; COMMIT;", rules).size() == 3);  // a transaction block is not a body
}

TEST_CASE("functions and DO blocks with semicolons in dollar quotes are one statement each") {
  auto rules = postgres_rules();
  std::string function =
      "CREATE FUNCTION touch() RETURNS trigger AS $body$\nBEGIN\n  NEW.updated := now();\n  RETURN NEW;\nEND;\n"
      "$body$ LANGUAGE plpgsql";
  std::string block = "DO $do$ BEGIN RAISE NOTICE 'a $$ inside a tagged body is text: %', ';'; END $do$";
  auto statements = texts(function + ";\n" + block + ";\nSELECT '$$';", rules);
  REQUIRE(statements.size() == 3);
  CHECK(statements[0] == function);
  CHECK(statements[2] == "SELECT '$$'");
}

TEST_CASE("a dollar quote's tag may hold letters beyond ASCII, as PostgreSQL's may") {
  auto rules = postgres_rules();
  std::string function =
      "CREATE FUNCTION greet() RETURNS text AS $\xC3\xA9t\xC3\xA9$ BEGIN RETURN 'a;b'; END; $\xC3\xA9t\xC3\xA9$ "
      "LANGUAGE plpgsql";
  std::string block =
      "DO $_\xC3\xBC"
      "1$ BEGIN PERFORM 1; END $_\xC3\xBC"
      "1$";  // $_ü1$
  auto statements = texts(function + ";\n" + block + ";\nSELECT $1;", rules);
  REQUIRE(statements.size() == 3);
  CHECK(statements[0] == function);
  CHECK(statements[1] == block);
  CHECK(statements[2] == "SELECT $1");  // a digit opens no tag: a parameter
}

TEST_CASE("an unterminated BEGIN ATOMIC body or dollar quote is reported where it opened") {
  auto rules = postgres_rules();
  try {
    strata::split_script("SELECT 1;\nCREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1;", rules);
    FAIL("no error");
  } catch (const strata::Error& e) {
    CHECK(e.line() == 2);
    CHECK_THAT(e.message(), Catch::Contains("unterminated body"));
  }
  try {
    strata::split_script("SELECT 1;\n\nDO $fn$ BEGIN NULL; END $$;", rules);
    FAIL("no error");
  } catch (const strata::Error& e) {
    CHECK(e.line() == 3);
    CHECK_THAT(e.message(), Catch::Contains("$fn$"));
  }
}

TEST_CASE("mysql: DELIMITER changes the terminator until changed back, and is not a statement") {
  auto rules = mysql_rules();
  rules.delimiter_command = true;
  rules.dash_comment_needs_space = true;
  rules.version_comments = true;
  std::string procedure = "CREATE PROCEDURE add_one(INOUT x INT)\nBEGIN\n  SET x = x + 1;\n  SELECT x;\nEND";
  std::string trigger = "CREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW BEGIN SET NEW.v = 1; END";
  auto statements = texts("DELIMITER $$\n" + procedure + "$$\n" + trigger +
                              " $$\nDELIMITER ;\nSELECT 1;\n"
                              "delimiter //\nSELECT 2//\nDELIMITER ;\nSELECT 3",
                          rules);
  CHECK(statements == std::vector<std::string>{procedure, trigger, "SELECT 1", "SELECT 2", "SELECT 3"});
}

TEST_CASE("mysql: version comments are SQL, -- needs a space, # comments and escaped quotes") {
  auto rules = mysql_rules();
  rules.delimiter_command = true;
  rules.dash_comment_needs_space = true;
  rules.version_comments = true;
  auto statements = texts(
      "/*!50003 SET @old = @@sql_mode */;\n"
      "# a comment; with a semicolon\n"
      "SELECT 5--3;\n"
      "SELECT 'it\\'s; fine', \"a \\\"b\\\"; c\";\n"
      "-- a real comment; here\n"
      "SELECT `weird;name` FROM t",
      rules);
  CHECK(statements == std::vector<std::string>{"/*!50003 SET @old = @@sql_mode */", "SELECT 5--3",
                                               "SELECT 'it\\'s; fine', \"a \\\"b\\\"; c\"",
                                               "SELECT `weird;name` FROM t"});
}

TEST_CASE("statement keywords skip comments, quoted text, numbers and punctuation") {
  CHECK(strata::statement_keywords("-- note\n/* c */ COPY t (a, b) FROM stdin", 12) ==
        std::vector<std::string>{"COPY", "T", "A", "B", "FROM", "STDIN"});
  CHECK(strata::statement_keywords("create unique index concurrently ix on t", 4) ==
        std::vector<std::string>{"CREATE", "UNIQUE", "INDEX", "CONCURRENTLY"});
  CHECK(strata::statement_keywords("SELECT 'BEGIN', \"COMMIT\", `END` FROM x", 5) ==
        std::vector<std::string>{"SELECT", "FROM", "X"});
}

TEST_CASE("identifiers are quoted with any quote inside doubled") {
  CHECK(strata::quote_identifier_with("plain", '"') == "\"plain\"");
  CHECK(strata::quote_identifier_with("we\"ird", '"') == "\"we\"\"ird\"");
  CHECK(strata::quote_identifier_with("we`ird", '`') == "`we``ird`");
}

TEST_CASE("mysql: a procedure with nested IF ... END IF is one statement") {
  std::string procedure =
      "CREATE PROCEDURE grade(IN score INT, OUT label VARCHAR(10))\n"
      "BEGIN\n"
      "  IF score >= 50 THEN\n"
      "    IF score >= 90 THEN\n"
      "      SET label = 'top';\n"
      "    ELSEIF score >= 70 THEN\n"
      "      SET label = 'good';\n"
      "    ELSE\n"
      "      SET label = 'pass';\n"
      "    END IF;\n"
      "  ELSE IF score < 0 THEN SET label = 'bad'; END IF;\n"
      "    SET label = 'fail';\n"
      "  END IF;\n"
      "END";
  CHECK(placed("CREATE TABLE t (id INT);\n" + procedure + ";\nCALL grade(75, @l);\n", mysql_compound_rules()) ==
        std::vector<Placed>{{1, "CREATE TABLE t (id INT)"}, {2, procedure}, {16, "CALL grade(75, @l)"}});
}

TEST_CASE("mysql: a CASE statement ending in END CASE is one statement") {
  std::string procedure =
      "CREATE PROCEDURE classify(IN n INT)\n"
      "BEGIN\n"
      "  CASE n\n"
      "    WHEN 1 THEN INSERT INTO log VALUES ('one');\n"
      "    WHEN 2 THEN BEGIN INSERT INTO log VALUES ('two'); END;\n"
      "    ELSE INSERT INTO log VALUES ('many');\n"
      "  END CASE;\n"
      "END";
  CHECK(placed(procedure + ";\nSELECT 1;", mysql_compound_rules()) ==
        std::vector<Placed>{{1, procedure}, {9, "SELECT 1"}});
}

TEST_CASE("mysql: a CASE expression ending in END inside a body does not end the body") {
  std::string function =
      "CREATE FUNCTION sign_of(x INT) RETURNS INT DETERMINISTIC\n"
      "BEGIN\n"
      "  DECLARE s INT;\n"
      "  SET s = CASE WHEN x > 0 THEN 1 WHEN x < 0 THEN -1 ELSE 0 END;\n"
      "  IF s = CASE WHEN x IS NULL THEN 0 ELSE s END THEN\n"
      "    RETURN (SELECT CASE s WHEN 1 THEN 1 END);\n"
      "  END IF;\n"
      "  RETURN s;\n"
      "END";
  CHECK(placed(function + ";\nSELECT sign_of(-3);", mysql_compound_rules()) ==
        std::vector<Placed>{{1, function}, {10, "SELECT sign_of(-3)"}});
}

TEST_CASE("mysql: LOOP, WHILE and REPEAT statements are blocks, the IF() and REPEAT() functions are not") {
  std::string procedure =
      "CREATE PROCEDURE fill(IN n INT)\n"
      "BEGIN\n"
      "  DECLARE i INT DEFAULT 0;\n"
      "  WHILE i < n DO\n"
      "    INSERT INTO t VALUES (i, IF(i % 2 = 0, 'even', 'odd'), REPEAT('x', i));\n"
      "    SET i = i + 1;\n"
      "  END WHILE;\n"
      "  REPEAT\n"
      "    SET i = i - 1;\n"
      "  UNTIL i <= IF(n > 10, 10, 0) END REPEAT;\n"
      "  once: LOOP\n"
      "    DROP TEMPORARY TABLE IF EXISTS scratch;\n"
      "    SELECT REPEAT('-', 3);\n"
      "    LEAVE once;\n"
      "  END LOOP;\n"
      "END";
  CHECK(placed(procedure + ";\nSELECT IF(1, 2, 3), REPEAT('a', 2);", mysql_compound_rules()) ==
        std::vector<Placed>{{1, procedure}, {17, "SELECT IF(1, 2, 3), REPEAT('a', 2)"}});
}

TEST_CASE("mysql: labelled blocks and loops end at their END with the label") {
  std::string procedure =
      "CREATE PROCEDURE walk()\n"
      "main: BEGIN\n"
      "  inner_block:BEGIN\n"
      "    SELECT 1;\n"
      "  END inner_block;\n"
      "  lbl: LOOP\n"
      "    LEAVE lbl;\n"
      "  END LOOP lbl;\n"
      "  again: REPEAT SET @x := @x + 1; UNTIL @x > 3 END REPEAT again;\n"
      "  w: WHILE FALSE DO ITERATE w; END WHILE w;\n"
      "END main";
  CHECK(placed(procedure + ";\nSET @x := 0;", mysql_compound_rules()) ==
        std::vector<Placed>{{1, procedure}, {12, "SET @x := 0"}});
}

TEST_CASE("mysql: MariaDB's BEGIN NOT ATOMIC block is one statement, BEGIN alone is not a block") {
  std::string block =
      "BEGIN NOT ATOMIC\n"
      "  DECLARE k INT DEFAULT 0;\n"
      "  FOR i IN 1..3 DO\n"
      "    SET k = k + i;\n"
      "  END FOR;\n"
      "  INSERT INTO totals VALUES (k);\n"
      "END";
  CHECK(placed("BEGIN;\n" + block + ";\nIF 1 THEN SELECT 1; END IF;\nBEGIN WORK;\n", mysql_compound_rules()) ==
        std::vector<Placed>{{1, "BEGIN"}, {2, block}, {9, "IF 1 THEN SELECT 1; END IF"}, {10, "BEGIN WORK"}});
}

TEST_CASE("mysql: DEFINER, OR REPLACE and AGGREGATE before what is created") {
  std::string procedure = "CREATE DEFINER=`admin`@`%` PROCEDURE p()\nBEGIN\n  SELECT 1;\nEND";
  std::string function =
      "CREATE OR REPLACE DEFINER = CURRENT_USER() AGGREGATE FUNCTION total(x INT) RETURNS INT\n"
      "BEGIN\n"
      "  DECLARE sum INT DEFAULT 0;\n"
      "  DECLARE CONTINUE HANDLER FOR NOT FOUND RETURN sum;\n"
      "  LOOP FETCH GROUP NEXT ROW; SET sum = sum + x; END LOOP;\n"
      "END";
  std::string trigger =
      "CREATE DEFINER='admin'@'localhost' TRIGGER t BEFORE INSERT ON a FOR EACH ROW BEGIN SET NEW.v = 1; END";
  CHECK(placed(procedure + ";\n" + function + ";\n" + trigger + ";\n", mysql_compound_rules()) ==
        std::vector<Placed>{{1, procedure}, {5, function}, {11, trigger}});
}

TEST_CASE("mysql: a trigger whose body is one statement ends at its semicolon") {
  std::string single = "CREATE TRIGGER stamp BEFORE INSERT ON runs FOR EACH ROW SET NEW.created = NOW()";
  std::string single_if =
      "CREATE TRIGGER clamp BEFORE UPDATE ON runs FOR EACH ROW FOLLOWS stamp\n"
      "  IF NEW.tries > 3 THEN SET NEW.tries = 3; END IF";
  CHECK(placed(single + ";\n" + single_if + ";\nINSERT INTO runs VALUES (1);", mysql_compound_rules()) ==
        std::vector<Placed>{{1, single}, {2, single_if}, {4, "INSERT INTO runs VALUES (1)"}});
}

TEST_CASE("mysql: a trigger with a BEGIN ... END body is one statement") {
  std::string trigger =
      "CREATE TRIGGER spans_audit AFTER INSERT ON spans\n"
      "FOR EACH ROW\n"
      "BEGIN\n"
      "  DECLARE EXIT HANDLER FOR SQLSTATE VALUE '23000', 1062 BEGIN SET @dup = 1; END;\n"
      "  -- a column called end, and one called begin\n"
      "  INSERT INTO audit (span, begin, end) VALUES (NEW.id, NEW.begin, NEW.end);\n"
      "  UPDATE totals SET end = end + 1 WHERE id = NEW.id;\n"
      "END";
  CHECK(placed(trigger + ";\n\nSELECT 2;", mysql_compound_rules()) ==
        std::vector<Placed>{{1, trigger}, {10, "SELECT 2"}});
}

TEST_CASE("mysql: an event's DO BEGIN ... END body is one statement") {
  std::string event =
      "CREATE EVENT IF NOT EXISTS purge ON SCHEDULE EVERY 1 DAY STARTS CURRENT_TIMESTAMP + INTERVAL 1 HOUR\n"
      "ON COMPLETION PRESERVE COMMENT 'nightly; keep 30 days'\n"
      "DO BEGIN\n"
      "  DELETE FROM runs WHERE created < NOW() - INTERVAL 30 DAY;\n"
      "  DO RELEASE_LOCK('purge');\n"
      "END";
  std::string single = "ALTER EVENT purge DO DELETE FROM runs";
  CHECK(placed(event + ";\n" + single + ";\n", mysql_compound_rules()) == std::vector<Placed>{{1, event}, {7, single}});
}

TEST_CASE("mysql: a function whose body is a single RETURN ends at its semicolon") {
  std::string function =
      "CREATE FUNCTION twice(x DECIMAL(10, 2)) RETURNS DECIMAL(12, 2) CHARSET utf8mb4 DETERMINISTIC\n"
      "  COMMENT 'no BEGIN; just RETURN' RETURN IF(x IS NULL, 0, x * 2)";
  CHECK(placed(function + ";\nSELECT twice(2);", mysql_compound_rules()) ==
        std::vector<Placed>{{1, function}, {3, "SELECT twice(2)"}});
}

TEST_CASE("mysql: a compound statement strata cannot resolve is refused at its line with the DELIMITER advice") {
  auto rules = mysql_compound_rules();
  auto mismatched = split_error(
      "CREATE TABLE t (id INT);\nCREATE PROCEDURE p()\nBEGIN\n  WHILE 1 DO\n"
      "    SELECT 1;\n  END LOOP;\nEND;\n",
      rules);
  REQUIRE(mismatched);
  CHECK(mismatched->kind() == strata::ErrorKind::validation);
  CHECK(mismatched->line() == 6);
  CHECK_THAT(mismatched->message(), Catch::Contains("END LOOP closes the WHILE opened at line 4") &&
                                        Catch::Contains("starts at line 2") && Catch::Contains("DELIMITER $$"));

  auto alone = split_error("CREATE PROCEDURE p() BEGIN\n  IF 1 THEN SELECT 1; END;\nEND;", rules);
  REQUIRE(alone);
  CHECK(alone->line() == 2);
  CHECK_THAT(alone->message(), Catch::Contains("needs END IF") && Catch::Contains("DELIMITER"));

  auto unterminated =
      split_error("SELECT 1;\nCREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW\nBEGIN\n  SET NEW.v = 1;\n", rules);
  REQUIRE(unterminated);
  CHECK(unterminated->line() == 3);
  CHECK_THAT(unterminated->message(), Catch::Contains("unterminated BEGIN") && Catch::Contains("DELIMITER"));
}

TEST_CASE("mysql: a statement starting with END, ELSE or DECLARE, left of a body cut short, is refused") {
  // A routine's header strata does not read (here a version comment hides CREATE): its body is
  // cut at the semicolons, and what is left must not reach the server after the rest ran.
  auto error = split_error("/*!50003 CREATE */ PROCEDURE p()\nBEGIN\n  SELECT 1;\nEND;\n", mysql_compound_rules());
  REQUIRE(error);
  CHECK(error->line() == 4);
  CHECK_THAT(error->message(), Catch::Contains("cannot start with END") && Catch::Contains("DELIMITER"));
  for (const char* rest : {"ELSE SELECT 2", "ELSEIF x THEN SELECT 2", "UNTIL x END REPEAT", "DECLARE x INT"}) {
    auto refused = split_error(std::string("SELECT 1;\n") + rest + ";", mysql_compound_rules());
    REQUIRE(refused);
    CHECK(refused->line() == 2);
  }
}

TEST_CASE("mysql: under DELIMITER, compound statements are not tracked: the file marks their ends") {
  auto rules = mysql_compound_rules();
  // Unbalanced on purpose: with DELIMITER the file's own terminator decides, as before.
  std::string procedure = "CREATE PROCEDURE p()\nBEGIN\n  IF 1 THEN SELECT 1; END;\nEND";
  CHECK(placed("DELIMITER //\n" + procedure + "//\nDELIMITER ;\nSELECT 1;", rules) ==
        std::vector<Placed>{{2, procedure}, {7, "SELECT 1"}});
}

TEST_CASE("mysql: without the compound rule a body is split at its semicolons") {
  CHECK(texts("CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END;", mysql_rules()).size() == 3);
}

TEST_CASE("letters, digits and spaces are ASCII's alone: no byte from 0x80 up is any of them") {
  for (int i = 0; i < 256; ++i) {
    char c = static_cast<char>(i);
    INFO(i);
    bool letter = (i >= 'A' && i <= 'Z') || (i >= 'a' && i <= 'z');
    bool digit = i >= '0' && i <= '9';
    CHECK(strata::ascii_isalpha(c) == letter);
    CHECK(strata::ascii_isdigit(c) == digit);
    CHECK(strata::ascii_isalnum(c) == (letter || digit));
    CHECK(strata::ascii_isxdigit(c) == (digit || (i >= 'A' && i <= 'F') || (i >= 'a' && i <= 'f')));
    CHECK(strata::ascii_isspace(c) == (i == ' ' || i == '\t' || i == '\n' || i == '\v' || i == '\f' || i == '\r'));
  }
}

TEST_CASE("letter case is ASCII's alone: other bytes, of UTF-8 text too, are left as they are") {
  CHECK(strata::ascii_uppercase("begin atomic; Köln İzmir") == "BEGIN ATOMIC; K\xC3\xB6LN \xC4\xB0ZMIR");
  CHECK(strata::ascii_lowercase("TRIGGER ÉTÉ") == "trigger \xC3\x89t\xC3\x89");
  CHECK(strata::ascii_iequals("Begin", "BEGIN"));
  CHECK_FALSE(strata::ascii_iequals("BEGİN", "BEGIN"));  // a dotted capital I is no I
  CHECK_FALSE(strata::ascii_iequals("BEGI", "BEGIN"));
  static_assert(strata::ascii_lower('I') == 'i' && strata::ascii_upper('i') == 'I' &&
                strata::ascii_upper('\xC4') == '\xC4');
}
