#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>

namespace strata::detail {

// Reads small files many at a time through io_uring (Linux 5.19 or later, built with liburing):
// a batch of files opened and read in one system call, each one's end then found and the files
// closed in a second, where reading them one by one took four calls each (docs/performance.md).
// Where the kernel or its policy offers no ring (an older kernel, a container's seccomp profile,
// kernel.io_uring_disabled), where STRATA_IO_URING=0 is in the environment, or where strata was
// built without liburing, available() is false and the caller reads its files itself. Not
// thread-safe: one per thread.
class FileBatch {
 public:
  static constexpr std::size_t capacity = 16;                    // files per read()
  static constexpr std::size_t largest = std::size_t{16} << 10;  // bytes: a file this large or larger is the caller's

  // No ring where not `wanted` (nor without memory for one).
  explicit FileBatch(bool wanted = true) noexcept;
  ~FileBatch();
  FileBatch(const FileBatch&) = delete;
  FileBatch& operator=(const FileBatch&) = delete;

  bool available() const noexcept { return ring_ != nullptr; }

  // Reads the files named by `paths` (at most `capacity`; relative to the directory `dir`, a
  // descriptor or AT_FDCWD): texts[i] is the whole of file i, read to its end as reading one by
  // one reads it (a read that gives nothing), or nullopt where this batch cannot vouch for it:
  // an error, such as a directory's (the caller reads that file itself, and says what is wrong
  // with it), or `largest` bytes or more. The paths live until read() returns. After a failure
  // of the ring itself, available() is false.
  // Without memory for a file's text, that file is left to the caller.
  void read(int dir, std::span<const char* const> paths, std::span<std::optional<std::string>> texts) noexcept;

 private:
  struct Ring;
  std::unique_ptr<Ring> ring_;
};

}  // namespace strata::detail
