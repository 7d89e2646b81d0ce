// Finding and loading driver plugins.
//
// Search order: the directories given explicitly (--plugin-dir), then STRATA_PLUGIN_PATH
// (colon-separated, absolute entries only), then the directory installed with strata
// (<prefix>/lib/strata, found next to libstrata itself), then the build tree. Never the current
// directory. Each candidate file (strata-driver-*.so) is first read, not loaded: its ABI
// fingerprint, schemes and suffixes come from its symbol table; a file that is not a strata
// plugin, or is built for another ABI, is refused with the reason. Only the plugin serving the
// requested scheme is loaded, and once loaded it stays loaded until the process ends (its client
// library may keep state it never frees: unloading would lose it).
//
// A strata built with STRATA_STATIC_DRIVERS=ON has its drivers linked in: they are listed first,
// as built in, and it loads no plugins (a plugin links the shared libstrata, which such a
// product does not have); a plugin directory given to it is reported, never searched.
#pragma once

#include <strata/driver.hpp>
#include <strata/export.hpp>

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace strata::plugin {

struct SearchDirectory {
  std::filesystem::path path;
  std::string origin;   // "--plugin-dir", "STRATA_PLUGIN_PATH", "installed", "build tree"
  std::string problem;  // why it is not searched ("does not exist", "not absolute"); "" if it is
};

struct PluginFile {
  std::filesystem::path path;         // "" for a driver linked into the program
  bool builtin = false;               // linked in (STRATA_STATIC_DRIVERS), not a file
  std::string name;                   // from the file name: strata-driver-<name>.so
  std::vector<std::string> schemes;   // as declared
  std::vector<std::string> suffixes;  // as declared
  std::string abi;                    // the ABI fingerprint declared, "" if none
  std::string refusal;                // why it cannot be used; "" when it can
  bool shadowed = false;              // an earlier directory serves the same schemes
};

// The ABI fingerprint of this strata, e.g. "1_gxx1017_libstdcxx_cxx11".
STRATA_API std::string abi_fingerprint();
// Whether this strata was built with its drivers linked in (STRATA_STATIC_DRIVERS).
STRATA_API bool drivers_linked_in();

class STRATA_API Loader {
 public:
  explicit Loader(const std::vector<std::filesystem::path>& explicit_dirs = {});

  const std::vector<SearchDirectory>& search_path() const noexcept { return search_path_; }
  // Every candidate file in the search path, read without loading (once per Loader).
  const std::vector<PluginFile>& discover() const;
  // Loads the plugin serving `scheme` (the first usable file in the search path that declares
  // it, reading files only as far as that one) and makes its driver. Throws Error(connection)
  // naming the scheme, every directory searched, and every file refused and why.
  std::shared_ptr<Driver> load(std::string_view scheme) const;
  // Loads the plugin in `file` (already discovered and not refused) and makes its driver.
  std::shared_ptr<Driver> load_file(const PluginFile& file) const;

 private:
  // Reads the candidate files in order until `enough` says so; every file when it never does.
  std::vector<PluginFile> read_files(const std::function<bool(const PluginFile&)>& enough) const;

  std::vector<SearchDirectory> search_path_;
  mutable std::optional<std::vector<PluginFile>> discovered_;
};

}  // namespace strata::plugin
