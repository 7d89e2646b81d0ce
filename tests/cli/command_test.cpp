// The command line as a user meets it: strata.toml defaults and their precedence, `new`,
// and --json documents (errors included), independent of the backend.
#include "harness.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>

using namespace strata::conformance;
namespace fs = std::filesystem;

namespace {

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
