// Letter case as strata reads SQL, URLs, settings and names: of the ASCII letters A-Z and a-z
// only, the same in every process. Every other byte, of UTF-8 text too, is left as it is.
//
// std::tolower and std::toupper follow the locale of the process, which a program embedding
// strata may set: Python sets LC_CTYPE from the environment at start-up, and under a Turkish
// locale (tr_TR.UTF-8) std::toupper leaves 'i' as 'i' and std::tolower leaves 'I' as 'I'. A
// migration's `begin` would not read as BEGIN there. Drivers use these too (the SDK includes
// this header). Header only; every function is thread-safe.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>

namespace strata {

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
