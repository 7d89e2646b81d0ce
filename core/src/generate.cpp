// strata diff and strata generate as library calls (see <strata/generate.hpp>), and the
// numbering of new migration files that `strata new` shares.
#include <strata/ascii.hpp>
#include <strata/error.hpp>
#include <strata/generate.hpp>
#include <strata/source.hpp>

#include <algorithm>
#include <ctime>
#include <fstream>

namespace strata {
namespace {

namespace fs = std::filesystem;

std::string file_description(const std::string& description) {
  std::string out;
  for (char c : description) {
    if (c == ' ' || c == '-')
      out += '_';
    else if (ascii_isalnum(c) || c == '_')
      out += c;
    else
      throw Error(ErrorKind::usage, "the description may hold letters, digits, spaces, '-' and '_' only");
  }
  if (out.empty()) throw Error(ErrorKind::usage, "the description is empty");
  return out;
}

// The UTC time `at` as YYYYMMDDHHMMSS.
std::string utc_stamp(std::time_t at = std::time(nullptr)) {
  std::tm utc{};
  gmtime_r(&at, &utc);
  char buffer[16];
  std::strftime(buffer, sizeof buffer, "%Y%m%d%H%M%S", &utc);
  return buffer;
}

}  // namespace

namespace {

// A digit string plus one, at any length ("199" -> "200").
std::string plus_one(std::string digits) {
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    if (*it != '9') {
      ++*it;
      return digits;
    }
    *it = '0';
  }
  return "1" + digits;
}

}  // namespace

Version next_version(const std::vector<Version>& existing) {
  if (existing.empty()) return *Version::parse("1");
  const Version& newest = *std::max_element(existing.begin(), existing.end());
  std::vector<std::string> parts = newest.parts();
  if (parts.size() == 1 && parts[0].size() >= 8) {  // a timestamp-like version: continue with the time
    auto stamp = *Version::parse(utc_stamp());
    return stamp > newest ? stamp : *Version::parse(plus_one(parts[0]));
  }
  parts.back() = plus_one(parts.back());
  std::string text;
  for (std::size_t i = 0; i < parts.size(); ++i) text += (i ? "." : "") + parts[i];
  return *Version::parse(text);
}

namespace {

void write_file(const fs::path& path, const std::string& content) {
  if (fs::exists(path)) throw Error(ErrorKind::usage, path.string() + " already exists");
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << content;
  if (!out.flush()) throw Error(ErrorKind::usage, "cannot write " + path.string());
}

}  // namespace

NewFile write_next_migration(const fs::path& dir, const std::string& description, const std::string& extension,
                             const std::string& content, Layout layout, const std::string& undo_content) {
  std::string name_part = file_description(description);
  bool yaml = extension == ".yaml";
  if (layout == Layout::diesel) {
    if (yaml)
      throw Error(ErrorKind::usage,
                  "diesel's layout keeps SQL only (up.sql, down.sql): portable operations (.yaml) cannot be written "
                  "into it");
    // diesel's versions are the time, written 2019-02-26-002946: now, or a second after the
    // newest folder there when that is not earlier (a time, never 002960).
    std::string stamp = utc_stamp();
    std::error_code ec;
    if (fs::is_directory(dir, ec))
      for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        auto name = parse_folder_name(it->path().filename().string());
        std::string digits = name ? name->version->str() : "";
        std::tm t{};
        if (digits.size() != stamp.size() || digits < stamp || !strptime(digits.c_str(), "%Y%m%d%H%M%S", &t)) continue;
        stamp = utc_stamp(timegm(&t) + 1);
      }
    std::string folder = stamp.substr(0, 4) + "-" + stamp.substr(4, 2) + "-" + stamp.substr(6, 2) + "-" +
                         stamp.substr(8) + "_" + name_part;
    if (fs::exists(dir / folder)) throw Error(ErrorKind::usage, (dir / folder).string() + " already exists");
    write_file(dir / folder / "up.sql", content);
    write_file(dir / folder / "down.sql", undo_content);
    return {dir / folder / "up.sql", *Version::parse(stamp), dir / folder / "down.sql"};
  }
  std::vector<Version> versions;
  std::optional<Version> newest;
  std::size_t width = 0;  // of the newest version, where it is written with leading zeros
  std::error_code ec;
  auto consider = [&](const fs::path& file) {
    std::string n = file.filename().string();
    auto name = parse_migration_name(n);
    if (!name || !name->version) return;
    if (!newest || *name->version > *newest) {
      newest = name->version;
      std::size_t digits = n.find_first_not_of("0123456789");
      width = n.starts_with('0') && digits != std::string::npos && digits > 1 ? digits : 0;
    }
    versions.push_back(*name->version);
  };
  if (fs::is_directory(dir, ec)) {
    if (layout == Layout::flyway) {  // versions are unique across a location's subfolders, linked ones too
      // A folder that cannot be read ends the scan (the next run refuses it, naming it), never
      // with a library's message.
      auto options = fs::directory_options::follow_directory_symlink | fs::directory_options::skip_permission_denied;
      for (fs::recursive_directory_iterator it(dir, options, ec), end; !ec && it != end; it.increment(ec))
        consider(it->path());
    } else {
      for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) consider(it->path());
    }
  }
  bool flyway_naming = layout == Layout::strata || layout == Layout::flyway;
  Version version = versions.empty() && !flyway_naming ? *Version::parse(utc_stamp()) : next_version(versions);
  std::string number = version.str();
  if (!flyway_naming && number.size() < width) number.insert(0, width - number.size(), '0');
  if (yaml || flyway_naming) {
    fs::path path = dir / ("V" + number + "__" + name_part + extension);
    write_file(path, content);
    return {path, version, {}};
  }
  std::string base = number + "_" + name_part;
  if (layout == Layout::goose || layout == Layout::dbmate) {
    write_file(dir / (base + extension), content);
    return {dir / (base + extension), version, {}};
  }
  fs::path up = dir / (base + ".up" + extension), down = dir / (base + ".down" + extension);
  if (fs::exists(down)) throw Error(ErrorKind::usage, down.string() + " already exists");
  write_file(up, content);
  write_file(down, undo_content);
  return {up, version, down};
}

namespace {

DiffOptions rename_options(const std::vector<std::string>& renames) {
  DiffOptions options;
  for (const auto& r : renames) {
    auto equals = r.find('=');
    if (equals == std::string::npos || equals == 0 || equals + 1 == r.size())
      throw Error(ErrorKind::usage, "--rename '" + r + "': write old=new for a table, table.old=new for a column");
    std::string old_name = r.substr(0, equals), new_name = r.substr(equals + 1);
    if (auto dot = old_name.find('.'); dot != std::string::npos)
      options.column_renames[old_name.substr(0, dot)][old_name.substr(dot + 1)] = new_name;
    else
      options.table_renames[old_name] = new_name;
  }
  return options;
}

}  // namespace

Compared compare(const DiffRequest& request, const Options& options) {
  DiffOptions renames = rename_options(request.renames);
  std::string dev_url = request.dev_url.empty() ? options.dev_url : request.dev_url;
  DeclaredSchema from = load_schema(request.from, options, dev_url);
  DeclaredSchema to = load_schema(request.to.empty() ? options.schema.string() : request.to, options, dev_url);
  return {diff(from, to, renames), from.source, to.source, from};
}

Generated generate(const std::string& description, const DiffRequest& request, const Options& options) {
  Generated g{compare(request, options), {}, {}, {}};
  const Diff& d = g.compared.diff;
  if (!d.hints.empty() && !request.no_renames) {
    std::vector<Error> problems;
    std::string message =
        "nothing written: a change may be a rename, and strata never guesses one (--no-renames: none is):";
    for (const auto& h : d.hints) {
      problems.emplace_back(ErrorKind::validation, h);
      message += "\n  " + h;
    }
    throw Error(ErrorKind::validation, message).with_problems(std::move(problems));
  }
  if (d.empty()) return g;
  g.lint = lint_change(d.up, g.compared.from_schema, request.allow, options);
  if (g.lint.refused()) {
    std::vector<Error> problems;
    std::string message = "nothing written: lint refuses the change";
    for (const auto& f : g.lint.findings) {
      if (f.severity != Severity::error || f.allowed) continue;
      std::string line = f.code + ": " + f.message + "; " + f.remedy;
      problems.emplace_back(ErrorKind::validation, line);
      message += "\n  " + line;
    }
    message += "\n(--allow CODE accepts a finding and writes it as the migration's allow:)";
    throw Error(ErrorKind::validation, message).with_problems(std::move(problems));
  }
  std::vector<std::string> header = {
      description,
      "Generated by strata generate from " + g.compared.from + " to " + g.compared.to +
          ". Review it before committing.",
      "Every operation is guarded: a re-run converges. The down is schema-exact, not data-exact:",
      "what a drop removed does not come back with its values."};
  for (const auto& n : d.notes) header.push_back("Note: " + n);
  std::vector<std::string> allowed;
  for (const auto& f : g.lint.findings)
    if (f.allowed && std::find(allowed.begin(), allowed.end(), f.code) == allowed.end()) allowed.push_back(f.code);
  NewFile file =
      write_next_migration(options.dir, description, ".yaml", to_yaml(d.up, d.down, header, allowed), options.format);
  g.file = file.path;
  g.version = file.version.str();
  return g;
}

}  // namespace strata
