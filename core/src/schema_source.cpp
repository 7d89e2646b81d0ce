// Where a schema to compare comes from (`strata diff --from/--to`, `strata generate`): the
// migrations (folded in memory when every one is portable, else replayed into a scratch
// database), a live database, a schema.yaml, or a file of DDL. A scratch database is strata's
// own, named strata_scratch_<pid>, and removed on every way out; those of processes that died
// (a SIGKILL) are removed by the next run.
#include "schema_source.hpp"
#include "shared_work.hpp"
#include "target.hpp"

#include <strata/diff.hpp>
#include <strata/engine.hpp>
#include <strata/migration_set.hpp>
#include <strata/source.hpp>
#include <strata/url.hpp>

#include <unistd.h>
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>

namespace strata {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view scratch_prefix = "strata_scratch_";

bool process_alive(long pid) {
  return pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM);
}

// The scratch files of processes that are gone: the next run removes what a SIGKILL left.
void remove_stale_scratch(const fs::path& dir) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (!name.starts_with(scratch_prefix)) continue;
    long pid = std::strtol(name.c_str() + scratch_prefix.size(), nullptr, 10);
    if (!process_alive(pid)) fs::remove(entry.path(), ec);
  }
}

// The files of the scratch databases open now, for remove_scratch_databases() in a signal
// handler: fixed buffers, written before a database is created and cleared after it is removed.
constexpr int max_scratch = 4;
constexpr std::size_t max_path = 4096;
constexpr const char* companions[] = {"", "-journal", "-wal", "-shm", ".strata-lock"};
char scratch_paths[max_scratch][std::size(companions)][max_path];
std::atomic<bool> scratch_used[max_scratch];

// A SQLite scratch database in the temporary directory, removed with its companions on every way
// out of its scope (and by remove_scratch_databases on a signal).
class ScratchFile {
 public:
  ScratchFile() {
    std::error_code ec;
    dir_ = fs::temp_directory_path(ec);
    if (ec) dir_ = "/tmp";
    remove_stale_scratch(dir_);
    stem_ = std::string(scratch_prefix) + std::to_string(::getpid()) + "_" + std::to_string(++count_);
    std::string db = (dir_ / (stem_ + ".db")).string();
    for (int slot = 0; slot < max_scratch && slot_ < 0; ++slot) {
      bool free = false;
      if (db.size() + 16 < max_path && scratch_used[slot].compare_exchange_strong(free, true)) slot_ = slot;
    }
    if (slot_ >= 0)
      for (std::size_t c = 0; c < std::size(companions); ++c)
        std::snprintf(scratch_paths[slot_][c], max_path, "%s%s", db.c_str(), companions[c]);
  }
  ~ScratchFile() {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir_, ec))
      if (entry.path().filename().string().starts_with(stem_)) fs::remove(entry.path(), ec);
    if (slot_ >= 0) scratch_used[slot_] = false;
  }
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;

  std::string url() const { return "sqlite:" + (dir_ / (stem_ + ".db")).string(); }

 private:
  static inline std::atomic<int> count_ = 0;  // load_schema may run on several threads at once
  fs::path dir_;
  std::string stem_;
  int slot_ = -1;
};

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(ErrorKind::usage, "cannot read " + file.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// This machine, in a scratch schema's name: a server's stale scratch schemas are those of this
// machine's processes that are gone (another machine's process ids mean nothing here).
std::string host_tag() {
  char name[256] = {};
  ::gethostname(name, sizeof name - 1);
  std::uint32_t h = 2166136261u;  // FNV-1a
  for (const char* c = name; *c; ++c) h = (h ^ static_cast<unsigned char>(*c)) * 16777619u;
  char out[16];
  std::snprintf(out, sizeof out, "%06x", h % 0xFFFFFFu);
  return out;
}

// A scratch schema (PostgreSQL) or database (MySQL) on the server of --dev-url, made on
// construction and dropped on every way out; those a killed strata of this machine left are
// dropped first. Never the dev URL's own schema.
class ServerScratch {
 public:
  ServerScratch(const Options& options, const std::string& dev_url) : options_(options) {
    options_.url = dev_url;
    options_.on_event = {};
    // A stale scratch schema a session still uses (its locks: a killed strata's statement that
    // still runs) is left for a later run, not waited for: MySQL's default wait is a year.
    options_.ddl_lock_timeout = std::chrono::seconds(5);
    target_ = std::make_unique<detail::Target>(options_, [](auto&&...) {});
    target_->connect(detail::Access::may_create);  // a database that is one file may be new
    Connection& c = target_->connection();
    if (c.target_schema().empty()) return;  // a database that is one file: see file_backed()
    drop_stale(c);
    name_ =
        std::string(scratch_prefix) + std::to_string(::getpid()) + "_" + std::to_string(++count_) + "_" + host_tag();
    c.session().execute("CREATE SCHEMA " + c.dialect().quote_identifier(name_));
    // A backend with schemas inside a database names it in the URL's query; one whose schemas
    // are databases, in its path.
    if (c.capabilities().schemas) {
      url_ = dev_url + (dev_url.find('?') == std::string::npos ? "?" : "&") + "schema=" + name_;
    } else {
      auto authority = dev_url.find("://");
      auto path = dev_url.find('/', authority == std::string::npos ? 0 : authority + 3);
      auto query = dev_url.find('?');
      url_ = dev_url.substr(0, path == std::string::npos ? query : path) + "/" + name_ +
             (query == std::string::npos ? "" : dev_url.substr(query));
    }
  }
  ~ServerScratch() {
    if (name_.empty()) return;
    try {
      drop(target_->connection(), name_);
    } catch (const Error& e) {  // the next run drops it
      std::fprintf(stderr, "strata: warning: the scratch schema %s was not dropped (the next run drops it): %s\n",
                   name_.c_str(), e.what());
    }
  }
  ServerScratch(const ServerScratch&) = delete;
  ServerScratch& operator=(const ServerScratch&) = delete;

  bool file_backed() const { return name_.empty(); }
  const std::string& url() const { return url_; }

 private:
  static void drop(Connection& c, const std::string& name) {
    // With schemas inside a database, its objects go with it (CASCADE); a MySQL schema is a
    // database, whose DROP takes its tables.
    c.session().execute("DROP SCHEMA " + c.dialect().quote_identifier(name) +
                        (c.capabilities().schemas ? " CASCADE" : ""));
  }
  static void drop_stale(Connection& c) {
    std::string mine = "_" + host_tag();
    for (const auto& row : c.session().query("SELECT schema_name FROM information_schema.schemata")) {
      if (row.empty() || !std::holds_alternative<std::string>(row[0])) continue;
      const std::string& name = std::get<std::string>(row[0]);
      if (!name.starts_with(scratch_prefix) || !name.ends_with(mine)) continue;
      long pid = std::strtol(name.c_str() + scratch_prefix.size(), nullptr, 10);
      if (process_alive(pid)) continue;
      try {
        drop(c, name);
      } catch (const Error&) {  // still in use: a later run drops it
      }
    }
  }

  static inline std::atomic<int> count_ = 0;  // load_schema may run on several threads at once
  Options options_;
  std::unique_ptr<detail::Target> target_;
  std::string name_, url_;
};

// Runs `migrations` (Options::dir or embedded, up to `target`) into a scratch database and reads
// what they made: a SQLite file of strata's own, or a scratch schema on --dev-url's server.
DeclaredSchema replay(Options options, const std::string& dev_url) {
  options.on_event = {};
  options.dry_run = false;
  options.check_drift = false;  // the scratch database is the history's: judging it would replay again
  options.baseline_on_migrate.reset();
  options.create_schema = false;
  std::optional<ServerScratch> server;
  std::optional<ScratchFile> file;
  if (!dev_url.empty() && !dev_url.starts_with("sqlite:")) server.emplace(options, dev_url);
  if (server && !server->file_backed()) {
    options.url = server->url();
  } else {  // no --dev-url, or one of a database that is one file: a scratch SQLite file
    file.emplace();
    options.url = file->url();
  }
  Engine engine(options);
  engine.migrate();
  return engine.declared_schema();
}

bool is_url(std::string_view text) {
  return text.find("://") != std::string_view::npos || text.starts_with("sqlite:");
}

}  // namespace

std::vector<Migration> history_of(const Options& o, bool missing_dir_is_empty, detail::SharedWork* share) {
  if (o.migrations) return *o.migrations;
  std::error_code ec;
  bool none = o.dir.empty() || (missing_dir_is_empty && !fs::exists(o.dir, ec));
  std::vector<Migration> files =
      none ? std::vector<Migration>{} : detail::load_directory(o.dir, o.dialects, o.format, share);
  if (o.embedded) {
    for (auto& m : o.embedded->migrations(o.dialects)) {
      refuse_duplicate(files, m);
      files.push_back(std::move(m));
    }
    std::stable_sort(files.begin(), files.end(), applies_before);
  }
  return files;
}

DeclaredSchema history_schema(const Options& options, const std::string& dev_url,
                              const std::function<bool(const Migration&)>& include, std::span<const Migration> files) {
  Options o = options;
  auto wanted = [&](const Migration& m) {
    return m.kind == MigrationKind::versioned && !(o.target && *m.version > *o.target) && (!include || include(m));
  };
  // Folded in memory while every migration is portable, for every database alike.
  DeclaredSchema schema;
  bool portable = true;
  std::optional<Version> newest;
  for (const auto& m : files)
    if (wanted(m) && (!newest || *m.version > *newest)) newest = m.version;
  for (const auto& m : files) {
    if (!wanted(m)) continue;
    const auto* list = m.operations();
    portable = list && m.dialect.empty() && std::none_of(list->begin(), list->end(), [](const ops::Operation& op) {
                 return std::holds_alternative<ops::Sql>(op.change);
               });
    if (!portable) break;
    try {
      fold_into(schema, *list);
    } catch (Error& e) {
      throw e.in_file(m.where());
    }
  }
  if (portable) {
    schema = normalize(std::move(schema));
  } else {
    // Replayed up to the newest wanted version; one left out below it runs too, and is named.
    if (include)
      for (const auto& m : files)
        if (m.kind == MigrationKind::versioned && !wanted(m) && newest && *m.version < *newest)
          schema.notes.push_back(m.script +
                                 " is not among them, but is replayed with them (SQL is replayed in "
                                 "version order up to the newest)");
    if (newest) o.target = newest;
    std::vector<std::string> notes = std::move(schema.notes);
    schema = newest ? replay(o, dev_url) : DeclaredSchema{};
    schema.notes.insert(schema.notes.end(), notes.begin(), notes.end());
  }
  for (const auto& m : files)
    if (m.kind == MigrationKind::repeatable) {
      schema.notes.push_back("repeatable migrations (" + m.script +
                             ", ...) are outside the table model: the views and functions they make are not "
                             "compared");
      break;
    }
  return schema;
}

std::vector<std::string> render_sql(const std::vector<ops::Operation>& operations, const DeclaredSchema& from,
                                    const std::string& where, const Options& options) {
  if (operations.empty()) return {};
  Options o = options;
  o.dir = "";
  o.target.reset();
  o.on_event = {};
  o.check_drift = false;
  o.baseline_on_migrate.reset();
  o.ledger_table = "strata_scratch_ledger";  // on a real database: no ledger, nothing recorded
  std::optional<ScratchFile> scratch;
  MigrationSet set;
  if (where == "sqlite") {  // a scratch SQLite database made as `from`
    scratch.emplace();
    o.url = scratch->url();
    Diff made = diff({}, from);
    if (!made.up.empty()) {
      set.operations("V1__from", made.up);
      o.embedded = set;
      Engine(o).migrate();
    }
  } else if (where.find(':') != std::string::npos) {
    o.url = where;  // read, never written: a dry run
  } else {
    throw Error(ErrorKind::usage, "--sql " + where +
                                      ": SQL is rendered against a database of that dialect, whose catalog the "
                                      "guards read: give `sqlite`, or a database URL (postgres://..., mysql://...)");
  }
  set.operations("V2__diff", operations);
  o.embedded = set;
  o.dry_run = true;
  Report report = Engine(o).migrate();
  std::vector<std::string> out;
  for (const auto& preview : report.dry_run)
    out.insert(out.end(), preview.statements.begin(), preview.statements.end());
  return out;
}

void remove_scratch_databases() noexcept {
  for (int slot = 0; slot < max_scratch; ++slot)
    if (scratch_used[slot])
      for (auto& path : scratch_paths[slot]) ::unlink(path);  // async-signal-safe
}

DeclaredSchema load_schema(std::string_view source, const Options& options, const std::string& dev_url) {
  std::string text(source);
  if (is_url(text)) {
    Options o = options;
    o.url = text;
    return Engine(o).declared_schema();
  }
  // "migrations", "migrations@7", or the configured directory, with or without "@7".
  std::string dir = text, at;
  if (auto sign = text.rfind('@'); sign != std::string::npos) {
    dir = text.substr(0, sign);
    at = text.substr(sign + 1);
  }
  bool history = dir == "migrations" || fs::path(dir).lexically_normal() == options.dir.lexically_normal();
  if (history) {
    Options o = options;
    if (dir != "migrations") o.dir = dir;
    if (!at.empty()) {
      o.target = Version::parse(at);
      if (!o.target) throw Error(ErrorKind::usage, "'" + at + "' in '" + text + "' is not a version (e.g. 7, 1.2)");
    }
    DeclaredSchema schema = history_schema(o, dev_url.empty() ? options.dev_url : dev_url, {}, history_of(o, true));
    schema.source = "the migrations in " + o.dir.string() + (at.empty() ? "" : " up to version " + at);
    return schema;
  }
  fs::path path(text);
  if (path.extension() == ".sql") {  // plain DDL, applied to a scratch database
    Options o = options;
    o.dir = "";
    o.target.reset();
    MigrationSet set;
    set.sql("V1__schema.sql", read_text(path));
    o.embedded = std::move(set);
    DeclaredSchema schema = replay(o, dev_url);
    schema.source = path.string();
    return schema;
  }
  return read_declared_schema(path);
}

}  // namespace strata
