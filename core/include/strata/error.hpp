// strata::Error is the one exception strata throws, from the core and from every driver.
//
// Its kind is the class of failure and maps one-to-one onto the command line's exit codes, so
// an embedding product and a shell script see the same outcome. Where the failure has a place
// (a migration file and line, a statement, a server error code) the error carries it, and
// what() renders everything into one paragraph that never contains a password.
#pragma once

#include <strata/export.hpp>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace strata {

enum class ErrorKind : int {
  apply_failed = 1,  // a migration failed while applying (SQL error)
  usage = 2,         // bad flag, unknown URL scheme, missing migrations directory
  validation = 3,    // a defect found before anything runs
  lock_timeout = 4,  // the migration lock was not obtained in time
  connection = 5,    // cannot connect, or cannot load a driver plugin
  pending = 6,       // `status --check`: something is pending; `diff --check`: the schemas differ
  internal = 70,     // a bug: a driver (or strata) failed with an exception of its own
};

// The process exit code the command line uses for an error of this kind.
STRATA_API int exit_code(ErrorKind kind);
// A short name for the kind: "apply failed", "usage", ...
STRATA_API const char* to_string(ErrorKind kind);

class STRATA_API Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, std::string message);
  ~Error() override;
  Error(const Error&) = default;
  Error& operator=(const Error&) = default;

  ErrorKind kind() const noexcept { return kind_; }
  // The bare message, without the location.
  const std::string& message() const noexcept { return message_; }
  // The whole paragraph: location, statement, server code and message.
  const char* what() const noexcept override { return full_.c_str(); }

  // Context, added where it becomes known as the error travels up. Each returns *this.
  Error& in_file(std::string file);
  Error& at_line(int line, int column = 0);
  Error& at_statement(int index, int count, std::string excerpt);
  Error& for_version(std::string version);
  Error& with_server_code(std::string sqlstate, int code = 0);
  Error& from_driver(std::string driver);

  const std::string& file() const noexcept { return file_; }
  int line() const noexcept { return line_; }
  int column() const noexcept { return column_; }
  int statement_index() const noexcept { return statement_index_; }  // 1-based, 0 when none
  const std::string& statement_excerpt() const noexcept { return statement_excerpt_; }
  const std::string& version() const noexcept { return version_; }
  const std::string& sqlstate() const noexcept { return sqlstate_; }
  int server_code() const noexcept { return server_code_; }
  const std::string& driver() const noexcept { return driver_; }
  // Where this error stands for several (every problem found before a run): each of them, in
  // order, with its own place; empty otherwise. what() lists them.
  const std::vector<Error>& problems() const noexcept { return problems_; }
  Error& with_problems(std::vector<Error> problems);

 private:
  void render();

  ErrorKind kind_;
  std::string message_;
  std::string file_;
  int line_ = 0;
  int column_ = 0;
  int statement_index_ = 0;
  int statement_count_ = 0;
  std::string statement_excerpt_;
  std::string version_;
  std::string sqlstate_;
  int server_code_ = 0;
  std::string driver_;
  std::vector<Error> problems_;
  std::string full_;
};

}  // namespace strata
