// `strata migrate --fleet` as a user meets it on SQLite files: the targets file and its errors,
// --shard across processes, --skip-done, a fleet killed or interrupted and run again.
#include "fleet_lines.hpp"
#include "harness.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

using namespace strata::conformance;
namespace fs = std::filesystem;

namespace {

// `n` SQLite files tenant<i>.db in `project`/t (created empty) and a targets file naming them
// with one @glob line.
void tenants(const ScratchDir& project, int n) {
  fs::create_directories(project.path() / "t");
  for (int i = 0; i < n; ++i) project.write("t/tenant" + std::to_string(i) + ".db", "");
  project.write("targets.txt", "@glob sqlite:" + (project.path() / "t").string() + "/tenant*.db plan=free\n");
}

std::vector<std::string> fleet(std::vector<std::string> flags) {
  std::vector<std::string> args{"migrate", "--fleet", "targets.txt", "--dir", "migrations"};
  args.insert(args.end(), flags.begin(), flags.end());
  return args;
}

std::int64_t ledger_rows(const fs::path& db) {
  Inspector inspector("sqlite:" + db.string());
  return inspector.has_table("strata_history") ? inspector.count("SELECT COUNT(*) FROM strata_history") : 0;
}

}  // namespace

TEST_CASE("a targets file's bad lines are refused together, each named by its line, before any target is touched") {
  ScratchDir project;
  project.write("migrations/V1__a.sql", "CREATE TABLE a (id INTEGER);\n");
  project.write("targets.txt",
                "# tenants\n"
                "sqlite:good.db\n"
                "sqlite:labelled.db plan\n"
                "nosuchdb://host/db\n"
                "sqlite:${STRATA_TEST_NOT_SET_ANYWHERE}.db\n"
                "@glob sqlite:nowhere/*.db\n"
                "\n"
                "sqlite:good.db tier=gold\n");
  ProcessResult r = run_strata(fleet({}), {{}, project.path()});
  INFO(r.err);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("targets.txt has 5 problems, and no target was touched"));
  CHECK_THAT(r.err, Catch::Contains("targets.txt:3: 'plan' is not a label (key=value)"));
  CHECK_THAT(r.err, Catch::Contains("targets.txt:4: unknown database URL scheme 'nosuchdb'"));
  CHECK_THAT(r.err, Catch::Contains("targets.txt:5: ${STRATA_TEST_NOT_SET_ANYWHERE} is not set in the environment"));
  CHECK_THAT(r.err, Catch::Contains("targets.txt:6: sqlite:nowhere/*.db matches no file"));
  CHECK_THAT(r.err, Catch::Contains("targets.txt:8: sqlite:good.db is listed already (targets.txt:2)"));
  CHECK_FALSE(fs::exists(project.path() / "good.db"));
  // --url and --fleet both name databases; --resume is each target's own decision.
  CHECK(run_strata(fleet({"--url", "sqlite:x.db"}), {{}, project.path()}).exit_code == 2);
  project.write("targets.txt", "sqlite:good.db\n");
  ProcessResult resume = run_strata(fleet({"--resume"}), {{}, project.path()});
  CHECK(resume.exit_code == 2);
  CHECK_THAT(resume.err, Catch::Contains("--fleet takes neither --dry-run nor --resume"));
  CHECK(run_strata(fleet({"--on-error", "sometimes"}), {{}, project.path()}).exit_code == 2);
  CHECK(run_strata(fleet({"--shard", "3/3"}), {{}, project.path()}).exit_code == 2);
  CHECK_FALSE(fs::exists(project.path() / "good.db"));
}

TEST_CASE("a migration that cannot be read stops the fleet with exit 3 before any target is touched") {
  ScratchDir project;
  project.write("migrations/V1__a.yaml", "- add_table: [this is not an operation\n");
  tenants(project, 3);
  ProcessResult r = run_strata(fleet({}), {{}, project.path()});
  CHECK(r.exit_code == 3);
  CHECK_THAT(r.err, Catch::Contains("V1__a.yaml") && Catch::Contains("no target was touched"));
  for (int i = 0; i < 3; ++i) CHECK(ledger_rows(project.path() / "t" / ("tenant" + std::to_string(i) + ".db")) == 0);
}

TEST_CASE(
    "sharding with --shard K/N: N processes cover every target exactly once, without the canaries, and a target added "
    "moves no "
    "other") {
  ScratchDir project;
  project.write("migrations/V1__a.sql", "CREATE TABLE a (id INTEGER);\n");
  tenants(project, 30);
  std::map<std::string, int> shard_of;
  for (int k = 0; k < 3; ++k) {
    ProcessResult r =
        run_strata(fleet({"--json", "--shard", std::to_string(k) + "/3", "--canary", "2"}), {{}, project.path()});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    for (const auto& t : fleet_lines(r.out).targets) {
      CHECK(t["status"] == "applied");
      CHECK(shard_of.emplace(t["target"].get<std::string>(), k).second);  // in one shard only
    }
  }
  CHECK(shard_of.size() == 28);  // every target but the 2 canaries
  // The canary step runs them, and only them.
  ProcessResult canaries = run_strata(fleet({"--json", "--canary", "2", "--canaries-only"}), {{}, project.path()});
  FleetLines c = fleet_lines(canaries.out);
  REQUIRE(c.targets.size() == 2);
  for (const auto& t : c.targets) CHECK(shard_of.count(t["target"].get<std::string>()) == 0);
  // One target more: each shard's other targets stay where they were (the index from
  // JOB_COMPLETION_INDEX, as a Kubernetes Indexed Job gives it).
  project.write("t/tenant_new.db", "");
  std::map<std::string, int> after;
  for (int k = 0; k < 3; ++k) {
    ProcessResult r = run_strata(fleet({"--json", "--shard", "3", "--canary", "2"}),
                                 {{"JOB_COMPLETION_INDEX=" + std::to_string(k)}, project.path()});
    REQUIRE(r.exit_code == 0);
    for (const auto& t : fleet_lines(r.out).targets) after.emplace(t["target"].get<std::string>(), k);
  }
  CHECK(after.size() == 29);
  for (const auto& [target, k] : shard_of) CHECK(after[target] == k);
}

TEST_CASE(
    "a fleet run with --skip-done skips the targets an earlier report shows done at the same migrations, and none "
    "after a "
    "change") {
  ScratchDir project;
  project.write("migrations/V1__a.sql", "CREATE TABLE a (id INTEGER);\n");
  tenants(project, 6);
  REQUIRE(run_strata(fleet({"--report", "first.jsonl", "--parallel", "2"}), {{}, project.path()}).exit_code == 0);
  ProcessResult again = run_strata(fleet({"--json", "--skip-done", "first.jsonl"}), {{}, project.path()});
  REQUIRE(again.exit_code == 0);
  FleetLines a = fleet_lines(again.out);
  REQUIRE(a.targets.size() == 6);
  for (const auto& t : a.targets) CHECK(t["status"] == "skipped");
  CHECK(a.summary["skipped"] == 6);
  // Another migration: another fingerprint, so the report says nothing of it.
  project.write("migrations/V2__b.sql", "CREATE TABLE b (id INTEGER);\n");
  ProcessResult changed = run_strata(fleet({"--json", "--skip-done", "first.jsonl"}), {{}, project.path()});
  REQUIRE(changed.exit_code == 0);
  for (const auto& t : fleet_lines(changed.out).targets) {
    CHECK(t["status"] == "applied");
    CHECK(t["applied"] == nlohmann::json::array({"2"}));
  }
  project.write("bad.jsonl", "{\"target\": \"x\"}\nnot json\n");
  ProcessResult bad = run_strata(fleet({"--skip-done", "bad.jsonl"}), {{}, project.path()});
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.err, Catch::Contains("bad.jsonl:2"));
}

TEST_CASE(
    "a fleet run with --retry-failed runs only the targets an earlier report shows failed, after their fix, and fleet "
    "flags without --fleet are refused") {
  ScratchDir project;
  project.write("migrations/V1__a.sql", "CREATE TABLE a (id INTEGER);\n");
  tenants(project, 5);
  project.write("t/tenant2.db", "this file is not a SQLite database, it is text long enough to say so\n");
  ProcessResult first =
      run_strata(fleet({"--report", "first.jsonl", "--on-error", "continue", "--parallel", "2"}), {{}, project.path()});
  INFO(first.out << first.err);
  REQUIRE(first.exit_code == 7);
  std::string broken = "sqlite:" + (project.path() / "t" / "tenant2.db").string();

  fs::remove(project.path() / "t" / "tenant2.db");  // the fix
  project.write("t/tenant2.db", "");
  ProcessResult retried = run_strata(fleet({"--json", "--retry-failed", "first.jsonl"}), {{}, project.path()});
  INFO(retried.out << retried.err);
  REQUIRE(retried.exit_code == 0);
  FleetLines r = fleet_lines(retried.out);
  REQUIRE(r.targets.size() == 1);
  CHECK(r.targets[0]["target"] == broken);
  CHECK(r.targets[0]["status"] == "applied");
  CHECK(r.summary["applied"] == 1);
  CHECK(ledger_rows(project.path() / "t" / "tenant2.db") == 1);

  // The report of the retry shows nothing failed: a second retry from it runs nothing.
  project.write("second.jsonl", retried.out);
  ProcessResult none = run_strata(fleet({"--json", "--retry-failed", "second.jsonl"}), {{}, project.path()});
  CHECK(none.exit_code == 0);
  CHECK(fleet_lines(none.out).targets.empty());

  ProcessResult lone =
      run_strata({"migrate", "--url", broken, "--dir", "migrations", "--parallel", "2"}, {{}, project.path()});
  CHECK(lone.exit_code == 2);
  CHECK_THAT(lone.err, Catch::Contains("--parallel is a flag of migrate --fleet"));
}

TEST_CASE(
    "a fleet killed half-way converges when run again, every migration once, and one interrupted stops starting "
    "targets and says so") {
  ScratchDir project;
  // Slow enough that the kill lands half-way: each target sleeps in its migration.
  project.write("migrations/V1__a.sql", "CREATE TABLE a (id INTEGER);\n");
  project.write("migrations/V2__slow.sql",
                "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 300000) SELECT COUNT(*) FROM "
                "c;\n");
  tenants(project, 12);
  Child runner(strata_command(fleet({"--parallel", "2"})), {{}, project.path()});
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  runner.kill(SIGKILL);
  runner.wait();
  ProcessResult again = run_strata(fleet({"--json", "--parallel", "2"}), {{}, project.path()});
  INFO(again.out << again.err);
  REQUIRE(again.exit_code == 0);
  for (int i = 0; i < 12; ++i) CHECK(ledger_rows(project.path() / "t" / ("tenant" + std::to_string(i) + ".db")) == 2);

  // SIGINT: the running targets finish, no new one starts; exit 7 and each not started reported.
  project.write("migrations/V3__slow.sql",
                "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 600000) SELECT COUNT(*) FROM "
                "c;\n");
  Child interrupted(strata_command(fleet({"--json", "--parallel", "1", "--report", "report.jsonl"})),
                    {{}, project.path()});
  // Once the first target's line is in the streamed report, the second target is running.
  auto reported = [&] {
    std::ifstream in(project.path() / "report.jsonl");
    std::string line;
    return static_cast<bool>(std::getline(in, line));
  };
  for (int i = 0; i < 3000 && !reported(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  REQUIRE(reported());
  interrupted.kill(SIGINT);
  ProcessResult stopped = interrupted.wait();
  INFO(stopped.out << stopped.err);
  CHECK(stopped.exit_code == 7);
  FleetLines s = fleet_lines(stopped.out);
  CHECK(s.targets.size() == 12);
  CHECK(s.summary["not_attempted"].get<int>() > 0);
  CHECK(s.summary["applied"].get<int>() + s.summary["not_attempted"].get<int>() == 12);
  CHECK(s.summary["stopped"] == true);
}

TEST_CASE("@query reads the targets from a control table, with the line's labels") {
  ScratchDir project;
  project.write("migrations/V1__a.sql", "CREATE TABLE a (id INTEGER);\n");
  fs::path control = project.path() / "control.db";
  std::string one = (project.path() / "one.db").string(), two = (project.path() / "two.db").string();
  Inspector db("sqlite:" + control.string());
  db.connection().session().execute("CREATE TABLE tenant_databases (url TEXT)");
  db.connection().session().execute("INSERT INTO tenant_databases VALUES ('sqlite:" + one + "'), ('sqlite:" + two +
                                    "')");
  project.write("targets.txt", "@query sqlite:control.db SELECT url FROM tenant_databases ORDER BY url -- plan=gold\n");
  ProcessResult r = run_strata(fleet({"--json"}), {{}, project.path()});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  FleetLines l = fleet_lines(r.out);
  REQUIRE(l.targets.size() == 2);
  CHECK(l.targets[0]["target"] == "sqlite:" + one);
  CHECK(l.targets[1]["target"] == "sqlite:" + two);
  for (const auto& t : l.targets) {
    CHECK(t["status"] == "applied");
    CHECK(t["labels"]["plan"] == "gold");
  }
  // The SQL as written: a literal's two blanks stay two.
  db.connection().session().execute("CREATE TABLE gone (url TEXT, note TEXT)");
  db.connection().session().execute("INSERT INTO gone VALUES ('sqlite:" + one + "', 'two  blanks')");
  project.write("targets.txt",
                "@query sqlite:control.db SELECT url FROM tenant_databases WHERE url NOT IN (SELECT url FROM gone "
                "WHERE note = 'two  blanks') -- plan=gold\n");
  ProcessResult kept = run_strata(fleet({"--json"}), {{}, project.path()});
  INFO(kept.out << kept.err);
  FleetLines k = fleet_lines(kept.out);
  REQUIRE(k.targets.size() == 1);
  CHECK(k.targets[0]["target"] == "sqlite:" + two);
  project.write("targets.txt", "@query sqlite:control.db SELECT url FROM no_such_table\n");
  ProcessResult bad = run_strata(fleet({}), {{}, project.path()});
  CHECK(bad.exit_code != 0);
  CHECK_THAT(bad.err, Catch::Contains("targets.txt:1: @query:") && Catch::Contains("no_such_table"));
}
