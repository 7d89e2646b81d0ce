// Checksums identify a migration's content in the ledger.
//
// A script's checksum is the SHA-256 of its text with a UTF-8 byte-order mark removed and every
// CRLF read as LF, so that a checkout on Windows does not look like an edit, while any other
// change, even of one character or of whitespace, does.
#pragma once

#include <strata/export.hpp>

#include <string>
#include <string_view>

namespace strata {

// Lower-case hex SHA-256 of the normalised script text.
STRATA_API std::string script_checksum(std::string_view text);
// Lower-case hex SHA-256 of the bytes as they are.
STRATA_API std::string sha256_hex(std::string_view bytes);
// Lower-case hex SHA-384 of the bytes as they are (sqlx's checksum).
STRATA_API std::string sha384_hex(std::string_view bytes);
// The bytes in lower-case hex, two digits each.
STRATA_API std::string to_hex(std::string_view bytes);
// The text as it is checksummed: BOM removed, CRLF read as LF.
STRATA_API std::string normalise_script(std::string_view text);
// Whether normalise_script would return the text unchanged (no BOM, no CR).
STRATA_API bool is_normal_script(std::string_view text);

}  // namespace strata
