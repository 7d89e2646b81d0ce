#include "elf_symbols.hpp"
#include "guarded_driver.hpp"

#include <strata/plugin/loader.hpp>
#include <strata/plugin/sdk.hpp>

#include <boost/dll/runtime_symbol_info.hpp>
#include <boost/dll/shared_library.hpp>

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <deque>
#include <set>

namespace strata::plugin {

#ifdef STRATA_STATIC_DRIVERS
// Generated with the list of drivers linked in (builtin_drivers.cpp.in): naming each driver's
// link function keeps its registration in the program.
void link_builtin_drivers();
#endif

namespace {

namespace fs = std::filesystem;

constexpr std::string_view file_prefix = "strata-driver-";
constexpr std::string_view file_suffix = ".so";
constexpr std::string_view abi_prefix = "strata_abi_";
constexpr std::string_view scheme_prefix = "strata_scheme_";
constexpr std::string_view suffix_prefix = "strata_suffix_";
constexpr const char* factory_alias = "strata_driver_factory";

// The ABI version is the fingerprint's first part: "1_gxx1017_libstdcxx_cxx11" -> "1".
std::string abi_version_of(const std::string& fingerprint) {
  return fingerprint.substr(0, fingerprint.find('_'));
}

std::string describe_abi(const std::string& fingerprint) {
  std::size_t underscore = fingerprint.find('_');
  std::string rest = underscore == std::string::npos ? "" : fingerprint.substr(underscore + 1);
  return "plugin ABI " + abi_version_of(fingerprint) + (rest.empty() ? "" : " (" + rest + ")");
}

// Reads the declarations a plugin's aliases carry in their names, without loading the file.
void read_declarations(PluginFile& file) {
  std::vector<std::string> symbols;
  bool has_factory = false;
  try {
    symbols = detail::exported_symbols_in(file.path, "boostdll");
  } catch (const std::exception& e) {
    file.refusal = "not a shared library that can be read (" + std::string(e.what()) + ")";
    return;
  }
  for (const auto& symbol : symbols) {
    std::string_view s = symbol;
    if (s.starts_with(abi_prefix))
      file.abi = std::string(s.substr(abi_prefix.size()));
    else if (s.starts_with(scheme_prefix))
      file.schemes.emplace_back(s.substr(scheme_prefix.size()));
    else if (s.starts_with(suffix_prefix))
      file.suffixes.emplace_back(s.substr(suffix_prefix.size()));
    else if (s == factory_alias)
      has_factory = true;
  }
  // The symbol table's order is the linker's: listed in an order of their own.
  std::sort(file.schemes.begin(), file.schemes.end());
  std::sort(file.suffixes.begin(), file.suffixes.end());
  if (file.abi.empty()) {
    file.refusal = "not a strata driver plugin: it declares no strata plugin ABI";
  } else if (file.abi != abi_fingerprint()) {
    file.refusal = "built for " + describe_abi(file.abi) + ", but this strata has " + describe_abi(abi_fingerprint()) +
                   ": rebuild the plugin against this strata's SDK";
  } else if (!has_factory) {
    file.refusal = "declares no driver factory (STRATA_DRIVER_PLUGIN)";
  } else if (file.schemes.empty()) {
    file.refusal = "declares no URL scheme (STRATA_DRIVER_SCHEME)";
  }
}

bool is_plugin_file_name(const std::string& name) {
  return name.size() > file_prefix.size() + file_suffix.size() && name.starts_with(file_prefix) &&
         name.ends_with(file_suffix);
}

std::string list_search_path(const std::vector<SearchDirectory>& dirs) {
  std::string out;
  for (const auto& d : dirs)
    out += "\n  " + d.path.string() + " (" + d.origin + (d.problem.empty() ? "" : ", " + d.problem) + ")";
  return out;
}

void add_directory(std::vector<SearchDirectory>& dirs, std::set<fs::path>& seen, fs::path path, std::string origin) {
  std::error_code ec;
  if (path.is_absolute()) path = fs::weakly_canonical(path, ec);  // <prefix>/bin/../lib -> <prefix>/lib
  SearchDirectory dir{path, std::move(origin), ""};
  if (!path.is_absolute())
    dir.problem = "ignored: not an absolute path";
  else if (!fs::is_directory(path, ec))
    dir.problem = "does not exist";
  if (dir.problem.empty()) {
    auto canonical = fs::canonical(path, ec);
    if (!seen.insert(ec ? path : canonical).second) return;
  }
  dirs.push_back(std::move(dir));
}

std::deque<BuiltinDriver>& builtin_registry() {
  static std::deque<BuiltinDriver> registry;  // a deque: references stay valid as it grows
  return registry;
}

}  // namespace

BuiltinDriver& register_builtin(const char* name, DriverFactory* factory) {
  return builtin_registry().emplace_back(BuiltinDriver{name, {}, {}, factory});
}

bool drivers_linked_in() {
#ifdef STRATA_STATIC_DRIVERS
  return true;
#else
  return false;
#endif
}

std::string abi_fingerprint() {
  return std::string(STRATA_ABI_ALIAS_NAME).substr(abi_prefix.size());
}

Loader::Loader(const std::vector<fs::path>& explicit_dirs) {
#ifdef STRATA_STATIC_DRIVERS
  link_builtin_drivers();
  const char* linked_in = "not searched: this strata has its drivers linked in and loads no plugins";
  for (auto& dir : explicit_dirs) search_path_.push_back({fs::absolute(dir), "--plugin-dir", linked_in});
  if (const char* env = std::getenv("STRATA_PLUGIN_PATH"))
    search_path_.push_back({env, "STRATA_PLUGIN_PATH", linked_in});
  return;
#endif
  std::set<fs::path> seen;
  for (auto& dir : explicit_dirs) add_directory(search_path_, seen, fs::absolute(dir), "--plugin-dir");
  if (const char* env = std::getenv("STRATA_PLUGIN_PATH")) {
    std::string_view path = env;
    while (!path.empty()) {
      std::size_t colon = path.find(':');
      std::string_view entry = path.substr(0, colon);
      if (!entry.empty()) add_directory(search_path_, seen, fs::path(entry), "STRATA_PLUGIN_PATH");
      path = colon == std::string_view::npos ? std::string_view{} : path.substr(colon + 1);
    }
  }
  // libstrata lives in <prefix>/lib; its plugins in <prefix>/lib/strata. The build tree is laid out
  // alike, and named so for the libstrata built there: an installed copy never looks into it.
  fs::path library_dir = boost::dll::this_line_location().parent_path();
  std::error_code ec;
  bool built_here = fs::equivalent(library_dir, fs::path(STRATA_CORE_BUILD_DIR), ec);
  add_directory(search_path_, seen, library_dir / "strata", built_here ? "build tree" : "installed");
}

std::vector<PluginFile> Loader::read_files(const std::function<bool(const PluginFile&)>& enough) const {
  std::vector<PluginFile> files;
  std::set<std::string> served;
  for (const auto& driver : builtin_registry()) {
    PluginFile file{.path = {},
                    .builtin = true,
                    .name = driver.name,
                    .schemes = driver.schemes,
                    .suffixes = driver.suffixes,
                    .abi = abi_fingerprint(),
                    .refusal = "",
                    .shadowed = false};
    served.insert(file.schemes.begin(), file.schemes.end());
    files.push_back(std::move(file));
    if (enough(files.back())) return files;
  }
  for (const auto& dir : search_path_) {
    if (!dir.problem.empty()) continue;
    std::vector<fs::path> candidates;
    for (const auto& entry : fs::directory_iterator(dir.path))
      if (is_plugin_file_name(entry.path().filename().string())) candidates.push_back(entry.path());
    std::sort(candidates.begin(), candidates.end());
    for (const auto& path : candidates) {
      PluginFile file;
      file.path = path;
      std::string name = path.filename().string();
      file.name = name.substr(file_prefix.size(), name.size() - file_prefix.size() - file_suffix.size());
      read_declarations(file);
      if (file.refusal.empty()) {
        file.shadowed = std::all_of(file.schemes.begin(), file.schemes.end(),
                                    [&](const std::string& s) { return served.count(s) > 0; });
        served.insert(file.schemes.begin(), file.schemes.end());
      }
      files.push_back(std::move(file));
      if (enough(files.back())) return files;
    }
  }
  return files;
}

const std::vector<PluginFile>& Loader::discover() const {
  if (!discovered_) discovered_ = read_files([](const PluginFile&) { return false; });
  return *discovered_;
}

std::shared_ptr<Driver> Loader::load(std::string_view scheme) const {
  for (const auto& dir : search_path_)
    if (dir.origin == "--plugin-dir" && !dir.problem.empty())
      throw Error(ErrorKind::connection,
                  "the plugin directory " + dir.path.string() + " (--plugin-dir) " + dir.problem);
  auto declares = [&](const PluginFile& f) {
    return std::find(f.schemes.begin(), f.schemes.end(), scheme) != f.schemes.end();
  };
  auto serves = [&](const PluginFile& f) { return f.refusal.empty() && declares(f); };
  // Only as far as the file that serves it: the others need not be read.
  if (!discovered_) {
    auto read = read_files(serves);
    if (!read.empty() && serves(read.back())) return load_file(read.back());
    discovered_ = std::move(read);  // none serves it: every file was read
  }
  const auto& files = discover();
  for (const auto& file : files)
    if (serves(file)) return load_file(file);

  std::string refused;
  for (const auto& file : files)
    if (!file.refusal.empty()) refused += "\n  " + file.path.string() + ": " + file.refusal;
  // A refused file is the scheme's plugin when it declares the scheme, or, when nothing could
  // be read from it, when its name is the scheme (strata-driver-<scheme>.so).
  auto meant_for = [&](const PluginFile& f) { return declares(f) || (f.schemes.empty() && f.name == scheme); };
  for (const auto& file : files)
    if (!file.refusal.empty() && meant_for(file))
      throw Error(ErrorKind::connection, "the driver plugin for '" + std::string(scheme) +
                                             "' was refused: " + file.path.string() + ": " + file.refusal);
  std::set<std::string> known;
  for (const auto& file : files)
    if (file.refusal.empty()) known.insert(file.schemes.begin(), file.schemes.end());
  std::string searched =
      "; searched:" + list_search_path(search_path_) + (refused.empty() ? "" : "\nrefused:" + refused);
  if (known.empty())
    throw Error(ErrorKind::connection, "no usable driver plugin found for '" + std::string(scheme) + "'" + searched);
  std::string available;
  for (const auto& s : known) available += (available.empty() ? "" : ", ") + s;
  throw Error(ErrorKind::usage, "unknown database URL scheme '" + std::string(scheme) +
                                    "': no driver plugin declares it (available: " + available + ")" + searched);
}

std::shared_ptr<Driver> Loader::load_file(const PluginFile& file) const {
  if (!file.refusal.empty()) throw Error(ErrorKind::connection, file.path.string() + ": " + file.refusal);
  if (file.builtin) {
    for (const auto& driver : builtin_registry())
      if (driver.name == file.name) {
        Driver* made = detail::guarded(file.name, "the driver factory", [&] { return driver.factory(); });
        if (!made) throw Error(ErrorKind::connection, "the built-in driver " + file.name + " made no driver");
        return detail::guard_driver(std::shared_ptr<Driver>(made), file.name);
      }
    throw Error(ErrorKind::connection, "no built-in driver " + file.name);
  }
  auto library = std::make_shared<boost::dll::shared_library>();
  // Loaded once for the life of the process (RTLD_NODELETE): client libraries keep state they
  // never free (libpq's Kerberos support does), so unloading a plugin and loading it again lost
  // that memory each time (150 bytes a cycle for PostgreSQL, found by the sanitizer tier); and a
  // product that makes many engines loads each client library once.
  auto mode = static_cast<boost::dll::load_mode::type>(boost::dll::load_mode::rtld_local |
                                                       boost::dll::load_mode::rtld_now | RTLD_NODELETE);
  try {
    library->load(file.path, mode);
  } catch (const std::exception& e) {
    throw Error(ErrorKind::connection, "cannot load the driver plugin " + file.path.string() + ": " + e.what());
  }
  auto& factory = library->get_alias<strata::Driver*()>(factory_alias);
  Driver* driver = detail::guarded(file.name, "the driver factory", [&] { return factory(); });
  if (!driver) throw Error(ErrorKind::connection, "the driver plugin " + file.path.string() + " made no driver");
  // Every object of the plugin reaches the core guarded: see guarded_driver.hpp.
  return detail::guard_driver(std::shared_ptr<Driver>(driver, [library](Driver* d) { delete d; }), file.name);
}

}  // namespace strata::plugin
