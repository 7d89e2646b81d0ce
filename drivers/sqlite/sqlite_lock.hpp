// The SQLite migration lock: flock(LOCK_EX | LOCK_NB) on `<database file>.strata-lock`.
// flock (not fcntl) locks belong to the open file description, so two engines in one process
// exclude each other too; the kernel releases the lock when the process dies.
#pragma once

#include <strata/plugin/sdk.hpp>

#include <string>

namespace strata::sqlite {

class FileLock final : public MigrationLock {
 public:
  explicit FileLock(std::string path);
  ~FileLock() override;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

  bool try_acquire() override;
  void release() override;
  std::string holder() override;
  std::string describe() const override { return "flock on " + path_; }

 private:
  std::string path_;
  int fd_ = -1;
  bool held_ = false;
};

}  // namespace strata::sqlite
