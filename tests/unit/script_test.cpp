#include <strata/error.hpp>
#include <strata/script.hpp>

#include <catch2/catch.hpp>

#include <optional>
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
