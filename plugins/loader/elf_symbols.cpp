#include "elf_symbols.hpp"

#include "descriptor.hpp"

#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>

namespace strata::detail {
namespace {

namespace fs = std::filesystem;

// A shared library's bytes, read without loading it: every range asked for is checked against
// the file's size first, so a damaged or hostile file is refused, never read past.
class ElfFile {
 public:
  // Non-blocking: a FIFO named like a plugin is refused (it cannot be read at an offset), never
  // waited on.
  explicit ElfFile(const fs::path& path) : file_(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK)) {
    struct stat st {};
    if (file_.fd < 0 || ::fstat(file_.fd, &st) != 0) throw std::runtime_error(std::strerror(errno));
    size_ = static_cast<std::uint64_t>(st.st_size);
  }

  // `count` records of type T from `offset`.
  template <typename T>
  std::vector<T> read(std::uint64_t offset, std::uint64_t count) const {
    if (count > size_ / sizeof(T) || offset > size_ - count * sizeof(T))
      throw std::runtime_error("a table runs past the end of the file");
    std::vector<T> out(static_cast<std::size_t>(count));
    auto bytes = static_cast<std::size_t>(count * sizeof(T));
    for (std::size_t got = 0; got < bytes;) {
      ssize_t n =
          ::pread(file_.fd, reinterpret_cast<char*>(out.data()) + got, bytes - got, static_cast<off_t>(offset + got));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw std::runtime_error(n < 0 ? std::strerror(errno) : "the file is shorter than it says");
      got += static_cast<std::size_t>(n);
    }
    return out;
  }

 private:
  Descriptor file_;
  std::uint64_t size_ = 0;
};

// The name at `offset` of a string table, which must end within the table; valid as long as
// the table.
std::string_view name_in(const std::vector<char>& table, std::uint64_t offset) {
  if (offset >= table.size()) throw std::runtime_error("a name lies outside its string table");
  const char* begin = table.data() + offset;
  const void* end = std::memchr(begin, '\0', table.size() - offset);
  if (!end) throw std::runtime_error("a name in a string table is not terminated");
  return std::string_view(begin, static_cast<std::size_t>(static_cast<const char*>(end) - begin));
}

}  // namespace

std::vector<std::string> exported_symbols_in(const fs::path& path, std::string_view section) {
  ElfFile file(path);
  const Elf64_Ehdr header = file.read<Elf64_Ehdr>(0, 1).front();
  if (std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0) throw std::runtime_error("not an ELF file");
  constexpr unsigned char native = std::endian::native == std::endian::little ? ELFDATA2LSB : ELFDATA2MSB;
  if (header.e_ident[EI_CLASS] != ELFCLASS64 || header.e_ident[EI_DATA] != native)
    throw std::runtime_error("not a 64-bit ELF file of this machine's byte order");
  if (header.e_shentsize != sizeof(Elf64_Shdr) || header.e_shnum == 0 || header.e_shstrndx >= header.e_shnum)
    throw std::runtime_error("no section table that can be read");
  const auto sections = file.read<Elf64_Shdr>(header.e_shoff, header.e_shnum);
  auto contents = [&](const Elf64_Shdr& s) { return file.read<char>(s.sh_offset, s.sh_size); };
  const std::vector<char> section_names = contents(sections[header.e_shstrndx]);
  std::size_t wanted = 0;  // 0 (SHN_UNDEF): the library has no such section
  const Elf64_Shdr* symbols = nullptr;
  for (std::size_t i = 1; i < sections.size(); ++i) {
    if (sections[i].sh_type == SHT_DYNSYM) symbols = &sections[i];
    if (name_in(section_names, sections[i].sh_name) == section) wanted = i;
  }
  if (wanted == 0 || !symbols) return {};
  if (symbols->sh_entsize != sizeof(Elf64_Sym) || symbols->sh_link == 0 || symbols->sh_link >= sections.size() ||
      sections[symbols->sh_link].sh_type != SHT_STRTAB)
    throw std::runtime_error("a dynamic symbol table that cannot be read");
  const std::vector<char> names = contents(sections[symbols->sh_link]);
  std::vector<std::string> found;
  for (const Elf64_Sym& symbol : file.read<Elf64_Sym>(symbols->sh_offset, symbols->sh_size / sizeof(Elf64_Sym))) {
    bool exported = ELF64_ST_BIND(symbol.st_info) != STB_LOCAL && ELF64_ST_VISIBILITY(symbol.st_other) == STV_DEFAULT &&
                    symbol.st_size != 0;
    if (exported && symbol.st_shndx == wanted) found.emplace_back(name_in(names, symbol.st_name));
  }
  return found;
}

}  // namespace strata::detail
