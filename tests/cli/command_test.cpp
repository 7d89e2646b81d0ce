// The command line as a user meets it: strata.toml defaults and their precedence, `new`,
// and --json documents (errors included), independent of the backend.
#include "harness.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <csignal>

using namespace strata::conformance;
namespace fs = std::filesystem;

namespace {

// Runs SQL on a SQLite file with the sqlite3 shell (scripts/install-deps installs it).
void sqlite_exec(const fs::path& file, const std::string& sql) {
  std::string command = "sqlite3 '" + file.string() + "' \"" + sql + "\"";
  REQUIRE(std::system(command.c_str()) == 0);
}

std::vector<std::string> files_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

TEST_CASE("strata.toml in the working directory gives the defaults, paths relative to it") {
  ScratchDir project;
  fs::create_directory(project.path() / "db");
  project.write("db/V1__a.sql", "CREATE TABLE a (id INTEGER);\n");
  project.write("strata.toml", "url = \"sqlite:app.db\"\ndir = \"db\"\nlock_timeout = 5\n");
  ProcessResult r = run_strata({"migrate"}, {{}, project.path()});
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("applied 1"));
  CHECK(fs::exists(project.path() / "app.db"));
}

TEST_CASE("a flag beats the environment, which beats strata.toml") {
  ScratchDir project;
  fs::create_directory(project.path() / "migrations");
  project.write("strata.toml", "url = \"sqlite:from_file.db\"\n");
  project.write("migrations/V1__a.sql", "CREATE TABLE a (id INTEGER);\n");
  CHECK(run_strata({"migrate"}, {{"STRATA_DATABASE_URL=sqlite:from_env.db"}, project.path()}).exit_code == 0);
  CHECK(run_strata({"migrate", "--url", "sqlite:from_flag.db"},
                   {{"STRATA_DATABASE_URL=sqlite:from_env.db"}, project.path()})
            .exit_code == 0);
  CHECK(run_strata({"migrate"}, {{"DATABASE_URL=sqlite:from_database_url.db"}, project.path()}).exit_code == 0);
  CHECK(fs::exists(project.path() / "from_env.db"));
  CHECK(fs::exists(project.path() / "from_flag.db"));
  CHECK(fs::exists(project.path() / "from_database_url.db"));
  CHECK_FALSE(fs::exists(project.path() / "from_file.db"));
}

TEST_CASE("an unknown setting in strata.toml is a usage error naming the file and line") {
  ScratchDir project;
  project.write("strata.toml", "url = \"sqlite:app.db\"\n\nplugin_dirs = [\"./evil\"]\n");
  ProcessResult r = run_strata({"status"}, {{}, project.path()});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("strata.toml:3") && Catch::Contains("unknown setting 'plugin_dirs'"));
}

TEST_CASE("malformed strata.toml is a usage error naming the file and line") {
  ScratchDir project;
  project.write("strata.toml", "url = \"sqlite:app.db\"\nlock_timeout = \n");
  ProcessResult r = run_strata({"status"}, {{}, project.path()});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("strata.toml:2"));
}

TEST_CASE("new creates the next versioned file after the newest one") {
  ScratchDir dir;
  dir.write("002_first.sql", "SELECT 1;");
  dir.write("V9__second.sql", "SELECT 1;");
  ProcessResult r = run_strata({"new", "add incident notes", "--dir", dir.path().string()});
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("V10__add_incident_notes.sql"));
  CHECK(fs::exists(dir.path() / "V10__add_incident_notes.sql"));

  ScratchDir dotted;
  dotted.write("V1.1__a.sql", "SELECT 1;");
  dotted.write("V1.2__b.sql", "SELECT 1;");
  CHECK(run_strata({"new", "c", "--dir", dotted.path().string()}).exit_code == 0);
  CHECK(files_in(dotted.path()) == std::vector<std::string>{"V1.1__a.sql", "V1.2__b.sql", "V1.3__c.sql"});
}

TEST_CASE("new --yaml creates a portable migration, refused until it holds operations") {
  ScratchDir dir;
  dir.write("V1__a.sql", "CREATE TABLE incidents (id INTEGER PRIMARY KEY);\n");
  ProcessResult r = run_strata({"new", "add runbook version", "--yaml", "--dir", dir.path().string()});
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("V2__add_runbook_version.yaml") && Catch::Contains("write its operations"));
  std::string url = "sqlite:" + (dir.path() / "app.db").string();
  ProcessResult empty = run_strata({"migrate", "--url", url, "--dir", dir.path().string()});
  CHECK(empty.exit_code == 3);
  CHECK_THAT(empty.err, Catch::Contains("V2__add_runbook_version.yaml") && Catch::Contains("holds no operations"));
  dir.write("V2__add_runbook_version.yaml",
            "- add_column: {table: incidents, if_missing: true,\n"
            "    column: {name: runbook_version, type: integer, nullable: false, default: 1}}\n");
  CHECK(run_strata({"migrate", "--url", url, "--dir", dir.path().string()}).exit_code == 0);
}

// SQLite reads T1 and t1 as one table: an operation on one spelling is seen by the guard of
// the other, also once the whole catalog has been read and kept (after 16 guards).
TEST_CASE("on SQLite a guard sees what an operation did to the same table spelt in another case") {
  ScratchDir dir;
  std::string tables;
  for (int i = 1; i <= 20; ++i) tables += "CREATE TABLE t" + std::to_string(i) + " (id INTEGER PRIMARY KEY);\n";
  dir.write("V1__tables.sql", tables);
  for (int i = 1; i <= 20; ++i)
    dir.write(
        "V" + std::to_string(i + 1) + "__extra.yaml",
        "- add_column: {table: t" + std::to_string(i) + ", if_missing: true, column: {name: extra, type: integer}}\n");
  dir.write("V22__cases.yaml",
            "- add_column: {table: T1, column: {name: later, type: integer}}\n"
            "- add_column: {table: t1, if_missing: true, column: {name: later, type: integer}}\n");
  std::string url = "sqlite:" + (dir.path() / "app.db").string();
  ProcessResult r = run_strata({"migrate", "-v", "--url", url, "--dir", dir.path().string()});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.err, Catch::Contains("t1.later: skipped, the column t1.later already exists"));
}

TEST_CASE("new in a timestamp-versioned project uses the current UTC time") {
  ScratchDir dir;
  dir.write("V20200101120000__old.sql", "SELECT 1;");
  ProcessResult r = run_strata({"new", "later", "--dir", dir.path().string(), "--json"});
  CHECK(r.exit_code == 0);
  auto doc = nlohmann::json::parse(r.out);
  std::string version = doc.at("version");
  CHECK(version.size() == 14);
  CHECK(version > "20200101120000");
}

TEST_CASE("new names the file as the project's format does, its undo beside it, and that format reads them") {
  struct Case {
    std::string format;
    std::vector<std::string> existing;  // the project's files before
    std::string created;                // the file new writes, its version replaced by N
    std::string undo;                   // the undo file beside it, "" for none
    std::string first_line;             // of the file written
  };
  std::vector<Case> cases{
      {"strata", {"V9__a.sql"}, "V10__add_notes.sql", "", "-- add notes"},
      {"flyway", {"V1__a.sql", "release_2/V2__b.sql"}, "V3__add_notes.sql", "", "-- add notes"},
      {"golang-migrate", {"000007_a.up.sql"}, "000008_add_notes.up.sql", "000008_add_notes.down.sql", "-- add notes"},
      {"pop", {}, "N_add_notes.up.sql", "N_add_notes.down.sql", "-- add notes"},
      {"goose", {"00003_a.sql"}, "00004_add_notes.sql", "", "-- +goose Up"},
      {"dbmate", {}, "N_add_notes.sql", "", "-- migrate:up"},
      {"diesel", {}, "N_add_notes/up.sql", "N_add_notes/down.sql", "-- add notes"},
  };
  for (const auto& c : cases) {
    INFO("format " << c.format);
    ScratchDir dir;
    for (const auto& f : c.existing) dir.write(f, c.format == "goose" ? "-- +goose Up\nSELECT 1;\n" : "SELECT 1;\n");
    ProcessResult r = run_strata({"new", "add notes", "--dir", dir.path().string(), "--format", c.format, "--json"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto doc = nlohmann::json::parse(r.out);
    std::string version = doc.at("version"), created = doc.at("created");
    // A project with no migrations starts at the time, as that tool's own command does.
    std::string expected = c.created;
    if (auto n = expected.find("N_"); n != std::string::npos) {
      CHECK(version.size() == 14);
      std::string stamp = c.format == "diesel" ? version.substr(0, 4) + "-" + version.substr(4, 2) + "-" +
                                                     version.substr(6, 2) + "-" + version.substr(8)
                                               : version;
      expected.replace(n, 1, stamp);
    }
    CHECK(created == (dir.path() / expected).string());
    std::ifstream in(created);
    std::string line;
    std::getline(in, line);
    CHECK(line == c.first_line);
    if (c.undo.empty()) {
      CHECK(doc.at("undo").is_null());
    } else {
      std::string undo = c.undo;
      undo.replace(0, undo.find('_'), expected.substr(0, expected.find('_')));
      CHECK(doc.at("undo") == (dir.path() / undo).string());
      CHECK(fs::exists(dir.path() / undo));
    }
    // Filled in, the format reads it as the next version.
    std::string body = "CREATE TABLE notes (id INTEGER);\n";
    dir.write(expected, c.format == "goose"    ? "-- +goose Up\n" + body
                        : c.format == "dbmate" ? "-- migrate:up\n" + body
                                               : body);
    std::string url = "sqlite:" + (dir.path() / "app.db").string();
    ProcessResult migrated = run_strata({"migrate", "--url", url, "--dir", dir.path().string(), "--format", c.format});
    INFO(migrated.err);
    CHECK(migrated.exit_code == 0);
    CHECK_THAT(migrated.out,
               Catch::Contains("(" + fs::path(expected).filename().string()) || Catch::Contains("(" + expected));
  }
}

TEST_CASE("new follows a diesel folder dated later than now by one second, and a linked Flyway folder's versions") {
  ScratchDir dir;
  dir.write("2999-12-31-235959_later/up.sql", "SELECT 1;\n");
  ProcessResult r = run_strata({"new", "next", "--dir", dir.path().string(), "--format", "diesel"});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(fs::exists(dir.path() / "3000-01-01-000000_next" / "up.sql"));
  // Flyway: numbered after a linked folder's versions too, which a run reads.
  ScratchDir flyway, shared;
  flyway.write("V1__a.sql", "SELECT 1;\n");
  shared.write("V5__b.sql", "SELECT 1;\n");
  fs::create_directory_symlink(shared.path(), flyway.path() / "shared");
  CHECK(run_strata({"new", "c", "--dir", flyway.path().string(), "--format", "flyway"}).exit_code == 0);
  CHECK(fs::exists(flyway.path() / "V6__c.sql"));

  ProcessResult yaml = run_strata({"new", "x", "--yaml", "--dir", dir.path().string(), "--format", "golang-migrate"});
  CHECK(yaml.exit_code == 0);
  CHECK_THAT(yaml.out, Catch::Contains("an empty migration is refused"));  // a .yaml is never empty-allowed
}

TEST_CASE("new refuses a description that cannot be a file name") {
  ScratchDir dir;
  ProcessResult r = run_strata({"new", "../escape", "--dir", dir.path().string()});
  CHECK(r.exit_code == 2);
  CHECK(files_in(dir.path()).empty());
}

TEST_CASE("json output is one document and nothing else on stdout, errors included") {
  ScratchDir dir;
  dir.write("V1__a.sql", "CREATE TABLE a (id INTEGER);\n");
  dir.write("V2__b.sql", "INSERT INTO missing VALUES (1);\n");
  ScratchDir data;
  std::string url = "sqlite://" + (data.path() / "app.db").string();
  ProcessResult r = run_strata({"migrate", "--url", url, "--dir", dir.path().string(), "--json"});
  CHECK(r.exit_code == 1);
  auto doc = nlohmann::json::parse(r.out);  // throws if stdout held anything else
  const auto& error = doc.at("error");
  CHECK(error.at("kind") == "migration failed");
  CHECK(error.at("exit_code") == 1);
  CHECK_THAT(error.at("file").get<std::string>(), Catch::EndsWith("V2__b.sql"));
  CHECK(error.at("line") == 1);
  CHECK(error.at("statement") == 1);
  CHECK(error.at("version") == "2");

  ProcessResult ok = run_strata({"status", "--url", url, "--dir", dir.path().string(), "--json"});
  auto status = nlohmann::json::parse(ok.out);
  CHECK(status.at("migrations").size() == 2);
  CHECK(status.at("current_version") == "1");
  CHECK(status.at("counts").at("pending") == 1);
}

TEST_CASE("migrate --json lists what it applied and the counts, and every migration only with --list-migrations") {
  ScratchDir dir;
  dir.write("V1__a.sql", "CREATE TABLE a (id INTEGER);\n");
  dir.write("V2__b.sql", "CREATE TABLE b (id INTEGER);\n");
  ScratchDir data;
  std::string url = "sqlite:" + (data.path() / "app.db").string();
  auto migrate = [&](std::vector<std::string> more) {
    std::vector<std::string> args{"migrate", "--url", url, "--dir", dir.path().string(), "--json"};
    args.insert(args.end(), more.begin(), more.end());
    ProcessResult r = run_strata(args);
    REQUIRE(r.exit_code == 0);
    return nlohmann::json::parse(r.out);
  };
  auto first = migrate({"--target", "1"});
  CHECK(first.at("applied").size() == 1);
  CHECK_FALSE(first.contains("migrations"));
  CHECK(first.at("counts").at("applied") == 1);
  CHECK(first.at("counts").at("pending") == 1);
  CHECK(first.at("pending") == 1);

  auto listed = migrate({"--list-migrations"});
  CHECK(listed.at("applied").size() == 1);
  REQUIRE(listed.at("migrations").size() == 2);
  CHECK(listed.at("migrations")[1].at("ledger").at("success") == true);

  auto up_to_date = migrate({});
  CHECK(up_to_date.at("applied").empty());
  CHECK_FALSE(up_to_date.contains("migrations"));
  CHECK(up_to_date.at("counts").at("applied") == 2);
  CHECK(up_to_date.at("lock_taken") == false);
}

TEST_CASE("a bad flag is a usage error") {
  ProcessResult r = run_strata({"migrate", "--no-such-flag"});
  CHECK(r.exit_code == 2);
  ProcessResult resume = run_strata({"migrate", "--url", "sqlite::memory:", "--resume=sometimes"});
  CHECK(resume.exit_code == 2);
  CHECK_THAT(resume.err, Catch::Contains("--resume takes retry or skip"));
}

TEST_CASE("a flag beats strata.toml in every command, not only migrate") {
  ScratchDir project;
  fs::create_directory(project.path() / "from_file");
  fs::create_directory(project.path() / "from_flag");
  project.write("strata.toml", "url = \"sqlite:app.db\"\ndir = \"from_file\"\n");
  project.write("from_flag/V1__a.sql", "CREATE TABLE a (id INTEGER);\n");
  CHECK(run_strata({"migrate", "--dir", "from_flag"}, {{}, project.path()}).exit_code == 0);
  ProcessResult status = run_strata({"status", "--dir", "from_flag"}, {{}, project.path()});
  CHECK(status.exit_code == 0);
  CHECK_THAT(status.out, Catch::Contains("V1__a.sql"));
  CHECK(run_strata({"new", "b", "--dir", "from_flag"}, {{}, project.path()}).exit_code == 0);
  CHECK(fs::exists(project.path() / "from_flag" / "V2__b.sql"));
  CHECK(files_in(project.path() / "from_file").empty());
}

TEST_CASE("a --config file that does not exist is a usage error in every command") {
  ProcessResult r = run_strata({"status", "--config", "/nonexistent/strata.toml", "--url", "sqlite::memory:"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("/nonexistent/strata.toml"));
}

TEST_CASE("a bad flag with --json is reported as a JSON error document") {
  ProcessResult r = run_strata({"migrate", "--json", "--no-such-flag"});
  CHECK(r.exit_code == 2);
  auto doc = nlohmann::json::parse(r.out);
  CHECK(doc.at("error").at("exit_code") == 2);
  CHECK_THAT(doc.at("error").at("message").get<std::string>(), Catch::Contains("--no-such-flag"));
}

TEST_CASE("read-only commands report a missing SQLite file with exit 5 and create nothing") {
  ScratchDir project;
  fs::create_directory(project.path() / "migrations");
  project.write("migrations/V1__a.sql", "CREATE TABLE a (id INTEGER);\n");
  fs::path missing = project.path() / "mistyped.db";
  std::string url = "sqlite:" + missing.string();
  std::string dir = (project.path() / "migrations").string();
  for (std::vector<std::string> command : std::vector<std::vector<std::string>>{{"status"},
                                                                                {"status", "--check"},
                                                                                {"validate"},
                                                                                {"migrate", "--dry-run"},
                                                                                {"schema"},
                                                                                {"rollback"},
                                                                                {"repair"}}) {
    command.insert(command.end(), {"--url", url, "--dir", dir});
    ProcessResult r = run_strata(command);
    INFO(command.front() + ": " + r.err);
    CHECK(r.exit_code == 5);
    CHECK_THAT(r.err, Catch::Contains(missing.string()) && Catch::Contains("does not exist"));
    CHECK_FALSE(fs::exists(missing));
  }
  // Commands that write create it.
  CHECK(run_strata({"migrate", "--url", url, "--dir", dir}).exit_code == 0);
  CHECK(fs::exists(missing));
  CHECK(run_strata({"status", "--check", "--url", url, "--dir", dir}).exit_code == 0);
}

TEST_CASE("a defective migration is reported before anything about the database, and nothing is created") {
  // The migrations are read while the connection is made: their error still comes first.
  ScratchDir project;
  fs::create_directory(project.path() / "migrations");
  project.write("migrations/V1__a.sql", "CREATE TABLE a (id INTEGER);\n");
  project.write("migrations/V2__empty.sql", "-- nothing yet\n");
  std::string dir = (project.path() / "migrations").string();
  fs::path missing = project.path() / "new.db";
  std::vector<std::string> urls{"sqlite:" + missing.string()};
#ifdef STRATA_TEST_HAS_POSTGRES_DRIVER
  urls.emplace_back("postgres://u:p@127.0.0.1:1/x?connect_timeout=1");
#endif
  for (const std::string& url : urls) {
    ProcessResult r = run_strata({"migrate", "--url", url, "--dir", dir});
    INFO(url + ": " + r.err);
    CHECK(r.exit_code == 3);
    CHECK_THAT(r.err, Catch::Contains("V2__empty.sql: the file is empty"));
    CHECK_THAT(r.err, !Catch::Contains("connect"));
  }
  CHECK_FALSE(fs::exists(missing));
  // An existing database is read while the files are, and the same error comes first.
  fs::remove(project.path() / "migrations/V2__empty.sql");
  REQUIRE(run_strata({"migrate", "--url", "sqlite:" + missing.string(), "--dir", dir}).exit_code == 0);
  project.write("migrations/V2__empty.sql", "-- nothing yet\n");
  ProcessResult again = run_strata({"status", "--url", "sqlite:" + missing.string(), "--dir", dir});
  CHECK(again.exit_code == 3);
  CHECK_THAT(again.err, Catch::Contains("V2__empty.sql: the file is empty"));
}

TEST_CASE("what is wrong with the files comes before what is wrong with the ledger, read at the same time") {
  ScratchDir project;
  fs::create_directory(project.path() / "migrations");
  project.write("migrations/V1__a.sql", "CREATE TABLE a (id INTEGER);\n");
  std::string dir = (project.path() / "migrations").string();
  std::string url = "sqlite:" + (project.path() / "app.db").string();
  REQUIRE(run_strata({"migrate", "--url", url, "--dir", dir}).exit_code == 0);
  sqlite_exec(project.path() / "app.db", "UPDATE strata_history SET kind = 'bogus' WHERE version = '1'");
  ProcessResult ledger = run_strata({"status", "--url", url, "--dir", dir});
  CHECK(ledger.exit_code == 3);
  CHECK_THAT(ledger.err, Catch::Contains("bogus"));
  // Only a PostgreSQL variant of a version: the files' problem is named, not the ledger's.
  project.write("migrations/V2__b.postgres.sql", "SELECT 1;\n");
  ProcessResult variants = run_strata({"status", "--url", url, "--dir", dir});
  CHECK(variants.exit_code == 3);
  CHECK_THAT(variants.err, Catch::Contains("has variants for postgres but none for sqlite"));
  CHECK_THAT(variants.err, !Catch::Contains("bogus"));
  fs::remove(project.path() / "migrations/V2__b.postgres.sql");
  // A --target no file has is a usage error (exit 2), named before the ledger's.
  ProcessResult target = run_strata({"migrate", "--url", url, "--dir", dir, "--target", "9"});
  CHECK(target.exit_code == 2);
  CHECK_THAT(target.err, !Catch::Contains("bogus"));
  // A ledger table name too long is named after a defective file.
  project.write("migrations/V3__empty.sql", "-- nothing\n");
  ProcessResult empty = run_strata({"status", "--url", url, "--dir", dir, "--ledger-table", std::string(100, 'x')});
  CHECK(empty.exit_code == 3);
  CHECK_THAT(empty.err, Catch::Contains("V3__empty.sql: the file is empty"));
}

TEST_CASE("strata.toml declares a project's own dialect tags, and refuses one a file name cannot carry") {
  ScratchDir project;
  fs::create_directory(project.path() / "migrations");
  project.write("migrations/V1__a.sql", "CREATE TABLE a (id INTEGER);\n");
  project.write("migrations/V1__a.litefile.sql", "CREATE TABLE a_litefile (id INTEGER);\n");
  ProcessResult undeclared = run_strata({"validate", "--url", "sqlite::memory:"}, {{}, project.path()});
  CHECK(undeclared.exit_code == 3);  // without the declaration: two files of version 1
  CHECK_THAT(undeclared.err, Catch::Contains("V1__a.litefile.sql"));
  project.write("strata.toml", "dialects = [\"litefile\"]\n");
  ProcessResult declared = run_strata({"migrate", "--url", "sqlite:app.db"}, {{}, project.path()});
  CHECK(declared.exit_code == 0);
  CHECK_THAT(declared.out, Catch::Contains("V1__a.sql"));
  project.write("strata.toml", "dialects = [\"lite.file\"]\n");
  ProcessResult bad = run_strata({"status", "--url", "sqlite:app.db"}, {{}, project.path()});
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.err, Catch::Contains("strata.toml:1") && Catch::Contains("lite.file"));
}

// -- diff and generate on the example project: the incident's workflow ------------------------

namespace {

// The example project (SQL with dialect variants, YAML, a repeatable) copied into `project`.
void copy_example(const ScratchDir& project) {
  fs::copy(test_setting("STRATA_TEST_EXAMPLE_DIR"), project.path() / "migrations");
}

std::string read_file(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The scratch databases of strata processes in `dir`.
std::vector<std::string> scratch_files(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& name : files_in(dir))
    if (name.starts_with("strata_scratch_")) out.push_back(name);
  return out;
}

}  // namespace

TEST_CASE("the incident: generate from the migrations up to 7 writes the example's V8, and diff --check guards it") {
  ScratchDir project, tmp;
  copy_example(project);
  ChildOptions here{{"TMPDIR=" + tmp.path().string()}, project.path()};
  REQUIRE(run_strata({"migrate", "--url", "sqlite:app.db", "--target", "8"}, here).exit_code == 0);
  ProcessResult yaml = run_strata({"schema", "--url", "sqlite:app.db", "--format", "yaml"}, here);
  REQUIRE(yaml.exit_code == 0);
  project.write("schema.yaml", yaml.out);

  // The history holds SQL: replayed into a scratch database, gone afterwards.
  fs::remove(project.path() / "migrations" / "V8__add_runbook_version.yaml");
  for (const char* later : {"V9__seed_default_rules.yaml", "U9__seed_default_rules.sql"})
    fs::remove(project.path() / "migrations" / later);
  ProcessResult check = run_strata({"diff", "--check"}, here);
  CHECK(check.exit_code == 6);
  CHECK_THAT(check.out, Catch::Contains("runbook_version"));
  ProcessResult generated = run_strata({"generate", "add runbook version"}, here);
  INFO(generated.err);
  REQUIRE(generated.exit_code == 0);
  CHECK(scratch_files(tmp.path()).empty());

  // The same operations as the hand-written V8, up to order and guards; the down is exact.
  fs::path written = project.path() / "migrations" / "V8__add_runbook_version.yaml";
  REQUIRE(fs::exists(written));
  strata::ops::Script script = strata::ops::parse_yaml(read_file(written), written.string());
  strata::ops::Script original = strata::ops::parse_yaml(
      read_file(fs::path(test_setting("STRATA_TEST_EXAMPLE_DIR")) / "V8__add_runbook_version.yaml"), "V8");
  auto lines = [](const std::vector<strata::ops::Operation>& list) {
    std::string text = strata::ops::canonical_text(list);
    std::vector<std::string> out;
    std::stringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    std::sort(out.begin(), out.end());
    return out;
  };
  CHECK(lines(script.up) == lines(original.up));
  REQUIRE(script.down);
  CHECK(lines(*script.down) == lines(*strata::ops::derive_undo(original.up).operations));

  // Applied, the database is the declared schema; a second generate writes nothing.
  REQUIRE(run_strata({"migrate", "--url", "sqlite:fresh.db"}, here).exit_code == 0);
  CHECK(run_strata({"diff", "--check", "--from", "sqlite:fresh.db"}, here).exit_code == 0);
  CHECK(run_strata({"diff", "--check"}, here).exit_code == 0);
  auto files = files_in(project.path() / "migrations");
  ProcessResult again = run_strata({"generate", "again"}, here);
  CHECK(again.exit_code == 0);
  CHECK_THAT(again.out, Catch::Contains("nothing to generate"));
  CHECK(files_in(project.path() / "migrations") == files);
  CHECK(scratch_files(tmp.path()).empty());
}

TEST_CASE("a scratch database a killed strata left behind is removed by the next run") {
  ScratchDir project, tmp;
  copy_example(project);
  // A process id no process has: the limit of the kernel's pid numbers is below it.
  tmp.write("strata_scratch_99999999_1.db", "left by a SIGKILL");
  tmp.write("strata_scratch_99999999_1.db-journal", "");
  ChildOptions here{{"TMPDIR=" + tmp.path().string()}, project.path()};
  project.write("schema.yaml", "tables:\n  - name: t\n    columns: [{name: id, type: integer, primary_key: true}]\n");
  ProcessResult r = run_strata({"diff"}, here);
  CHECK(r.exit_code == 0);
  CHECK(scratch_files(tmp.path()).empty());
}

TEST_CASE("a schema.yaml with an error stops diff and generate with exit 3, naming file, line and column") {
  ScratchDir project;
  project.write("schema.yaml", "tables:\n  - name: t\n    columns:\n      - {name: id, type: integr}\n");
  for (const char* command : {"diff", "generate"}) {
    std::vector<std::string> args = {command};
    if (std::string(command) == "generate") args.push_back("x");
    ProcessResult r = run_strata(args, {{}, project.path()});
    CHECK(r.exit_code == 3);
    CHECK_THAT(r.err, Catch::Contains("schema.yaml:4:") && Catch::Contains("unknown type 'integr'"));
  }
  CHECK_FALSE(fs::exists(project.path() / "migrations"));
}

TEST_CASE("diff --sql sqlite renders the operations against a scratch database made as the first schema") {
  ScratchDir project, tmp;
  project.write("migrations/V1__t.yaml",
                "- create_table: {table: t, columns: [{name: id, type: integer, primary_key: true}]}\n");
  project.write("schema.yaml",
                "tables:\n  - name: t\n    columns: [{name: id, type: integer, primary_key: true}, "
                "{name: note, type: string(40)}]\n");
  ProcessResult r = run_strata({"diff", "--sql", "sqlite"}, {{"TMPDIR=" + tmp.path().string()}, project.path()});
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("ALTER TABLE \"t\" ADD COLUMN \"note\" VARCHAR(40)"));
  CHECK(scratch_files(tmp.path()).empty());
  ProcessResult refused = run_strata({"diff", "--sql", "postgres"}, {{}, project.path()});
  CHECK(refused.exit_code == 2);
  CHECK_THAT(refused.err, Catch::Contains("a database URL"));
}

TEST_CASE("diff --json is one document: the operations, their YAML and the undo") {
  ScratchDir project;
  project.write("schema.yaml", "tables:\n  - name: t\n    columns: [{name: id, type: integer, primary_key: true}]\n");
  ProcessResult r = run_strata({"diff", "--json", "--check"}, {{}, project.path()});
  CHECK(r.exit_code == 6);
  auto doc = nlohmann::json::parse(r.out);
  CHECK(doc.at("differs") == true);
  CHECK(doc.at("operations").at(0).at("summary") == "create_table t");
  CHECK_THAT(doc.at("down_yaml").get<std::string>(), Catch::Contains("drop_table"));
  CHECK(doc.at("created").is_null());
}

TEST_CASE("a strata stopped by SIGINT while it replays a history leaves no scratch database") {
  ScratchDir project, tmp;
  for (int i = 1; i <= 1500; ++i)
    project.write("migrations/V" + std::to_string(i) + "__t.sql",
                  "CREATE TABLE t" + std::to_string(i) + " (id INTEGER PRIMARY KEY);\n");
  project.write("schema.yaml", "tables:\n  - name: t1\n    columns: [{name: id, type: integer, primary_key: true}]\n");
  Child child(strata_command({"diff"}), {{"TMPDIR=" + tmp.path().string()}, project.path()});
  // Wait for the scratch database to exist, then stop strata as a terminal's Ctrl-C would.
  bool seen = false;
  for (int i = 0; i < 1000 && !seen; ++i) {
    seen = !scratch_files(tmp.path()).empty();
    if (!seen) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  REQUIRE(seen);
  child.kill(SIGINT);
  ProcessResult r = child.wait();
  CHECK(r.signal == SIGINT);
  CHECK(scratch_files(tmp.path()).empty());
}

TEST_CASE("strata.toml names the declared schema, relative to the file, and --schema beats it") {
  ScratchDir project;
  project.write("config/strata.toml", "schema = \"../model\"\ndir = \"../db\"\n");
  project.write("model/tables.yaml",
                "tables:\n  - name: a\n    columns: [{name: id, type: integer, primary_key: true}]\n");
  project.write("other.yaml", "tables:\n  - name: b\n    columns: [{name: id, type: integer, primary_key: true}]\n");
  ProcessResult r = run_strata({"diff", "--config", "config/strata.toml"}, {{}, project.path()});
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("create_table") && Catch::Contains("table: a"));
  ProcessResult other =
      run_strata({"diff", "--config", "config/strata.toml", "--schema", "other.yaml"}, {{}, project.path()});
  CHECK_THAT(other.out, Catch::Contains("table: b"));
  CHECK(run_strata({"generate", "first", "--config", "config/strata.toml"}, {{}, project.path()}).exit_code == 0);
  CHECK(fs::exists(project.path() / "db" / "V1__first.yaml"));
}

TEST_CASE("a history that fails to replay stops diff with the migration's error, and leaves no scratch database") {
  ScratchDir project, tmp;
  project.write("migrations/V1__a.sql", "CREATE TABLE a (id INTEGER PRIMARY KEY);\n");
  project.write("migrations/V2__b.sql", "INSERT INTO missing VALUES (1);\n");
  project.write("schema.yaml", "tables:\n  - name: a\n    columns: [{name: id, type: integer, primary_key: true}]\n");
  ProcessResult r = run_strata({"diff"}, {{"TMPDIR=" + tmp.path().string()}, project.path()});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("V2__b.sql") && Catch::Contains("missing"));
  CHECK(scratch_files(tmp.path()).empty());
}

TEST_CASE("plain DDL is a source: run in a scratch database and read back") {
  ScratchDir project, tmp;
  project.write("model.sql",
                "CREATE TABLE runbooks (id INTEGER PRIMARY KEY, title VARCHAR(200) NOT NULL);\n"
                "CREATE INDEX ix_runbooks_title ON runbooks (title);\n");
  ChildOptions here{{"TMPDIR=" + tmp.path().string()}, project.path()};
  ProcessResult r = run_strata({"generate", "runbooks", "--to", "model.sql"}, here);
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("create_table runbooks") && Catch::Contains("create_index ix_runbooks_title"));
  CHECK(run_strata({"diff", "--check", "--to", "model.sql"}, here).exit_code == 0);
  CHECK(scratch_files(tmp.path()).empty());
}

TEST_CASE(
    "lint without a database checks the newest migration, --latest more, names a file that is none, and "
    "--json is one document") {
  ScratchDir project;
  project.write("migrations/V1__t.yaml",
                "- create_table: {name: t, columns: [{name: id, type: integer, primary_key: true}, {name: a, type: "
                "text}]}\n");
  project.write("migrations/V2__drop.yaml", "- drop_column: {table: t, column: a}\n");
  project.write("migrations/V3__truncate.sql", "-- strata:allow truncate\nTRUNCATE t;\nDELETE FROM t;\n");
  ChildOptions here{{}, project.path()};

  ProcessResult newest = run_strata({"lint"}, here);
  INFO(newest.out << newest.err);
  CHECK(newest.exit_code == 3);
  CHECK_THAT(newest.out, Catch::Contains("migrations/V3__truncate.sql:2: allowed truncate") &&
                             Catch::Contains("migrations/V3__truncate.sql:3: error delete-all") &&
                             Catch::Contains("1 migration checked: 1 error, 0 warnings"));
  CHECK_THAT(newest.out, !Catch::Contains("drop-column"));

  ProcessResult two = run_strata({"lint", "--latest", "2", "--allow", "delete-all", "--json"}, here);
  INFO(two.out << two.err);
  CHECK(two.exit_code == 3);  // the drop of V2 is still an error
  auto doc = nlohmann::json::parse(two.out);
  CHECK(doc.at("linted") == nlohmann::json::array({"V2__drop.yaml", "V3__truncate.sql"}));
  CHECK(doc.at("errors") == 1);
  CHECK(doc.at("data_checked") == false);
  CHECK(doc.at("findings").at(0).at("code") == "drop-column");
  CHECK(doc.at("findings").at(0).at("line") == 1);
  CHECK(doc.at("findings").at(0).at("severity") == "error");

  CHECK(run_strata({"lint", "migrations/V1__t.yaml"}, here).exit_code == 0);
  ProcessResult none = run_strata({"lint", "V9__nothing.yaml"}, here);
  CHECK(none.exit_code == 2);
  CHECK_THAT(none.err, Catch::Contains("V9__nothing.yaml: not a migration of the project in migrations"));
}

TEST_CASE("drift --json names each change made by hand as an operation, and the YAML that reverts it") {
  ScratchDir project;
  project.write("migrations/V1__t.yaml",
                "- create_table: {name: t, columns: [{name: id, type: integer, primary_key: true}]}\n");
  ChildOptions here{{}, project.path()};
  REQUIRE(run_strata({"migrate", "--url", "sqlite:app.db"}, here).exit_code == 0);
  Inspector("sqlite:" + (project.path() / "app.db").string())
      .connection()
      .session()
      .execute("CREATE INDEX ix_by_hand ON t (id)");
  ProcessResult r = run_strata({"drift", "--url", "sqlite:app.db", "--json"}, here);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 3);
  auto doc = nlohmann::json::parse(r.out);
  CHECK(doc.at("drifted") == true);
  CHECK(doc.at("differences") == nlohmann::json::array({"create_index ix_by_hand on t"}));
  CHECK(doc.at("changes").at(0).at("operation") == "create_index");
  CHECK_THAT(doc.at("to_revert").get<std::string>(), Catch::Contains("drop_index"));
  CHECK(doc.at("expected") == "the 1 migration the ledger records as applied");
}
