// toml++ (strata.toml, diesel's metadata.toml) compiled into libstrata: this is the one
// translation unit holding its implementation (TOML_IMPLEMENTATION), the others include only
// its declarations (TOML_HEADER_ONLY=0, core/CMakeLists.txt). So no process loads a toml++
// library of its own, and nothing of it is exported: it is hidden like the rest of the core.
#define TOML_IMPLEMENTATION
#include <toml++/toml.h>
