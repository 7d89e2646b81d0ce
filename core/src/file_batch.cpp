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
#include <sys/stat.h>
#endif

namespace strata::detail {

#if STRATA_HAVE_IO_URING

struct FileBatch::Ring {
  io_uring ring{};
  // One buffer of `largest` bytes per file of a batch: the kernel writes only the pages a file
  // fills, so a small file costs one page of memory, once.
  std::unique_ptr<char[]> buffers = std::make_unique_for_overwrite<char[]>(capacity * largest);
  struct statx stats[capacity] {};

  bool made = false;  // io_uring_queue_init succeeded: there is a ring to exit

  Ring() = default;
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;
  ~Ring() {
    if (made) io_uring_queue_exit(&ring);
  }
};

namespace {

// The four operations of a file's chain, in their order; a completion's user_data is the file's
// place in the batch times four plus its operation.
enum Step : std::uint64_t { stat_step, open_step, read_step, close_step, steps };

bool supports_every_step(io_uring& ring) {
  io_uring_probe* probe = io_uring_get_probe_ring(&ring);
  if (!probe) return false;
  bool all = io_uring_opcode_supported(probe, IORING_OP_STATX) && io_uring_opcode_supported(probe, IORING_OP_OPENAT) &&
             io_uring_opcode_supported(probe, IORING_OP_READ) && io_uring_opcode_supported(probe, IORING_OP_CLOSE);
  io_uring_free_probe(probe);
  return all;
}

}  // namespace

FileBatch::FileBatch() noexcept {
  if (const char* wanted = std::getenv("STRATA_IO_URING"); wanted && std::string_view(wanted) == "0") return;
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
  std::size_t expected = paths.size() * steps;
  // The ring holds capacity * steps entries and every batch is reaped whole: there is room.
  if (io_uring_sq_space_left(&ring) < expected) {
    ring_.reset();
    return;
  }
  for (std::size_t i = 0; i < paths.size(); ++i) {
    // statx, then open, read and close: a failure before the read cancels the rest of the chain;
    // the close follows the read whatever the read did. (Not O_NONBLOCK: io_uring would then
    // refuse to wait for a file not yet in memory, where it now reads it on a worker.)
    io_uring_sqe* sqe = io_uring_get_sqe(&ring);
    io_uring_prep_statx(sqe, dir, paths[i], 0, STATX_TYPE | STATX_SIZE, &ring_->stats[i]);
    sqe->flags |= IOSQE_IO_LINK;
    sqe->user_data = i * steps + stat_step;
    sqe = io_uring_get_sqe(&ring);
    io_uring_prep_openat_direct(sqe, dir, paths[i], O_RDONLY, 0, static_cast<unsigned>(i));
    sqe->flags |= IOSQE_IO_LINK;
    sqe->user_data = i * steps + open_step;
    sqe = io_uring_get_sqe(&ring);
    io_uring_prep_read(sqe, static_cast<int>(i), ring_->buffers.get() + i * largest, largest, 0);
    sqe->flags |= IOSQE_FIXED_FILE | IOSQE_IO_HARDLINK;
    sqe->user_data = i * steps + read_step;
    sqe = io_uring_get_sqe(&ring);
    io_uring_prep_close_direct(sqe, static_cast<unsigned>(i));
    sqe->user_data = i * steps + close_step;
  }
  int submitted;
  do {
    submitted = io_uring_submit(&ring);
  } while (submitted == -EINTR);
  // Each operation's result (SIZE_MAX: it failed); every operation completes once, the ones a
  // failure cancelled too.
  std::array<std::array<std::size_t, steps>, capacity> results;
  for (auto& file : results) file.fill(SIZE_MAX);
  std::size_t seen = 0;
  std::size_t waited_for = submitted > 0 ? static_cast<std::size_t>(submitted) : 0;
  while (seen < waited_for) {
    io_uring_cqe* cqe = nullptr;
    int waited = io_uring_wait_cqe(&ring, &cqe);
    if (waited == -EINTR) continue;
    if (waited != 0) break;
    std::uint64_t file = cqe->user_data / steps, step = cqe->user_data % steps;
    if (file < paths.size()) results[file][step] = cqe->res < 0 ? SIZE_MAX : static_cast<std::size_t>(cqe->res);
    io_uring_cqe_seen(&ring, cqe);
    ++seen;
  }
  if (seen != expected) {
    // The ring itself failed (not one of the files): the rest of this run reads files one by one.
    ring_.reset();
    return;
  }
  for (std::size_t i = 0; i < paths.size(); ++i) {
    const struct statx& st = ring_->stats[i];
    bool whole = results[i][stat_step] == 0 && S_ISREG(st.stx_mode) && results[i][open_step] != SIZE_MAX &&
                 results[i][read_step] == st.stx_size && st.stx_size < largest;
    if (!whole) continue;
    try {
      texts[i].emplace(ring_->buffers.get() + i * largest, results[i][read_step]);
    } catch (const std::bad_alloc&) {
      texts[i].reset();
    }
  }
}

#else

struct FileBatch::Ring {};
FileBatch::FileBatch() noexcept = default;
FileBatch::~FileBatch() = default;
void FileBatch::read(int, std::span<const char* const>, std::span<std::optional<std::string>> texts) noexcept {
  for (auto& text : texts) text.reset();
}

#endif

}  // namespace strata::detail
