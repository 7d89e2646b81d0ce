// The JSON Lines of `strata migrate --fleet --json` (or its --report file) read back, for the
// fleet tests: one object per target, then the summary.
#pragma once

#include <nlohmann/json.hpp>

#include <sstream>
#include <string>
#include <vector>

namespace strata::conformance {

struct FleetLines {
  std::vector<nlohmann::json> targets;  // in the order the targets ended
  nlohmann::json summary;               // the last line's "summary" object (null when missing)
};

// Throws nlohmann::json::parse_error for a line that is not JSON.
inline FleetLines fleet_lines(const std::string& text) {
  FleetLines out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line);
    if (j.contains("summary"))
      out.summary = j["summary"];
    else
      out.targets.push_back(std::move(j));
  }
  return out;
}

}  // namespace strata::conformance
