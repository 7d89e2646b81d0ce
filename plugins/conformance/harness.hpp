// The conformance harness: what a backend test needs, for any driver, configured from the
// environment so that one suite runs against every database:
//   STRATA_TEST_DATABASE   a URL template; "{name}" becomes a fresh database name per test
//   STRATA_TEST_ADMIN_URL  optional: where STRATA_TEST_CREATE_SQL creates that database first
//   STRATA_TEST_CREATE_SQL optional: e.g. "CREATE DATABASE {name}"
//   STRATA_TEST_DROP_SQL   optional: e.g. "DROP DATABASE {name}", run for each database created
//                          when the test run ends (not with STRATA_TEST_KEEP_DATABASES)
//   STRATA_TEST_CLI        the strata command to run as a user would
//   STRATA_PLUGIN_PATH     where a driver under test lives, if not installed
//   STRATA_TEST_PASSWORD   optional: the password in the URLs, which no strata process may print
//   STRATA_TEST_FILE_DATABASE  optional: a URL template for a database that is one file, "{file}"
//                          becoming its absolute path (the [.database-file] cases need it)
//   STRATA_TEST_FLEET_DATABASES, STRATA_TEST_FLEET_SCHEMAS, STRATA_TEST_SESSIONS_SQL  for the
//                          [.fleet-scale] case: how many databases, and schemas of one more
//                          database, make its fleet; a count of the server's sessions of the
//                          strata process {pid} (optional)
// Every setting of the file is also exported to the environment (unless already set there),
// so that the strata processes a test starts see the same plugins.
// A test whose database cannot be reached fails; nothing here skips. Every output of every
// process a test runs is searched for the password, and for a sanitizer's report: a test during
// which one is printed fails.
#pragma once

#include <strata/checksum.hpp>
#include <strata/ledger.hpp>
#include <strata/strata.hpp>

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace strata::conformance {

// A setting of the environment or the STRATA_TEST_CONFIG file; "" when unset.
std::string test_setting(const std::string& name);

// A fresh, empty database for one test; its URL, made from the template `url_setting` names (another
// template reaches the same server another way: a socket, TLS).
std::string fresh_database_url(const std::string& url_setting = "STRATA_TEST_DATABASE");

// The URL of a database that is the file `file` (STRATA_TEST_FILE_DATABASE); fails the test
// where the configuration names none.
std::string file_database_url(const std::filesystem::path& file);

// The database password of this configuration (STRATA_TEST_PASSWORD); "" when it has none.
std::string test_password();
// The password as a URL carries it: percent-encoded.
std::string percent_encoded(const std::string& text);
// Whether `text` shows the password in any form: as given, percent-encoded, or any run of five
// or more of its characters between those a URL encodes (what a URL misread at a '/' would show).
bool shows_password(const std::string& text);
// Fails the running test when `text` shows the password, saying where (`what`) without showing it.
void check_no_password(const std::string& text, const std::string& what);

// A connection for inspecting what a run did, through the same driver strata uses.
class Inspector {
 public:
  // `lock_wait`: how long a statement waits for a lock another connection holds (0: the driver's
  // default; on SQLite 5 s).
  explicit Inspector(const std::string& url, std::chrono::milliseconds lock_wait = std::chrono::milliseconds(0));
  Connection& connection() { return *connection_; }
  Capabilities capabilities() const { return connection_->capabilities(); }
  bool has_table(const std::string& table);
  std::int64_t count(const std::string& sql);
  std::vector<LedgerRow> ledger(const std::string& table = "strata_history");
  // Every table but the ledger and its state table, with its row count, columns, indexes, foreign keys and named
  // constraints, one line each: what a test compares to prove that a refused run changed nothing.
  // With `types` false, a column's type is left out: what an undo that recreates an object from
  // portable types is compared with, since the backend may spell a type differently from the SQL
  // that first created it (VARCHAR(200) and TEXT are both string(200) on SQLite).
  std::string schema_snapshot(const std::string& ledger_table = "strata_history", bool types = true);
  // The ledger table as stored (every column, an old format row too), one line per row, then its
  // state table's rows.
  std::string ledger_snapshot(const std::string& table = "strata_history");
  // The migration lock as another migrator would take it.
  std::shared_ptr<MigrationLock> lock(const std::string& table = "strata_history");

 private:
  std::shared_ptr<Driver> driver_;
  std::shared_ptr<Connection> connection_;
};

// A temporary directory (of migrations, of plugins), removed at the end of the test.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  // Writes `file` (a path relative to the directory, its folders made as needed).
  void write(const std::string& file, const std::string& content) const;

 private:
  std::filesystem::path path_;
};

struct ProcessResult {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;
  std::string out;
  std::string err;
};

// A child process with its output captured in files.
struct ChildOptions {
  std::vector<std::string> environment;  // extra NAME=VALUE entries
  std::filesystem::path directory;       // working directory; "" for the test's own
};

class Child {
 public:
  explicit Child(const std::vector<std::string>& args, const ChildOptions& options = {});
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  pid_t pid() const { return pid_; }
  void kill(int signal);
  ProcessResult wait();
  // What it has written to its standard error so far (it may still be running).
  std::string err_so_far() const;

 private:
  pid_t pid_ = -1;
  std::filesystem::path out_, err_;
  bool waited_ = false;
};

// The arguments of a strata command against `url` with the migrations in `dir`.
std::vector<std::string> command_args(const std::string& command, const std::string& url, const ScratchDir& dir,
                                      std::vector<std::string> extra = {});

// A statement that keeps the database busy for about a minute (STRATA_TEST_SLOW_SQL, or a
// recursive CTE).
std::string slow_statement();

// Runs the strata command (STRATA_TEST_CLI) with `args` and waits for it.
ProcessResult run_strata(const std::vector<std::string>& args, const ChildOptions& options = {});

// Runs a command that must be refused: checks its exit code, that its stderr holds each of
// `message_parts`, and that the database's schema and ledger are as they were.
void expect_refused(const std::string& url, const std::vector<std::string>& command, int exit_code,
                    const std::vector<std::string>& message_parts);
std::vector<std::string> strata_command(const std::vector<std::string>& args);

}  // namespace strata::conformance
