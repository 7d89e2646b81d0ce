// `strata new <description>`: the next versioned migration file, named so that it sorts after
// every existing one.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace strata::cli {

// Creates V<next>__<description>.sql in `dir` (made if missing); prints its path. Returns the
// exit code.
int create_migration(const std::filesystem::path& dir, const std::string& description, bool yaml, bool json);

}  // namespace strata::cli
