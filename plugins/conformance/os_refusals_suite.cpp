// What the operating system refuses of a database that is one file: a read-only file, a
// directory where nothing can be created, a disk that is full, a damaged file, a database that
// another connection is reading. Each is reported naming the file, with the exit code the user
// guide documents, and leaves the database as it was. Hidden cases ([.database-file]) for the
// configurations whose database is a file (STRATA_TEST_FILE_DATABASE names its URL).
//
// Root ignores file permissions, and CI runs as root: the permission cases run strata as the
// unprivileged user `nobody`, from a copy of the command, its library and its plugin in a
// directory that user can read, whatever the permissions of the build tree.
#include "harness.hpp"

#include <strata/plugin/loader.hpp>

#include <catch2/catch.hpp>

#include <dlfcn.h>
#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <iterator>

using namespace strata;
using namespace strata::conformance;
namespace fs = std::filesystem;

namespace {

void set_mode(const fs::path& path, int mode) {
  fs::permissions(path, static_cast<fs::perms>(mode), fs::perm_options::replace);
}

std::string read_bytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void overwrite(const fs::path& file, std::size_t offset, std::size_t length) {
  std::fstream out(file, std::ios::binary | std::ios::in | std::ios::out);
  out.seekp(static_cast<std::streamoff>(offset));
  for (std::size_t i = 0; i < length; ++i) out.put(static_cast<char>("strata damage "[i % 14]));
}

// A project every user can read: migrations/, and db/ holding the database file app.db, created
// by a first migration run as the user running the tests. Its second migration is pending.
struct Project {
  ScratchDir root;
  fs::path migrations = root.path() / "migrations";
  fs::path directory = root.path() / "db";
  fs::path file = directory / "app.db";
  std::string url = file_database_url(file);

  explicit Project(const std::string& second = "CREATE TABLE b (id INTEGER);\nINSERT INTO a (id) VALUES (1);\n") {
    fs::create_directories(migrations);
    fs::create_directories(directory);
    set_mode(root.path(), 0755);
    set_mode(migrations, 0755);
    set_mode(directory, 0755);
    write("V1__a.sql", "CREATE TABLE a (id INTEGER);\n");
    ProcessResult first = run_strata(args("migrate"));
    INFO(first.err);
    REQUIRE(first.exit_code == 0);
    write("V2__second.sql", second);
  }

  void write(const std::string& name, const std::string& content) const {
    root.write("migrations/" + name, content);
    set_mode(migrations / name, 0644);
  }

  std::vector<std::string> args(const std::string& command, std::vector<std::string> extra = {}) const {
    std::vector<std::string> out{command, "--url", url, "--dir", migrations.string()};
    out.insert(out.end(), extra.begin(), extra.end());
    return out;
  }

  // Every file in the database's directory but the database itself (its lock file): writable
  // by anyone, so that only what a case takes away is missing.
  void others_writable() const {
    for (const auto& entry : fs::directory_iterator(directory))
      if (entry.path() != file) set_mode(entry.path(), 0666);
  }
  void remove_others() const {
    for (const auto& entry : fs::directory_iterator(directory))
      if (entry.path() != file) fs::remove(entry.path());
  }
};

struct Snapshot {
  std::string schema, ledger;
  bool operator==(const Snapshot&) const = default;
};

Snapshot snapshot(const std::string& url) {
  Inspector db(url);
  return {db.schema_snapshot(), db.ledger_snapshot()};
}

// strata as a user whom file permissions apply to: as root, `nobody` through runuser, running a
// copy (command, libstrata, the plugin of the URL's scheme) laid out as installed, in a directory
// every user can read; as anyone else, that user.
class UnprivilegedStrata {
 public:
  explicit UnprivilegedStrata(const std::string& url) {
    fs::path bin = stage_.path() / "bin", lib = stage_.path() / "lib", plugins = lib / "strata";
    fs::create_directories(bin);
    fs::create_directories(plugins);
    fs::copy_file(strata_command({}).at(0), bin / "strata");
    if (!plugin::drivers_linked_in()) {
      Dl_info library{};
      REQUIRE(dladdr(reinterpret_cast<void*>(&strata::exit_code), &library) != 0);
      fs::copy_file(library.dli_fname, lib / fs::path(library.dli_fname).filename());
      std::string scheme = DatabaseUrl::parse(url).scheme;
      bool found = false;
      plugin::Loader loader;
      for (const auto& file : loader.discover()) {
        bool serves = std::find(file.schemes.begin(), file.schemes.end(), scheme) != file.schemes.end();
        if (!serves || !file.refusal.empty() || file.shadowed || file.path.empty()) continue;
        fs::copy_file(file.path, plugins / file.path.filename());
        found = true;
      }
      REQUIRE(found);
    }
    for (const auto& entry : fs::recursive_directory_iterator(stage_.path()))
      set_mode(entry.path(), entry.is_directory() || entry.path().parent_path() == bin ? 0755 : 0644);
    set_mode(stage_.path(), 0755);
    environment_ = {"LD_LIBRARY_PATH=" + lib.string(), "STRATA_PLUGIN_PATH=" + plugins.string()};
    command_ = {(bin / "strata").string()};
    if (::geteuid() == 0) {
      std::string runuser;
      for (const char* candidate : {"/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"})
        if (fs::exists(candidate)) runuser = candidate;
      REQUIRE_FALSE(runuser.empty());  // util-linux: what runs strata without root's privileges
      command_.insert(command_.begin(), {runuser, "-u", "nobody", "--"});
    }
  }

  ProcessResult run(const std::vector<std::string>& args) const {
    std::vector<std::string> command = command_;
    command.insert(command.end(), args.begin(), args.end());
    return Child(command, {environment_, {}}).wait();
  }

 private:
  ScratchDir stage_;
  std::vector<std::string> command_;
  std::vector<std::string> environment_;
};

// The command with the size of any file it writes limited to `kib` KiB, and SIGXFSZ ignored so
// that a write past it fails (EFBIG) as on a full disk instead of killing the process.
std::vector<std::string> with_file_size_limit(int kib, const std::vector<std::string>& args) {
  std::vector<std::string> command{"/bin/bash", "-c",
                                   "ulimit -f " + std::to_string(kib) + " && trap '' XFSZ && exec \"$0\" \"$@\""};
  auto strata = strata_command(args);
  command.insert(command.end(), strata.begin(), strata.end());
  return command;
}

}  // namespace

TEST_CASE("a read-only database file: status reads it, migrate fails naming the file with exit 1, nothing changed",
          "[.database-file]") {
  Project project;
  set_mode(project.file, 0444);
  set_mode(project.directory, 0777);  // only the file itself is read-only
  project.others_writable();
  Snapshot before = snapshot(project.url);
  UnprivilegedStrata strata(project.url);

  ProcessResult status = strata.run(project.args("status"));
  INFO(status.err);
  CHECK(status.exit_code == 0);
  CHECK_THAT(status.out, Catch::Contains("1 pending"));

  ProcessResult migrate = strata.run(project.args("migrate"));
  INFO(migrate.err);
  CHECK(migrate.exit_code == 1);
  CHECK_THAT(migrate.err, Catch::Contains("the database file " + project.file.string() + " is read-only"));
  CHECK_THAT(migrate.err, Catch::Contains("V2__second.sql"));
  CHECK(snapshot(project.url) == before);
}

TEST_CASE(
    "a database directory where nothing can be created: no lock file is exit 5, no journal exit 1, "
    "each naming the file, nothing changed",
    "[.database-file]") {
  Project project;
  set_mode(project.file, 0666);  // the file itself may be written; its directory is root's alone
  Snapshot before = snapshot(project.url);
  UnprivilegedStrata strata(project.url);

  SECTION("the lock file cannot be created") {
    project.remove_others();
    ProcessResult r = strata.run(project.args("migrate"));
    INFO(r.err);
    CHECK(r.exit_code == 5);
    CHECK_THAT(r.err, Catch::Contains("cannot open the lock file " + project.file.string()));
    CHECK_THAT(r.err, Catch::Contains("Permission denied"));
  }
  SECTION("the lock file exists, the journal cannot be created") {
    project.others_writable();
    ProcessResult r = strata.run(project.args("migrate"));
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains("cannot create the journal of the database " + project.file.string() +
                                      ": its directory is read-only"));
    CHECK_THAT(r.err, Catch::Contains("V2__second.sql"));
  }
  CHECK(snapshot(project.url) == before);
}

TEST_CASE(
    "a full disk: the migration that cannot grow the file fails naming it with exit 1, and the database "
    "is as it was where DDL is transactional",
    "[.database-file]") {
  // About 4 MB of rows where the file may not grow past 1 MiB.
  Project project(
      "CREATE TABLE filler (id INTEGER, note VARCHAR(200));\n"
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)\n"
      "INSERT INTO filler (id, note) SELECT i, '" +
      std::string(190, 'x') + "' FROM n;\n");
  Snapshot before = snapshot(project.url);

  ProcessResult r = Child(with_file_size_limit(1024, project.args("migrate"))).wait();
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.signal == 0);
  CHECK_THAT(r.err, Catch::Contains("the database file " + project.file.string()));
  CHECK_THAT(r.err, Catch::Contains("File too large") || Catch::Contains("its disk is full"));
  CHECK_THAT(r.err, Catch::Contains("V2__second.sql"));
  Inspector db(project.url);
  CHECK(db.count("SELECT COUNT(*) FROM a") == 0);
  if (db.capabilities().transactional_ddl) {
    CHECK(snapshot(project.url) == before);
  } else {  // each statement commits: the ledger says where the migration stopped
    auto ledger = db.ledger();
    REQUIRE(ledger.size() == 2);
    CHECK_FALSE(ledger[1].success);
    CHECK(ledger[1].statements_done == 1);
    CHECK_FALSE(ledger[1].in_doubt);
  }
  // The file is whole: strata reads it again, and nothing else is lost.
  ProcessResult status = run_strata(project.args("status"));
  CHECK(status.exit_code == 0);
}

TEST_CASE("a damaged database file is refused naming it with exit 5, and left as it is", "[.database-file]") {
  Project project;
  SECTION("its header overwritten: not a database") {
    overwrite(project.file, 0, 100);
  }
  SECTION("the pages after the first overwritten: a damaged database") {
    std::string header = read_bytes(project.file);
    REQUIRE(header.size() > 18);
    // The page size: bytes 16-17 of the file, big-endian (SQLite's file format).
    std::size_t page = (static_cast<unsigned char>(header[16]) << 8) | static_cast<unsigned char>(header[17]);
    REQUIRE(header.size() > page);
    overwrite(project.file, page, header.size() - page);
  }
  std::string bytes = read_bytes(project.file);
  for (const char* command : {"status", "migrate"}) {
    ProcessResult r = run_strata(project.args(command));
    INFO(command << ": " << r.err);
    CHECK(r.exit_code == 5);
    CHECK_THAT(r.err,
               Catch::Contains("the file " + project.file.string() + " is not a SQLite database, or it is damaged"));
  }
  CHECK(read_bytes(project.file) == bytes);
}

TEST_CASE("a database in WAL mode that another connection is reading is migrated, and the reader keeps its snapshot",
          "[.database-file]") {
  Project project;
  Inspector(project.url).connection().session().execute("PRAGMA journal_mode = WAL");
  Inspector reader(project.url);
  reader.connection().session().execute("BEGIN");
  REQUIRE(reader.count("SELECT COUNT(*) FROM a") == 0);

  ProcessResult r = run_strata(project.args("migrate"));
  INFO(r.err);
  CHECK(r.exit_code == 0);

  CHECK(reader.count("SELECT COUNT(*) FROM a") == 0);  // its snapshot, as it began
  reader.connection().session().execute("COMMIT");
  CHECK(reader.count("SELECT COUNT(*) FROM a") == 1);
  CHECK(reader.has_table("b"));
  auto mode = reader.connection().session().query("PRAGMA journal_mode");
  REQUIRE(mode.size() == 1);
  CHECK(std::get<std::string>(mode[0][0]) == "wal");
}

TEST_CASE(
    "a database in rollback-journal mode that another connection is reading: migrate waits for "
    "--ddl-lock-timeout, then fails naming the file with exit 1, nothing changed",
    "[.database-file]") {
  Project project;
  Snapshot before = snapshot(project.url);
  {
    Inspector reader(project.url);
    reader.connection().session().execute("BEGIN");
    REQUIRE(reader.count("SELECT COUNT(*) FROM a") == 0);

    ProcessResult r = run_strata(project.args("migrate", {"--ddl-lock-timeout", "1"}));
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err,
               Catch::Contains("the database file " + project.file.string() + " is locked by another connection"));
    reader.connection().session().execute("COMMIT");
  }
  CHECK(snapshot(project.url) == before);
}
