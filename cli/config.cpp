#include "config.hpp"

#include <strata/error.hpp>

#include <toml++/toml.h>

namespace strata::cli {
namespace {

Error config_error(const std::filesystem::path& path, const toml::source_region& where, const std::string& message) {
  return Error(ErrorKind::usage, message)
      .in_file(path.string())
      .at_line(static_cast<int>(where.begin.line), static_cast<int>(where.begin.column));
}

template <typename T>
std::optional<T> read_value(const std::filesystem::path& path, const toml::node& node, const char* key,
                            const char* expected) {
  if constexpr (std::is_same_v<T, double>) {
    if (auto v = node.value<double>()) return *v;  // integers read as numbers too
  } else {
    if (auto v = node.value<T>()) return *v;
  }
  throw config_error(path, node.source(), std::string(key) + " must be " + expected);
}

}  // namespace

std::optional<FileDefaults> read_config(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::nullopt;
  toml::table table;
  try {
    table = toml::parse_file(path.string());
  } catch (const toml::parse_error& e) {
    throw config_error(path, e.source(), std::string(e.description()));
  }
  FileDefaults defaults;
  auto base = path.parent_path();
  auto relative_to_file = [&](const std::string& p) {
    std::filesystem::path value(p);
    return (value.is_absolute() || base.empty() ? value : base / value).string();
  };
  for (const auto& [key, node] : table) {
    std::string name(key.str());
    if (name == "url")
      defaults.url = read_value<std::string>(path, node, "url", "a string");
    else if (name == "dir")
      defaults.dir = relative_to_file(*read_value<std::string>(path, node, "dir", "a string"));
    else if (name == "ledger_table")
      defaults.ledger_table = read_value<std::string>(path, node, "ledger_table", "a string");
    else if (name == "lock_timeout")
      defaults.lock_timeout = read_value<double>(path, node, "lock_timeout", "a number of seconds");
    else if (name == "statement_timeout")
      defaults.statement_timeout = read_value<double>(path, node, "statement_timeout", "a number of seconds");
    else if (name == "ddl_lock_timeout")
      defaults.ddl_lock_timeout = read_value<double>(path, node, "ddl_lock_timeout", "a number of seconds");
    else if (name == "connect_retries")
      defaults.connect_retries =
          static_cast<int>(*read_value<std::int64_t>(path, node, "connect_retries", "a whole number"));
    else
      throw config_error(path, node.source(),
                         "unknown setting '" + name +
                             "' (known: url, dir, ledger_table, lock_timeout, statement_timeout, ddl_lock_timeout, "
                             "connect_retries)");
  }
  return defaults;
}

}  // namespace strata::cli
