// `strata new <description>`: the next versioned migration file, named so that it sorts after
// every existing one.
#pragma once

#include <strata/engine.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace strata::cli {

// Creates the next migration in Options::dir (made if missing), named as Options::format names
// its files (V<next>__<description>.sql in strata's layout), with its undo file where the layout
// keeps one; prints what it wrote. Returns the exit code.
int create_migration(const Options& options, const std::string& description, bool yaml, bool json);

}  // namespace strata::cli
