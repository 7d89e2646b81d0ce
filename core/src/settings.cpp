#include <strata/ascii.hpp>
#include <strata/settings.hpp>
#include <strata/source.hpp>

#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <sstream>

namespace strata {
namespace {

// "--lock_timeout" -> "lock-timeout".
std::string canonical(std::string_view name) {
  while (name.starts_with('-')) name.remove_prefix(1);
  std::string out(name);
  std::replace(out.begin(), out.end(), '_', '-');
  return out;
}

[[noreturn]] void bad(std::string_view shown, std::string_view takes, std::string_view value) {
  // The value is repeated as typed, with any URL's password hidden (a URL given to another setting).
  throw Error(ErrorKind::usage,
              std::string(shown) + " takes " + std::string(takes) + ", not '" + without_passwords(value) + "'");
}

std::chrono::milliseconds seconds(std::string_view shown, std::string_view value) {
  double s = 0;
  try {
    std::size_t used = 0;
    s = std::stod(std::string(value), &used);
    if (used != value.size() || !std::isfinite(s)) bad(shown, "a number of seconds", value);
  } catch (const std::logic_error&) {  // std::stod: not a number, out of range
    bad(shown, "a number of seconds", value);
  }
  if (s < 0) throw Error(ErrorKind::usage, std::string(shown) + " cannot be negative");
  // Found by fuzzing: a number past what milliseconds hold (1e300) was converted regardless.
  constexpr double most = 100.0 * 365 * 24 * 3600;  // a century
  if (s > most) throw Error(ErrorKind::usage, std::string(shown) + " takes at most a century of seconds (3153600000)");
  return std::chrono::milliseconds(static_cast<long long>(s * 1000));
}

bool flag(std::string_view shown, std::string_view value) {
  std::string v = ascii_lowercase(value);
  if (v == "true" || v == "1" || v == "yes" || v == "on") return true;
  if (v == "false" || v == "0" || v == "no" || v == "off") return false;
  bad(shown, "true or false", value);
}

std::optional<Version> version(std::string_view shown, std::string_view value) {
  auto v = Version::parse(value);
  if (!v)
    throw Error(ErrorKind::usage,
                std::string(shown) + " '" + without_passwords(value) + "' is not a version (e.g. 3, 1.2, 2024_06_01)");
  return v;
}

int whole(std::string_view shown, std::string_view value) {
  int n = 0;
  try {
    std::size_t used = 0;
    n = std::stoi(std::string(value), &used);
    if (used != value.size()) bad(shown, "a whole number", value);
  } catch (const std::logic_error&) {
    bad(shown, "a whole number", value);
  }
  if (n < 0) throw Error(ErrorKind::usage, std::string(shown) + " cannot be negative");
  return n;
}

std::string text(std::string_view shown, std::string_view value) {
  if (value.empty()) bad(shown, "a value", value);
  return std::string(value);
}

Resume resume_mode(std::string_view shown, std::string_view value) {
  if (value == "resume" || value == "true") return Resume::resume;
  if (value == "retry") return Resume::retry;
  if (value == "skip") return Resume::skip;
  if (value == "false" || value == "none") return Resume::none;
  throw Error(ErrorKind::usage, std::string(shown) + " takes retry or skip, not '" + without_passwords(value) + "'");
}

using Setter = std::function<void(Options&, std::string_view shown, std::string_view value)>;

struct Entry {
  SettingInfo info;
  Setter apply;
};

const std::vector<Entry>& entries() {
  static const std::vector<Entry> all{
      {{"url", "a database URL", "the database (sqlite:app.db, postgres://..., mysql://...)"},
       [](Options& o, auto shown, auto v) { o.url = text(shown, v); }},
      {{"dir", "a directory", "the migrations directory"}, [](Options& o, auto, auto v) { o.dir = std::string(v); }},
      {{"format", "a layout",
        "how the migrations directory is laid out: strata (the default), golang-migrate, goose, dbmate, flyway, pop "
        "or diesel"},
       [](Options& o, auto shown, auto v) {
         auto layout = parse_layout(v);
         if (!layout)
           throw Error(ErrorKind::usage, std::string(shown) + " '" + without_passwords(v) +
                                             "' is not a layout: strata, golang-migrate, goose, dbmate, flyway, "
                                             "pop or diesel");
         o.format = *layout;
       }},
      {{"schema", "a file or directory", "the declared schema that diff and generate compare with (schema.yaml)"},
       [](Options& o, auto shown, auto v) { o.schema = text(shown, v); }},
      {{"ledger-table", "a table name", "the ledger table"},
       [](Options& o, auto shown, auto v) { o.ledger_table = text(shown, v); }},
      {{"lock-timeout", "seconds", "how long to wait for the migration lock"},
       [](Options& o, auto shown, auto v) { o.lock_timeout = seconds(shown, v); }},
      {{"statement-timeout", "seconds", "how long one statement may run; 0: no limit"},
       [](Options& o, auto shown, auto v) { o.statement_timeout = seconds(shown, v); }},
      {{"ddl-lock-timeout", "seconds",
        "how long one statement waits for a table lock held by others; 0: the database's default"},
       [](Options& o, auto shown, auto v) { o.ddl_lock_timeout = seconds(shown, v); }},
      {{"create-schema", "true/false", "create the schema named in the URL if it does not exist"},
       [](Options& o, auto shown, auto v) { o.create_schema = flag(shown, v); }},
      {{"connect-retries", "a whole number", "further attempts to connect, 1 s apart, for a database still starting"},
       [](Options& o, auto shown, auto v) { o.connect_retries = whole(shown, v); }},
      {{"plugin-dir", "a directory", "a directory of driver plugins, searched first", false},
       [](Options& o, auto, auto v) { o.plugin_dirs.emplace_back(std::string(v)); }},
      {{"dialects", "a dialect tag", "a dialect tag of the project's own (a third-party driver's)"},
       [](Options& o, auto shown, auto v) {
         std::vector<std::string> one{std::string(v)};
         check_declared_dialects(one, shown);
         o.dialects.push_back(one.front());
       }},
      {{"target", "a version", "migrate up to and including this version"},
       [](Options& o, auto shown, auto v) { o.target = version(shown, v); }},
      {{"out-of-order", "true/false", "apply versions older than the newest applied one"},
       [](Options& o, auto shown, auto v) { o.out_of_order = flag(shown, v); }},
      {{"resume", "resume, retry or skip", "continue a migration that failed part-way"},
       [](Options& o, auto shown, auto v) { o.resume = resume_mode(shown, v); }},
      {{"single-transaction", "true/false", "apply every pending migration in one transaction"},
       [](Options& o, auto shown, auto v) { o.single_transaction = flag(shown, v); }},
      {{"dry-run", "true/false", "show what would run; change nothing"},
       [](Options& o, auto shown, auto v) { o.dry_run = flag(shown, v); }},
      {{"strict", "true/false", "a portable operation that finds drift fails the migration"},
       [](Options& o, auto shown, auto v) { o.strict = flag(shown, v); }},
      {{"check-drift", "true/false",
        "migrate: refuse to apply when the schema differs from what the applied migrations make"},
       [](Options& o, auto shown, auto v) { o.check_drift = flag(shown, v); }},
      {{"list-migrations", "true/false",
        "migrate: the JSON report lists every migration with its state, as status's does"},
       [](Options& o, auto shown, auto v) { o.list_migrations = flag(shown, v); }},
      {{"dev-url", "a database URL",
        "where SQL migrations are replayed to know what they make (a SQLite file of strata's own by default)"},
       [](Options& o, auto shown, auto v) { o.dev_url = text(shown, v); }},
      {{"baseline-on-migrate", "a version", "on a non-empty database without a ledger, baseline at this version first"},
       [](Options& o, auto shown, auto v) { o.baseline_on_migrate = version(shown, v); }},
  };
  return all;
}

const Entry* find(std::string_view name) {
  std::string key = canonical(name);
  for (const auto& e : entries())
    if (e.info.name == key) return &e;
  return nullptr;
}

std::string known_names() {
  std::string out;
  for (const auto& e : entries()) out += (out.empty() ? "" : ", ") + std::string(e.info.name);
  return out;
}

// A TOML value as the text set() takes: strings as they are, numbers and booleans spelled out.
std::optional<std::string> text_of(const toml::node& node) {
  if (auto s = node.value_exact<std::string>()) return *s;
  if (auto i = node.value_exact<std::int64_t>()) return std::to_string(*i);
  if (auto d = node.value_exact<double>()) {
    std::ostringstream out;
    out << *d;
    return out.str();
  }
  if (auto b = node.value_exact<bool>()) return *b ? "true" : "false";
  return std::nullopt;
}

}  // namespace

const std::vector<SettingInfo>& Settings::known() {
  static const std::vector<SettingInfo> infos = [] {
    std::vector<SettingInfo> out;
    for (const auto& e : entries()) out.push_back(e.info);
    return out;
  }();
  return infos;
}

void Settings::set(std::string_view name, std::string_view value) {
  const Entry* entry = find(name);
  if (!entry)
    throw Error(ErrorKind::usage, "unknown setting '" + without_passwords(name) + "' (known: " + known_names() + ")");
  Options changed = options_;  // a value it refuses leaves the settings as they were
  entry->apply(changed, name, value);
  options_ = std::move(changed);
  set_[std::string(entry->info.name)] = true;
}

bool Settings::is_set(std::string_view name) const {
  return set_.count(canonical(name)) > 0;
}

namespace {

// A usage error in a TOML file, naming its file, line and column.
Error toml_error(const std::filesystem::path& file, const toml::source_region& where, const std::string& message) {
  return Error(ErrorKind::usage, message)
      .in_file(file.string())
      .at_line(static_cast<int>(where.begin.line), static_cast<int>(where.begin.column));
}

}  // namespace

bool Settings::read_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return false;
  auto at = [&](const toml::source_region& where, const std::string& message) {
    return toml_error(path, where, message);
  };
  toml::table table;
  try {
    table = toml::parse_file(path.string());
  } catch (const toml::parse_error& e) {
    throw at(e.source(), std::string(e.description()));
  }
  Settings read = *this;
  auto base = path.parent_path();
  for (const auto& [key, node] : table) {
    std::string name(key.str());
    const Entry* entry = find(name);
    if (!entry || !entry->info.in_file || name.find('-') != std::string::npos) {
      std::string keys;
      for (const auto& e : entries()) {
        if (!e.info.in_file) continue;
        std::string k(e.info.name);
        std::replace(k.begin(), k.end(), '-', '_');
        keys += (keys.empty() ? "" : ", ") + k;
      }
      throw at(node.source(), "unknown setting '" + name + "' (known: " + keys + ")");
    }
    if (is_set(name)) continue;  // what is set beats the file
    std::vector<std::string> values;
    if (const toml::array* array = node.as_array()) {
      for (const auto& element : *array) {
        auto value = element.value_exact<std::string>();
        if (!value) throw at(element.source(), name + " must be an array of strings");
        values.push_back(*value);
      }
    } else if (auto value = text_of(node)) {
      values.push_back(*value);
    } else {
      throw at(node.source(), name + " takes " + std::string(entry->info.takes));
    }
    for (auto& value : values) {
      if ((entry->info.name == "dir" || entry->info.name == "schema") && !value.empty()) {  // relative to the file
        std::filesystem::path p(value);
        if (!p.is_absolute() && !base.empty()) value = (base / p).string();
      }
      try {
        read.set(name, value);
      } catch (const Error& e) {
        throw at(node.source(), e.message());
      }
    }
  }
  *this = std::move(read);
  return true;
}

namespace {

// Where a Flyway configuration file names its locations.
struct FlywayPlace {
  std::filesystem::path file;
  int line = 0;
};

[[noreturn]] void refuse_location(const FlywayPlace& at, const std::string& message) {
  throw Error(ErrorKind::usage, "flyway.locations: " + message).in_file(at.file.string()).at_line(at.line);
}

// The one directory a Flyway location names, relative to `base`.
std::filesystem::path flyway_location(std::string location, const std::filesystem::path& base, const FlywayPlace& at) {
  auto refuse = [&](const std::string& message) { refuse_location(at, message); };
  auto trim = [](std::string& t) {
    t.erase(0, t.find_first_not_of(" \t"));
    t.erase(t.find_last_not_of(" \t") + 1);
  };
  trim(location);
  if (location.empty()) refuse("empty: name the directory of the migrations");
  if (location.find(',') != std::string::npos)
    refuse("several locations (" + location +
           "): strata reads one directory, with its subfolders: set dir in "
           "strata.toml, or --dir, to the one to read");
  if (location.find("${") != std::string::npos)
    refuse("'" + location + "' has a placeholder: set dir in strata.toml, or --dir, to the directory it names");
  auto in_base = [&](const std::string& path) {
    std::filesystem::path p(path);
    return p.is_absolute() || base.empty() ? p : base / p;
  };
  if (location.starts_with("filesystem:")) return in_base(location.substr(std::string_view("filesystem:").size()));
  std::string path =
      location.starts_with("classpath:") ? location.substr(std::string_view("classpath:").size()) : location;
  if (path.find(':') != std::string::npos)
    refuse("'" + location + "': strata reads filesystem: and classpath: locations only");
  while (path.starts_with('/')) path.erase(0, 1);
  std::filesystem::path resources = in_base("src/main/resources") / path;
  std::error_code ec;
  if (!std::filesystem::is_directory(resources, ec))
    refuse("'" + location + "' is on the application's classpath, and " + resources.string() +
           " does not exist: set dir in strata.toml, or --dir, to the folder that holds it");
  return resources;
}

}  // namespace

std::filesystem::path Settings::read_flyway_config(const std::filesystem::path& project_dir) {
  if (options_.format != Layout::flyway || is_set("dir")) return {};
  std::error_code ec;
  std::filesystem::path toml_file = project_dir / "flyway.toml";
  if (std::filesystem::exists(toml_file, ec)) {
    toml::table table;
    try {
      table = toml::parse_file(toml_file.string());
    } catch (const toml::parse_error& e) {
      throw toml_error(toml_file, e.source(), std::string(e.description()));
    }
    const toml::node* node = table["flyway"]["locations"].node();
    if (!node) return {};
    FlywayPlace at{toml_file, static_cast<int>(node->source().begin.line)};
    std::string joined;
    if (const toml::array* array = node->as_array()) {
      for (const auto& element : *array) {
        auto value = element.value_exact<std::string>();
        if (!value) refuse_location(at, "locations must be an array of strings");
        joined += (joined.empty() ? "" : ",") + *value;
      }
    } else if (auto value = node->value_exact<std::string>()) {
      joined = *value;
    } else {
      refuse_location(at, "locations must be an array of strings");
    }
    if (joined.empty()) return {};
    options_.dir = flyway_location(joined, project_dir, at);
    set_["dir"] = true;
    return toml_file;
  }
  for (const char* name : {"flyway.conf", "conf/flyway.conf"}) {
    std::filesystem::path conf = project_dir / name;
    std::ifstream in(conf);
    if (!in) continue;
    // Java properties, as far as Flyway's files use them: `key=value`, `key: value` or
    // `key value`; # and ! comments; an odd number of trailing \ continuing the line; the last
    // of a repeated key wins.
    std::string line, logical, location;
    int number = 0, first = 0, location_line = 0;
    while (std::getline(in, line)) {
      ++number;
      if (logical.empty()) first = number;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      std::string trimmed = line.substr(std::min(line.size(), line.find_first_not_of(" \t\f")));
      if (logical.empty() && (trimmed.empty() || trimmed[0] == '#' || trimmed[0] == '!')) continue;
      std::size_t backslashes = trimmed.size() - (trimmed.find_last_not_of('\\') + 1);
      if (backslashes % 2 == 1) {
        logical += trimmed.substr(0, trimmed.size() - 1);
        continue;
      }
      logical += trimmed;
      std::size_t key_end = std::min(logical.find_first_of("=: \t\f"), logical.size());
      std::size_t value = std::min(logical.find_first_not_of(" \t\f", key_end), logical.size());
      if (value < logical.size() && (logical[value] == '=' || logical[value] == ':'))
        value = std::min(logical.find_first_not_of(" \t\f", value + 1), logical.size());
      if (logical.substr(0, key_end) == "flyway.locations") {
        location = logical.substr(value);
        location_line = first;
      }
      logical.clear();
    }
    if (location_line == 0) return {};
    options_.dir = flyway_location(location, project_dir, FlywayPlace{conf, location_line});
    set_["dir"] = true;
    return conf;
  }
  return {};
}

}  // namespace strata
