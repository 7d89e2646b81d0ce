#include "executor.hpp"

#ifdef STRATA_FAILPOINTS
#include <unistd.h>
#include <cstdlib>
#include <string>
#endif

namespace strata::detail {

#ifdef STRATA_FAILPOINTS
void failpoint(const char* point, int value) {
  const char* wanted = std::getenv("STRATA_FAILPOINT");
  if (wanted && std::string(wanted) == std::string(point) + ":" + std::to_string(value)) ::_exit(86);
}
#else
void failpoint(const char*, int) {}
#endif

}  // namespace strata::detail
