#include "file_batch.hpp"

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <string_view>

#if STRATA_HAVE_IO_URING
#include <fcntl.h>
#include <liburing.h>
#endif

namespace strata::detail {

#if STRATA_HAVE_IO_URING

struct FileBatch::Ring {
  io_uring ring{};
  // One buffer of `largest` bytes per file of a batch: the kernel writes only the pages a file
  // fills, so a small file costs one page of memory, once. And a byte per file for the read that
  // must find its end.
  std::unique_ptr<char[]> buffers = std::make_unique_for_overwrite<char[]>(capacity * largest);
  char past_end[capacity]{};

  bool made = false;  // io_uring_queue_init succeeded: there is a ring to exit

  Ring() = default;
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;
  ~Ring() {
    if (made) io_uring_queue_exit(&ring);
  }
};

namespace {

// A file's operations; a completion's user_data is the file's place in the batch times `steps`
// plus its operation.
enum Step : std::uint64_t { open_step, read_step, end_step, close_step, steps };

bool supports_every_step(io_uring& ring) {
  io_uring_probe* probe = io_uring_get_probe_ring(&ring);
  if (!probe) return false;
  bool all = io_uring_opcode_supported(probe, IORING_OP_OPENAT) && io_uring_opcode_supported(probe, IORING_OP_READ) &&
             io_uring_opcode_supported(probe, IORING_OP_CLOSE);
  io_uring_free_probe(probe);
  return all;
}

}  // namespace

FileBatch::FileBatch(bool wanted) noexcept {
  if (!wanted) return;
  if (const char* turned = std::getenv("STRATA_IO_URING"); turned && std::string_view(turned) == "0") return;
  std::unique_ptr<Ring> ring;
  try {
    ring = std::make_unique<Ring>();
  } catch (const std::bad_alloc&) {
    return;
  }
  ring->made = io_uring_queue_init(capacity * steps, &ring->ring, 0) == 0;
  if (!ring->made) return;
  // From here the Ring's destructor exits the ring. Opened files go to the ring's own table, one
  // place per file of a batch (Linux 5.19: a sparse table), never to the process's descriptors.
  if (!supports_every_step(ring->ring) || io_uring_register_files_sparse(&ring->ring, capacity) != 0) return;
  ring_ = std::move(ring);
}

FileBatch::~FileBatch() = default;

void FileBatch::read(int dir, std::span<const char* const> paths,
                     std::span<std::optional<std::string>> texts) noexcept {
  for (auto& text : texts) text.reset();
  if (!ring_ || paths.empty() || paths.size() > capacity || texts.size() < paths.size()) return;
  io_uring& ring = ring_->ring;
  // Each operation's result (SIZE_MAX: it failed, or never ran); every operation submitted
  // completes once, the ones a failure cancelled too.
  std::array<std::array<std::size_t, steps>, capacity> results;
  for (auto& file : results) file.fill(SIZE_MAX);
  // Marks a prepared entry with its file and operation. (The ring has room for every entry of a
  // round: capacity * steps, and each round is reaped whole.)
  auto tag = [](io_uring_sqe* sqe, std::size_t file, Step step) { sqe->user_data = file * steps + step; };
  // Submits what was prepared and collects as many completions; false where the ring failed.
  auto round = [&](std::size_t prepared) {
    int submitted;
    do {
      submitted = io_uring_submit(&ring);
    } while (submitted == -EINTR);
    if (submitted < 0 || static_cast<std::size_t>(submitted) != prepared) return false;
    for (std::size_t seen = 0; seen < prepared;) {
      io_uring_cqe* cqe = nullptr;
      int waited = io_uring_wait_cqe(&ring, &cqe);
      if (waited == -EINTR) continue;
      if (waited != 0) return false;
      std::uint64_t file = cqe->user_data / steps, step = cqe->user_data % steps;
      if (file < paths.size()) results[file][step] = cqe->res < 0 ? SIZE_MAX : static_cast<std::size_t>(cqe->res);
      io_uring_cqe_seen(&ring, cqe);
      ++seen;
    }
    return true;
  };
  // First round: open each file and read up to `largest` bytes (a failed open cancels its read).
  // Neither waits on a worker thread of the kernel where the file is in memory.
  std::size_t prepared = 0;
  for (std::size_t i = 0; i < paths.size(); ++i) {
    io_uring_sqe* open = io_uring_get_sqe(&ring);
    io_uring_prep_openat_direct(open, dir, paths[i], O_RDONLY, 0, static_cast<unsigned>(i));
    open->flags |= IOSQE_IO_LINK;
    tag(open, i, open_step);
    io_uring_sqe* read = io_uring_get_sqe(&ring);
    io_uring_prep_read(read, static_cast<int>(i), ring_->buffers.get() + i * largest, largest, 0);
    read->flags |= IOSQE_FIXED_FILE;
    tag(read, i, read_step);
    prepared += 2;
  }
  bool ok = round(prepared);
  // Second round: where a file gave fewer bytes than asked, one more read must find its end (it
  // reads nothing), as reading one by one does; then every file opened is closed.
  prepared = 0;
  for (std::size_t i = 0; ok && i < paths.size(); ++i) {
    if (results[i][open_step] == SIZE_MAX) continue;  // nothing opened
    std::size_t got = results[i][read_step];
    if (got < largest) {
      io_uring_sqe* end = io_uring_get_sqe(&ring);
      io_uring_prep_read(end, static_cast<int>(i), &ring_->past_end[i], 1, got);
      end->flags |= IOSQE_FIXED_FILE | IOSQE_IO_HARDLINK;
      tag(end, i, end_step);
      ++prepared;
    }
    io_uring_sqe* close = io_uring_get_sqe(&ring);
    io_uring_prep_close_direct(close, static_cast<unsigned>(i));
    tag(close, i, close_step);
    ++prepared;
  }
  if (!ok || (prepared > 0 && !round(prepared))) {
    // The ring itself failed (not one of the files): the rest of this run reads files one by one.
    ring_.reset();
    return;
  }
  for (std::size_t i = 0; i < paths.size(); ++i) {
    std::size_t got = results[i][read_step];
    if (results[i][open_step] == SIZE_MAX || got >= largest || results[i][end_step] != 0) continue;
    try {
      texts[i].emplace(ring_->buffers.get() + i * largest, got);
    } catch (const std::bad_alloc&) {
      texts[i].reset();
    }
  }
}

#else

struct FileBatch::Ring {};
FileBatch::FileBatch(bool) noexcept {}
FileBatch::~FileBatch() = default;
void FileBatch::read(int, std::span<const char* const>, std::span<std::optional<std::string>> texts) noexcept {
  for (auto& text : texts) text.reset();
}

#endif

}  // namespace strata::detail
