#include <strata/checksum.hpp>

#include <openssl/evp.h>
#include <openssl/opensslv.h>

#include <array>
#include <memory>
#include <stdexcept>

namespace strata {

std::string sha256_hex(std::string_view bytes) {
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
