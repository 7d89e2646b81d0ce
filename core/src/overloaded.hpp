// std::visit with one lambda per alternative: std::visit(overloaded{[](const A&) {...}, ...}, v).
// Private to libstrata.
#pragma once

namespace strata::detail {

template <class... F>
struct overloaded : F... {
  using F::operator()...;
};
template <class... F>
overloaded(F...) -> overloaded<F...>;

}  // namespace strata::detail
