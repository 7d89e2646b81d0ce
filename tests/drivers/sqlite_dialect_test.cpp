// The SQLite dialect as the plugin ships it (loaded through the plugin loader; no database
// needed): which PRAGMAs it reads as turning foreign keys off, and which it refuses inside a
// transaction.
#include <strata/plugin/loader.hpp>
#include <strata/strata.hpp>

#include <catch2/catch.hpp>

#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <memory>

namespace {

const strata::Dialect& dialect() {
  static std::shared_ptr<strata::Driver> driver = strata::plugin::Loader().load("sqlite");
  return driver->dialect();
}

strata::TransactionFrame frame_of(std::string_view script) {
  auto statements = dialect().split(script);
  return dialect().transaction_frame(statements);
}

std::optional<strata::StatementRefusal> refusal_of(std::string_view sql) {
  auto statements = dialect().split(sql);
  REQUIRE(statements.size() == 1);
  return dialect().refusal(statements[0]);
}

}  // namespace

TEST_CASE("sqlite: foreign keys turned off in any spelling run the script with them off around its transaction") {
  for (const char* off : {"PRAGMA foreign_keys=OFF", "pragma Foreign_Keys = off", "PRAGMA main.foreign_keys = 0",
                          "PRAGMA \"main\".\"FOREIGN_KEYS\" = 'false'", "PRAGMA [foreign_keys]=no",
                          "PRAGMA foreign_keys(0)", "PRAGMA /* rebuild */ foreign_keys -- below\n = `OFF`",
                          "PRAGMA temp . foreign_keys = 00", "PRAGMA foreign_keys = -1", "PRAGMA foreign_keys = ''"}) {
    INFO(off);
    auto frame = frame_of(std::string("CREATE TABLE a (id INTEGER);\n") + off + ";\nDROP TABLE a;\n");
    CHECK(frame.before == std::vector<std::string>{"PRAGMA foreign_keys = OFF"});
    REQUIRE(frame.checks.size() == 1);
    CHECK(frame.checks[0].query == "PRAGMA foreign_key_check");
    CHECK(frame.after == std::vector<std::string>{"PRAGMA foreign_keys = ON"});
  }
  for (const char* on : {"PRAGMA foreign_keys=ON", "PRAGMA foreign_keys = 1", "PRAGMA foreign_keys = 'yes'",
                         "PRAGMA foreign_keys(true)", "PRAGMA foreign_keys = +2", "PRAGMA foreign_keys",
                         "PRAGMA foreign_key_check", "PRAGMA defer_foreign_keys = OFF",
                         "SELECT 'PRAGMA foreign_keys=OFF'", "-- PRAGMA foreign_keys=OFF\nSELECT 1"}) {
    INFO(on);
    CHECK(frame_of(std::string(on) + ";\n").empty());
  }
}

TEST_CASE("sqlite: a PRAGMA that does nothing or fails inside a transaction is refused, except without one") {
  for (const char* sql :
       {"PRAGMA journal_mode = WAL", "pragma MAIN.\"Journal_Mode\"='wal'", "PRAGMA journal_mode(DELETE)",
        "PRAGMA synchronous = NORMAL", "PRAGMA wal_checkpoint", "PRAGMA wal_checkpoint(TRUNCATE)"}) {
    INFO(sql);
    auto refusal = refusal_of(sql);
    REQUIRE(refusal);
    CHECK(refusal->allowed_without_transaction);
    CHECK_THAT(refusal->reason, Catch::Contains("-- strata:no-transaction"));
  }
  for (const char* sql : {"PRAGMA journal_mode", "PRAGMA synchronous", "PRAGMA legacy_alter_table = ON",
                          "PRAGMA user_version = 3", "PRAGMA foreign_keys = OFF"}) {
    INFO(sql);
    CHECK_FALSE(refusal_of(sql));
  }
}

namespace {

// In a child process, with SQLite as yet unused there: connects to a database in memory (with
// `own_process` as given), runs a query, and exits 0 when SQLite counted its memory, 1 when it
// did not, 2 when something failed.
int child_counts_memory(bool own_process) {
  pid_t pid = ::fork();
  if (pid == 0) {
    int code = 2;
    try {
      // The test process may have used SQLite already (its other tests): begin as a process
      // that has not.
      if (sqlite3_shutdown() == SQLITE_OK) {
        strata::ConnectOptions options{strata::DatabaseUrl::parse("sqlite::memory:")};
        options.own_process = own_process;
        std::shared_ptr<strata::Driver> driver = strata::plugin::Loader().load("sqlite");
        auto connection = driver->connect(options);
        connection->session().execute("CREATE TABLE t (id INTEGER PRIMARY KEY, note TEXT)", {});
        code = sqlite3_memory_used() > 0 ? 0 : 1;
      }
    } catch (...) {
    }
    ::_exit(code);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_CASE("sqlite: memory statistics are left on for a product embedding strata, and off in a process strata owns") {
  CHECK(child_counts_memory(false) == 0);
  CHECK(child_counts_memory(true) == 1);
}
