// A migration version: integers separated by '.' or '_' ("1", "1.2", "2024_06_01").
//
// Versions compare part by part numerically ("1.10" after "1.9"), '.' and '_' are the same
// separator ("2_1" equals "2.1"), leading zeros do not count ("002" equals "2") and neither do
// trailing zero parts ("1.0" equals "1"). A part may have any number of digits: it is compared as
// a digit string, never converted to a machine integer, so a 20-digit timestamp version
// (20150100000001000000) is as good as "1". str() gives the normalised spelling the ledger keeps.
#pragma once

#include <strata/export.hpp>

#include <compare>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace strata {

class STRATA_API Version {
 public:
  // Parses a version; nullopt when the text is not one (empty part, a character not a digit).
  static std::optional<Version> parse(std::string_view text);

  // The parts as digit strings without leading zeros ("0" for zero).
  std::vector<std::string> parts() const;
  // The normalised spelling: the parts joined by '.' ("2024.6.1" for "2024_06_01").
  const std::string& str() const noexcept { return text_; }

  friend STRATA_API std::strong_ordering operator<=>(const Version& a, const Version& b) noexcept;
  // Each version has one normalised spelling, so two are equal when their spellings are.
  friend bool operator==(const Version& a, const Version& b) noexcept { return a.text_ == b.text_; }

 private:
  explicit Version(std::string text) : text_(std::move(text)) {}
  // str(): one string, so that a version of up to 15 characters (a 14-digit timestamp) is held
  // without an allocation of its own; trailing zero parts removed, never empty.
  std::string text_;
};

// "A version or none" is std::optional<Version> everywhere in strata's API. Its spelling for
// messages and documents: the normalised version, or `none` when there is none.
STRATA_API std::string to_string(const std::optional<Version>& version, std::string_view none = "");

}  // namespace strata
