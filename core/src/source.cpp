#include "utf8.hpp"

#include <strata/checksum.hpp>
#include <strata/error.hpp>
#include <strata/operations.hpp>
#include <strata/script.hpp>
#include <strata/source.hpp>

#include "utf8.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <sstream>
#include <tuple>

namespace strata {
namespace {

namespace fs = std::filesystem;

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); });
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
// generic rules cannot split has content; its own dialect reports the defect later.
bool has_content(std::string_view text) {
  try {
    return !split_script(text, SplitRules{}).empty();
  } catch (const Error&) {
    return true;
  }
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorKind::validation, "cannot read the file").in_file(path.string());
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
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
  std::istringstream lines{normalise_script(sql->text)};
  int number = 0;
  for (std::string line; std::getline(lines, line);) {
    ++number;
    auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos) continue;
    if (line.compare(first, 2, "--") != 0) return;  // directives stand before the first statement
    std::string_view comment = std::string_view(line).substr(first + 2);
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
                                           const std::string& origin, const ops::Script& operations) {
  std::vector<Migration> out{Migration::portable(name, script, operations.up, ops::checksum(operations), origin)};
  out.front().allow = operations.allow;
  if (name.kind != MigrationKind::versioned) return out;
  std::optional<std::vector<ops::Operation>> undo = operations.down;
  if (!undo) {
    ops::DerivedUndo derived = ops::derive_undo(operations.up);
    undo = std::move(derived.operations);
    if (!undo) {
      out.front().undo_missing = std::move(derived.missing);  // rollback refuses it, saying why
      return out;
    }
  }
  MigrationName undo_name = name;
  undo_name.kind = MigrationKind::undo;
  std::string checksum = ops::checksum(ops::Script{*undo, std::nullopt});
  std::string undo_origin = out.front().where() + (operations.down ? " (down)" : " (undo derived)");
  out.push_back(Migration::portable(undo_name, script, std::move(*undo), std::move(checksum), std::move(undo_origin)));
  return out;
}

std::vector<Migration> load_directory(const fs::path& dir, std::span<const std::string> declared) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw Error(ErrorKind::usage, "the migrations directory '" + dir.string() + "' does not exist");
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) files.push_back(entry.path());
  std::sort(files.begin(), files.end());

  std::vector<std::string> problems;
  auto refuse = [&](const fs::path& path, const std::string& why) { problems.push_back(path.string() + ": " + why); };

  std::vector<Migration> migrations;
  std::map<std::string, fs::path> seen;                    // identity (with dialect) -> file
  std::map<std::string, std::pair<fs::path, bool>> forms;  // identity -> a file, and whether portable
  std::vector<Migration> derived_undo;                     // the undo portable migrations bring
  for (const auto& path : files) {
    std::string file = path.filename().string();
    if (is_ignored_file(file)) continue;
    if (fs::is_directory(path)) {
      refuse(path, "a directory: migrations are read from one flat directory");
      continue;
    }
    auto name = parse_migration_name(file, declared);
    if (!name) {
      refuse(path, naming_hint(file));
      continue;
    }
    std::string text = read_file(path);
    std::string identity = migration_identity(*name);
    auto [form, first_form] = forms.emplace(identity, std::pair{path, name->portable});
    if (!first_form && form->second.second != name->portable) {
      refuse(path, identity + " is written both as SQL and as portable operations (" +
                       form->second.first.filename().string() + "): one migration has one form");
      continue;
    }
    std::size_t bad = 0;
    if (!detail::valid_utf8(text, bad)) {
      refuse(path, "not UTF-8 text (invalid byte at offset " + std::to_string(bad) + ")");
      continue;
    }
    if (!has_content(normalise_script(text))) {
      refuse(path, "the file is empty (nothing but whitespace and comments)");
      continue;
    }
    std::vector<Migration> read;
    try {
      if (name->portable) {
        read = portable_migrations(*name, file, path.string(), ops::parse_yaml(normalise_script(text), path.string()));
      } else {
        read = sql_migrations(Migration::sql(*name, file, std::move(text), path.string()));
      }
    } catch (const Error& e) {
      refuse(path, (e.line() > 0 ? "line " + std::to_string(e.line()) +
                                       (e.column() > 0 ? ", column " + std::to_string(e.column()) : "") + ": "
                                 : "") +
                       e.message());
      continue;
    }
    std::string variant = identity + (read.front().dialect.empty() ? "" : " for " + read.front().dialect);
    auto [it, inserted] = seen.emplace(variant, path);
    if (!inserted) {
      refuse(path, variant + " is also defined by " + it->second.string());
      continue;
    }
    migrations.push_back(std::move(read.front()));
    for (std::size_t i = 1; i < read.size(); ++i) derived_undo.push_back(std::move(read[i]));
  }
  // The undo a portable migration brings stands unless an undo file of that version exists; a
  // Down section beside an undo file leaves it unclear which one undoes the version.
  for (auto& undo : derived_undo) {
    auto file = seen.find(migration_identity(undo) + (undo.dialect.empty() ? "" : " for " + undo.dialect));
    if (file == seen.end())
      migrations.push_back(std::move(undo));
    else if (!undo.operations())
      problems.push_back(undo.origin + ": " + migration_identity(undo) + " is also defined by " +
                         file->second.string() + ": keep one of them");
  }
  if (!problems.empty()) {
    std::string message = problems.size() == 1 ? "" : std::to_string(problems.size()) + " defective migration files:";
    for (const auto& p : problems) message += (message.empty() ? "" : "\n  ") + p;
    throw Error(ErrorKind::validation, message);
  }
  std::stable_sort(migrations.begin(), migrations.end(), applies_before);
  return migrations;
}

std::vector<Migration> select_for_dialect(std::vector<Migration> files, std::span<const std::string> suffixes) {
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
  for (std::size_t i = 0; i < files.size(); ++i) {
    std::string identity = migration_identity(files[i]);
    if (best[identity] != i) continue;
    if (rank(files[i]) > preferred.size()) {
      std::string dialects;
      for (const auto& d : variants[identity]) dialects += (dialects.empty() ? "" : ", ") + d;
      std::string wanted = preferred.empty() ? std::string("this database") : std::string(preferred.front());
      problems.push_back(identity + " has variants for " + dialects + " but none for " + wanted +
                         " and no plain .sql file (" + files[i].script + ")");
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
