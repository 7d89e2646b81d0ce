// Folding a history of portable migrations into the schema it makes, in process: what `strata
// diff` and `strata generate` pay before comparing. Times load_schema("migrations") (reading,
// parsing and checksumming every file, then folding) and fold() alone, over repeated calls.
//
//   strata-bench-fold <migrations dir> [calls]
#include <strata/source.hpp>
#include <strata/strata.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

template <class F>
double time_ms(F f) {
  auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  int calls = argc > 2 ? std::stoi(argv[2]) : 21;
  strata::Options options;
  options.dir = argv[1];
  std::vector<strata::ops::Operation> operations;
  for (const auto& m : strata::load_directory(options.dir))
    if (const auto* list = m.operations(); list && m.kind == strata::MigrationKind::versioned)
      operations.insert(operations.end(), list->begin(), list->end());
  std::vector<double> whole, fold_only;
  std::size_t tables = 0;
  for (int i = 0; i < calls; ++i) {
    whole.push_back(time_ms([&] { tables = strata::load_schema("migrations", options).tables.size(); }));
    fold_only.push_back(time_ms([&] { strata::fold(operations); }));
  }
  std::printf("%zu operations, %zu tables: read and fold %.1f ms, fold alone %.1f ms (medians of %d)\n",
              operations.size(), tables, median(whole), median(fold_only), calls);
  return 0;
}
