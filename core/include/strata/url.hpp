// A database URL as strata reads it: `scheme:` followed either by an authority
// (`//user:pass@host:port/path?query`) or by an opaque path (`sqlite:app.db`).
//
// The scheme picks the driver; the rest is the driver's to interpret. redacted() is the only
// form of a URL that strata ever prints: the password is replaced, whatever the scheme.
#pragma once

#include <strata/export.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace strata {

struct STRATA_API DatabaseUrl {
  std::string scheme;  // lower case, without ':'
  bool has_authority = false;
  std::string user;      // percent-decoded
  std::string password;  // percent-decoded; never printed
  std::string host;
  std::optional<int> port;
  std::string path;                                        // percent-decoded; "" when absent; "/db" with an authority
  std::vector<std::pair<std::string, std::string>> query;  // percent-decoded, in order

  // Throws Error(usage) naming the defect; the message never repeats a password.
  static DatabaseUrl parse(std::string_view text);
  // The URL with any password replaced by "***".
  std::string redacted() const;
  // The value of a query parameter, if present.
  std::optional<std::string> param(std::string_view name) const;
};

// The URL's parameters that strata's core reads itself and no driver ever sees (the core
// removes them before it connects): `lock` (`server` or `lease`: which migration lock, see the
// user guide's "Where strata's lock holds") and `lease_seconds` (the lease's length).
STRATA_API bool is_core_parameter(std::string_view name);
// `url` without its core parameters: what a driver is given.
STRATA_API DatabaseUrl without_core_parameters(DatabaseUrl url);

// `text` with the password of every URL in it ("scheme://user:password@...") replaced by "***":
// for messages that repeat what was typed (a URL given where another value belongs).
STRATA_API std::string without_passwords(std::string_view text);

}  // namespace strata
