// strata.toml on any bytes. Only strata::Error may leave the reader, naming the file and a line.
#include <strata/error.hpp>
#include <strata/settings.hpp>

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("strata-fuzz-" + std::to_string(::getpid()) + ".toml");
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data), size);
  try {
    strata::Settings settings;
    (void)settings.read_file(path);
  } catch (const strata::Error& e) {
    if (e.file() != path.string() || e.line() < 1) {
      std::fprintf(stderr, "invariant violated: an error that does not name the file and line: %s\n", e.what());
      std::abort();
    }
  }
  return 0;
}
