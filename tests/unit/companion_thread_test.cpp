// The thread the engine reads the migration files on (core/src/companion_thread.hpp, private to
// the core): where it starts, where it may run, and that its end waits for its job.
#include "companion_thread.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <optional>
#include <thread>

#ifdef __linux__
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#endif

using strata::detail::CompanionThread;
using namespace std::chrono_literals;

TEST_CASE("a companion thread runs its job, and its end waits for the job to end") {
  std::atomic<bool> ended{false};
  {
    CompanionThread thread([&] {
      std::this_thread::sleep_for(50ms);
      ended = true;
    });
  }
  CHECK(ended);
}

#ifdef __linux__
TEST_CASE("a companion thread starts on another processor than its creator's, then may run on all of its creator's") {
  cpu_set_t mine;
  REQUIRE(sched_getaffinity(0, sizeof mine, &mine) == 0);
  for (int i = 0; i < 20; ++i) {
    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    std::atomic<bool> begun{false};
    std::optional<CompanionThread> thread;
    thread.emplace([&] {
      sched_getaffinity(0, sizeof allowed, &allowed);
      begun = true;
    });
    while (!begun) std::this_thread::yield();
    int created = thread->created_on(), started = thread->started_on();
    thread.reset();  // joined: `allowed` is written
    INFO("run " << i << ": created on processor " << created << ", started on " << started);
    REQUIRE(created >= 0);
    CHECK(CPU_ISSET(started, &mine));
    // Where the creator may run on one processor only, the thread starts there too.
    CHECK((CPU_COUNT(&mine) > 1 ? started != created : started == created));
    CHECK(CPU_EQUAL(&allowed, &mine));
  }
}

TEST_CASE("a companion thread runs five steps of nice below its creator") {
  int mine = getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
  int its = -100;
  {
    CompanionThread thread([&] { its = getpriority(PRIO_PROCESS, static_cast<id_t>(gettid())); });
  }
  CHECK(its == std::min(mine + 5, 19));
  CHECK(getpriority(PRIO_PROCESS, static_cast<id_t>(gettid())) == mine);  // the creator's own is unchanged
}
#endif
