// STRATA_API marks the names libstrata exports. Everything else is built with hidden
// visibility, so the public surface of the shared library is exactly what carries this macro.
#pragma once

#if defined(STRATA_STATIC)
#define STRATA_API
#else
#define STRATA_API __attribute__((visibility("default")))
#endif
