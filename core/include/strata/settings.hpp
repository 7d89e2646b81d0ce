// The settings of a run, by name: one vocabulary for the command line's long options
// (`--lock-timeout 30`), strata.toml's keys (`lock_timeout = 30`) and any other front end (the
// C ABI's key/value options), so that none of them spells or checks a setting differently.
//
//   strata::Settings settings;                     // every setting at its default
//   settings.set("url", "sqlite:app.db");          // Error(usage) naming it: unknown name, bad value
//   settings.set("lock-timeout", "30");            // lock_timeout and --lock-timeout are the same name
//   settings.read_file("strata.toml");             // fills what is not set yet
//   strata::Engine engine(settings.options());
//
// A name is matched with any leading "--" removed and '_' read as '-'. Values are text: numbers
// of seconds may have a fraction; a flag takes true/false (also 1/0, yes/no, on/off); a list
// (plugin-dir, dialects) grows by one value per set(). A value type follows Options.
//
// A value; not thread-safe while being set. read_file() and set() throw Error(usage) and leave
// the settings as they were.
#pragma once

#include <strata/engine.hpp>
#include <strata/export.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace strata {

// One setting, for help texts and listings.
struct SettingInfo {
  std::string_view name;   // "lock-timeout": the long option without "--"
  std::string_view takes;  // "seconds", "text", "true/false", "version", ...
  std::string_view help;
  bool in_file = true;  // may be set in strata.toml (as "lock_timeout")
};

class STRATA_API Settings {
 public:
  // Every setting a run takes, in a fixed order. The reference lives for the program.
  static const std::vector<SettingInfo>& known();

  // Sets the setting `name` from `value`. Throws Error(usage): an unknown name (listing the
  // known ones), or a value it does not take, naming the setting as given.
  void set(std::string_view name, std::string_view value);
  // Whether `name` was set (by set() or read_file()).
  bool is_set(std::string_view name) const;

  // Reads strata.toml at `path` and sets each key not set yet (what is set beats the file);
  // paths in it are relative to the file. Returns false when the file does not exist. Throws
  // Error(usage) naming the file, line and column of a defect (an unknown key, a wrong type, a
  // setting the file may not hold: plugin directories load only from the documented path).
  bool read_file(const std::filesystem::path& path);

  // With format "flyway" and no dir set: takes dir from the project's Flyway configuration in
  // `project_dir`, the first of flyway.toml (`locations` of its [flyway] table), flyway.conf and
  // conf/flyway.conf (`flyway.locations`) that exists. Its one location, relative to project_dir
  // (where Flyway's command line is run):
  // `filesystem:PATH`, or `classpath:PATH` (or a bare PATH) where src/main/resources/PATH exists,
  // as Maven and Gradle lay out a classpath. Returns the file read, or "" (none, or not needed).
  // Throws Error(usage) naming the file and line of what it cannot follow: several locations,
  // a classpath location with no such folder, another scheme, a ${placeholder}.
  std::filesystem::path read_flyway_config(const std::filesystem::path& project_dir);

  // The Options these settings make; the event callback and embedded migrations are the
  // caller's to add.
  const Options& options() const { return options_; }

 private:
  Options options_;
  std::map<std::string, bool, std::less<>> set_;
};

}  // namespace strata
