// Reading a driver plugin's declarations without loading it: the names of the symbols it
// exports, from its ELF dynamic symbol table. Private to libstrata (the loader and its fuzz
// target).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace strata::detail {

// The names of the symbols a 64-bit ELF shared library exports (global or weak, default
// visibility, of non-zero size) from its section `section`, read from its dynamic symbol table
// (.dynsym), the one the dynamic linker uses: `strip`, and every distribution's packaging, keep
// it where they remove the full symbol table. Empty when the library has no such section.
// Every range is checked against the file's size before it is read: a file that cannot be read
// so (not ELF, another class or byte order, a table or name outside the file) throws
// std::runtime_error saying why; nothing else is thrown but std::bad_alloc.
std::vector<std::string> exported_symbols_in(const std::filesystem::path& path, std::string_view section);

}  // namespace strata::detail
