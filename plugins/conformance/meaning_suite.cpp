// One meaning everywhere: a directory's file names mean the same on every backend and machine,
// a failure's advice works when followed, and an Engine used twice reports each command's own
// findings. Written once for every backend.
#include "harness.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <regex>
#include <sstream>

using namespace strata;
using namespace strata::conformance;

namespace {

// The state `status --json` gives a script.
std::string state_of(const std::string& url, const ScratchDir& dir, const std::string& script) {
  ProcessResult r = run_strata(command_args("status", url, dir, {"--json"}));
  auto doc = nlohmann::json::parse(r.out);
  for (const auto& m : doc.at("migrations"))
    if (m.at("script") == script) return m.at("state").get<std::string>();
  return "(no row for " + script + ")";
}

// The first command a message advises, as arguments: "... run `strata rollback --resume` to ..."
// gives {"rollback", "--resume"}.
std::vector<std::string> advised_command(const std::string& message) {
  std::smatch m;
  if (!std::regex_search(message, m, std::regex("`strata ([^`]+)`"))) return {};
  std::istringstream words(m.str(1));
  std::vector<std::string> out;
  for (std::string w; words >> w;) out.push_back(w);
  return out;
}

}  // namespace

TEST_CASE("a file meant for another database never runs, and a plain file beside variants is no duplicate",
          "[meaning]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  dir.write("001_base.up.sql", "CREATE TABLE base_t (id INTEGER);\n");
  dir.write("002_v.up.sql", "CREATE TABLE v_plain (id INTEGER);\n");
  dir.write("002_v.cockroach.up.sql", "CREATE TABLE v_cockroach (id INTEGER);\n");
  dir.write("002_v.oracle.up.sql", "CREATE TABLE v_oracle (id INTEGER);\n");
  const std::vector<std::string> shipped{"sqlite", "postgres", "mysql"};
  for (const auto& tag : shipped) dir.write("003_w." + tag + ".up.sql", "CREATE TABLE w_" + tag + " (id INTEGER);\n");
  dir.write("20150100000001000000_big.up.sql", "CREATE TABLE big_t (id INTEGER);\n");

  ProcessResult r = run_strata(command_args("migrate", url, dir));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  Inspector db(url);
  CHECK(db.has_table("base_t"));
  CHECK(db.has_table("v_plain"));
  CHECK_FALSE(db.has_table("v_cockroach"));
  CHECK_FALSE(db.has_table("v_oracle"));
  // Exactly the variant of this backend's dialect, the most specific it declares first.
  std::string expected;
  for (const auto& tag : db.connection().dialect().suffixes())
    if (expected.empty() && std::find(shipped.begin(), shipped.end(), tag) != shipped.end()) expected = tag;
  REQUIRE_FALSE(expected.empty());
  for (const auto& tag : shipped) CHECK(db.has_table("w_" + tag) == (tag == expected));
  auto ledger = db.ledger();
  REQUIRE(ledger.size() == 4);
  CHECK(ledger[1].script == "002_v.up.sql");
  CHECK(ledger[2].script == "003_w." + expected + ".up.sql");
  CHECK(to_string(ledger[3].version) == "20150100000001000000");
  CHECK(state_of(url, dir, "20150100000001000000_big.up.sql") == "applied");
}

TEST_CASE("a failed undo's advice works when followed: rollback --resume continues it", "[meaning][progress]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  dir.write("V1__pair.sql", "CREATE TABLE u1 (id INTEGER);\nCREATE TABLE u2 (id INTEGER);\n");
  // Statement by statement on every backend, so that a failure leaves progress to continue.
  dir.write("U1__pair.sql", "-- strata:no-transaction\nDROP TABLE u2;\nDROP TABLE no_such_table;\nDROP TABLE u1;\n");
  REQUIRE(run_strata(command_args("migrate", url, dir)).exit_code == 0);

  ProcessResult failed = run_strata(command_args("rollback", url, dir));
  INFO(failed.err);
  CHECK(failed.exit_code == 1);
  CHECK_THAT(failed.err, Catch::Contains("U1__pair.sql:3") && Catch::Contains("statement 2 of 3"));
  Inspector db(url);
  CHECK_FALSE(db.has_table("u2"));
  CHECK(db.has_table("u1"));
  auto advice = advised_command(failed.err);
  CHECK(advice == std::vector<std::string>{"rollback", "--resume"});

  // Until then, migrate and a plain rollback stop, each giving the same advice.
  for (const char* command : {"migrate", "rollback"}) {
    ProcessResult stopped = run_strata(command_args(command, url, dir));
    INFO(stopped.err);
    CHECK(stopped.exit_code == 3);
    CHECK(advised_command(stopped.err) == advice);
  }

  dir.write("U1__pair.sql", "-- strata:no-transaction\nDROP TABLE u2;\nDROP TABLE u1;\n");  // the fix
  std::vector<std::string> follow = advice;
  follow.insert(follow.end(), {"--url", url, "--dir", dir.path().string()});
  ProcessResult resumed = run_strata(follow);
  INFO(resumed.err);
  CHECK(resumed.exit_code == 0);
  CHECK_FALSE(db.has_table("u1"));
  CHECK(state_of(url, dir, "V1__pair.sql") == "undone");
  CHECK(run_strata(command_args("migrate", url, dir)).exit_code == 0);
  CHECK(db.has_table("u1"));
  CHECK(db.has_table("u2"));
}

TEST_CASE("a failed undo's other advice works too: restore by hand, repair, and the version is applied again",
          "[meaning][progress]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  dir.write("V1__pair.sql", "CREATE TABLE u1 (id INTEGER);\nCREATE TABLE u2 (id INTEGER);\n");
  dir.write("U1__pair.sql", "-- strata:no-transaction\nDROP TABLE u2;\nDROP TABLE no_such_table;\nDROP TABLE u1;\n");
  REQUIRE(run_strata(command_args("migrate", url, dir)).exit_code == 0);
  ProcessResult failed = run_strata(command_args("rollback", url, dir));
  REQUIRE(failed.exit_code == 1);
  CHECK_THAT(failed.err, Catch::Contains("`strata repair`"));

  Inspector db(url);
  db.connection().session().execute("CREATE TABLE u2 (id INTEGER)");  // what statement 1 undid, restored
  ProcessResult repair = run_strata(command_args("repair", url, dir));
  CHECK(repair.exit_code == 0);
  CHECK(state_of(url, dir, "V1__pair.sql") == "applied");
  dir.write("U1__pair.sql", "-- strata:no-transaction\nDROP TABLE u2;\nDROP TABLE u1;\n");
  CHECK(run_strata(command_args("rollback", url, dir)).exit_code == 0);
  CHECK_FALSE(db.has_table("u1"));
  CHECK_FALSE(db.has_table("u2"));
}

TEST_CASE("an Engine used twice reports each command's own drift, not the one before", "[meaning][embedded]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  dir.write("V1__t.sql", "CREATE TABLE t (id INTEGER, v VARCHAR(10));\n");
  dir.write("V2__add_v.yaml",
            "- add_column: {table: t, if_missing: true, column: {name: v, type: integer, nullable: true}}\n");
  Options options;
  options.url = url;
  options.dir = dir.path();
  Engine engine(options);
  auto drift_in = [](const Report& r) {
    return std::count_if(r.warnings.begin(), r.warnings.end(),
                         [](const std::string& w) { return w.find("drift") != std::string::npos; });
  };
  Report migrated = engine.migrate();
  CHECK(migrated.applied.size() == 2);
  CHECK(drift_in(migrated) == 1);
  CHECK(drift_in(engine.status()) == 0);
  Report again = engine.migrate();
  CHECK(again.applied.empty());
  CHECK(drift_in(again) == 0);
}
