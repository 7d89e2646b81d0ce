// A PostgreSQL dollar quote's tag ($body$, $été$), as the server reads it: what the statement
// splitter and lint's statement reader both need. Private to libstrata.
#pragma once

#include <strata/ascii.hpp>

namespace strata::detail {

// The tag's first byte: a letter, '_' or a byte from 0x80 up (of a UTF-8 letter).
constexpr bool is_dollar_tag_start(char c) noexcept {
  return ascii_isalpha(c) || c == '_' || static_cast<unsigned char>(c) >= 0x80;
}

// Any later byte of the tag: those, or a digit.
constexpr bool is_dollar_tag_char(char c) noexcept {
  return is_dollar_tag_start(c) || ascii_isdigit(c);
}

}  // namespace strata::detail
