#include "new_migration.hpp"

#include <strata/error.hpp>
#include <strata/source.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <fstream>
#include <iostream>

namespace strata::cli {
namespace {

namespace fs = std::filesystem;

std::string file_description(const std::string& description) {
  std::string out;
  for (char c : description) {
    if (c == ' ' || c == '-')
      out += '_';
    else if (std::isalnum(static_cast<unsigned char>(c)) || c == '_')
      out += c;
    else
      throw Error(ErrorKind::usage, "the description may hold letters, digits, spaces, '-' and '_' only");
  }
  if (out.empty()) throw Error(ErrorKind::usage, "the description is empty");
  return out;
}

std::string utc_stamp() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
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

NewFile write_next_migration(const fs::path& dir, const std::string& description, const std::string& extension,
                             const std::string& content) {
  std::string name_part = file_description(description);
  std::vector<Version> versions;
  std::error_code ec;
  if (fs::is_directory(dir, ec))
    for (const auto& entry : fs::directory_iterator(dir))
      if (auto name = parse_migration_name(entry.path().filename().string()); name && name->version)
        versions.push_back(*name->version);
  fs::create_directories(dir);
  Version version = next_version(versions);
  fs::path path = dir / ("V" + version.str() + "__" + name_part + extension);
  if (fs::exists(path)) throw Error(ErrorKind::usage, path.string() + " already exists");
  std::ofstream out(path, std::ios::binary);
  out << content;
  if (!out.flush()) throw Error(ErrorKind::usage, "cannot write " + path.string());
  return {path, version};
}

int create_migration(const fs::path& dir, const std::string& description, bool yaml, bool json) {
  std::string content = yaml ? "# " + description +
                                   "\n# A list of portable operations (see docs/operations.md in strata), e.g.\n"
                                   "# - add_column:\n"
                                   "#     table: incidents\n"
                                   "#     if_missing: true\n"
                                   "#     column: {name: runbook_version, type: integer, nullable: false, default: 1}\n"
                             : "-- " + description + "\n\n";
  NewFile file = write_next_migration(dir, description, yaml ? ".yaml" : ".sql", content);
  if (json)
    std::cout << nlohmann::json{{"created", file.path.string()}, {"version", file.version.str()}}.dump(2) << '\n';
  else
    std::cout << "created " << file.path.string() << ": write its " << (yaml ? "operations" : "SQL")
              << " (an empty migration is refused)\n";
  return 0;
}

}  // namespace strata::cli
