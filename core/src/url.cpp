#include <strata/ascii.hpp>
#include <strata/error.hpp>
#include <strata/url.hpp>

#include <algorithm>
#include <charconv>

namespace strata {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = ascii_lower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Percent-decodes `text`; `what` names the part for the error, never its value.
std::string decode(std::string_view text, std::string_view what) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    int hi = i + 2 < text.size() ? hex_value(text[i + 1]) : -1;
    int lo = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
    if (hi < 0 || lo < 0)
      throw Error(ErrorKind::usage, "database URL: bad percent-encoding in the " + std::string(what));
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

bool valid_scheme(std::string_view scheme) {
  if (scheme.empty() || !ascii_isalpha(scheme[0])) return false;
  return std::all_of(scheme.begin(), scheme.end(),
                     [](char c) { return ascii_isalnum(c) || c == '+' || c == '-' || c == '.'; });
}

void parse_query(std::string_view query, DatabaseUrl& url) {
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    std::size_t eq = pair.find('=');
    std::string key = decode(pair.substr(0, eq), "query");
    std::string value = eq == std::string_view::npos ? "" : decode(pair.substr(eq + 1), "query");
    url.query.emplace_back(std::move(key), std::move(value));
  }
}

void parse_authority(std::string_view authority, DatabaseUrl& url) {
  std::size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    std::size_t colon = userinfo.find(':');
    url.user = decode(userinfo.substr(0, colon), "user name");
    if (colon != std::string_view::npos) url.password = decode(userinfo.substr(colon + 1), "password");
  }
  std::size_t colon = authority.rfind(':');
  if (!authority.empty() && authority.front() == '[') {  // [::1]:5432
    std::size_t close = authority.find(']');
    if (close == std::string_view::npos) throw Error(ErrorKind::usage, "database URL: unclosed '[' in the host");
    colon = authority.find(':', close);
  }
  url.host = decode(authority.substr(0, colon), "host");
  if (colon == std::string_view::npos) return;
  std::string_view port = authority.substr(colon + 1);
  int value = 0;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc{} || ptr != port.data() + port.size() || value <= 0 || value > 65535)
    throw Error(ErrorKind::usage, "database URL: the port '" + std::string(port) + "' is not a number from 1 to 65535");
  url.port = value;
}

// A '/' or '?' in a password that is not percent-encoded ends the host part early: the rest of
// the password would be read as a host, a port or a path, and printed as one. The '@' that
// should end the user information then comes later, in the path or the query, where no URL
// strata reads has one (a database name or parameter with an '@' writes it %40): refused,
// repeating nothing of the URL.
void refuse_unencoded_userinfo(std::string_view rest) {
  if (!rest.starts_with("//")) return;
  std::size_t end = rest.find_first_of("/?", 2);
  if (end == std::string_view::npos || end == 2) return;  // no path or query, or no authority (sqlite:///abs)
  if (rest.find('@', end) != std::string_view::npos)
    throw Error(ErrorKind::usage,
                "database URL: an '@' after the host: percent-encode a user name or password that holds '/', "
                "'?' or '@' (as %2F, %3F, %40)");
}

}  // namespace

DatabaseUrl DatabaseUrl::parse(std::string_view text) {
  DatabaseUrl url;
  std::size_t colon = text.find(':');
  if (colon == std::string_view::npos || !valid_scheme(text.substr(0, colon)))
    throw Error(ErrorKind::usage, "database URL has no scheme: expected e.g. sqlite:app.db or postgres://user@host/db");
  url.scheme = ascii_lowercase(text.substr(0, colon));
  std::string_view rest = text.substr(colon + 1);
  refuse_unencoded_userinfo(rest);
  std::size_t question = rest.find('?');
  if (question != std::string_view::npos) {
    parse_query(rest.substr(question + 1), url);
    rest = rest.substr(0, question);
  }
  if (rest.starts_with("//")) {
    url.has_authority = true;
    rest.remove_prefix(2);
    std::size_t slash = rest.find('/');
    parse_authority(rest.substr(0, slash), url);
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  }
  url.path = decode(rest, "path");
  return url;
}

std::string DatabaseUrl::redacted() const {
  std::string out = scheme + ':';
  if (has_authority) {
    out += "//";
    if (!user.empty() || !password.empty()) {
      out += user;
      if (!password.empty()) out += ":***";
      out += '@';
    }
    bool ipv6 = host.find(':') != std::string::npos;
    out += ipv6 ? '[' + host + ']' : host;
    if (port) out += ':' + std::to_string(*port);
  }
  out += path;
  char separator = '?';
  for (const auto& [key, value] : query) {
    bool secret = key == "password" || key == "sslpassword" || key == "pass";
    out += separator + key + '=' + (secret ? "***" : value);
    separator = '&';
  }
  return out;
}

std::optional<std::string> DatabaseUrl::param(std::string_view name) const {
  for (const auto& [key, value] : query)
    if (key == name) return value;
  return std::nullopt;
}

bool is_core_parameter(std::string_view name) {
  return name == "lock" || name == "lease_seconds";
}

DatabaseUrl without_core_parameters(DatabaseUrl url) {
  std::erase_if(url.query, [](const auto& p) { return is_core_parameter(p.first); });
  return url;
}

std::string without_passwords(std::string_view text) {
  std::string out(text);
  for (std::size_t scheme = out.find("://"); scheme != std::string::npos; scheme = out.find("://", scheme + 3)) {
    std::size_t start = scheme + 3;
    std::size_t end = out.find_first_of(" \t\n\"'", start);  // the URL as one word
    std::size_t at = out.rfind('@', end == std::string::npos ? std::string::npos : end - 1);
    if (at == std::string::npos || at < start) continue;
    std::size_t colon = out.find(':', start);
    if (colon < at) out.replace(colon + 1, at - colon - 1, "***");
  }
  return out;
}

}  // namespace strata
