// The settings of a run by name (core/src/settings.cpp): what the command line, strata.toml
// and the C ABI share.
#include <strata/error.hpp>
#include <strata/settings.hpp>

#include "scratch_dir.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace strata;
namespace fs = std::filesystem;

namespace {

// The message of the usage error `set` gives; fails the test when it sets.
std::string refusal(Settings& settings, const std::string& name, const std::string& value) {
  try {
    settings.set(name, value);
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::usage);
    return e.what();
  }
  FAIL("set " << name << " = " << value);
  return "";
}

}  // namespace

TEST_CASE("settings take the command line's names, with or without --, and strata.toml's spelling") {
  Settings s;
  s.set("url", "sqlite:app.db");
  s.set("--lock-timeout", "2.5");
  s.set("statement_timeout", "3");
  s.set("connect-retries", "4");
  s.set("create-schema", "true");
  s.set("target", "002");
  s.set("resume", "skip");
  s.set("plugin-dir", "a");
  s.set("plugin-dir", "b");
  const Options& o = s.options();
  CHECK(o.url == "sqlite:app.db");
  CHECK(o.lock_timeout == std::chrono::milliseconds(2500));
  CHECK(o.statement_timeout == std::chrono::milliseconds(3000));
  CHECK(o.connect_retries == 4);
  CHECK(o.create_schema);
  CHECK(to_string(o.target) == "2");
  CHECK(o.resume == Resume::skip);
  CHECK(o.plugin_dirs == std::vector<fs::path>{"a", "b"});
  CHECK(s.is_set("lock_timeout"));
  CHECK_FALSE(s.is_set("dir"));
  CHECK(o.dir == Options{}.dir);  // unset: the default
}

TEST_CASE("an unknown setting or a value it does not take is a usage error naming it, and changes nothing") {
  Settings s;
  s.set("lock-timeout", "5");
  CHECK_THAT(refusal(s, "lock-timeot", "1"),
             Catch::Contains("unknown setting 'lock-timeot'") && Catch::Contains("lock-timeout"));
  CHECK_THAT(refusal(s, "--lock-timeout", "soon"),
             Catch::Contains("--lock-timeout takes a number of seconds, not 'soon'"));
  CHECK_THAT(refusal(s, "lock-timeout", "-1"), Catch::Contains("lock-timeout cannot be negative"));
  CHECK_THAT(refusal(s, "lock-timeout", "60111e111"), Catch::Contains("at most a century"));  // found by fuzzing
  CHECK_THAT(refusal(s, "connect-retries", "2.5"), Catch::Contains("takes a whole number"));
  CHECK_THAT(refusal(s, "dry-run", "maybe"), Catch::Contains("takes true or false"));
  CHECK_THAT(refusal(s, "target", "v2"), Catch::Contains("'v2' is not a version"));
  CHECK_THAT(refusal(s, "resume", "later"), Catch::Contains("takes retry or skip"));
  CHECK_THAT(refusal(s, "dialects", "lite.file"), Catch::Contains("lite.file"));
  CHECK(s.options().lock_timeout == std::chrono::milliseconds(5000));  // as it was
  // A URL typed where a number belongs is repeated without its password.
  std::string message = refusal(s, "lock-timeout", "postgres://app:s3cret@db/app");
  CHECK_THAT(message, Catch::Contains("postgres://app:***@db/app") && !Catch::Contains("s3cret"));
}

TEST_CASE("strata.toml fills what is not set, relative to the file, and names the file and line of a defect") {
  ScratchDir scratch;
  fs::path dir = scratch.path;
  fs::path file = dir / "strata.toml";
  std::ofstream(file) << "url = \"sqlite:app.db\"\ndir = \"db\"\nlock_timeout = 5\ndialects = [\"litefile\"]\n";
  Settings s;
  s.set("url", "sqlite:flag.db");  // what is set beats the file
  CHECK(s.read_file(file));
  CHECK(s.options().url == "sqlite:flag.db");
  CHECK(s.options().dir == dir / "db");
  CHECK(s.options().lock_timeout == std::chrono::milliseconds(5000));
  CHECK(s.options().dialects == std::vector<std::string>{"litefile"});
  CHECK_FALSE(Settings().read_file(dir / "missing.toml"));

  std::ofstream(file) << "url = \"sqlite:app.db\"\n\nplugin_dir = \"./evil\"\n";
  try {
    Settings().read_file(file);
    FAIL("read a plugin directory from the file");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::usage);
    CHECK(e.file() == file.string());
    CHECK(e.line() == 3);
    CHECK_THAT(e.message(), Catch::Contains("unknown setting 'plugin_dir'"));
  }
  std::ofstream(file) << "url = \"sqlite:app.db\"\nlock_timeout = \"soon\"\n";
  try {
    Settings().read_file(file);
    FAIL("read a timeout that is not a number");
  } catch (const Error& e) {
    CHECK(e.line() == 2);
    CHECK_THAT(e.message(), Catch::Contains("lock_timeout takes a number of seconds"));
  }
}

TEST_CASE("with format flyway and no dir, the project's Flyway configuration names the directory") {
  ScratchDir scratch;
  fs::path dir = scratch.path;
  fs::create_directories(dir / "conf");
  auto flyway = [] {
    Settings s;
    s.set("format", "flyway");
    return s;
  };
  auto refused = [&](const std::string& expected, int line) {
    try {
      flyway().read_flyway_config(dir);
      FAIL("read a location strata cannot follow");
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::usage);
      CHECK(e.line() == line);
      CHECK_THAT(e.what(), Catch::Contains(expected));
    }
  };

  {  // nothing to read: the default dir stays
    Settings s = flyway();
    CHECK(s.read_flyway_config(dir).empty());
    CHECK(s.options().dir == "migrations");
  }
  std::ofstream(dir / "conf" / "flyway.conf") << "# Flyway's own layout\nflyway.url=jdbc:sqlite:app.db\n"
                                                 "flyway.locations = filesystem:sql\n";
  {
    Settings s = flyway();
    CHECK(s.read_flyway_config(dir) == dir / "conf" / "flyway.conf");
    CHECK(s.options().dir == dir / "sql");  // relative to the project, where Flyway runs
    CHECK(s.is_set("dir"));
  }
  {  // a dir that is set, and another format, leave it alone
    Settings set = flyway();
    set.set("dir", "db");
    CHECK(set.read_flyway_config(dir).empty());
    CHECK(set.options().dir == "db");
    Settings strata;
    CHECK(strata.read_flyway_config(dir).empty());
  }
  // flyway.conf beats conf/flyway.conf, with a continued line and a classpath location.
  fs::create_directories(dir / "src/main/resources/db/migration");
  std::ofstream(dir / "flyway.conf") << "! properties\r\nflyway.locations=\\\n  classpath:db/migration\n";
  {
    Settings s = flyway();
    CHECK(s.read_flyway_config(dir) == dir / "flyway.conf");
    CHECK(s.options().dir == dir / "src/main/resources/db/migration");
  }
  // Java's other separators, and the last of a repeated key, as Flyway reads them.
  std::ofstream(dir / "flyway.conf") << "flyway.locations filesystem:old\nflyway.locations : filesystem:sql\n";
  {
    Settings s = flyway();
    CHECK(s.read_flyway_config(dir) == dir / "flyway.conf");
    CHECK(s.options().dir == dir / "sql");
  }
  std::ofstream(dir / "flyway.conf") << "flyway.locations=filesystem:a,filesystem:b\n";
  refused("several locations (filesystem:a,filesystem:b)", 1);
  std::ofstream(dir / "flyway.conf") << "\nflyway.locations=classpath:com/example/db\n";
  refused("src/main/resources/com/example/db does not exist", 2);
  std::ofstream(dir / "flyway.conf") << "flyway.locations=s3:bucket/db\n";
  refused("filesystem: and classpath: locations only", 1);
  std::ofstream(dir / "flyway.conf") << "flyway.locations=filesystem:${HOME}/sql\n";
  refused("has a placeholder", 1);

  // flyway.toml (Flyway 10) beats both.
  std::ofstream(dir / "flyway.toml") << "[environments.default]\nurl = \"jdbc:sqlite:app.db\"\n\n[flyway]\n"
                                        "locations = [\"filesystem:db/sql\"]\n";
  {
    Settings s = flyway();
    CHECK(s.read_flyway_config(dir) == dir / "flyway.toml");
    CHECK(s.options().dir == dir / "db/sql");
  }
  std::ofstream(dir / "flyway.toml") << "[flyway]\nlocations = [\"filesystem:a\", \"filesystem:b\"]\n";
  refused("several locations", 2);
}
