#include "executor.hpp"

#include <strata/driver.hpp>

#ifdef STRATA_FAILPOINTS
#include <unistd.h>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <string>
#endif

namespace strata {

#ifdef STRATA_FAILPOINTS
namespace {

bool wanted(const char* point, int value) {
  const char* asked = std::getenv("STRATA_FAILPOINT");
  return asked && std::string(asked) == std::string(point) + ":" + std::to_string(value);
}

[[noreturn]] void kill_self() {
  ::raise(SIGKILL);
  ::_exit(137);  // not reached
}

// The migrations' statements this process has begun, on any thread (a fleet runs targets on
// several), and whether the one running on this thread is to be killed in flight.
std::atomic<int> statements_run = 0;
thread_local bool in_flight_armed = false;
thread_local int last_begun = 0;

}  // namespace

bool statement_in_flight_wanted() noexcept {
  return in_flight_armed;
}

void statement_in_flight() noexcept {
  if (in_flight_armed) kill_self();
}

namespace detail {

void failpoint(const char* point, int value) {
  if (wanted(point, value)) ::_exit(86);
}

StatementFailpoints::StatementFailpoints() : number_(++statements_run) {
  last_begun = number_;
  in_flight_armed = wanted("kill-in-flight", number_);
}

StatementFailpoints::~StatementFailpoints() {
  in_flight_armed = false;
}

void StatementFailpoints::ran() {
  in_flight_armed = false;
  if (wanted("kill-before-record", number_)) kill_self();
}

void statement_recorded() {
  if (wanted("kill-after-record", last_begun)) kill_self();
}

}  // namespace detail

#else

bool statement_in_flight_wanted() noexcept {
  return false;
}
void statement_in_flight() noexcept {}

namespace detail {
void failpoint(const char*, int) {}
StatementFailpoints::StatementFailpoints() = default;
StatementFailpoints::~StatementFailpoints() = default;
void StatementFailpoints::ran() {}
void statement_recorded() {}
}  // namespace detail

#endif

}  // namespace strata
