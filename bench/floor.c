/* The physical floor of strata's up-to-date check: the work no migration tool that verifies
 * checksums can avoid, in one minimal process. Connect (or open the file), run one query reading
 * the ledger, then open, read and SHA-256 every file of the migrations directory.
 *
 *   strata-floor-sqlite   <database file> <migrations dir>
 *   strata-floor-postgres <libpq conninfo or URL> <migrations dir>
 *   strata-floor-mariadb  <host> <port> <user> <database> <migrations dir>   (password: MYSQL_PWD)
 *   strata-floor-mariadb-cppconn  (the same, its query through Connector/C++: floor_cppconn.cpp)
 *
 * One program, built once per backend (FLOOR_SQLITE, FLOOR_POSTGRES, FLOOR_MARIADB), reading the
 * files in batches through io_uring where strata is built to (FLOOR_IO_URING) and the kernel
 * allows it, else one by one. Prints the number of ledger rows and of files hashed; exits 1 on
 * any failure. */
#include <dirent.h>
#include <fcntl.h>
/* Nettle's SHA-256, as strata computes it: OpenSSL's libcrypto took 3 ms to load in each
 * process, which a floor cannot pay. */
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LEDGER_QUERY "SELECT installed_rank, version, checksum, success FROM strata_history"

#if defined(FLOOR_SQLITE)
#include <sqlite3.h>
static long read_ledger(char** argv) {
  sqlite3* db = NULL;
  sqlite3_stmt* statement = NULL;
  long rows = 0;
  if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(db, LEDGER_QUERY, -1, &statement, NULL) != SQLITE_OK) {
    fprintf(stderr, "%s\n", sqlite3_errmsg(db));
    return -1;
  }
  while (sqlite3_step(statement) == SQLITE_ROW) ++rows;
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return rows;
}
#define ARGS 3
#elif defined(FLOOR_POSTGRES)
#include <libpq-fe.h>
static long read_ledger(char** argv) {
  PGconn* conn = PQconnectdb(argv[1]);
  if (PQstatus(conn) != CONNECTION_OK) {
    fprintf(stderr, "%s", PQerrorMessage(conn));
    return -1;
  }
  PGresult* result = PQexec(conn, LEDGER_QUERY);
  long rows = PQresultStatus(result) == PGRES_TUPLES_OK ? PQntuples(result) : -1;
  if (rows < 0) fprintf(stderr, "%s", PQerrorMessage(conn));
  PQclear(result);
  PQfinish(conn);
  return rows;
}
#define ARGS 3
#elif defined(FLOOR_MARIADB)
#include <mysql.h>
static long read_ledger(char** argv) {
  MYSQL* conn = mysql_init(NULL);
  if (!mysql_real_connect(conn, argv[1], argv[3], getenv("MYSQL_PWD"), argv[4], (unsigned)atoi(argv[2]), NULL, 0) ||
      mysql_query(conn, LEDGER_QUERY) != 0) {
    fprintf(stderr, "%s\n", mysql_error(conn));
    return -1;
  }
  MYSQL_RES* result = mysql_store_result(conn);
  long rows = result ? (long)mysql_num_rows(result) : -1;
  mysql_free_result(result);
  mysql_close(conn);
  return rows;
}
#define ARGS 6
#elif defined(FLOOR_MARIADB_CPPCONN)
/* The same connection and query through Connector/C++ (bench/floor_cppconn.cpp). */
long read_ledger(char** argv);
#define ARGS 6
#else
#error "define FLOOR_SQLITE, FLOOR_POSTGRES, FLOOR_MARIADB or FLOOR_MARIADB_CPPCONN"
#endif

/* Nettle's functions are a library's: not left out, though the digest goes unused. */
static void hash(const char* bytes, size_t size) {
  uint8_t digest[SHA256_DIGEST_SIZE];
  struct sha256_ctx context;
  sha256_init(&context);
  sha256_update(&context, size, (const uint8_t*)bytes);
  sha256_digest(&context, sizeof digest, digest);
}

#ifdef FLOOR_IO_URING
/* As strata reads them where the kernel allows (core/src/file_batch.cpp): 16 files to a system
 * call through io_uring, each a chain of open, read and close in the kernel (strata's chains
 * also begin with a statx, which this floor leaves out: its files are its own). The number hashed,
 * -1 on any failure (a file of 64 KiB or more included), or -2 where the kernel offers no ring
 * (then the caller reads them one by one). */
#include <liburing.h>
enum { batch = 16, largest = 1 << 16 };
static long hash_files_in_batches(const char* dir) {
  struct io_uring ring;
  if (io_uring_queue_init(batch * 3, &ring, 0) != 0) return -2;
  if (io_uring_register_files_sparse(&ring, batch) != 0) {
    io_uring_queue_exit(&ring);
    return -2;
  }
  DIR* d = opendir(dir);
  int dir_fd = d ? dirfd(d) : -1;
  char* buffers = malloc((size_t)batch * largest);
  char names[batch][256];
  long hashed = 0, result = d && buffers ? 0 : -1;
  for (struct dirent* e = d ? readdir(d) : NULL; result == 0 && e;) {
    int n = 0;
    for (; e && n < batch; e = readdir(d)) {
      if (e->d_name[0] == '.') continue;
      snprintf(names[n], sizeof names[n], "%s", e->d_name);
      struct io_uring_sqe* sqe = io_uring_get_sqe(&ring);
      io_uring_prep_openat_direct(sqe, dir_fd, names[n], O_RDONLY, 0, (unsigned)n);
      sqe->flags |= IOSQE_IO_LINK;
      sqe->user_data = 0;
      sqe = io_uring_get_sqe(&ring);
      io_uring_prep_read(sqe, n, buffers + (size_t)n * largest, largest, 0);
      sqe->flags |= IOSQE_FIXED_FILE | IOSQE_IO_HARDLINK;
      sqe->user_data = 1 + (unsigned)n;
      sqe = io_uring_get_sqe(&ring);
      io_uring_prep_close_direct(sqe, (unsigned)n);
      sqe->user_data = 0;
      ++n;
    }
    if (n == 0) break;
    int sizes[batch];
    if (io_uring_submit_and_wait(&ring, (unsigned)(3 * n)) < 3 * n) result = -1;
    for (int seen = 0; result == 0 && seen < 3 * n; ++seen) {
      struct io_uring_cqe* cqe;
      if (io_uring_wait_cqe(&ring, &cqe) != 0) {
        result = -1;
        break;
      }
      if (cqe->user_data > 0) sizes[cqe->user_data - 1] = cqe->res;
      io_uring_cqe_seen(&ring, cqe);
    }
    for (int i = 0; result == 0 && i < n; ++i) {
      if (sizes[i] < 0 || sizes[i] >= largest) {
        result = -1;
      } else {
        hash(buffers + (size_t)i * largest, (size_t)sizes[i]);
        ++hashed;
      }
    }
  }
  if (d) closedir(d);
  free(buffers);
  io_uring_queue_exit(&ring);
  return result == 0 ? hashed : -1;
}
#endif

/* Reads and hashes every regular file of `dir`; the number hashed, or -1. */
static long hash_files(const char* dir) {
#ifdef FLOOR_IO_URING
  long in_batches = hash_files_in_batches(dir);
  if (in_batches != -2) return in_batches;
#endif
  DIR* d = opendir(dir);
  if (!d) return -1;
  long hashed = 0;
  size_t capacity = 1 << 16;
  char* buffer = malloc(capacity);
  char path[4096];
  for (struct dirent* e; (e = readdir(d)) != NULL;) {
    if (e->d_name[0] == '.') continue;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) return -1;
    if ((size_t)st.st_size > capacity) buffer = realloc(buffer, capacity = (size_t)st.st_size);
    ssize_t got = read(fd, buffer, (size_t)st.st_size);
    close(fd);
    if (got != st.st_size) return -1;
    hash(buffer, (size_t)got);
    ++hashed;
  }
  closedir(d);
  free(buffer);
  return hashed;
}

int main(int argc, char** argv) {
  if (argc != ARGS) {
    fprintf(stderr, "wrong arguments: see the comment at the top of bench/floor.c\n");
    return 2;
  }
  long rows = read_ledger(argv);
  long files = rows < 0 ? -1 : hash_files(argv[ARGS - 1]);
  if (files < 0) return 1;
  printf("%ld ledger rows, %ld files hashed\n", rows, files);
  return 0;
}
