// Where the stages of a run send their events: the Engine turns them into Event values for the
// product's callback. Private to libstrata.
#pragma once

#include <strata/report.hpp>

#include <chrono>
#include <functional>
#include <string>

namespace strata::detail {

using EventSink = std::function<void(Event::Type, std::string, const MigrationStatus*, std::chrono::milliseconds)>;

}  // namespace strata::detail
