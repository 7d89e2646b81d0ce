// How strata treats plugins it must not use: each is refused with a message naming the file
// and the reason, exit code 5, and none of them crashes the process.
#include "harness.hpp"

#include <strata/plugin/loader.hpp>
#include <strata/plugin/sdk.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fstream>

#include <sys/stat.h>

using namespace strata::conformance;
namespace fs = std::filesystem;

namespace {

std::string bad_abi_plugin() {
  return test_setting("STRATA_TEST_BAD_ABI_PLUGIN");
}

}  // namespace

TEST_CASE("a missing plugin directory is refused with exit 5, naming it") {
  ProcessResult r = run_strata({"migrate", "--url", "sqlite::memory:", "--plugin-dir", "/nonexistent/strata-plugins"});
  CHECK(r.exit_code == 5);
  CHECK_THAT(r.err, Catch::Contains("/nonexistent/strata-plugins") && Catch::Contains("does not exist"));
}

TEST_CASE("a file named like a driver that is not a shared library is refused with exit 5") {
  ScratchDir dir;
  std::ofstream(dir.path() / "strata-driver-fake.so") << "this is not a shared library\n";
  ProcessResult r = run_strata({"migrate", "--url", "fake:db", "--plugin-dir", dir.path().string()});
  CHECK(r.exit_code == 5);
  CHECK_THAT(r.err, Catch::Contains("strata-driver-fake.so") && Catch::Contains("not a shared library"));
  CHECK(r.signal == 0);
}

TEST_CASE("a shared library that is not a strata plugin is refused with exit 5") {
  ScratchDir dir;
  fs::copy_file(test_setting("STRATA_TEST_NOT_A_PLUGIN"), dir.path() / "strata-driver-other.so");
  ProcessResult r = run_strata({"migrate", "--url", "other:db", "--plugin-dir", dir.path().string()});
  CHECK(r.exit_code == 5);
  CHECK_THAT(r.err, Catch::Contains("strata-driver-other.so") && Catch::Contains("not a strata driver plugin"));
}

TEST_CASE("a stripped plugin, as packages install plugins, is read and used like any other") {
  ScratchDir plugins;
  ScratchDir work;
  fs::path stripped = plugins.path() / "strata-driver-sqlite.so";
  fs::copy_file(test_setting("STRATA_TEST_STRIPPED_PLUGIN"), stripped);
  ProcessResult listing = run_strata({"drivers", "--plugin-dir", plugins.path().string()});
  CHECK(listing.exit_code == 0);
  CHECK_THAT(listing.out,
             Catch::Contains(stripped.string() + "\n      version 0.1.0, schemes: sqlite, suffixes: sqlite"));
  // The build tree's SQLite plugin comes later in the search path: the stripped one serves sqlite.
  CHECK_THAT(listing.out, Catch::Contains("(shadowed by an earlier directory)"));
  std::string url = "sqlite:" + (work.path() / "app.db").string();
  ProcessResult migrated = run_strata({"migrate", "--url", url, "--dir", test_setting("STRATA_TEST_EXAMPLE_DIR"),
                                       "--plugin-dir", plugins.path().string()});
  INFO(migrated.err);
  CHECK(migrated.exit_code == 0);
  CHECK_THAT(migrated.out, Catch::Contains("is now at version 9"));
}

TEST_CASE("a plugin cut short is refused with exit 5, saying what could not be read") {
  ScratchDir plugins;
  std::ifstream whole(test_setting("STRATA_TEST_STRIPPED_PLUGIN"), std::ios::binary);
  std::string head(4096, '\0');
  REQUIRE(whole.read(head.data(), static_cast<std::streamsize>(head.size())));
  std::ofstream(plugins.path() / "strata-driver-cut.so", std::ios::binary) << head;
  ProcessResult r = run_strata({"migrate", "--url", "cut:db", "--plugin-dir", plugins.path().string()});
  CHECK(r.signal == 0);
  CHECK(r.exit_code == 5);
  CHECK_THAT(r.err, Catch::Contains("strata-driver-cut.so") &&
                        Catch::Contains("not a shared library that can be read") &&
                        Catch::Contains("past the end of the file"));
}

TEST_CASE("a FIFO named like a plugin is refused, not waited on") {
  ScratchDir plugins;
  REQUIRE(::mkfifo((plugins.path() / "strata-driver-pipe.so").c_str(), 0600) == 0);
  ProcessResult r = run_strata({"drivers", "--plugin-dir", plugins.path().string()});
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("strata-driver-pipe.so") && Catch::Contains("refused: not a shared library"));
  CHECK_THAT(r.out, Catch::Contains("strata-driver-sqlite.so"));
}

TEST_CASE("a plugin built for another ABI is refused before any of its code runs, naming both versions") {
  ScratchDir dir;
  fs::copy_file(bad_abi_plugin(), dir.path() / "strata-driver-badabi.so");
  ProcessResult r = run_strata({"migrate", "--url", "badabi:db", "--plugin-dir", dir.path().string()});
  CHECK(r.signal == 0);  // its static constructor aborts if it is ever loaded
  CHECK(r.exit_code == 5);
  CHECK_THAT(r.err, Catch::Contains("strata-driver-badabi.so"));
  CHECK_THAT(r.err, Catch::Contains("plugin ABI 99"));
  CHECK_THAT(r.err, Catch::Contains("this strata has plugin ABI " + std::to_string(STRATA_PLUGIN_ABI_VERSION)));

  ProcessResult listing = run_strata({"drivers", "--plugin-dir", dir.path().string()});
  CHECK(listing.exit_code == 0);
  CHECK_THAT(listing.out, Catch::Contains("strata-driver-badabi.so") && Catch::Contains("refused"));
  CHECK_THAT(listing.out, Catch::Contains("strata-driver-sqlite.so"));
}

TEST_CASE("refused plugins do not stop other drivers from working") {
  ScratchDir dir;
  fs::copy_file(bad_abi_plugin(), dir.path() / "strata-driver-badabi.so");
  std::ofstream(dir.path() / "strata-driver-fake.so") << "junk";
  ScratchDir migrations;
  ProcessResult r = run_strata(
      {"status", "--url", "sqlite::memory:", "--plugin-dir", dir.path().string(), "--dir", migrations.path().string()});
  CHECK(r.exit_code == 0);
}

TEST_CASE("an unknown URL scheme is a usage error listing the schemes available") {
  ProcessResult r = run_strata({"migrate", "--url", "oracle://scott@db/orcl"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("'oracle'") && Catch::Contains("sqlite"));
}

TEST_CASE("plugins are never loaded from the current directory") {
  ScratchDir dir;
  fs::copy_file(bad_abi_plugin(), dir.path() / "strata-driver-badabi.so");
  ProcessResult listing = run_strata({"drivers"}, {{}, dir.path()});
  CHECK(listing.exit_code == 0);
  CHECK_THAT(listing.out, !Catch::Contains("badabi"));
}

TEST_CASE("no library is loaded from the current directory") {
  // A file named as each library strata, its SQLite plugin and their dependencies load: the
  // dynamic loader would refuse each ("file too short") if it looked in the current directory,
  // as it does for an empty RUNPATH entry.
  ScratchDir dir;
  for (const char* library : {"libstrata.so.0", "libstdc++.so.6", "libc.so.6", "libnettle.so.8", "libyaml-0.so.2",
                              "libsqlite3.so.0", "libmysqlcppconn.so.7", "libpq.so.5"})
    std::ofstream(dir.path() / library) << "not a library";
  ProcessResult migrated = run_strata({"migrate", "--url", "sqlite:" + (dir.path() / "app.db").string(), "--dir",
                                       test_setting("STRATA_TEST_EXAMPLE_DIR")},
                                      {{}, dir.path()});
  CHECK(migrated.exit_code == 0);
  CHECK_THAT(migrated.err, !Catch::Contains("shared libraries"));
  CHECK_THAT(migrated.out, Catch::Contains("is now at version"));
}

TEST_CASE("relative entries of STRATA_PLUGIN_PATH are ignored") {
  setenv("STRATA_PLUGIN_PATH", "relative/plugins::", 1);
  strata::plugin::Loader loader;
  unsetenv("STRATA_PLUGIN_PATH");
  for (const auto& dir : loader.search_path())
    if (dir.origin == "STRATA_PLUGIN_PATH") CHECK_THAT(dir.problem, Catch::Contains("not an absolute path"));
}

TEST_CASE("a password in the URL never appears in an error") {
  ProcessResult r = run_strata({"migrate", "--url", "nosuchdb://admin:hunter2@127.0.0.1:1/x"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err + r.out, !Catch::Contains("hunter2"));
}

TEST_CASE("the URL comes from --url, then STRATA_DATABASE_URL, then DATABASE_URL") {
  ProcessResult none = run_strata({"status"});
  CHECK(none.exit_code == 2);
  CHECK_THAT(none.err, Catch::Contains("STRATA_DATABASE_URL"));
}

TEST_CASE("a connection outlives the driver handle that made it: the plugin stays loaded") {
  strata::plugin::Loader loader;
  std::shared_ptr<strata::Connection> connection;
  {
    std::shared_ptr<strata::Driver> driver = loader.load("sqlite");
    auto made = driver->connect(strata::ConnectOptions{strata::DatabaseUrl::parse("sqlite::memory:")});
    connection = std::shared_ptr<strata::Connection>(made.release(), [driver](strata::Connection* c) { delete c; });
  }  // the last handle to the driver is gone; the connection keeps the library loaded
  connection->session().execute("CREATE TABLE t (id INTEGER)");
  CHECK(connection->catalog().table_exists("t"));
  CHECK_THAT(connection->server_description(), Catch::StartsWith("SQLite"));
}

TEST_CASE("an exception of a driver's own becomes an internal error (exit 70) naming the driver and the call") {
  ScratchDir plugins;
  fs::copy_file(test_setting("STRATA_TEST_LEAKY_PLUGIN"), plugins.path() / "strata-driver-leaky.so");
  ScratchDir migrations;
  struct Leak {
    std::string url, call, what;
  };
  for (const Leak& leak : {Leak{"leaky:connect", "Driver::connect", "an exception of its own: stol"},
                           Leak{"leaky:catalog", "Catalog::table_exists", "an exception of its own: vector"},
                           Leak{"leaky:int", "Driver::connect", "not even a std::exception"}}) {
    INFO(leak.url);
    std::vector<std::string> args{
        "status", "--url", leak.url, "--dir", migrations.path().string(), "--plugin-dir", plugins.path().string()};
    ProcessResult r = run_strata(args);
    CHECK(r.signal == 0);
    CHECK(r.exit_code == 70);
    CHECK_THAT(r.err,
               Catch::StartsWith("strata: error: internal error in the leaky driver: " + leak.call + " failed") &&
                   Catch::Contains(leak.what) && Catch::Contains("please report this bug"));
    args.push_back("--json");
    ProcessResult json = run_strata(args);
    CHECK(json.exit_code == 70);
    auto error = nlohmann::json::parse(json.out).at("error");
    CHECK(error.at("exit_code") == 70);
    CHECK(error.at("kind") == "internal error");
  }
}

TEST_CASE(
    "a plugin built before an operation existed is never given it: the migration is refused before anything runs") {
  ScratchDir plugins;
  fs::copy_file(test_setting("STRATA_TEST_OLDER_PLUGIN"), plugins.path() / "strata-driver-older.so");
  ScratchDir migrations;
  std::ofstream(migrations.path() / "V1__tables.yaml")
      << "- create_table: {table: runs, columns: [{name: id, type: integer}]}\n"
         "- create_index: {table: runs, name: ix_runs_id, columns: [id]}\n";
  // Its database keeps nothing, so the commands that only read: validate, and migrate's dry run
  // (migrate checks the same way, after taking the lock; the conformance suite proves that part).
  for (std::vector<std::string> command : {std::vector<std::string>{"validate"}, {"migrate", "--dry-run"}}) {
    INFO(command[0]);
    for (const char* a : {"--url", "older:db", "--dir"}) command.emplace_back(a);
    command.push_back(migrations.path().string());
    command.push_back("--plugin-dir");
    command.push_back(plugins.path().string());
    ProcessResult r = run_strata(command);
    CHECK(r.exit_code == 3);
    CHECK_THAT(r.err, Catch::Contains("V1__tables.yaml:2") &&
                          Catch::Contains("the older driver does not know the operation create_index") &&
                          Catch::Contains("upgrade the driver"));
    CHECK_THAT(r.err, !Catch::Contains("internal error"));  // it was never handed the operation
  }
}
