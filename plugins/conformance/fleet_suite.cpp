// `strata migrate --fleet` on every backend: many databases of the backend migrated alike, the
// canary's failure stopping the fleet, the error policies, the report's lines (<strata/fleet.hpp>).
#include "fleet_lines.hpp"
#include "harness.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <fstream>
#include <map>
#include <set>
#include <thread>
#include <utility>

#include <unistd.h>

using namespace strata::conformance;
namespace fs = std::filesystem;

namespace {

// The report's lines on stdout (--json): one per target, then the summary.
struct FleetRun {
  std::vector<nlohmann::json> targets;
  nlohmann::json summary;
  ProcessResult process;
};

// `strata migrate --fleet` with the project's targets.txt and migrations, --json, and `flags`.
std::vector<std::string> fleet_args(const ScratchDir& project, const std::vector<std::string>& flags) {
  std::vector<std::string> args{"migrate",
                                "--fleet",
                                (project.path() / "targets.txt").string(),
                                "--dir",
                                (project.path() / "migrations").string(),
                                "--json"};
  args.insert(args.end(), flags.begin(), flags.end());
  return args;
}

FleetRun run_fleet(const ScratchDir& project, const std::vector<std::string>& flags) {
  std::vector<std::string> args = fleet_args(project, flags);
  FleetRun run;
  run.process = run_strata(args);
  INFO(run.process.out);
  FleetLines lines = fleet_lines(run.process.out);
  run.targets = std::move(lines.targets);
  run.summary = std::move(lines.summary);
  return run;
}

std::map<std::string, std::string> status_by_target(const FleetRun& run) {
  std::map<std::string, std::string> out;
  for (const auto& t : run.targets) out[t["target"].get<std::string>()] = t["status"].get<std::string>();
  return out;
}

// Whether the process `pid` (a child not yet waited for) still runs: not ended, not a zombie.
bool running(pid_t pid) {
  std::string stat;
  std::getline(std::ifstream("/proc/" + std::to_string(pid) + "/stat"), stat);
  auto end = stat.rfind(") ");
  return end != std::string::npos && end + 2 < stat.size() && stat[end + 2] != 'Z';
}

std::string redacted(const std::string& url) {
  return strata::DatabaseUrl::parse(url).redacted();
}

}  // namespace

TEST_CASE("a fleet of databases reaches the last version, each migration once, and a second run finds each up to date",
          "[backend]") {
  ScratchDir project;
  fs::copy(test_setting("STRATA_TEST_EXAMPLE_DIR"), project.path() / "migrations");
  std::vector<std::string> urls;
  std::string targets = "# a fleet of the suite's backend\n";
  for (int i = 0; i < 12; ++i) {
    urls.push_back(fresh_database_url());
    targets += urls.back() + " tenant=t" + std::to_string(i) + (i < 2 ? " wave=canary" : "") + "\n";
  }
  project.write("targets.txt", targets);
  // One database alone, for what a migration of this project leaves in the ledger.
  std::string alone = fresh_database_url();
  REQUIRE(run_strata({"migrate", "--url", alone, "--dir", (project.path() / "migrations").string()}).exit_code == 0);
  std::size_t migrations = Inspector(alone).ledger().size();

  FleetRun first = run_fleet(project, {"--parallel", "3", "--canary-label", "wave=canary"});
  INFO(first.process.out << first.process.err);
  check_no_password(first.process.out + first.process.err, "the fleet's report");
  REQUIRE(first.process.exit_code == 0);
  REQUIRE(first.targets.size() == urls.size());
  CHECK(first.targets[0]["canary"] == true);  // canaries first
  CHECK(first.targets[1]["canary"] == true);
  for (const auto& t : first.targets) {
    CHECK(t["status"] == "applied");
    CHECK(t["exit_code"] == 0);
    CHECK(t["applied"].size() == migrations);
    CHECK(t["labels"].contains("tenant"));
    CHECK(t["fingerprint"] == first.summary["fingerprint"]);
  }
  CHECK(first.summary["applied"] == urls.size());
  CHECK(first.summary["exit_code"] == 0);
  for (const auto& url : urls) {
    Inspector db(url);
    auto rows = db.ledger();
    CHECK(rows.size() == migrations);
    std::set<std::string> scripts;
    for (const auto& row : rows) scripts.insert(row.script);
    CHECK(scripts.size() == migrations);  // each once
  }
  auto statuses = status_by_target(first);
  for (const auto& url : urls) CHECK(statuses.count(redacted(url)) == 1);

  FleetRun second = run_fleet(project, {"--parallel", "3"});
  CHECK(second.process.exit_code == 0);
  CHECK(second.summary["up_to_date"] == urls.size());
  for (const auto& t : second.targets) CHECK(t["status"] == "up_to_date");
  for (const auto& url : urls) CHECK(Inspector(url).ledger().size() == migrations);
}

// A driver may be asked for connections from several threads at once (driver.hpp): a fleet's
// workers connect at once, each process's first connections among them. Connector/C++ makes its
// driver object at the first connection, unlocked; before the MySQL driver made it once, 3 of 40
// runs at --parallel 8 crashed or leaked under the sanitizers. A race shows in some runs only:
// hence several runs, each a new process.
TEST_CASE("a fleet's workers connect at once, 8 at a time: every run of a new process reaches each database",
          "[backend][concurrency]") {
  ScratchDir project;
  project.write("migrations/V1__one.sql", "CREATE TABLE fleet_one (id INTEGER PRIMARY KEY);\n");
  std::string targets;
  for (int i = 0; i < 8; ++i) targets += fresh_database_url() + "\n";
  project.write("targets.txt", targets);
  for (int run = 0; run < 6; ++run) {
    FleetRun r = run_fleet(project, {"--parallel", "8"});
    INFO("run " << run << ": " << r.process.out << r.process.err);
    REQUIRE(r.process.exit_code == 0);
    CHECK(r.targets.size() == 8);
    CHECK(r.summary[run == 0 ? "applied" : "up_to_date"] == 8);
  }
}

TEST_CASE("a broken migration on the canary stops the fleet: exit 7, and no other database gains a row", "[backend]") {
  ScratchDir project;
  project.write("migrations/V1__ok.sql", "CREATE TABLE fleet_ok (id INTEGER PRIMARY KEY);\n");
  project.write("migrations/V2__broken.sql", "CREATE TABLE fleet_broken (id INTEGER PRIMARY KEY;\n");
  std::vector<std::string> urls;
  std::string targets;
  for (int i = 0; i < 5; ++i) {
    urls.push_back(fresh_database_url());
    targets += urls.back() + "\n";
  }
  project.write("targets.txt", targets);
  FleetRun run = run_fleet(project, {"--canary", "1", "--parallel", "2", "--on-error", "continue"});
  INFO(run.process.out << run.process.err);
  CHECK(run.process.exit_code == 7);
  REQUIRE(run.targets.size() == urls.size());
  CHECK(run.targets[0]["target"] == redacted(urls[0]));
  CHECK(run.targets[0]["status"] == "failed");
  CHECK(run.targets[0]["exit_code"] == 1);
  CHECK_THAT(run.targets[0]["error"].get<std::string>(), Catch::Contains("V2__broken.sql"));
  for (std::size_t i = 1; i < urls.size(); ++i) {
    CHECK(run.targets[i]["status"] == "not_attempted");
    CHECK_FALSE(Inspector(urls[i]).has_table("strata_history"));
    CHECK_FALSE(Inspector(urls[i]).has_table("fleet_ok"));
  }
  CHECK(run.summary["failed"] == 1);
  CHECK(run.summary["not_attempted"] == urls.size() - 1);
}

TEST_CASE(
    "the error policy --on-error: stop leaves the later databases not attempted, continue finishes them, and an "
    "unreachable URL, drift under --strict and a held lock each fail with their exit code",
    "[backend]") {
  ScratchDir project;
  project.write("migrations/V1__ok.sql", "CREATE TABLE fleet_ok (id INTEGER PRIMARY KEY);\n");
  project.write("migrations/V2__note.yaml",
                "- add_column:\n    table: fleet_ok\n    if_missing: true\n    column: {name: note, type: integer}\n");
  std::string good1 = fresh_database_url(), good2 = fresh_database_url(), good3 = fresh_database_url();
  std::string unreachable = test_setting("STRATA_TEST_UNREACHABLE_URL");
  project.write("targets.txt", good1 + "\n" + unreachable + "\n" + good2 + "\n");
  FleetRun stopped = run_fleet(project, {"--parallel", "1"});
  INFO(stopped.process.out << stopped.process.err);
  CHECK(stopped.process.exit_code == 7);
  auto s = status_by_target(stopped);
  CHECK(s[redacted(good1)] == "applied");
  CHECK(s[redacted(unreachable)] == "failed");
  CHECK(s[redacted(good2)] == "not_attempted");
  CHECK_FALSE(Inspector(good2).has_table("strata_history"));
  for (const auto& t : stopped.targets)
    if (t["status"] == "failed") CHECK(t["exit_code"] == 5);  // cannot connect
  check_no_password(stopped.process.out + stopped.process.err, "the fleet's report");

  // Drift under --strict: V1 applied, then the column V2 adds made by hand with another type.
  std::string drifted = fresh_database_url(), locked = fresh_database_url();
  ScratchDir first;
  first.write("V1__ok.sql", "CREATE TABLE fleet_ok (id INTEGER PRIMARY KEY);\n");
  REQUIRE(run_strata(command_args("migrate", drifted, first)).exit_code == 0);
  Inspector(drifted).connection().session().execute("ALTER TABLE fleet_ok ADD COLUMN note VARCHAR(20)");
  // A lock held by another session.
  Inspector holder(locked);
  auto lock = holder.lock();
  REQUIRE(lock->try_acquire());

  project.write("targets.txt",
                good1 + "\n" + unreachable + "\n" + good2 + "\n" + drifted + "\n" + locked + "\n" + good3 + "\n");
  FleetRun continued =
      run_fleet(project, {"--parallel", "1", "--on-error", "continue", "--strict", "--lock-timeout", "1"});
  INFO(continued.process.out << continued.process.err);
  CHECK(continued.process.exit_code == 7);
  auto c = status_by_target(continued);
  CHECK(c[redacted(good1)] == "up_to_date");
  CHECK(c[redacted(unreachable)] == "failed");
  CHECK(c[redacted(good2)] == "applied");
  CHECK(c[redacted(good3)] == "applied");
  CHECK(c[redacted(drifted)] == "failed");
  CHECK(c[redacted(locked)] == "failed");
  CHECK(Inspector(good3).has_table("fleet_ok"));
  for (const auto& t : continued.targets) {
    std::string id = t["target"].get<std::string>();
    if (id == redacted(unreachable)) CHECK(t["exit_code"] == 5);  // cannot connect
    if (id == redacted(drifted)) {
      CHECK(t["exit_code"] == 3);  // drift is an error under --strict
      CHECK_THAT(t["error"].get<std::string>(), Catch::Contains("note"));
    }
    if (id == redacted(locked)) CHECK(t["exit_code"] == 4);  // the lock not obtained in time
  }
  CHECK(continued.summary["failed"] == 3);
  CHECK(Inspector(locked).ledger().empty());  // the held lock kept the fleet out
  lock->release();
}

// [.fleet-scale], where a configuration sets its sizes: STRATA_TEST_FLEET_DATABASES databases
// of the server (SQLite: files of one directory), STRATA_TEST_FLEET_SCHEMAS schemas of one more
// database (`?schema=`), and STRATA_TEST_SESSIONS_SQL, a count of what the fleet holds open on
// the server, sampled while it runs: its sessions, by the strata process's {pid} (PostgreSQL's
// application_name), or the databases it is connected to, by the names this test process
// {test_pid} gave them (MariaDB, whose sessions carry no process id).
TEST_CASE(
    "hundreds of databases and schemas reach the last version at --parallel 4 --per-server 2, never more than 2 "
    "sessions at once, and a second run finds each up to date without waiting for a lock",
    "[.fleet-scale]") {
  int databases = std::stoi(test_setting("STRATA_TEST_FLEET_DATABASES"));
  std::string schemas_setting = test_setting("STRATA_TEST_FLEET_SCHEMAS");
  int schemas = schemas_setting.empty() ? 0 : std::stoi(schemas_setting);
  ScratchDir project;
  fs::copy(test_setting("STRATA_TEST_EXAMPLE_DIR"), project.path() / "migrations");
  std::vector<std::string> urls;
  for (int i = 0; i < databases; ++i) urls.push_back(fresh_database_url());
  if (schemas > 0) {
    std::string shared = fresh_database_url();
    for (int i = 0; i < schemas; ++i)
      urls.push_back(shared + (shared.find('?') == std::string::npos ? "?" : "&") + "schema=tenant_" +
                     std::to_string(i));
  }
  std::string targets;
  for (const auto& url : urls) targets += url + "\n";
  project.write("targets.txt", targets);
  std::vector<std::string> args = fleet_args(project, {"--parallel", "4", "--per-server", "2"});
  if (schemas > 0) args.push_back("--create-schema");

  Child fleet(strata_command(args));
  std::string sessions_sql = test_setting("STRATA_TEST_SESSIONS_SQL");
  // Each sample: when it was taken, and the count. A server lists a session for a while after
  // its client has closed it (the client does not wait for the server's thread to end; on a
  // loaded machine that thread may wait its turn), so a closed session and the one opened
  // after it can be listed together: one sample in 4 of 24 runs on MariaDB here, two in a row
  // in CI's clusters tier. A count is taken as held when every sample for 40 ms shows it; a
  // session the fleet holds lasts a target's whole migration (about 150 ms on MariaDB).
  std::vector<std::pair<std::chrono::steady_clock::time_point, std::int64_t>> seen;
  if (!sessions_sql.empty()) {
    Inspector server(test_setting("STRATA_TEST_ADMIN_URL"));
    std::string sql = sessions_sql;
    for (auto [name, pid] : {std::pair<std::string, int>{"{pid}", fleet.pid()}, {"{test_pid}", ::getpid()}})
      for (auto at = sql.find(name); at != std::string::npos; at = sql.find(name, at))
        sql.replace(at, name.size(), std::to_string(pid));
    while (running(fleet.pid())) {
      seen.emplace_back(std::chrono::steady_clock::now(), server.count(sql));
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  std::int64_t most = 0, held = 0;
  for (std::size_t i = 0; i < seen.size(); ++i) {
    most = std::max(most, seen[i].second);
    std::int64_t least = seen[i].second;
    for (std::size_t j = i + 1; j < seen.size(); ++j) {
      least = std::min(least, seen[j].second);
      if (seen[j].first - seen[i].first >= std::chrono::milliseconds(40)) {
        held = std::max(held, least);
        break;
      }
    }
  }
  ProcessResult first = fleet.wait();
  FleetLines lines = fleet_lines(first.out);
  std::string failures;
  for (const auto& t : lines.targets)
    if (t["status"] == "failed") failures += t.dump() + "\n";
  INFO(first.err << failures << (lines.summary.is_null() ? "" : lines.summary.dump()));
  REQUIRE(first.exit_code == 0);
  CHECK(lines.targets.size() == urls.size());
  CHECK(lines.summary["applied"] == urls.size());
  if (!sessions_sql.empty()) {
    INFO(seen.size() << " samples, at most " << most << " sessions in one");
    CHECK(seen.size() > 20);
    CHECK(most >= 1);  // the sampler saw the fleet's sessions
    CHECK(held <= 2);  // and never more than --per-server held
  }
  std::size_t migrations = Inspector(urls.front()).ledger().size();
  CHECK(migrations > 5);
  for (const auto& url : urls) {
    INFO(strata::DatabaseUrl::parse(url).redacted());
    CHECK(Inspector(url).ledger().size() == migrations);
  }

  // Up to date: no target waits for its lock, even where another session holds it.
  Inspector first_db(urls.front()), last_db(urls.back());
  auto held_first = first_db.lock(), held_last = last_db.lock();
  REQUIRE(held_first->try_acquire());
  REQUIRE(held_last->try_acquire());
  args.insert(args.end(), {"--lock-timeout", "0"});
  ProcessResult second = run_strata(args);
  FleetLines again = fleet_lines(second.out);
  INFO(second.err);
  CHECK(second.exit_code == 0);
  CHECK(again.summary["up_to_date"] == urls.size());
  held_first->release();
  held_last->release();
}

TEST_CASE(
    "a fleet runner killed in a statement of one of its targets: run again, each target converges or is failed with "
    "the statement in doubt and both choices, and after the advice every migration is recorded once, and killed in "
    "a portable migration, a plain run converges",
    "[.fleet-scale]") {
  ScratchDir project;
  project.write("migrations/V1__three.sql",
                "CREATE TABLE fleet_k1 (id INTEGER);\nCREATE TABLE fleet_k2 (id INTEGER);\nCREATE TABLE fleet_k3 (id "
                "INTEGER);\n");
  project.write("migrations/V2__one.sql", "CREATE TABLE fleet_k4 (id INTEGER);\n");
  std::vector<std::string> urls;
  std::string targets;
  for (int i = 0; i < 4; ++i) {
    urls.push_back(fresh_database_url());
    targets += urls.back() + "\n";
  }
  project.write("targets.txt", targets);
  std::vector<std::string> args = fleet_args(project, {"--parallel", "2", "--on-error", "continue"});
  bool transactional = Inspector(urls[0]).capabilities().transactional_ddl;
  // The process is killed after its 5th statement ran, whichever target's it is (two run at
  // once), before the ledger records it.
  ProcessResult killed = run_strata(args, {{"STRATA_FAILPOINT=kill-before-record:5"}, {}});
  REQUIRE(killed.signal == SIGKILL);

  ProcessResult again = run_strata(args);
  FleetLines lines = fleet_lines(again.out);
  INFO(again.out << again.err);
  REQUIRE(lines.targets.size() == urls.size());
  int in_doubt = 0;
  for (const auto& t : lines.targets) {
    if (t["status"] == "failed") {
      ++in_doubt;
      CHECK_FALSE(transactional);  // a transactional target rolled back: it converges
      CHECK(t["exit_code"] == 3);
      CHECK_THAT(t["error"].get<std::string>(), Catch::Contains("--resume=retry") && Catch::Contains("--resume=skip"));
    } else {  // up to date: all done before the kill
      CHECK((t["status"] == "applied" || t["status"] == "up_to_date"));
    }
  }
  CHECK(again.exit_code == (in_doubt ? 7 : 0));
  if (!transactional) CHECK(in_doubt >= 1);  // the statement the kill left unrecorded, at least

  // The operator follows the advice: the statement in doubt made a table or not (the catalog
  // says), so --resume=skip or --resume=retry; then each migration is recorded once.
  for (const auto& url : urls) {
    Inspector db(url);
    ScratchDir dir;
    fs::copy(project.path() / "migrations", dir.path(), fs::copy_options::recursive);
    for (const auto& row : db.ledger()) {
      if (row.success || !row.in_doubt) continue;
      std::string table = "fleet_k" + std::to_string(row.script == "V2__one.sql" ? 4 : row.statements_done + 1);
      CHECK(run_strata(command_args("migrate", url, dir, {db.has_table(table) ? "--resume=skip" : "--resume=retry"}))
                .exit_code == 0);
      CHECK(run_strata(command_args("migrate", url, dir)).exit_code == 0);
    }
    auto rows = db.ledger();
    CHECK(rows.size() == 2);
    std::set<std::string> scripts;
    for (const auto& row : rows) {
      CHECK(row.success);
      scripts.insert(row.script);
    }
    CHECK(scripts.size() == 2);
    for (const char* table : {"fleet_k1", "fleet_k2", "fleet_k3", "fleet_k4"}) CHECK(db.has_table(table));
  }

  // Portable migrations killed in a statement of one target (the others at any point), after it
  // ran and before its record, then while it runs: their guards find what ran, so a plain run
  // again converges on every target, with no --resume. (MySQL's driver has no point in flight:
  // there the second run ends by itself, as the server runs a statement it received to its end.)
  struct Killed {
    const char* file;
    const char* yaml;
    const char* point;
  };
  std::size_t recorded = 2;
  for (const Killed& k : {Killed{"migrations/V3__notes.yaml",
                                 "- add_column: {table: fleet_k1, column: {name: note, type: string(40)}}\n"
                                 "- add_column: {table: fleet_k2, column: {name: note, type: string(40)}}\n"
                                 "- create_index: {table: fleet_k1, name: ix_fleet_k1_note, columns: [note]}\n",
                                 "kill-before-record:3"},
                          Killed{"migrations/V4__tags.yaml",
                                 "- add_column: {table: fleet_k3, column: {name: tag, type: string(20)}}\n"
                                 "- create_index: {table: fleet_k3, name: ix_fleet_k3_tag, columns: [tag]}\n"
                                 "- add_column: {table: fleet_k4, column: {name: tag, type: string(20)}}\n",
                                 "kill-in-flight:2"}}) {
    project.write(k.file, k.yaml);
    ++recorded;
    ProcessResult stopped = run_strata(args, {{std::string("STRATA_FAILPOINT=") + k.point}, {}});
    INFO(k.point << ": " << stopped.err);
    CHECK((stopped.signal == SIGKILL || stopped.exit_code == 0));
    ProcessResult converged = run_strata(args);
    FleetLines after = fleet_lines(converged.out);
    INFO(converged.out << converged.err);
    CHECK(converged.exit_code == 0);
    CHECK(after.summary["applied"].get<int>() + after.summary["up_to_date"].get<int>() == 4);
    std::string converged_schema;
    for (const auto& url : urls) {
      Inspector db(url);
      CHECK(db.ledger().size() == recorded);
      for (const auto& row : db.ledger()) CHECK(row.success);
      std::string schema = db.schema_snapshot();
      CHECK_THAT(schema, Catch::Contains("ix_fleet_k1_note"));
      if (converged_schema.empty()) converged_schema = schema;
      CHECK(schema == converged_schema);  // every target alike
    }
  }
}
