// Letters, digits, spaces and letter case as strata reads SQL, URLs, settings and names: of
// ASCII only, the same in every process. No byte from 0x80 up (of UTF-8 text, say) is a letter,
// a digit or a space here, and case leaves it as it is; a reader that takes such bytes into
// names (as PostgreSQL and SQLite do) says so itself.
//
// The functions of <cctype> follow the locale of the process, which a program embedding strata
// may set: Python sets LC_CTYPE from the environment at start-up. Under a Turkish locale
// (tr_TR.UTF-8) std::toupper leaves 'i' as 'i', so a migration's `begin` would not read as BEGIN;
// under an 8-bit locale (en_US.ISO-8859-1) std::isalpha calls 65 bytes from 0x80 up letters, so
// the bytes of a UTF-8 name would. Drivers use these too (the SDK includes this header). Header
// only; every function is thread-safe.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>

namespace strata {

constexpr bool ascii_isdigit(char c) noexcept {
  return c >= '0' && c <= '9';
}

constexpr bool ascii_isalpha(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

constexpr bool ascii_isalnum(char c) noexcept {
  return ascii_isalpha(c) || ascii_isdigit(c);
}

constexpr bool ascii_isxdigit(char c) noexcept {
  return ascii_isdigit(c) || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
}

// Space, tab, line feed, vertical tab, form feed, carriage return: what std::isspace calls
// space in the "C" locale.
constexpr bool ascii_isspace(char c) noexcept {
  return c == ' ' || (c >= '\t' && c <= '\r');
}

constexpr char ascii_lower(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

constexpr char ascii_upper(char c) noexcept {
  return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
}

// The text with A-Z as a-z.
inline std::string ascii_lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

// The text with a-z as A-Z.
inline std::string ascii_uppercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = ascii_upper(c);
  return out;
}

// Whether the two are the same but for the case of ASCII letters.
constexpr bool ascii_iequals(std::string_view a, std::string_view b) noexcept {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

}  // namespace strata
