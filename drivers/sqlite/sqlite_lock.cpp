#include "sqlite_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>

namespace strata::sqlite {

FileLock::FileLock(std::string path) : path_(std::move(path)) {
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error(ErrorKind::connection, "cannot open the lock file " + path_ + ": " + std::strerror(errno));
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the last descriptor releases the lock
}

bool FileLock::try_acquire() {
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK || errno == EINTR) return false;
    throw Error(ErrorKind::connection, "cannot lock " + path_ + ": " + std::strerror(errno));
  }
  held_ = true;
  // Who holds it, for a waiter's message; only ever read while the lock is held.
  std::string who = "pid " + std::to_string(::getpid()) + " since " + utc_timestamp_now() + " UTC";
  if (::ftruncate(fd_, 0) == 0) {
    [[maybe_unused]] auto written = ::pwrite(fd_, who.data(), who.size(), 0);
  }
  return true;
}

void FileLock::release() {
  if (!held_) return;
  held_ = false;
  ::flock(fd_, LOCK_UN);
}

std::string FileLock::holder() {
  char buffer[128] = {};
  ssize_t n = ::pread(fd_, buffer, sizeof buffer - 1, 0);
  return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
}

}  // namespace strata::sqlite
