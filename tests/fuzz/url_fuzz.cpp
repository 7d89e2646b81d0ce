// Database URL parsing on any text. Only strata::Error may leave it, and its message never holds
// the password. The redacted form, the only one strata prints, carries nothing of the password:
// it is the same whatever the password (or a secret query parameter) is.
#include "invariant.hpp"

#include <strata/error.hpp>
#include <strata/url.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

bool secret_key(const std::string& key) {
  return key == "password" || key == "sslpassword" || key == "pass";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  strata::DatabaseUrl url;
  try {
    url = strata::DatabaseUrl::parse(text);
  } catch (const strata::Error& e) {
    // The raw password between "://user:" and "@": the message must not depend on it. (Text of
    // the fixed message can equal a password by chance: the same message for another password
    // of the same length says whether it came from the password.)
    std::size_t scheme = text.find("://");
    if (scheme == std::string::npos) return 0;
    std::size_t end = text.find_first_of("/?", scheme + 3);
    std::size_t at = text.rfind('@', end == std::string::npos ? std::string::npos : end);
    std::size_t colon = text.find(':', scheme + 3);
    if (at == std::string::npos || at < scheme + 3 || colon >= at || at - colon < 5) return 0;
    std::string password = text.substr(colon + 1, at - colon - 1);
    std::string changed = text;
    for (std::size_t i = colon + 1; i < at; ++i) changed[i] = changed[i] == 'q' ? 'z' : 'q';
    std::string message = e.what(), other_message;
    try {
      strata::DatabaseUrl::parse(changed);
    } catch (const strata::Error& other) {
      other_message = other.what();
    }
    if (message.find(password) != std::string::npos && other_message.find(password) == std::string::npos)
      violated("an error repeats the password", text);
    return 0;
  }
  strata::DatabaseUrl other = url;
  if (!other.password.empty()) other.password = other.password == "x" ? "y" : "x";
  for (auto& [key, value] : other.query)
    if (secret_key(key)) value = value == "x" ? "y" : "x";
  if (url.redacted() != other.redacted()) violated("the redacted form depends on the password", text);
  return 0;
}
