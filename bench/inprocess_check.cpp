// The up-to-date check a product pays at every start, in process: strata::migrate on a database
// that is up to date, timed over repeated calls (after the first, which loads the plugin).
//
//   strata-bench-inprocess <url> <migrations dir> [calls]
#include <strata/strata.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  int calls = argc > 3 ? std::stoi(argv[3]) : 21;
  std::vector<double> ms;
  for (int i = 0; i < calls; ++i) {
    auto start = std::chrono::steady_clock::now();
    strata::Report report = strata::migrate({.url = argv[1], .dir = argv[2]});
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    if (!report.applied.empty() || report.lock_taken) return 1;  // it must be the up-to-date path
  }
  std::sort(ms.begin() + 1, ms.end());
  std::printf("first call %.1f ms (loads the plugin), then median %.1f ms\n", ms[0], ms[1 + (ms.size() - 1) / 2]);
  return 0;
}
