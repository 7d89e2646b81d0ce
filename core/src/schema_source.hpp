// The schema a project's migrations make, for the stages that compare with it (load_schema,
// drift). Private to libstrata.
#pragma once

#include <strata/engine.hpp>

#include <functional>
#include <span>
#include <string>
#include <vector>

namespace strata {
namespace detail {
class SharedWork;
}

// The migrations of Options::dir and the embedded ones, in apply order, no dialect chosen yet.
// Throws what load_directory throws (a missing directory, unless `missing_dir_is_empty`: no
// history yet, what the first `generate` starts from) and Error(validation) for an embedded
// migration that repeats a file's identity. The files' reading is offered to `share`, where
// there is one (detail::SharedWork).
std::vector<Migration> history_of(const Options& options, bool missing_dir_is_empty = false,
                                  detail::SharedWork* share = nullptr);

// The versioned migrations of `files` (read from Options::dir and embedded) up to
// Options::target, those `include` accepts (every one when it is empty): folded in memory when
// every one is portable, else replayed into a scratch database (`dev_url`, or a SQLite file of
// strata's own) from Options::dir.
DeclaredSchema history_schema(const Options& options, const std::string& dev_url,
                              const std::function<bool(const Migration&)>& include, std::span<const Migration> files);

}  // namespace strata
