// The strata driver SDK: the one header a driver author includes (it brings the interfaces
// of <strata/driver.hpp> and the helpers a driver uses: script splitting, quoting, SHA-256,
// letter case the same in every locale).
//
// A driver plugin is a shared library named strata-driver-<name>.so that implements the
// interfaces of <strata/driver.hpp> and declares itself with these macros, once each, in one
// source file:
//
//   STRATA_DRIVER_PLUGIN(make_my_driver)   // strata::Driver* make_my_driver() noexcept
//   STRATA_DRIVER_SCHEME(mydb)             // a URL scheme it serves; repeat for each
//   STRATA_DRIVER_SUFFIX(mydb)             // a dialect suffix (V3__x.mydb.sql); repeat
//
// Each macro exports a Boost.DLL alias whose *name* carries the declaration (the ABI
// fingerprint, a scheme, a suffix), so strata reads them from the file's symbol table without
// loading it: a plugin built for another ABI is refused before any of its code, or of the
// client library it links, runs. The fingerprint covers strata's plugin ABI version and the
// compiler's C++ ABI and standard library, because the boundary is C++.
//
// The same source builds a built-in driver, linked into the product instead of loaded: built
// with STRATA_STATIC_DRIVER and STRATA_DRIVER_ID=<name> defined (strata_add_driver() does this
// when strata is configured with STRATA_STATIC_DRIVERS=ON), the macros register the driver with
// the loader at start-up. STRATA_DRIVER_PLUGIN must then come first of the three.
#pragma once

#include <strata/ascii.hpp>     // letters, spaces and letter case of SQL, whatever the locale
#include <strata/checksum.hpp>  // SHA-256, e.g. to shorten a lock name
#include <strata/config.hpp>    // STRATA_VERSION_STRING
#include <strata/driver.hpp>    // the interfaces a driver implements, and the core's helpers for them
#include <strata/render.hpp>    // rendering portable operations (SqlRenderer to derive from)

#include <boost/dll/alias.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// What the plugin ABI covers, exactly: the types and virtual interfaces of <strata/driver.hpp>
// (Dialect, Session, Catalog, MigrationLock, Connection, Driver and the values they exchange),
// <strata/operations.hpp> (the portable operations a renderer is given) and <strata/render.hpp>
// (OperationRenderer, SqlRenderer), with <strata/error.hpp> and <strata/types.hpp> that they use.
// It is raised whenever one of them changes incompatibly. Not raised for what a compiled plugin
// cannot see: a new portable operation or a new field appended under the rules of
// <strata/operations.hpp> (an older plugin refuses the operation, by name, through
// OperationRenderer::knows).
// 4: operations known by name across the boundary (OperationRenderer::knows,
//    SqlRenderer::native_if_exists by name), no longer by their index in ops::Change.
// 5: Catalog::all_columns, the whole catalog's tables and columns in one read.
// 6: statement_in_flight() and statement_in_flight_wanted(), functions of the core a driver
//    calls, which an older core lacks; a server's session ids name the server's start.
// 7: Dialect::server_clock_ms and Connection::lock_gap, for the lease lock.
// 8: Session::query_each, a query's rows one at a time.
// 9: ConnectOptions::own_process.
#define STRATA_PLUGIN_ABI_VERSION 9

#define STRATA_PP_CAT_(a, b) a##b
#define STRATA_PP_CAT(a, b) STRATA_PP_CAT_(a, b)
#define STRATA_PP_STR_(a) #a
#define STRATA_PP_STR(a) STRATA_PP_STR_(a)

#if defined(_LIBCPP_VERSION)
#define STRATA_ABI_STDLIB STRATA_PP_CAT(libcxx, _LIBCPP_ABI_VERSION)
#elif defined(__GLIBCXX__) && _GLIBCXX_USE_CXX11_ABI
#define STRATA_ABI_STDLIB libstdcxx_cxx11
#elif defined(__GLIBCXX__)
#define STRATA_ABI_STDLIB libstdcxx_cxx98
#else
#define STRATA_ABI_STDLIB unknownstdlib
#endif

#if defined(__GXX_ABI_VERSION)
#define STRATA_ABI_COMPILER STRATA_PP_CAT(gxx, __GXX_ABI_VERSION)
#else
#define STRATA_ABI_COMPILER unknowncxxabi
#endif

// strata_abi_<version>_<compiler ABI>_<standard library>, e.g. strata_abi_1_gxx1017_libstdcxx_cxx11
#define STRATA_ABI_ALIAS                                                                 \
  STRATA_PP_CAT(STRATA_PP_CAT(STRATA_PP_CAT(strata_abi_, STRATA_PLUGIN_ABI_VERSION), _), \
                STRATA_PP_CAT(STRATA_PP_CAT(STRATA_ABI_COMPILER, _), STRATA_ABI_STDLIB))
#define STRATA_ABI_ALIAS_NAME STRATA_PP_STR(STRATA_ABI_ALIAS)

namespace strata::plugin {
// The factory every plugin exports: a new driver, or nullptr when it cannot make one. It must
// not throw.
using DriverFactory = strata::Driver*() noexcept;
// The anchor the declaration aliases point at; its value is never read.
inline constexpr char declaration_anchor = 0;

// A driver linked into the product (STRATA_STATIC_DRIVERS): what a plugin file declares.
struct BuiltinDriver {
  std::string name;
  std::vector<std::string> schemes;
  std::vector<std::string> suffixes;
  DriverFactory* factory = nullptr;
};
// Adds a built-in driver to the loader's list; the reference stays valid for the program's life.
STRATA_API BuiltinDriver& register_builtin(const char* name, DriverFactory* factory);

// The Driver most plugins need: a name, a version, one Dialect (default-constructed), and
// connections made by constructing a `TConnection` from the ConnectOptions. `name` and `version`
// must outlive the driver (string literals do).
template <class TDialect, class TConnection>
class BasicDriver final : public Driver {
 public:
  explicit BasicDriver(std::string_view name, std::string_view version = STRATA_VERSION_STRING)
      : name_(name), version_(version) {}
  std::string_view name() const override { return name_; }
  std::string_view version() const override { return version_; }
  const Dialect& dialect() const override { return dialect_; }
  std::unique_ptr<Connection> connect(const ConnectOptions& options) override {
    return std::make_unique<TConnection>(options);
  }

 private:
  std::string_view name_;
  std::string_view version_;
  TDialect dialect_;
};

// The body of a plugin's factory (see STRATA_DRIVER_PLUGIN): a new T made from `args`, or
// nullptr when making it throws, since a factory must not throw.
//   strata::Driver* make_driver() noexcept {
//     return strata::plugin::new_driver<strata::plugin::BasicDriver<MyDialect, MyConnection>>("mydb");
//   }
template <class T, class... Args>
Driver* new_driver(Args&&... args) noexcept {
  try {
    return new T(std::forward<Args>(args)...);
  } catch (...) {
    return nullptr;
  }
}

}  // namespace strata::plugin

#if defined(STRATA_STATIC_DRIVER)

#ifndef STRATA_DRIVER_ID
#error "a built-in driver is compiled with STRATA_DRIVER_ID=<name> (strata_add_driver() sets it)"
#endif

// The core names strata::plugin::builtin::link_<name>() in its table of built-in drivers, so
// the linker keeps this translation unit, whose initialisers register the driver.
#define STRATA_DRIVER_PLUGIN(factory)                                                      \
  static_assert(noexcept(factory()), "a driver factory must be noexcept");                 \
  namespace {                                                                              \
  strata::plugin::BuiltinDriver& strata_builtin_driver() {                                 \
    static strata::plugin::BuiltinDriver& driver =                                         \
        strata::plugin::register_builtin(STRATA_PP_STR(STRATA_DRIVER_ID), factory);        \
    return driver;                                                                         \
  }                                                                                        \
  [[maybe_unused]] const bool strata_builtin_registered = (strata_builtin_driver(), true); \
  }                                                                                        \
  namespace strata::plugin::builtin {                                                      \
  void STRATA_PP_CAT(link_, STRATA_DRIVER_ID)() {                                          \
    strata_builtin_driver();                                                               \
  }                                                                                        \
  }

#define STRATA_DRIVER_SCHEME(scheme)                                               \
  namespace {                                                                      \
  [[maybe_unused]] const bool STRATA_PP_CAT(strata_builtin_scheme_, scheme) =      \
      (strata_builtin_driver().schemes.emplace_back(STRATA_PP_STR(scheme)), true); \
  }

#define STRATA_DRIVER_SUFFIX(suffix)                                                \
  namespace {                                                                       \
  [[maybe_unused]] const bool STRATA_PP_CAT(strata_builtin_suffix_, suffix) =       \
      (strata_builtin_driver().suffixes.emplace_back(STRATA_PP_STR(suffix)), true); \
  }

#else

#define STRATA_DRIVER_PLUGIN(factory)                                      \
  static_assert(noexcept(factory()), "a driver factory must be noexcept"); \
  BOOST_DLL_ALIAS(factory, strata_driver_factory)                          \
  BOOST_DLL_ALIAS(strata::plugin::declaration_anchor, STRATA_ABI_ALIAS)

#define STRATA_DRIVER_SCHEME(scheme) \
  BOOST_DLL_ALIAS(strata::plugin::declaration_anchor, STRATA_PP_CAT(strata_scheme_, scheme))

#define STRATA_DRIVER_SUFFIX(suffix) \
  BOOST_DLL_ALIAS(strata::plugin::declaration_anchor, STRATA_PP_CAT(strata_suffix_, suffix))

#endif
