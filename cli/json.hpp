// The --json form of reports and errors: one document on stdout, carrying what the text
// output shows. Passwords never appear: the URL in a report is already redacted.
#pragma once

#include <strata/engine.hpp>
#include <strata/plugin/loader.hpp>

#include <nlohmann/json.hpp>

namespace strata::cli {

nlohmann::json to_json(const Report& report);
nlohmann::json to_json(const Error& error);
nlohmann::json to_json(const plugin::Loader& loader);
nlohmann::json to_json(const Schema& schema);

}  // namespace strata::cli
