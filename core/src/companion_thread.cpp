#include "companion_thread.hpp"

#include <atomic>
#include <system_error>
#include <utility>

#ifdef __linux__
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#else
#include <thread>
#endif

namespace strata::detail {

#ifdef __linux__

// How many steps of nice the thread runs below its creator.
constexpr int yielded_priority = 5;

struct CompanionThread::Running {
  std::function<void()> job;
  cpu_set_t allowed{};  // the constructing thread's processors
  bool narrowed = false;
  int created_on = -1;
  std::atomic<int> started_on{-1};
  pthread_t thread{};

  static void* run(void* self) noexcept {
    auto* running = static_cast<Running*>(self);
    running->started_on = sched_getcpu();
    // Started elsewhere; from now free to run where its creator may.
    if (running->narrowed) pthread_setaffinity_np(pthread_self(), sizeof running->allowed, &running->allowed);
    // Below its creator (Linux gives each thread a nice value of its own); a lower priority is
    // always allowed, and where it is not had the thread runs as it is.
    auto thread = static_cast<id_t>(gettid());
    errno = 0;
    int nice = getpriority(PRIO_PROCESS, thread);
    if (errno == 0) setpriority(PRIO_PROCESS, thread, std::min(nice + yielded_priority, 19));
    running->job();
    return nullptr;
  }
};

CompanionThread::CompanionThread(std::function<void()> job) : running_(std::make_unique<Running>()) {
  running_->job = std::move(job);
  pthread_attr_t attributes;
  if (int failed = pthread_attr_init(&attributes)) throw std::system_error(failed, std::generic_category());
  // Where the processors cannot be read (more than CPU_SETSIZE of them), or there is one, or
  // this thread's cannot be told, the thread starts where Linux places it.
  int here = running_->created_on = sched_getcpu();
  if (sched_getaffinity(0, sizeof running_->allowed, &running_->allowed) == 0 && here >= 0 && here < CPU_SETSIZE &&
      CPU_COUNT(&running_->allowed) > 1) {
    cpu_set_t elsewhere = running_->allowed;
    CPU_CLR(here, &elsewhere);
    running_->narrowed =
        CPU_COUNT(&elsewhere) > 0 && pthread_attr_setaffinity_np(&attributes, sizeof elsewhere, &elsewhere) == 0;
  }
  int failed = pthread_create(&running_->thread, &attributes, &Running::run, running_.get());
  pthread_attr_destroy(&attributes);
  if (failed) throw std::system_error(failed, std::generic_category(), "cannot start a thread");
}

CompanionThread::~CompanionThread() {
  pthread_join(running_->thread, nullptr);
}

int CompanionThread::started_on() const noexcept {
  return running_->started_on;
}

int CompanionThread::created_on() const noexcept {
  return running_->created_on;
}

#else

struct CompanionThread::Running {
  std::thread thread;
};

CompanionThread::CompanionThread(std::function<void()> job)
    : running_(std::make_unique<Running>(Running{std::thread(std::move(job))})) {}

CompanionThread::~CompanionThread() {
  running_->thread.join();
}

int CompanionThread::started_on() const noexcept {
  return -1;
}

int CompanionThread::created_on() const noexcept {
  return -1;
}

#endif

}  // namespace strata::detail
