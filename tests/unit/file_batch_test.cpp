// The batch reader (core/src/file_batch.hpp): private to the core, so compiled into this test.
#include "file_batch.hpp"

#include <strata/error.hpp>
#include <strata/source.hpp>

#include "scratch_dir.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>

#include <array>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using strata::detail::FileBatch;

namespace {

// STRATA_IO_URING=0 in the environment for as long as it lives.
struct RingRefused {
  RingRefused() { ::setenv("STRATA_IO_URING", "0", 1); }
  ~RingRefused() { ::unsetenv("STRATA_IO_URING"); }
  RingRefused(const RingRefused&) = delete;
  RingRefused& operator=(const RingRefused&) = delete;
};

// Reads `names` in `dir` in one batch.
std::vector<std::optional<std::string>> read_batch(FileBatch& batch, const ScratchDir& dir,
                                                   const std::vector<std::string>& names) {
  int opened = ::open(dir.path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  REQUIRE(opened >= 0);
  std::vector<const char*> paths;
  for (const auto& name : names) paths.push_back(name.c_str());
  std::vector<std::optional<std::string>> texts(names.size());
  batch.read(opened, paths, texts);
  ::close(opened);
  return texts;
}

void require_ring(const FileBatch& batch) {
#if STRATA_HAVE_IO_URING
  // Never a quiet pass: where this kernel refuses io_uring, say so by building with
  // -DSTRATA_IO_URING=OFF (strata then reads files one by one, as the suite checks below).
  INFO("this kernel (or its policy) refuses io_uring");
  REQUIRE(batch.available());
#else
  REQUIRE_FALSE(batch.available());
#endif
}

}  // namespace

TEST_CASE("the batch reader gives each file whole, or leaves it to its caller") {
  ScratchDir dir;
  std::string small = "CREATE TABLE t (id INT);\n";
  std::string binary("a\0b\r\n\xff", 6);  // read as bytes: what is wrong with them is the caller's to say
  std::string just_under(FileBatch::largest - 1, 'x');
  dir.write("small.sql", small);
  dir.write("binary.sql", binary);
  dir.write("empty.sql", "");
  dir.write("just_under.sql", just_under);
  dir.write("at_limit.sql", std::string(FileBatch::largest, 'y'));
  dir.write("large.sql", std::string(FileBatch::largest * 3, 'z'));
  fs::create_directory(dir.path / "folder.sql");
  fs::create_symlink("small.sql", dir.path / "link.sql");
  FileBatch batch;
  require_ring(batch);
#if STRATA_HAVE_IO_URING
  auto texts = read_batch(batch, dir,
                          {"small.sql", "binary.sql", "empty.sql", "just_under.sql", "at_limit.sql", "large.sql",
                           "folder.sql", "missing.sql", "link.sql"});
  CHECK(texts[0] == small);
  CHECK(texts[1] == binary);
  CHECK(texts[2] == std::string());
  CHECK(texts[3] == just_under);
  CHECK_FALSE(texts[4]);  // as large as a batch reads: the caller reads it to its end
  CHECK_FALSE(texts[5]);
  CHECK_FALSE(texts[6]);  // not a file
  CHECK_FALSE(texts[7]);  // the caller's reading says what is wrong
  CHECK(texts[8] == small);
  CHECK(batch.available());  // a file's failure is the file's, not the ring's
#endif
}

TEST_CASE("the batch reader reads batch after batch, each file in its own place") {
  ScratchDir dir;
  std::vector<std::string> names;
  for (std::size_t i = 0; i < FileBatch::capacity * 3; ++i) {
    names.push_back("V" + std::to_string(i) + "__file.sql");
    dir.write(names.back(), "-- file " + std::to_string(i) + "\n" + std::string(i * 97, 'q'));
  }
  FileBatch batch;
  require_ring(batch);
#if STRATA_HAVE_IO_URING
  for (std::size_t first = 0; first < names.size(); first += FileBatch::capacity) {
    std::vector<std::string> these(names.begin() + static_cast<std::ptrdiff_t>(first),
                                   names.begin() + static_cast<std::ptrdiff_t>(first + FileBatch::capacity));
    auto texts = read_batch(batch, dir, these);
    for (std::size_t i = 0; i < these.size(); ++i) {
      std::size_t n = first + i;
      CHECK(texts[i] == "-- file " + std::to_string(n) + "\n" + std::string(n * 97, 'q'));
    }
  }
  // Nothing is left open in the process: the ring's files are the ring's own.
  CHECK(batch.available());
#endif
}

TEST_CASE("STRATA_IO_URING=0 turns the batch reader off") {
  RingRefused refused;
  FileBatch batch;
  CHECK_FALSE(batch.available());
  ScratchDir dir;
  dir.write("small.sql", "SELECT 1;\n");
  auto texts = read_batch(batch, dir, {"small.sql"});
  CHECK_FALSE(texts[0]);
}

TEST_CASE("where the kernel refuses io_uring, as a container's seccomp profile does, files are read one by one") {
  ScratchDir dir;
  for (int i = 1; i <= 20; ++i)
    dir.write("V" + std::to_string(i) + "__t.sql", "CREATE TABLE t" + std::to_string(i) + " (id INT);\n");
  std::vector<std::string> checksums;
  for (const auto& m : strata::load_directory(dir.path)) checksums.push_back(m.checksum);
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // The child refuses io_uring_setup as Docker's default profile does (EPERM), then reads.
    sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    sock_fprog program{static_cast<unsigned short>(std::size(filter)), filter};
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) != 0)
      ::_exit(10);
    {
      FileBatch batch;
      if (batch.available()) ::_exit(11);
    }
    if (::fcntl(0, F_GETFD) < 0) ::_exit(12);  // the refused ring closed nothing of the process's
    std::vector<std::string> read;
    for (const auto& m : strata::load_directory(dir.path)) read.push_back(m.checksum);
    ::_exit(read == checksums ? 0 : 13);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  // 10: no seccomp here; 11: a ring despite the refusal; 12: stdin closed; 13: other checksums
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("a migrations directory reads the same in batches as one by one") {
  ScratchDir dir;
  // Three batches and more; a file too large for a batch, one with CRLF line ends, an undo, a
  // repeatable and a portable migration.
  for (int i = 1; i <= 70; ++i)
    dir.write("V" + std::to_string(i) + "__table_" + std::to_string(i) + ".sql",
              "CREATE TABLE t" + std::to_string(i) + " (id INT);\n");
  dir.write("V71__large.sql", "-- " + std::string(FileBatch::largest * 2, 'x') + "\nCREATE TABLE large (id INT);\n");
  dir.write("V72__crlf.sql", "CREATE TABLE crlf (id INT);\r\nCREATE INDEX ix ON crlf (id);\r\n");
  dir.write("U72__crlf.sql", "DROP TABLE crlf;\n");
  dir.write("R__view.sql", "CREATE VIEW v AS SELECT 1;\n");
  dir.write("V73__portable.yaml", "- create_table:\n    name: p\n    columns:\n      - {name: id, type: integer}\n");
  auto batched = strata::load_directory(dir.path);
  std::vector<strata::Migration> one_by_one;
  {
    RingRefused refused;
    one_by_one = strata::load_directory(dir.path);
  }
  REQUIRE(batched.size() == 76);  // and the undo V73 brings
  REQUIRE(one_by_one.size() == batched.size());
  for (std::size_t i = 0; i < batched.size(); ++i) {
    INFO(batched[i].script);
    CHECK(batched[i].script == one_by_one[i].script);
    CHECK(batched[i].kind == one_by_one[i].kind);
    CHECK(batched[i].checksum == one_by_one[i].checksum);
    CHECK(batched[i].origin == one_by_one[i].origin);
    auto* a = batched[i].sql_script();
    auto* b = one_by_one[i].sql_script();
    REQUIRE((a == nullptr) == (b == nullptr));
    if (a) CHECK(a->text == b->text);
  }
}

TEST_CASE("a defective directory is refused with the same words in batches as one by one") {
  ScratchDir dir;
  for (int i = 1; i <= 40; ++i)
    dir.write("V" + std::to_string(i) + "__t.sql", "CREATE TABLE t" + std::to_string(i) + " (id INT);\n");
  dir.write("V41__empty.sql", "  \n-- nothing\n");
  dir.write("V42__latin1.sql", "SELECT '\xe9';\n");
  dir.write("V4_missing_underscore.sql", "SELECT 1;\n");
  dir.write("V5__t.sql.sql", "SELECT 1;\n");
  auto refusal = [&] {
    try {
      strata::load_directory(dir.path);
    } catch (const strata::Error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  std::string batched = refusal();
  std::string one_by_one;
  {
    RingRefused refused;
    one_by_one = refusal();
  }
  CHECK(batched != "accepted");
  CHECK(batched.find("V41__empty.sql") != std::string::npos);
  CHECK(batched.find("V42__latin1.sql") != std::string::npos);
  CHECK(batched == one_by_one);
}
