#include "harness.hpp"

#include <strata/ascii.hpp>
#include <strata/plugin/loader.hpp>

#define CATCH_CONFIG_EXTERNAL_INTERFACES  // a listener: DropCreatedDatabases
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace strata::conformance {
namespace {

namespace fs = std::filesystem;

// A setting from the environment, else from the STRATA_TEST_CONFIG file (KEY=VALUE lines).
std::string setting(const std::string& name) {
  if (const char* value = std::getenv(name.c_str()); value && *value) return value;
  const char* file = std::getenv("STRATA_TEST_CONFIG");
  if (!file) return {};
  std::ifstream in(file);
  if (!in) throw std::runtime_error(std::string("cannot read STRATA_TEST_CONFIG ") + file);
  for (std::string line; std::getline(in, line);)
    if (line.starts_with(name + "=")) return line.substr(name.size() + 1);
  return {};
}

// Exports the settings of STRATA_TEST_CONFIG to the environment, once, before any test runs.
[[maybe_unused]] const bool exported = [] {
  const char* file = std::getenv("STRATA_TEST_CONFIG");
  if (!file) return false;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    auto eq = line.find('=');
    if (eq != std::string::npos && eq > 0) ::setenv(line.substr(0, eq).c_str(), line.substr(eq + 1).c_str(), 0);
  }
  return true;
}();

std::string required_setting(const std::string& name) {
  std::string value = setting(name);
  if (value.empty())
    throw std::runtime_error(name + " is not set (environment or STRATA_TEST_CONFIG): the conformance suite needs it");
  return value;
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

fs::path scratch_directory(const char* prefix) {
  std::string pattern = (fs::temp_directory_path() / (std::string(prefix) + "-XXXXXX")).string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  return pattern;
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

std::string test_setting(const std::string& name) {
  return setting(name);
}

std::string file_database_url(const std::filesystem::path& file) {
  return replace_all(required_setting("STRATA_TEST_FILE_DATABASE"), "{file}", fs::absolute(file).string());
}

std::string test_password() {
  return setting("STRATA_TEST_PASSWORD");
}

std::string percent_encoded(const std::string& text) {
  static const char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (ascii_isalnum(static_cast<char>(c)) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

bool shows_password(const std::string& text) {
  static const std::vector<std::string> forms = [] {
    std::vector<std::string> out;
    std::string password = test_password();
    if (password.empty()) return out;
    out.push_back(password);
    out.push_back(percent_encoded(password));
    std::string run;
    for (char c : password + '/') {
      if (ascii_isalnum(c)) {
        run += c;
        continue;
      }
      if (run.size() >= 5) out.push_back(run);
      run.clear();
    }
    return out;
  }();
  return std::any_of(forms.begin(), forms.end(),
                     [&](const auto& form) { return text.find(form) != std::string::npos; });
}

void check_no_password(const std::string& text, const std::string& what) {
  if (shows_password(text)) FAIL_CHECK(what << " shows the database password (STRATA_TEST_PASSWORD), or a part of it");
}

namespace {

// The databases this process created, dropped when its test run ends where STRATA_TEST_DROP_SQL
// is set (and STRATA_TEST_KEEP_DATABASES is not): a server that keeps every test's database
// answers its catalog more slowly the longer the suite runs.
std::mutex created_mutex;
std::vector<std::string> created_names;

struct DropCreatedDatabases : Catch::TestEventListenerBase {
  using TestEventListenerBase::TestEventListenerBase;
  void testRunEnded(const Catch::TestRunStats&) override {
    std::string drop = setting("STRATA_TEST_DROP_SQL"), admin = setting("STRATA_TEST_ADMIN_URL");
    std::lock_guard lock(created_mutex);
    if (created_names.empty() || drop.empty() || admin.empty() || std::getenv("STRATA_TEST_KEEP_DATABASES")) return;
    try {
      Inspector server(admin);
      for (const auto& name : created_names) server.connection().session().execute(replace_all(drop, "{name}", name));
    } catch (const std::exception& e) {  // the test has its verdict; a database left only slows the server
      std::cerr << "note: a test database was left on the server: " << e.what() << '\n';
    }
  }
};
CATCH_REGISTER_LISTENER(DropCreatedDatabases)

}  // namespace

std::string fresh_database_url(const std::string& url_setting) {
  static std::atomic<int> counter{0};
  std::string name = "strata_t" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
  std::string url = replace_all(required_setting(url_setting), "{name}", name);
  if (std::string admin = setting("STRATA_TEST_ADMIN_URL"); !admin.empty()) {
    Inspector server(admin);
    server.connection().session().execute(replace_all(required_setting("STRATA_TEST_CREATE_SQL"), "{name}", name));
    std::lock_guard lock(created_mutex);
    created_names.push_back(name);
  }
  return url;
}

Inspector::Inspector(const std::string& url, std::chrono::milliseconds lock_wait) {
  auto parsed = without_core_parameters(DatabaseUrl::parse(url));
  driver_ = plugin::Loader().load(parsed.scheme);
  ConnectOptions options{parsed};
  options.lock_wait_timeout = lock_wait;
  auto connection = driver_->connect(options);
  auto driver = driver_;
  connection_ = std::shared_ptr<Connection>(connection.release(), [driver](Connection* c) { delete c; });
}

bool Inspector::has_table(const std::string& table) {
  return connection_->catalog().table_exists(table);
}

std::int64_t Inspector::count(const std::string& sql) {
  auto rows = connection_->session().query(sql);
  const Value& v = rows.at(0).at(0);
  if (auto i = std::get_if<std::int64_t>(&v)) return *i;
  return std::stoll(std::get<std::string>(v));
}

std::vector<LedgerRow> Inspector::ledger(const std::string& table) {
  Ledger ledger(*connection_, table);
  return ledger.exists() ? ledger.read() : std::vector<LedgerRow>{};
}

std::string Inspector::schema_snapshot(const std::string& ledger_table, bool types) {
  std::string out;
  const Dialect& d = connection_->dialect();
  for (const auto& table : connection_->catalog().tables()) {
    if (is_ledger_table(table, ledger_table)) continue;
    out += table + " (" + std::to_string(count("SELECT COUNT(*) FROM " + d.quote_identifier(table))) + " rows):";
    for (const auto& c : connection_->catalog().columns(table))
      out += " " + c.name + (types ? " " + c.type : "") + (c.nullable ? "" : " not null") +
             (c.primary_key ? " pk" : "") + (c.default_sql ? " default " + *c.default_sql : "") + ",";
    auto names = [](const std::vector<std::string>& list) {
      std::string joined;
      for (const auto& n : list) joined += (joined.empty() ? "" : " ") + n;
      return joined;
    };
    for (const auto& i : connection_->catalog().indexes(table))
      if (!i.primary) out += " index " + i.name + " (" + names(i.columns) + ")" + (i.unique ? " unique" : "") + ",";
    for (const auto& k : connection_->catalog().foreign_keys(table))
      out += " foreign key (" + names(k.columns) + ") -> " + k.referenced_table + " (" + names(k.referenced_columns) +
             ") on delete " + k.on_delete + ",";
    try {  // named constraints, where the driver can list them, by name: their order is not schema
      auto constraints = connection_->catalog().constraints(table);
      std::sort(constraints.begin(), constraints.end(), [](auto& a, auto& b) { return a.name < b.name; });
      for (const auto& c : constraints)
        out += " constraint " + c.name + " (" + names(c.columns) + ")" +
               (c.expression.empty() ? "" : " check " + c.expression) + ",";
    } catch (const Error&) {
    }
    out += "\n";
  }
  return out;
}

std::string Inspector::ledger_snapshot(const std::string& table) {
  // Every column of every row as stored, read without strata's ledger code: it must show a
  // ledger strata refuses to read as well as any other.
  std::string out;
  const Dialect& d = connection_->dialect();
  auto rows = [&](const std::string& name, const std::string& order) {
    if (!connection_->catalog().table_exists(name)) return std::vector<Row>{};
    return connection_->session().query("SELECT * FROM " + d.quote_identifier(name) + " ORDER BY " +
                                        d.quote_identifier(order));
  };
  std::vector<Row> all = rows(table, "installed_rank");
  for (auto& row : rows(ledger_state_table(table), "ledger_table")) all.push_back(std::move(row));
  for (const auto& row : all) {
    for (const auto& value : row)
      out += std::visit(
                 [](const auto& v) -> std::string {
                   using T = std::decay_t<decltype(v)>;
                   if constexpr (std::is_same_v<T, std::nullptr_t>)
                     return "NULL";
                   else if constexpr (std::is_same_v<T, std::string>)
                     return v;
                   else
                     return std::to_string(v);
                 },
                 value) +
             " | ";
    out += "\n";
  }
  return out;
}

std::shared_ptr<MigrationLock> Inspector::lock(const std::string& table) {
  auto connection = connection_;
  auto lock = connection_->make_lock(LockScope{table});
  return std::shared_ptr<MigrationLock>(lock.release(), [connection](MigrationLock* l) { delete l; });
}

ScratchDir::ScratchDir() : path_(scratch_directory("strata-scratch")) {}
ScratchDir::~ScratchDir() {
  fs::remove_all(path_);
}

void ScratchDir::write(const std::string& file, const std::string& content) const {
  fs::create_directories((path_ / file).parent_path());
  std::ofstream(path_ / file, std::ios::binary | std::ios::trunc) << content;
}

Child::Child(const std::vector<std::string>& args, const ChildOptions& options) {
  fs::path dir = scratch_directory("strata-child");
  out_ = dir / "stdout";
  err_ = dir / "stderr";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (!options.directory.empty()) posix_spawn_file_actions_addchdir_np(&actions, options.directory.c_str());
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> env;
  for (const auto& e : options.environment) env.push_back(const_cast<char*>(e.c_str()));
  for (char** e = environ; *e; ++e) env.push_back(*e);
  env.push_back(nullptr);
  int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), env.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + args.at(0));
}

Child::~Child() {
  if (!waited_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  fs::remove_all(out_.parent_path());
}

void Child::kill(int signal) {
  ::kill(pid_, signal);
}

std::string Child::err_so_far() const {
  return slurp(err_);
}

ProcessResult Child::wait() {
  int status = 0;
  ::waitpid(pid_, &status, 0);
  waited_ = true;
  ProcessResult r;
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  r.out = slurp(out_);
  r.err = slurp(err_);
  check_no_password(r.out, "the standard output of a process the test ran");
  check_no_password(r.err, "the standard error of a process the test ran");
  // Under the sanitizer tier (scripts/test-sanitizers) a report fails the test that caused it,
  // also when the test did not look at that process's exit code.
  for (const char* report : {"ERROR: AddressSanitizer", "ERROR: LeakSanitizer", ": runtime error: "})
    if (r.err.find(report) != std::string::npos) FAIL_CHECK("a process the test ran reported: " << r.err);
  return r;
}

std::vector<std::string> command_args(const std::string& command, const std::string& url, const ScratchDir& dir,
                                      std::vector<std::string> extra) {
  std::vector<std::string> out{command, "--url", url, "--dir", dir.path().string()};
  out.insert(out.end(), extra.begin(), extra.end());
  return out;
}

std::string slow_statement() {
  if (std::string sql = setting("STRATA_TEST_SLOW_SQL"); !sql.empty()) return sql;
  return "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000000) "
         "SELECT COUNT(*) FROM c";
}

std::vector<std::string> strata_command(const std::vector<std::string>& args) {
  std::vector<std::string> command{required_setting("STRATA_TEST_CLI")};
  command.insert(command.end(), args.begin(), args.end());
  return command;
}

ProcessResult run_strata(const std::vector<std::string>& args, const ChildOptions& options) {
  return Child(strata_command(args), options).wait();
}

// A run that must be refused: its exit code, its message, and nothing changed.
void expect_refused(const std::string& url, const std::vector<std::string>& command, int exit_code,
                    const std::vector<std::string>& message_parts) {
  Inspector db(url);
  std::string schema = db.schema_snapshot(), ledger = db.ledger_snapshot();
  ProcessResult r = run_strata(command);
  INFO(r.err);
  CHECK(r.exit_code == exit_code);
  for (const auto& part : message_parts) CHECK_THAT(r.err, Catch::Contains(part));
  CHECK(db.schema_snapshot() == schema);
  CHECK(db.ledger_snapshot() == ledger);
}

}  // namespace strata::conformance
