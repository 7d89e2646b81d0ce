// Work one thread does and offers to another that would otherwise wait for it. Private to
// libstrata.
#pragma once

#include <strata/source.hpp>

#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <vector>

namespace strata::detail {

// The engine reads the migrations' files on a thread of its own while its calling thread reads
// the database; with many files the reading lasts longer, and the calling thread, its database
// read, would wait for it. Through a SharedWork the reading thread offers the rest of its files,
// and the waiting thread reads some of them too (help()). Thread-safe: one thread offers,
// withdraws and finishes; any other may help.
class SharedWork {
 public:
  // `job` may be run by other threads from now, each at most once, several at once, until
  // withdraw(); it lives until withdraw() returns. One job at a time.
  void offer(const std::function<void()>& job) {
    std::lock_guard lock(mutex_);
    job_ = &job;
    changed_.notify_all();
  }
  // No thread starts the job from now; returns when none runs it any more.
  void withdraw() noexcept {
    std::unique_lock lock(mutex_);
    job_ = nullptr;
    changed_.wait(lock, [&] { return running_ == 0; });
  }
  // No job will be offered any more: a thread in help() returns.
  void finish() noexcept {
    std::lock_guard lock(mutex_);
    finished_ = true;
    changed_.notify_all();
  }

  // Waits for a job or finish(); runs the job offered, if any, to its end. The offering thread
  // must reach finish() (or offer) for this to return.
  void help() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return job_ || finished_; });
    if (!job_) return;
    const std::function<void()>* job = job_;
    ++running_;
    lock.unlock();
    struct Done {  // however the job ends
      SharedWork& work;
      ~Done() {
        std::lock_guard relocked(work.mutex_);
        --work.running_;
        work.changed_.notify_all();
      }
    } done{*this};
    (*job)();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  const std::function<void()>* job_ = nullptr;
  int running_ = 0;
  bool finished_ = false;
};

// load_directory, offering the reading of the files to `share` while it reads them (nullptr: to
// no one).
std::vector<Migration> load_directory(const std::filesystem::path& dir, std::span<const std::string> declared,
                                      Layout layout, SharedWork* share);

}  // namespace strata::detail
