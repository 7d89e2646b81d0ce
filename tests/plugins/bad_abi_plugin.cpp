// A driver plugin built for another plugin ABI (99). If strata ever ran any of its code, the
// static constructor below would abort the process: the tests prove it is refused unread.
#include <strata/plugin/sdk.hpp>

#include <cstdlib>

namespace {

struct Tripwire {
  Tripwire() { std::abort(); }
} tripwire;

strata::Driver* make_driver() noexcept {
  return nullptr;
}

}  // namespace

#undef STRATA_PLUGIN_ABI_VERSION
#define STRATA_PLUGIN_ABI_VERSION 99
STRATA_DRIVER_PLUGIN(make_driver)
STRATA_DRIVER_SCHEME(badabi)
