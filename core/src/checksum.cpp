#include <strata/checksum.hpp>

#include <nettle/sha2.h>

#include <array>
#include <cstdint>

namespace strata {

// Nettle's SHA-2 (with the processor's SHA instructions where it has them): a small library with
// nothing to set up. OpenSSL's libcrypto, which strata used before, took 3 ms to load in every
// process, a tenth of SQLite's up-to-date check of 1,000 migrations (docs/performance.md).
std::string sha256_hex(std::string_view bytes) {
  sha256_ctx context;
  sha256_init(&context);
  sha256_update(&context, bytes.size(), reinterpret_cast<const std::uint8_t*>(bytes.data()));
  std::array<std::uint8_t, SHA256_DIGEST_SIZE> digest{};
  sha256_digest(&context, digest.size(), digest.data());
  return to_hex({reinterpret_cast<const char*>(digest.data()), digest.size()});
}

std::string sha384_hex(std::string_view bytes) {
  sha384_ctx context;
  sha384_init(&context);
  sha384_update(&context, bytes.size(), reinterpret_cast<const std::uint8_t*>(bytes.data()));
  std::array<std::uint8_t, SHA384_DIGEST_SIZE> digest{};
  sha384_digest(&context, digest.size(), digest.data());
  return to_hex({reinterpret_cast<const char*>(digest.data()), digest.size()});
}

std::string to_hex(std::string_view bytes) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += hex[c >> 4];
    out += hex[c & 0x0f];
  }
  return out;
}

std::string normalise_script(std::string_view text) {
  constexpr std::string_view bom = "\xEF\xBB\xBF";
  if (text.starts_with(bom)) text.remove_prefix(bom.size());
  if (text.find('\r') == std::string_view::npos) return std::string(text);
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    out += text[i];
  }
  return out;
}

bool is_normal_script(std::string_view text) {
  return !text.starts_with("\xEF\xBB\xBF") && text.find('\r') == std::string_view::npos;
}

std::string script_checksum(std::string_view text) {
  return is_normal_script(text) ? sha256_hex(text) : sha256_hex(normalise_script(text));
}

}  // namespace strata
