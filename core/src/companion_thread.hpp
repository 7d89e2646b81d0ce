// A thread the engine starts beside the calling one, on another processor. Private to libstrata.
#pragma once

#include <functional>
#include <memory>

namespace strata::detail {

// Runs a job on a thread of its own, which starts on another processor than the one the
// constructing thread runs on, where the constructing thread may run on more than one, and may
// then run on any of those. Linux places a new thread by its estimate of the processors' recent
// load: on a virtual machine of two processors it put the engine's reading thread on its
// creator's processor, which was busy, in two starts of three, while the other was idle. The
// reading thread then began about 0.75 ms later, when its creator first waited for the server,
// and the up-to-date check of 1,000 migrations took 5-20% longer (docs/performance.md). The
// constructing thread's processors are those it may use when it constructs: the new thread is
// never given one it could not have had.
//
// It runs at a lower priority than its creator (five steps of nice): where both want a
// processor, the creator's work goes first. The engine's calling thread connects and reads the
// database, and the server answering it shares the processors; on PostgreSQL, where connecting
// (a process started, a SCRAM exchange) takes longer than reading 1,000 files, the check was 2-7%
// faster so, and no slower on MariaDB or SQLite, where the files take longer (docs/performance.md).
//
// The destructor waits for the job to end. The job must not throw (as for std::thread, a throw
// ends the process): a std::packaged_task keeps what its function throws. Not copyable.
class CompanionThread {
 public:
  // Throws std::system_error where no thread can be had.
  explicit CompanionThread(std::function<void()> job);
  ~CompanionThread();
  CompanionThread(const CompanionThread&) = delete;
  CompanionThread& operator=(const CompanionThread&) = delete;

  // The processor the thread started on, before it was free to run elsewhere (-1 where not
  // known), and the constructing thread's when it constructed. Read once the job has begun.
  int started_on() const noexcept;
  int created_on() const noexcept;

 private:
  struct Running;
  std::unique_ptr<Running> running_;
};

}  // namespace strata::detail
