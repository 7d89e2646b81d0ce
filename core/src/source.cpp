#include <strata/ascii.hpp>
#include <strata/checksum.hpp>
#include <strata/error.hpp>
#include <strata/operations.hpp>
#include <strata/script.hpp>
#include <strata/source.hpp>

#include "descriptor.hpp"
#include "file_batch.hpp"
#include "shared_work.hpp"
#include "utf8.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <exception>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <sstream>
#include <system_error>
#include <thread>
#include <tuple>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace strata {
namespace {

namespace fs = std::filesystem;

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), ascii_isdigit);
}

std::string description_of(std::string_view text) {
  std::string out(text);
  std::replace(out.begin(), out.end(), '_', ' ');
  return out;
}

// V1.2__x, U1.2__x, R__x (stem without extension).
std::optional<MigrationName> parse_flyway(std::string_view stem) {
  char prefix = stem.empty() ? '\0' : stem[0];
  if (prefix != 'V' && prefix != 'U' && prefix != 'R') return std::nullopt;
  std::size_t separator = stem.find("__");
  if (separator == std::string_view::npos) return std::nullopt;
  MigrationName name;
  name.description = description_of(stem.substr(separator + 2));
  if (prefix == 'R') {
    if (separator != 1) return std::nullopt;
    name.kind = MigrationKind::repeatable;
    return name;
  }
  name.version = Version::parse(stem.substr(1, separator - 1));
  if (!name.version) return std::nullopt;
  name.kind = prefix == 'V' ? MigrationKind::versioned : MigrationKind::undo;
  return name;
}

// 002_x, and golang-migrate/dbmate pairs 002_x.up / 002_x.down (stem without .sql).
std::optional<MigrationName> parse_numbered(std::string_view stem) {
  MigrationName name;
  if (stem.ends_with(".up")) {
    stem.remove_suffix(3);
  } else if (stem.ends_with(".down")) {
    stem.remove_suffix(5);
    name.kind = MigrationKind::undo;
  }
  std::size_t underscore = stem.find('_');
  if (underscore == std::string_view::npos || !all_digits(stem.substr(0, underscore))) return std::nullopt;
  name.version = Version::parse(stem.substr(0, underscore));
  if (!name.version) return std::nullopt;
  name.description = description_of(stem.substr(underscore + 1));
  return name;
}

// Why a file that is not a migration name was refused, with the rule it probably meant.
std::string naming_hint(std::string_view file) {
  if (file.ends_with(".yml")) return "not a migration file: portable operations end in .yaml";
  if (!file.ends_with(".sql") && !file.ends_with(".yaml"))
    return "not a migration file: migrations end in .sql (or .yaml for portable operations)";
  if (!file.empty() && (file[0] == 'V' || file[0] == 'U'))
    return "not a migration name: expected V<version>__<description>.sql (two underscores; "
           "version digits separated by '.' or '_')";
  if (!file.empty() && file[0] == 'R') return "not a migration name: expected R__<description>.sql";
  return "not a migration name: expected V<version>__<description>.sql, R__<description>.sql "
         "or <digits>_<description>.sql";
}

// Whether the script holds a statement, not only whitespace and comments. A script the
// generic rules cannot split has content; its own dialect reports the defect later. Most files
// show a statement's first character after a few comments: only a script that is all comments,
// or starts with ';', is split to find out.
bool has_content(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      ++i;
    } else if (text.compare(i, 2, "--") == 0) {
      i = text.find('\n', i);
    } else if (text.compare(i, 2, "/*") == 0) {
      std::size_t end = text.find("*/", i + 2);
      i = end == std::string_view::npos ? end : end + 2;
    } else {
      if (c != ';') return true;
      break;
    }
  }
  try {
    return !split_script(text, SplitRules{}).empty();
  } catch (const Error&) {
    return true;
  }
}

// The directory a list of files was read from, opened once: each file is opened by its name in
// it, not by its whole path, which the kernel would walk again component by component.
struct FileBase {
  int dir = AT_FDCWD;
  std::string_view prefix;  // the directory's path as each file's path begins with it ("dir/")

  // Whether `path` is in the directory: then its name there is what follows the prefix.
  bool within(const std::string& path) const {
    return dir != AT_FDCWD && path.size() > prefix.size() && path.starts_with(prefix);
  }
  // The name in the directory of a path within() it.
  const char* name_in(const std::string& path) const { return path.c_str() + prefix.size(); }
  int open(const std::string& path) const {
    return within(path) ? ::openat(dir, name_in(path), O_RDONLY | O_CLOEXEC)
                        : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  }
};

// The whole file, read with one allocation and no stream: as many bytes as its size says (a file
// that says none, such as a pipe, is read to its end).
std::string read_file(const std::string& path, const FileBase& base) {
  auto cannot = [&] { return Error(ErrorKind::validation, "cannot read the file").in_file(path); };
  detail::Descriptor file(base.open(path));
  if (file.fd < 0) throw cannot();
  struct stat st {};
  if (::fstat(file.fd, &st) != 0) throw cannot();
  bool sized = st.st_size > 0;
  std::string out(sized ? static_cast<std::size_t>(st.st_size) : 0, '\0');
  std::size_t got = 0;
  while (true) {
    if (got == out.size()) {
      if (sized) break;
      out.resize(out.size() + 4096);
    }
    ssize_t n = ::read(file.fd, out.data() + got, out.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw cannot();
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  out.resize(got);
  return out;
}

}  // namespace

std::string migration_identity(const MigrationName& name) {
  if (name.kind == MigrationKind::repeatable) return "repeatable '" + name.description + "'";
  return std::string(name.kind == MigrationKind::undo ? "undo of version " : "version ") + name.version->str();
}

std::string migration_identity(const Migration& m) {
  return migration_identity(MigrationName{m.kind, m.version, m.description, m.dialect, false});
}

void refuse_duplicate(std::span<const Migration> existing, const Migration& m) {
  for (const auto& other : existing)
    if (migration_identity(other) == migration_identity(m) && other.dialect == m.dialect)
      throw Error(ErrorKind::validation,
                  m.where() + ": " + migration_identity(m) + " is also defined by " + other.where());
}

bool is_ignored_file(std::string_view file_name) {
  return file_name.starts_with('.') || file_name.ends_with(".md");
}

std::optional<std::string> dialect_tag(std::string_view word, std::span<const std::string> declared) {
  static constexpr std::pair<std::string_view, std::string_view> known[] = {
      {"sqlite", "sqlite"},       {"sqlite3", "sqlite"},        {"postgres", "postgres"},
      {"postgresql", "postgres"}, {"mysql", "mysql"},           {"mariadb", "mariadb"},
      {"cockroach", "cockroach"}, {"cockroachdb", "cockroach"}, {"yugabyte", "yugabyte"},
      {"tidb", "tidb"},           {"mssql", "mssql"},           {"sqlserver", "mssql"},
      {"oracle", "oracle"},       {"clickhouse", "clickhouse"}, {"duckdb", "duckdb"},
  };
  for (const auto& [spelling, tag] : known)
    if (word == spelling) return std::string(tag);
  if (std::find(declared.begin(), declared.end(), word) != declared.end()) return std::string(word);
  return std::nullopt;
}

void check_declared_dialects(std::span<const std::string> declared, std::string_view where) {
  for (const auto& d : declared) {
    bool word = !d.empty() && std::all_of(d.begin(), d.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
    if (!word)
      throw Error(ErrorKind::usage, std::string(where) + ": the dialect '" + d +
                                        "' is not a lower-case word (letters, digits and '_'), as a file name's "
                                        "dialect tag is");
  }
}

std::optional<MigrationName> parse_migration_name(std::string_view file_name, std::span<const std::string> declared) {
  bool portable = file_name.ends_with(".yaml");
  if (!portable && !file_name.ends_with(".sql")) return std::nullopt;
  std::string_view stem = file_name.substr(0, file_name.size() - (portable ? 5 : 4));
  // `text` without a trailing .<tag>, and the tag.
  auto untagged = [&](std::string_view text) -> std::pair<std::string_view, std::string> {
    std::size_t dot = text.rfind('.');
    if (dot == std::string_view::npos) return {text, ""};
    auto tag = dialect_tag(text.substr(dot + 1), declared);
    return tag ? std::pair{text.substr(0, dot), *tag} : std::pair{text, std::string()};
  };
  // Flyway names: <stem>.<tag>. A `.up` or `.down` in them is part of the description.
  if (auto [base, tag] = untagged(stem); auto name = parse_flyway(base)) {
    name->dialect = tag;
    name->portable = portable;
    return name;
  }
  // Numbered names: <stem>.<tag>.up / .down, or <stem>.<tag> (whose stem may end in .up / .down).
  std::string base(stem), dialect;
  for (std::string_view direction : {std::string_view(".up"), std::string_view(".down")}) {
    if (!stem.ends_with(direction)) continue;
    if (auto [before, tag] = untagged(stem.substr(0, stem.size() - direction.size())); !tag.empty()) {
      base = std::string(before) + std::string(direction);
      dialect = tag;
    }
  }
  if (dialect.empty()) std::tie(base, dialect) = untagged(stem);
  auto name = parse_numbered(base);
  if (!name) return std::nullopt;
  name->dialect = std::move(dialect);
  name->portable = portable;
  return name;
}

void read_directives(Migration& m) {
  const SqlScript* sql = m.sql_script();
  if (!sql) return;
  // The lines of the text as normalise_script makes them (no BOM, CRLF as LF), without a copy.
  std::string_view text = sql->text;
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  int number = 0;
  for (std::size_t at = 0; at < text.size();) {
    std::size_t end = std::min(text.find('\n', at), text.size());
    std::string_view line = text.substr(at, end - at);
    at = end + 1;
    if (line.ends_with('\r') && end < text.size()) line.remove_suffix(1);
    ++number;
    auto first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos) continue;
    if (line.compare(first, 2, "--") != 0) return;  // directives stand before the first statement
    std::string_view comment = line.substr(first + 2);
    comment.remove_prefix(std::min(comment.find_first_not_of(' '), comment.size()));
    if (!comment.starts_with("strata:")) continue;
    std::string_view directive = comment.substr(7);
    directive = directive.substr(0, directive.find_last_not_of(" \t") + 1);
    if (directive == "no-transaction") {
      m.transactional = false;
      continue;
    }
    if (directive.starts_with("allow ")) {  // -- strata:allow drop-column, rename
      std::string codes(directive.substr(6));
      for (char& c : codes)
        if (c == ',') c = ' ';
      std::istringstream words(codes);
      for (std::string code; words >> code;) m.allow.push_back(code);
      continue;
    }
    throw Error(ErrorKind::validation, "unknown directive '-- strata:" + std::string(directive) +
                                           "' (known: -- strata:no-transaction, -- strata:allow CODE)")
        .at_line(number, static_cast<int>(first) + 1);
  }
}

std::vector<Migration> portable_migrations(const MigrationName& name, const std::string& script,
                                           const std::string& origin, ops::Script operations) {
  std::string checksum = ops::checksum(operations);
  // The undo is made of the operations before they move into their migration.
  bool down_written = operations.down.has_value();
  std::optional<std::vector<ops::Operation>> undo = std::move(operations.down);
  std::string undo_missing;
  if (name.kind == MigrationKind::versioned && !undo) {
    ops::DerivedUndo derived = ops::derive_undo(operations.up);
    undo = std::move(derived.operations);
    undo_missing = std::move(derived.missing);
  }
  std::vector<Migration> out;
  out.reserve(2);
  out.push_back(Migration::portable(name, script, std::move(operations.up), std::move(checksum), origin));
  out.front().allow = std::move(operations.allow);
  if (name.kind != MigrationKind::versioned) return out;
  if (!undo) {
    out.front().undo_missing = std::move(undo_missing);  // rollback refuses it, saying why
    return out;
  }
  MigrationName undo_name = name;
  undo_name.kind = MigrationKind::undo;
  ops::Script undo_script{std::move(*undo), std::nullopt};
  std::string undo_checksum = ops::checksum(undo_script);
  std::string undo_origin = out.front().where() + (down_written ? " (down)" : " (undo derived)");
  out.push_back(Migration::portable(undo_name, script, std::move(undo_script.up), std::move(undo_checksum),
                                    std::move(undo_origin)));
  return out;
}

namespace {

// One file of a migrations directory, read: what a thread can do alone, before the files are
// compared with each other. One per file, all alive at once beside the migrations read from
// them: what only some files have is kept apart, in `more`, made when first needed.
struct FileRead {
  struct More {
    std::optional<MigrationName> name;  // given by the folder (diesel), not read from the file's name
    std::string script;                 // the ledger's `script` where it is not the file's name: `folder/up.sql`
    bool no_transaction = false;        // diesel's metadata.toml: run_in_transaction = false
    std::string problem;                // why the file is refused ("": it was read)
    std::vector<Migration> brought;     // the undo it brings, if any (its migration is read into a slot)
  };

  std::string path;         // the directory's path and the file's name, as messages name it
  std::size_t name_at = 0;  // where the file's name starts in `path`
  std::string identity;     // migration_identity of its name; "" when the name is not one
  bool portable = false;    // its name says portable operations (.yaml)
  std::unique_ptr<More> more;
  std::exception_ptr error;  // thrown while reading: rethrown in the files' order (kept without allocating)

  std::string_view file_name() const { return std::string_view(path).substr(name_at); }
  More& extra() {
    if (!more) more = std::make_unique<More>();
    return *more;
  }
  const MigrationName* given_name() const { return more && more->name ? &*more->name : nullptr; }
  std::string_view problem() const { return more ? std::string_view(more->problem) : std::string_view(); }
};

// Why an empty file is refused, and which layouts read one as a migration with nothing to do.
const char* const empty_file = "the file is empty (nothing but whitespace and comments)";

// The migration `f` names (by its folder, or its own name), or nullopt with the problem in `f`.
std::optional<MigrationName> name_of(FileRead& f, std::span<const std::string> declared) {
  std::optional<MigrationName> name =
      f.given_name() ? std::optional<MigrationName>(*f.given_name()) : parse_migration_name(f.file_name(), declared);
  if (!name) f.extra().problem = naming_hint(std::string(f.file_name()));
  return name;
}

// Reads `f`, which names `name`, into `slot`, the place of its migration in the list history_of
// returns; `read_already` is the file's text, where it was read already.
void read_one(FileRead& f, Migration& slot, const MigrationName& name, std::optional<std::string> read_already,
              const FileBase& base, Layout layout) {
  try {
    std::string file = f.more && !f.more->script.empty() ? f.more->script : std::string(f.file_name());
    f.identity = migration_identity(name);
    f.portable = name.portable;
    std::string text = read_already ? std::move(*read_already) : read_file(f.path, base);
    std::size_t bad = 0;
    if (!detail::valid_utf8(text, bad)) {
      f.extra().problem = "not UTF-8 text (invalid byte at offset " + std::to_string(bad) + ")";
      return;
    }
    std::string normalised;  // only when the text is not already normal
    std::string_view normal = text;
    if (!is_normal_script(text)) normal = normalised = normalise_script(text);
    bool empty_allowed = layout == Layout::golang_migrate || layout == Layout::pop || layout == Layout::diesel;
    if (!has_content(normal) && (name.portable || !empty_allowed)) {
      std::string& problem = f.extra().problem;
      problem = empty_file;
      if (!name.portable && layout == Layout::strata)
        problem +=
            "; golang-migrate, pop and diesel read an empty file as a migration with nothing to do: "
            "set format = \"golang-migrate\" (or pop, diesel) in strata.toml, or --format, to read it so";
      return;
    }
    try {
      std::vector<Migration> read;  // the migration, then the undo it brings
      if (name.portable) {
        read = portable_migrations(name, file, f.path, ops::parse_yaml(std::string(normal), f.path));
      } else {
        read = sql_migrations(Migration::sql(name, std::move(file), std::move(text), f.path));
        if (f.more && f.more->no_transaction)
          for (auto& m : read) m.transactional = false;
      }
      slot = std::move(read.front());
      if (read.size() > 1) std::move(read.begin() + 1, read.end(), std::back_inserter(f.extra().brought));
    } catch (const Error& e) {
      f.extra().problem = (e.line() > 0 ? "line " + std::to_string(e.line()) +
                                              (e.column() > 0 ? ", column " + std::to_string(e.column()) : "") + ": "
                                        : "") +
                          e.message();
    }
  } catch (...) {
    f.error = std::current_exception();
  }
}

// Reads every file, file i into slots[i]. Each thread takes the next unread files: a batch of
// them where the kernel reads batches (detail::FileBatch), else one. A file read one by one
// costs four system calls, and one too large for a batch its size to hash, so once the calling
// thread meets one (at once, without batches) it brings in helpers, as many as the machine has
// cores (at most 8, and one per 16 files); small files read in batches cost one thread less than
// starting another does (docs/performance.md). The files not yet taken are offered to `share`
// (where there is one) while the calling thread reads.
void read_all(std::vector<FileRead>& files, std::vector<Migration>& slots, const FileBase& base,
              std::span<const std::string> declared, Layout layout, detail::SharedWork* share) {
  std::atomic<std::size_t> next{0};
  std::atomic<bool> one_by_one{false};  // a file was read one by one
  std::vector<std::thread> helpers;     // the calling thread's
  bool helped = false;
  std::function<void(bool)> work;
  auto bring_helpers = [&] {
    helped = true;
    std::size_t threads = std::min<std::size_t>({std::thread::hardware_concurrency(), 8, files.size() / 16});
    helpers.reserve(threads);  // before any starts: a vector that cannot grow leaves none unjoined
    for (std::size_t i = 1; i < threads; ++i) {
      try {
        helpers.emplace_back(work, false);
      } catch (const std::exception&) {
        break;  // no thread to be had: those there read the rest
      }
    }
  };
  // Nothing escapes it: a file's failure is kept with the file (FileRead::error), and the batch
  // reader throws nothing.
  work = [&](bool calling) {
    if (next.load(std::memory_order_relaxed) >= files.size()) return;  // before making a ring for nothing
    constexpr std::size_t most = detail::FileBatch::capacity;
    // A ring costs 50-280 us to make and end (the first of a process the most): fewer files than
    // two batches save less than that, and are read one by one.
    detail::FileBatch batch(files.size() >= 2 * most);
    std::optional<MigrationName> names[most];
    std::optional<std::string> texts[most];
    const char* paths[most];
    std::size_t read_at[most];  // the place in the taken files of each of `paths`
    for (std::size_t begin, take = batch.available() ? most : 1;
         (begin = next.fetch_add(take, std::memory_order_relaxed)) < files.size();) {
      std::size_t taken = std::min(take, files.size() - begin), reading = 0;
      // The files that name a migration, and of them those the batch can reach by their names in
      // the directory; the others are read one by one, where they always were.
      for (std::size_t i = 0; i < taken; ++i) {
        FileRead& f = files[begin + i];
        try {
          names[i] = name_of(f, declared);
        } catch (...) {
          names[i].reset();
          f.error = std::current_exception();
        }
        if (names[i] && batch.available() && base.within(f.path)) {
          read_at[reading] = i;
          paths[reading++] = base.name_in(f.path);
        }
      }
      std::optional<std::string> read[most];
      batch.read(base.dir, std::span(paths, reading), std::span(texts, reading));
      for (std::size_t k = 0; k < reading; ++k) read[read_at[k]] = std::move(texts[k]);
      for (std::size_t i = 0; i < taken; ++i) {
        if (!names[i]) continue;
        if (!read[i]) one_by_one.store(true, std::memory_order_relaxed);
        read_one(files[begin + i], slots[begin + i], *names[i], std::move(read[i]), base, layout);
      }
      if (calling && !helped && one_by_one.load(std::memory_order_relaxed)) bring_helpers();
    }
  };
  std::function<void()> offered = [&] { work(false); };
  struct Offer {
    detail::SharedWork* share;
    ~Offer() {
      if (share) share->withdraw();  // before what the job reads goes
    }
  } offer{share};
  if (share) share->offer(offered);
  work(true);
  for (auto& t : helpers) t.join();
}

// What the path of an entry of `dir` begins with: `dir/`.
std::string path_prefix(const fs::path& dir) {
  std::string prefix = dir.string();
  if (!prefix.empty() && prefix.back() != '/') prefix += '/';
  return prefix;
}

// The entries of `dir` as `dir/name` (the way fs::path joins them), files and directories apart,
// each sorted by name; hidden files and notes (is_ignored_file) left out. The type comes from
// the listing itself: a file is stat'ed only when the listing does not say (or is a link).
void list_directory(const fs::path& dir, std::vector<FileRead>& files, std::vector<std::string>& directories) {
  std::string prefix = path_prefix(dir);
  auto cannot_list = [&](int error) {
    return Error(ErrorKind::usage, "cannot read the migrations directory '" + dir.string() +
                                       "': " + std::generic_category().message(error));
  };
  std::unique_ptr<DIR, int (*)(DIR*)> listing(::opendir(dir.c_str()), &::closedir);
  if (!listing) throw cannot_list(errno);
  // The files' names one after another in one buffer, and where each is in it; sorted so, then
  // made FileReads once. A FileRead is large, and moving them while their vector grew and was
  // sorted was most of the cost of listing 10,000 files; a string per name, moved likewise, made
  // reading the directory take 8.5 ms where it now takes 5.6.
  std::string names;
  struct Name {
    std::size_t at, size;
  };
  std::vector<Name> found;
  while (true) {
    errno = 0;  // readdir says "no more" and "failed" alike, but sets errno only for the latter
    const dirent* entry = ::readdir(listing.get());
    if (!entry) {
      if (errno != 0) throw cannot_list(errno);
      break;
    }
    std::string_view name = entry->d_name;
    if (is_ignored_file(name)) continue;  // ".", ".." and hidden files too
    bool directory = entry->d_type == DT_DIR;
    if (entry->d_type == DT_UNKNOWN || entry->d_type == DT_LNK) {
      struct stat st {};
      directory = ::fstatat(::dirfd(listing.get()), entry->d_name, &st, 0) == 0 && S_ISDIR(st.st_mode);
    }
    if (directory) {
      directories.push_back(prefix + std::string(name));
    } else {
      found.push_back({names.size(), name.size()});
      names += name;
    }
  }
  auto text = [&](Name n) { return std::string_view(names).substr(n.at, n.size); };
  std::sort(found.begin(), found.end(), [&](Name a, Name b) { return text(a) < text(b); });
  std::sort(directories.begin(), directories.end());
  files.reserve(files.size() + found.size());
  for (Name n : found) {
    FileRead& f = files.emplace_back();
    f.name_at = prefix.size();
    f.path.reserve(prefix.size() + n.size);
    f.path.append(prefix).append(text(n));
  }
}

// diesel's metadata.toml: whether the migration runs outside a transaction; what is wrong in it
// goes to `problems`.
bool diesel_no_transaction(const std::string& path, std::vector<std::string>& problems) {
  toml::table table;
  try {
    table = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    problems.push_back(path + ": line " + std::to_string(e.source().begin.line) + ": " + std::string(e.description()));
    return false;
  }
  bool no_transaction = false;
  for (const auto& [key, node] : table) {
    if (key.str() == "run_in_transaction" && node.is_boolean())
      no_transaction = !node.as_boolean()->get();
    else
      problems.push_back(path + ": " + std::string(key.str()) +
                         ": strata reads only run_in_transaction = true or false in a diesel metadata.toml");
  }
  return no_transaction;
}

// The files of a version folder without up.sql: each `<number>_<name>.sql` is a step of the
// version, applied in the order of the numbers, as version <folder version>.<number>; its undo
// is `<number>_<name>.down.sql`. What leaves the order unknown is refused.
void list_steps(const std::string& folder, const MigrationName& name, bool no_transaction,
                std::vector<FileRead>& inside, std::vector<FileRead>& files, std::vector<std::string>& problems) {
  std::map<std::pair<unsigned long, bool>, std::string> taken;  // (number, undo) -> its file
  std::vector<FileRead> steps;
  std::vector<unsigned long> numbers;  // of each step
  for (auto& f : inside) {
    std::string file(f.file_name());
    if (file == "metadata.toml") continue;
    bool undo = file.ends_with(".down.sql");
    std::size_t digits = 0;
    while (digits < file.size() && ascii_isdigit(file[digits])) ++digits;
    std::string_view stem = std::string_view(file).substr(0, file.size() - (undo ? 9 : 4));
    if (!file.ends_with(".sql") || digits == 0 || digits > 9 || stem.size() < digits ||
        (stem.size() > digits && stem[digits] != '_' && stem[digits] != '-')) {
      problems.push_back(f.path +
                         ": neither up.sql, down.sql, metadata.toml nor a numbered step (<number>_<name>.sql, "
                         "or .down.sql): in a folder without up.sql, the order of the files is known only from "
                         "their numbers");
      continue;
    }
    unsigned long number = std::stoul(file.substr(0, digits));
    auto [other, fresh] = taken.emplace(std::make_pair(number, undo), file);
    if (!fresh) {
      problems.push_back(f.path + ": numbered " + std::to_string(number) + ", as " + other->second +
                         " is: which of the two runs first is not known");
      continue;
    }
    FileRead::More& more = f.extra();
    more.name = name;
    more.name->kind = undo ? MigrationKind::undo : MigrationKind::versioned;
    more.name->version = Version::parse(name.version->str() + "." + std::to_string(number));
    std::string_view described = stem.size() > digits ? stem.substr(digits + 1) : std::string_view();
    if (!described.empty()) more.name->description = description_of(described);
    more.script = folder + "/" + file;
    more.no_transaction = no_transaction;
    steps.push_back(std::move(f));
    numbers.push_back(number);
  }
  for (std::size_t i = 0; i < steps.size(); ++i) {
    if (steps[i].given_name()->kind == MigrationKind::undo && !taken.count({numbers[i], false})) {
      problems.push_back(steps[i].path + ": an undo with no step of its number to undo");
      continue;
    }
    files.push_back(std::move(steps[i]));
  }
}

// The files of a diesel directory, each folder's up.sql and down.sql named by the folder.
void list_diesel(const fs::path& dir, std::vector<FileRead>& files, std::vector<std::string>& problems) {
  std::vector<FileRead> top;
  std::vector<std::string> folders;
  list_directory(dir, top, folders);
  for (const auto& f : top)
    problems.push_back(f.path +
                       ": not in a migration's folder: diesel's layout keeps each migration in "
                       "<version>_<name>/up.sql");
  for (const auto& folder_path : folders) {
    std::string folder = folder_path.substr(folder_path.rfind('/') + 1);
    auto name = parse_folder_name(folder);
    if (!name) {
      problems.push_back(folder_path +
                         ": not a migration folder: expected <version>_<name>, e.g. "
                         "2019-02-26-002946_create_users");
      continue;
    }
    std::vector<FileRead> inside;
    std::vector<std::string> nested;
    list_directory(folder_path, inside, nested);
    for (const auto& n : nested) problems.push_back(n + ": a folder inside a migration's folder");
    bool no_transaction = false, up = false;
    for (const auto& f : inside)
      if (f.file_name() == "metadata.toml") no_transaction = diesel_no_transaction(f.path, problems);
    // Without up.sql or down.sql, and with a file other than metadata.toml: numbered steps.
    bool steps =
        std::none_of(inside.begin(), inside.end(),
                     [](const FileRead& f) { return f.file_name() == "up.sql" || f.file_name() == "down.sql"; }) &&
        std::any_of(inside.begin(), inside.end(), [](const FileRead& f) { return f.file_name() != "metadata.toml"; });
    if (steps) {
      list_steps(folder, *name, no_transaction, inside, files, problems);
      continue;
    }
    for (auto& f : inside) {
      std::string file(f.file_name());
      if (file == "metadata.toml") continue;
      if (file != "up.sql" && file != "down.sql") {
        problems.push_back(f.path + ": not up.sql, down.sql or metadata.toml, the files of a diesel migration");
        continue;
      }
      up = up || file == "up.sql";
      FileRead::More& more = f.extra();
      more.name = *name;
      more.name->kind = file == "up.sql" ? MigrationKind::versioned : MigrationKind::undo;
      more.script = folder + "/" + file;
      more.no_transaction = no_transaction;
      files.push_back(std::move(f));
    }
    if (!up) problems.push_back(folder_path + ": no up.sql");
  }
}

// Flyway: every subfolder's files too, each named by its own name. `within`: the folders being
// listed, from the location down, by device and inode, so that a link back to one of them is
// refused rather than followed for ever.
void list_recursively(const fs::path& dir, std::vector<FileRead>& files, std::vector<std::pair<dev_t, ino_t>>& within) {
  std::vector<std::string> folders;
  list_directory(dir, files, folders);  // refuses what cannot be read, before it is stat'ed
  struct stat st {};
  std::pair<dev_t, ino_t> id{};
  if (::stat(dir.c_str(), &st) == 0) id = {st.st_dev, st.st_ino};
  if (std::find(within.begin(), within.end(), id) != within.end())
    throw Error(ErrorKind::usage, "cannot read the migrations directory: " + dir.string() +
                                      " is a link back to a folder that holds it, which would be read for ever");
  within.push_back(id);
  for (const auto& folder : folders) list_recursively(folder, files, within);
  within.pop_back();
}

}  // namespace

const char* to_string(Layout layout) {
  switch (layout) {
    case Layout::strata: return "strata";
    case Layout::golang_migrate: return "golang-migrate";
    case Layout::goose: return "goose";
    case Layout::dbmate: return "dbmate";
    case Layout::flyway: return "flyway";
    case Layout::pop: return "pop";
    case Layout::diesel: return "diesel";
  }
  return "?";
}

std::optional<Layout> parse_layout(std::string_view text) {
  for (Layout l : {Layout::strata, Layout::golang_migrate, Layout::goose, Layout::dbmate, Layout::flyway, Layout::pop,
                   Layout::diesel})
    if (text == to_string(l)) return l;
  return std::nullopt;
}

std::optional<MigrationName> parse_folder_name(std::string_view folder) {
  std::size_t separator = folder.find('_');
  if (separator == std::string_view::npos || separator == 0 || separator + 1 == folder.size()) return std::nullopt;
  std::string digits;
  for (char c : folder.substr(0, separator)) {
    if (c == '-') continue;
    if (!ascii_isdigit(c)) return std::nullopt;
    digits += c;
  }
  MigrationName name;
  name.version = Version::parse(digits);
  if (!name.version) return std::nullopt;
  name.description = description_of(folder.substr(separator + 1));
  return name;
}

std::string undo_file_for(std::string_view script, const Version& version) {
  std::string s(script);
  if (s.ends_with("/up.sql")) return s.substr(0, s.size() - 6) + "down.sql";
  if (s.ends_with(".up.sql")) return s.substr(0, s.size() - 7) + ".down.sql";
  if (s.find('/') != std::string::npos && s.ends_with(".sql")) return s.substr(0, s.size() - 4) + ".down.sql";
  return "U" + version.str() + "__<description>.sql";
}

std::vector<Migration> load_directory(const fs::path& dir, std::span<const std::string> declared, Layout layout) {
  return detail::load_directory(dir, declared, layout, nullptr);
}

std::vector<Migration> detail::load_directory(const fs::path& dir, std::span<const std::string> declared, Layout layout,
                                              SharedWork* share) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw Error(ErrorKind::usage, "the migrations directory '" + dir.string() + "' does not exist");
  std::vector<FileRead> files;
  std::vector<std::string> directories;
  std::vector<std::string> problems;
  if (layout == Layout::diesel) {
    list_diesel(dir, files, problems);
  } else if (layout == Layout::flyway) {
    std::vector<std::pair<dev_t, ino_t>> within;
    list_recursively(dir, files, within);
    std::sort(files.begin(), files.end(), [](const FileRead& a, const FileRead& b) { return a.path < b.path; });
  } else {
    list_directory(dir, files, directories);
  }
  // Each file's migration is read straight into its place here; the files refused or left out
  // are then closed up, in place, so that no second list of migrations is ever made.
  std::vector<Migration> migrations(files.size());
  std::string prefix = path_prefix(dir);
  detail::Descriptor opened(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  read_all(files, migrations, opened.fd >= 0 ? FileBase{opened.fd, prefix} : FileBase{}, declared, layout, share);

  // The files in order: the first of several problems, or a file read wrongly, is the first by name.
  auto refuse = [&](const std::string& path, const std::string& why) { problems.push_back(path + ": " + why); };
  auto directory = directories.begin();
  auto directories_before = [&](const std::string* path) {
    for (; directory != directories.end() && (!path || *directory < *path); ++directory) {
      struct stat st {};
      bool up = ::stat((*directory + "/up.sql").c_str(), &st) == 0;
      refuse(*directory, up ? "a directory: migrations are read from one flat directory; it holds up.sql, as diesel's "
                              "folder per migration does: set format = \"diesel\" in strata.toml, or --format, to "
                              "read such folders"
                            : "a directory: migrations are read from one flat directory; Flyway reads the subfolders "
                              "of its locations: set format = \"flyway\" in strata.toml, or --format, to read them so");
    }
  };
  // Two forms of one migration are possible only where a portable one is.
  bool portable = std::any_of(files.begin(), files.end(), [](const FileRead& f) { return f.portable; });
  std::size_t kept = 0;                               // migrations[0, kept) are taken
  std::map<std::string, const FileRead*> seen;        // variant (the identity, " for <dialect>") -> file
  std::map<std::string_view, const FileRead*> forms;  // identity -> its first file (SQL or portable)
  std::vector<Migration> derived_undo;                // the undo portable migrations bring
  for (std::size_t i = 0; i < files.size(); ++i) {
    FileRead& f = files[i];
    directories_before(&f.path);
    if (f.error) std::rethrow_exception(f.error);
    if (f.identity.empty()) {
      refuse(f.path, std::string(f.problem()));
      continue;
    }
    if (portable) {
      auto [form, first_form] = forms.emplace(f.identity, &f);
      if (!first_form && form->second->portable != f.portable) {
        refuse(f.path, f.identity + " is written both as SQL and as portable operations (" +
                           std::string(form->second->file_name()) + "): one migration has one form");
        continue;
      }
    }
    if (!f.problem().empty()) {
      refuse(f.path, std::string(f.problem()));
      continue;
    }
    const std::string& dialect = migrations[i].dialect;
    auto [it, inserted] = seen.emplace(dialect.empty() ? f.identity : f.identity + " for " + dialect, &f);
    if (!inserted) {
      refuse(f.path, it->first + " is also defined by " + it->second->path);
      continue;
    }
    if (kept != i) migrations[kept] = std::move(migrations[i]);
    ++kept;
    if (f.more) std::move(f.more->brought.begin(), f.more->brought.end(), std::back_inserter(derived_undo));
  }
  migrations.erase(migrations.begin() + static_cast<std::ptrdiff_t>(kept), migrations.end());
  directories_before(nullptr);
  // The undo a portable migration brings stands unless an undo file of that version exists; a
  // Down section beside an undo file leaves it unclear which one undoes the version.
  for (auto& undo : derived_undo) {
    auto file = seen.find(migration_identity(undo) + (undo.dialect.empty() ? "" : " for " + undo.dialect));
    if (file == seen.end())
      migrations.push_back(std::move(undo));
    else if (!undo.operations())
      problems.push_back(undo.origin + ": " + migration_identity(undo) + " is also defined by " + file->second->path +
                         ": keep one of them");
  }
  if (!problems.empty()) {
    std::string message = problems.size() == 1 ? "" : std::to_string(problems.size()) + " defective migration files:";
    for (const auto& p : problems) message += (message.empty() ? "" : "\n  ") + p;
    throw Error(ErrorKind::validation, message);
  }
  if (std::is_sorted(migrations.begin(), migrations.end(), applies_before)) return migrations;
  // Files named V1, V10, V2 ...: their positions sorted, then the migrations put in place along
  // each cycle of that permutation, each moved about once (sorting the migrations themselves moved
  // each many times, through a buffer as large as the vector).
  std::vector<std::size_t> order(migrations.size());  // order[i]: the migration that goes to i
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return applies_before(migrations[a], migrations[b]); });
  for (std::size_t start = 0; start < order.size(); ++start) {
    if (order[start] == start) continue;
    Migration first = std::move(migrations[start]);
    std::size_t at = start;
    for (std::size_t from = order[at]; from != start; from = order[at]) {
      migrations[at] = std::move(migrations[from]);
      order[at] = at;
      at = from;
    }
    migrations[at] = std::move(first);
    order[at] = at;
  }
  return migrations;
}

std::vector<Migration> select_for_dialect(std::vector<Migration> files, std::span<const std::string> suffixes,
                                          Layout layout) {
  // Without a dialect's variant every file is its migration's one form (history_of refused two).
  if (std::none_of(files.begin(), files.end(), [](const Migration& m) { return !m.dialect.empty(); })) return files;
  std::vector<std::string> preferred;  // as tags: a driver may declare an alias (postgresql)
  for (const auto& s : suffixes) preferred.push_back(dialect_tag(s).value_or(s));
  auto rank = [&](const Migration& m) {
    if (m.dialect.empty()) return preferred.size();
    auto at = std::find(preferred.begin(), preferred.end(), m.dialect);
    return at == preferred.end() ? preferred.size() + 1 : static_cast<std::size_t>(at - preferred.begin());
  };
  std::map<std::string, std::size_t> best;  // identity -> index into files
  std::map<std::string, std::vector<std::string>> variants;
  for (std::size_t i = 0; i < files.size(); ++i) {
    std::string identity = migration_identity(files[i]);
    if (!files[i].dialect.empty()) variants[identity].push_back(files[i].dialect);
    auto [it, first] = best.emplace(identity, i);
    if (!first && rank(files[i]) < rank(files[it->second])) it->second = i;
  }
  std::vector<std::string> problems;
  std::vector<Migration> chosen;
  chosen.reserve(best.size());
  for (std::size_t i = 0; i < files.size(); ++i) {
    std::string identity = migration_identity(files[i]);
    if (best[identity] != i) continue;
    if (rank(files[i]) > preferred.size()) {
      if (layout == Layout::pop) continue;  // pop's rule: a version for some databases only
      std::string dialects;
      for (const auto& d : variants[identity]) dialects += (dialects.empty() ? "" : ", ") + d;
      std::string wanted = preferred.empty() ? std::string("this database") : std::string(preferred.front());
      problems.push_back(identity + " has variants for " + dialects + " but none for " + wanted +
                         " and no plain .sql file (" + files[i].script +
                         "); pop skips such a version on other databases: set format = \"pop\" in strata.toml, or "
                         "--format, to do so");
      continue;
    }
    chosen.push_back(std::move(files[i]));
  }
  if (!problems.empty()) {
    std::string message;
    for (const auto& p : problems) message += (message.empty() ? "" : "\n  ") + p;
    throw Error(ErrorKind::validation, message);
  }
  return chosen;
}

}  // namespace strata
