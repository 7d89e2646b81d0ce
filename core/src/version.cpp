#include <strata/version.hpp>

#include <algorithm>

namespace strata {
namespace {

bool all_digits(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Digit strings without leading zeros compare as numbers do: the longer is larger, and of two
// as long, the one larger in the first digit that differs.
std::strong_ordering compare_parts(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return a.size() <=> b.size();
  int c = a.compare(b);
  return c < 0 ? std::strong_ordering::less : c > 0 ? std::strong_ordering::greater : std::strong_ordering::equal;
}

}  // namespace

std::optional<Version> Version::parse(std::string_view text) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    std::size_t end = text.find_first_of("._", start);
    std::string_view part = text.substr(start, end == std::string_view::npos ? end : end - start);
    if (part.empty() || !all_digits(part)) return std::nullopt;
    part.remove_prefix(std::min(part.find_first_not_of('0'), part.size() - 1));
    parts.emplace_back(part);
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  while (parts.size() > 1 && parts.back() == "0") parts.pop_back();
  return Version(std::move(parts));
}

std::string Version::str() const {
  std::string out;
  for (std::size_t i = 0; i < parts_.size(); ++i) out += (i > 0 ? "." : "") + parts_[i];
  return out;
}

std::strong_ordering operator<=>(const Version& a, const Version& b) noexcept {
  std::size_t n = std::max(a.parts_.size(), b.parts_.size());
  for (std::size_t i = 0; i < n; ++i) {
    std::string_view x = i < a.parts_.size() ? std::string_view(a.parts_[i]) : "0";
    std::string_view y = i < b.parts_.size() ? std::string_view(b.parts_[i]) : "0";
    if (auto c = compare_parts(x, y); c != 0) return c;
  }
  return std::strong_ordering::equal;
}

std::string to_string(const std::optional<Version>& version, std::string_view none) {
  return version ? version->str() : std::string(none);
}

}  // namespace strata
