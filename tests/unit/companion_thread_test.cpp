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
  int compared = 0;
  for (int i = 0; i < 20; ++i) {
    int started_on = -1;
    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    int before = sched_getcpu();
    std::optional<CompanionThread> thread;
    thread.emplace([&] {
      started_on = sched_getcpu();
      sched_getaffinity(0, sizeof allowed, &allowed);
    });
    int after = sched_getcpu();
    thread.reset();
    INFO("run " << i << ": created on processor " << before << ", started on " << started_on);
    CHECK(CPU_EQUAL(&allowed, &mine));
    CHECK(CPU_ISSET(started_on, &mine));
    if (before != after) continue;  // this thread moved while it created the other: no telling where it was
    ++compared;
    if (CPU_COUNT(&mine) > 1)
      CHECK(started_on != before);
    else
      CHECK(started_on == before);
  }
  CHECK(compared > 10);
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
