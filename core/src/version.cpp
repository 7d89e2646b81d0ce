#include <strata/version.hpp>

#include <charconv>
#include <limits>

namespace strata {

std::optional<Version> Version::parse(std::string_view text) {
  std::vector<std::uint64_t> parts;
  std::size_t start = 0;
  while (true) {
    std::size_t end = text.find_first_of("._", start);
    std::string_view part = text.substr(start, end == std::string_view::npos ? end : end - start);
    if (part.empty()) return std::nullopt;
    std::uint64_t value = 0;
    auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (ec != std::errc{} || ptr != part.data() + part.size()) return std::nullopt;
    parts.push_back(value);
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  while (parts.size() > 1 && parts.back() == 0) parts.pop_back();
  return Version(std::move(parts));
}

std::string Version::str() const {
  std::string out;
  for (std::size_t i = 0; i < parts_.size(); ++i) {
    if (i > 0) out += '.';
    out += std::to_string(parts_[i]);
  }
  return out;
}

std::strong_ordering operator<=>(const Version& a, const Version& b) noexcept {
  std::size_t n = std::max(a.parts_.size(), b.parts_.size());
  for (std::size_t i = 0; i < n; ++i) {
    std::uint64_t x = i < a.parts_.size() ? a.parts_[i] : 0;
    std::uint64_t y = i < b.parts_.size() ? b.parts_[i] : 0;
    if (x != y) return x <=> y;
  }
  return std::strong_ordering::equal;
}

}  // namespace strata
