// The plugin loader's reader of a driver plugin's declarations, on any bytes as the file: it
// reads the file before anything of it is loaded, so a damaged or hostile file in a plugin
// directory must be refused (std::runtime_error) and never read past. Each name it returns lies
// within the file and ends at its first NUL.
#include "elf_symbols.hpp"
#include "invariant.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <stdexcept>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const int fd = ::memfd_create("plugin", 0);
  if (fd < 0) violated("memfd_create failed");
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, data, size, 0) != static_cast<ssize_t>(size))
    violated("cannot write the input to a memory file");
  std::vector<std::string> names;
  try {
    names = strata::detail::exported_symbols_in("/proc/self/fd/" + std::to_string(fd), "boostdll");
  } catch (const std::runtime_error&) {
    return 0;
  }
  std::string bytes(reinterpret_cast<const char*>(data), size);
  for (const auto& name : names) {
    if (name.find('\0') != std::string::npos) violated("a name holds a NUL", name);
    if (name.size() > size || (!name.empty() && bytes.find(name + '\0') == std::string::npos))
      violated("a name that is not in the file, NUL-terminated", name);
  }
  return 0;
}
