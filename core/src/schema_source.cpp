// Where a schema to compare comes from (`strata diff --from/--to`, `strata generate`): the
// migrations (folded in memory when every one is portable, else replayed into a scratch
// database), a live database, a schema.yaml, or a file of DDL. A scratch database is strata's
// own, named strata_scratch_<pid>, and removed on every way out; those of processes that died
// (a SIGKILL) are removed by the next run.
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
  static inline int count_ = 0;
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

// Runs `migrations` (Options::dir or embedded, up to `target`) into a scratch database and reads
// what they made.
DeclaredSchema replay(Options options, const std::string& dev_url) {
  if (!dev_url.empty() && !dev_url.starts_with("sqlite:"))
    throw Error(ErrorKind::usage,
                "--dev-url: a scratch schema on a PostgreSQL or MySQL/MariaDB server is not supported yet; "
                "leave --dev-url out to replay into a SQLite scratch database");
  ScratchFile scratch;
  options.url = scratch.url();
  options.on_event = {};
  options.dry_run = false;
  options.baseline_on_migrate.reset();
  Engine engine(options);
  engine.migrate();
  DeclaredSchema schema = engine.declared_schema();
  return schema;
}

bool is_url(std::string_view text) {
  return text.find("://") != std::string_view::npos || text.starts_with("sqlite:");
}

}  // namespace

std::vector<std::string> render_sql(const std::vector<ops::Operation>& operations, const DeclaredSchema& from,
                                    const std::string& where, const Options& options) {
  if (operations.empty()) return {};
  Options o = options;
  o.dir = "";
  o.target.reset();
  o.on_event = {};
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
    // No directory yet is no history yet: what the first `generate` starts from.
    std::error_code ec;
    bool none = o.dir.empty() || !fs::exists(o.dir, ec);
    std::vector<Migration> files = none ? std::vector<Migration>{} : load_directory(o.dir, o.dialects);
    if (o.embedded) {
      auto embedded = o.embedded->migrations();
      files.insert(files.end(), embedded.begin(), embedded.end());
    }
    // Folded in memory while every migration is portable, for every database alike.
    DeclaredSchema schema;
    bool portable = true;
    for (const auto& m : files) {
      if (m.kind != MigrationKind::versioned || (o.target && *m.version > *o.target)) continue;
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
    schema = portable ? normalize(std::move(schema)) : replay(o, dev_url);
    for (const auto& m : files)
      if (m.kind == MigrationKind::repeatable) {
        schema.notes.push_back("repeatable migrations (" + m.script +
                               ", ...) are outside the table model: the views and functions they make are not "
                               "compared");
        break;
      }
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
