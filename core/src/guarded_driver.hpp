// The core's side of the plugin boundary. Every object a driver makes reaches the core wrapped,
// so that an exception of the driver's own or of its client library (std::invalid_argument
// "stol", a connector's exception) that is not a strata::Error becomes one: kind internal
// (exit 70), naming the driver and the call. A site a driver missed can never show a user a
// bare library message, and a strata::Error passes through unchanged.
#pragma once

#include <strata/driver.hpp>

#include <functional>
#include <memory>
#include <string>

namespace strata::detail {

// `driver`, and every Connection, Session, Catalog, Dialect, MigrationLock and renderer it
// makes, guarded. `name` is the driver's name for messages ("sqlite").
std::shared_ptr<Driver> guard_driver(std::shared_ptr<Driver> driver, std::string name);

// Makes `fence` run before every statement and query of `connection`'s session (not before
// begin, commit or rollback), until it is set again (an empty function: none). `connection`
// must be one guard_driver's driver made. What the lease lock checks itself with: its own
// statements run on a connection of their own.
void set_statement_fence(Connection& connection, std::function<void()> fence);

// The error a stray exception of the driver `driver` becomes when `call` threw it; `what` says
// what it was ("an exception of its own: stol").
Error driver_bug(const std::string& driver, const char* call, const std::string& what);

// Runs `call`, a call into the driver `driver` named `name` ("Session::query"), converting a
// stray exception.
template <typename Call>
decltype(auto) guarded(const std::string& driver, const char* name, Call&& call) {
  try {
    return call();
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw driver_bug(driver, name, "an exception of its own: " + std::string(e.what()));
  } catch (...) {
    throw driver_bug(driver, name, "something that is not even a std::exception");
  }
}

}  // namespace strata::detail
