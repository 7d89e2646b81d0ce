#include <strata/checksum.hpp>

// Before any OpenSSL header: SHA256_Init and the rest are deprecated in OpenSSL 3 (see sha256_hex).
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/evp.h>
#include <openssl/opensslv.h>
#include <openssl/sha.h>

#include <array>
#include <memory>
#include <stdexcept>

namespace strata {

std::string sha256_hex(std::string_view bytes) {
#if OPENSSL_VERSION_NUMBER >= 0x30000000L && !defined(OPENSSL_NO_DEPRECATED_3_0)
  // OpenSSL's own SHA-256, called directly. The EVP interface finds it through a provider,
  // which OpenSSL 3 loads at the first digest of a process with its configuration and method
  // tables, and does provider work at every digest: on 1,000 files up to date on SQLite, 6.6 ms
  // of CPU and 2 MB of resident memory that the start-up check paid for nothing
  // (docs/performance.md). The functions are deprecated in OpenSSL 3 but kept; a build of
  // OpenSSL without them takes the EVP path below.
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256_CTX context;
  if (SHA256_Init(&context) != 1 || SHA256_Update(&context, bytes.data(), bytes.size()) != 1 ||
      SHA256_Final(digest.data(), &context) != 1)
    throw std::runtime_error("SHA-256 failed");
  return to_hex({reinterpret_cast<const char*>(digest.data()), digest.size()});
#else
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
  // Fetched once: EVP_sha256() alone makes every digest look its implementation up again.
  static const std::unique_ptr<EVP_MD, decltype(&EVP_MD_free)> sha256(EVP_MD_fetch(nullptr, "SHA256", nullptr),
                                                                      &EVP_MD_free);
#else
  static const std::unique_ptr<const EVP_MD, void (*)(const EVP_MD*)> sha256(EVP_sha256(), [](const EVP_MD*) {});
#endif
  // One context per thread, reset for each digest: EVP_Digest allocates two and frees them again
  // every call (files are hashed on several threads at once).
  thread_local const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                                     &EVP_MD_CTX_free);
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (!sha256 || !context || EVP_DigestInit_ex(context.get(), sha256.get(), nullptr) != 1 ||
      EVP_DigestUpdate(context.get(), bytes.data(), bytes.size()) != 1 ||
      EVP_DigestFinal_ex(context.get(), digest.data(), &length) != 1)
    throw std::runtime_error("SHA-256 failed");
  return to_hex({reinterpret_cast<const char*>(digest.data()), length});
#endif
}

std::string sha384_hex(std::string_view bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), &length, EVP_sha384(), nullptr) != 1)
    throw std::runtime_error("SHA-384 failed");
  return to_hex({reinterpret_cast<const char*>(digest.data()), length});
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
