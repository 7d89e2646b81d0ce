// `strata new <description>`: the next versioned migration file, named so that it sorts after
// every existing one.
#pragma once

#include <strata/version.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace strata::cli {

// The version after `existing`: a timestamp-style project (one part of 8 digits or more) gets
// the current UTC time, YYYYMMDDHHMMSS; a dotted one increments its last part; otherwise the
// number after the newest.
Version next_version(const std::vector<Version>& existing);

struct NewFile {
  std::filesystem::path path;
  Version version;
};
// Writes `content` to V<next>__<description><extension> in `dir` (made if missing). Throws
// Error(usage) for a description that cannot be a file name, or a file already there.
NewFile write_next_migration(const std::filesystem::path& dir, const std::string& description,
                             const std::string& extension, const std::string& content);

// Creates V<next>__<description>.sql in `dir` (made if missing); prints its path. Returns the
// exit code.
int create_migration(const std::filesystem::path& dir, const std::string& description, bool yaml, bool json);

}  // namespace strata::cli
