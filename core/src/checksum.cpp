#include <strata/checksum.hpp>

#include <nettle/nettle-meta.h>
#include <nettle/sha2.h>

#include <array>
#include <cstdint>

namespace strata {
namespace {

// Nettle's SHA-2 (with the processor's SHA instructions where it has them): a small library with
// nothing to set up. OpenSSL's libcrypto, which strata used before, took 3 ms to load in every
// process, a tenth of SQLite's up-to-date check of 1,000 migrations (docs/performance.md).
std::string hex_digest(const nettle_hash& hash, std::string_view bytes) {
  union {
    sha256_ctx sha256;
    sha512_ctx sha512;  // SHA-384's too
  } context;
  hash.init(&context);
  hash.update(&context, bytes.size(), reinterpret_cast<const std::uint8_t*>(bytes.data()));
  std::array<std::uint8_t, SHA512_DIGEST_SIZE> digest{};
  hash.digest(&context, hash.digest_size, digest.data());
  return to_hex({reinterpret_cast<const char*>(digest.data()), hash.digest_size});
}

}  // namespace

std::string sha256_hex(std::string_view bytes) {
  return hex_digest(nettle_sha256, bytes);
}

std::string sha384_hex(std::string_view bytes) {
  return hex_digest(nettle_sha384, bytes);
}

std::string to_hex(std::string_view bytes) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    auto c = static_cast<unsigned char>(bytes[i]);
    out[2 * i] = hex[c >> 4];
    out[2 * i + 1] = hex[c & 0x0f];
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
