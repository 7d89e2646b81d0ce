// A PostgreSQL dollar quote ($body$ ... $body$, $été$ ... $été$), as the server reads it: what
// the statement splitter and lint's statement reader both need. Private to libstrata.
#pragma once

#include <strata/ascii.hpp>

#include <cstddef>
#include <string_view>

namespace strata::detail {

// A byte that continues a word (a name or keyword): a letter, digit, '_', '$' or a byte from 0x80
// up. A '$' after one is part of the word (a$b$c is one name), never the start of a quote.
constexpr bool is_word_char(char c) noexcept {
  return ascii_isalnum(c) || c == '_' || c == '$' || static_cast<unsigned char>(c) >= 0x80;
}

// The tag's first byte: a letter, '_' or a byte from 0x80 up (of a UTF-8 letter).
constexpr bool is_dollar_tag_start(char c) noexcept {
  return ascii_isalpha(c) || c == '_' || static_cast<unsigned char>(c) >= 0x80;
}

// Any later byte of the tag: those, or a digit.
constexpr bool is_dollar_tag_char(char c) noexcept {
  return is_dollar_tag_start(c) || ascii_isdigit(c);
}

// The length of the delimiter that opens a dollar quote at `at`, where src[at] is '$' and no
// word runs into it: 2 for "$$", 5 for "$tag$". 0 where it opens none: a parameter ($1), or a
// '$' with no second one after a tag.
constexpr std::size_t dollar_quote_opening(std::string_view src, std::size_t at) noexcept {
  std::size_t end = at + 1;
  if (end < src.size() && is_dollar_tag_start(src[end]))
    while (++end < src.size() && is_dollar_tag_char(src[end])) {
    }
  return end < src.size() && src[end] == '$' ? end + 1 - at : 0;
}

}  // namespace strata::detail
