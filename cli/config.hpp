// strata.toml: a project's defaults for the command line, so that `strata migrate` needs no
// flags. Flags beat the environment (for the URL), which beats the file.
//
//   url = "sqlite:app.db"          dir = "migrations"        ledger_table = "strata_history"
//   lock_timeout = 60              statement_timeout = 0     ddl_lock_timeout = 0
//   connect_retries = 0            dialects = ["litefile"]   (a third-party driver's file tag)
//
// Paths are relative to the file. An unknown key is an error naming the file and line. Driver
// plugin directories cannot be set here: plugins load only from the documented search path.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace strata::cli {

struct FileDefaults {
  std::optional<std::string> url;
  std::optional<std::string> dir;
  std::optional<std::string> ledger_table;
  std::optional<double> lock_timeout;
  std::optional<double> statement_timeout;
  std::optional<double> ddl_lock_timeout;
  std::optional<int> connect_retries;
  std::vector<std::string> dialects;
};

// Reads `path`; nullopt when it does not exist. Throws Error(usage) for a defect.
std::optional<FileDefaults> read_config(const std::filesystem::path& path);

}  // namespace strata::cli
