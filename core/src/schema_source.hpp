// The schema a project's migrations make, for the stages that compare with it (load_schema,
// drift). Private to libstrata.
#pragma once

#include <strata/engine.hpp>

#include <functional>
#include <string>

namespace strata {

// The versioned migrations of Options::dir (and embedded ones) up to Options::target, those
// `include` accepts (every one when it is empty): folded in memory when every one is portable,
// else replayed into a scratch database (`dev_url`, or a SQLite file of strata's own).
DeclaredSchema history_schema(const Options& options, const std::string& dev_url,
                              const std::function<bool(const Migration&)>& include);

}  // namespace strata
