#include "config.hpp"

#include <strata/error.hpp>
#include <strata/source.hpp>

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

// `dialects = ["litefile"]`: the project's own dialect tags, each a word a file name can carry.
std::vector<std::string> read_dialects(const std::filesystem::path& path, const toml::node& node) {
  const toml::array* array = node.as_array();
  if (!array) throw config_error(path, node.source(), "dialects must be an array of strings");
  std::vector<std::string> out;
  for (const auto& element : *array) {
    auto value = element.value<std::string>();
    if (!value) throw config_error(path, element.source(), "dialects must be an array of strings");
    try {
      std::vector<std::string> one{*value};
      check_declared_dialects(one, "dialects");
    } catch (const Error& e) {
      throw config_error(path, element.source(), e.message());
    }
    out.push_back(*value);
  }
  return out;
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
    else if (name == "dialects")
      defaults.dialects = read_dialects(path, node);
    else if (name == "connect_retries")
      defaults.connect_retries =
          static_cast<int>(*read_value<std::int64_t>(path, node, "connect_retries", "a whole number"));
    else
      throw config_error(path, node.source(),
                         "unknown setting '" + name +
                             "' (known: url, dir, ledger_table, lock_timeout, statement_timeout, ddl_lock_timeout, "
                             "connect_retries, dialects)");
  }
  return defaults;
}

}  // namespace strata::cli
