// What every fuzz target does when an invariant breaks: say which, and abort, so that libFuzzer
// keeps the input (scripts/fuzz shows the line).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

[[noreturn]] inline void violated(const char* what, const std::string& detail = {}) {
  if (detail.empty())
    std::fprintf(stderr, "invariant violated: %s\n", what);
  else
    std::fprintf(stderr, "invariant violated: %s: '%s'\n", what, detail.c_str());
  std::abort();
}
