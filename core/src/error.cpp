#include <strata/error.hpp>

#include <utility>

namespace strata {

int exit_code(ErrorKind kind) {
  return static_cast<int>(kind);
}

const char* to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::apply_failed: return "migration failed";
    case ErrorKind::usage: return "usage error";
    case ErrorKind::validation: return "validation failed";
    case ErrorKind::lock_timeout: return "lock timeout";
    case ErrorKind::connection: return "cannot connect";
    case ErrorKind::pending: return "pending";
    case ErrorKind::internal: return "internal error";
  }
  return "error";
}

Error::Error(ErrorKind kind, std::string message)
    : std::runtime_error(message), kind_(kind), message_(std::move(message)) {
  render();
}

Error::~Error() = default;

Error& Error::with_problems(std::vector<Error> problems) {
  problems_ = std::move(problems);
  return *this;
}

Error& Error::in_file(std::string file) {
  file_ = std::move(file);
  render();
  return *this;
}

Error& Error::at_line(int line, int column) {
  line_ = line;
  column_ = column;
  render();
  return *this;
}

Error& Error::at_statement(int index, int count, std::string excerpt) {
  statement_index_ = index;
  statement_count_ = count;
  statement_excerpt_ = std::move(excerpt);
  render();
  return *this;
}

Error& Error::for_version(std::string version) {
  version_ = std::move(version);
  render();
  return *this;
}

Error& Error::with_server_code(std::string sqlstate, int code) {
  sqlstate_ = std::move(sqlstate);
  server_code_ = code;
  render();
  return *this;
}

Error& Error::from_driver(std::string driver) {
  driver_ = std::move(driver);
  render();
  return *this;
}

// "<file>:<line>:<col>: statement 3 of 5 (`INSERT INTO ...`): [SQLSTATE 42P01] message"
void Error::render() {
  std::string out;
  if (!file_.empty()) {
    out += file_;
    if (line_ > 0) {
      out += ':' + std::to_string(line_);
      if (column_ > 0) out += ':' + std::to_string(column_);
    }
    out += ": ";
  } else if (line_ > 0) {
    out += "line " + std::to_string(line_) + ": ";
  }
  if (!version_.empty()) out += "version " + version_ + ": ";
  if (statement_index_ > 0) {
    out += "statement " + std::to_string(statement_index_);
    if (statement_count_ > 0) out += " of " + std::to_string(statement_count_);
    if (!statement_excerpt_.empty()) out += " (" + statement_excerpt_ + ")";
    out += ": ";
  }
  if (!sqlstate_.empty() || server_code_ != 0) {
    out += '[';
    if (!driver_.empty()) out += driver_ + ' ';
    if (server_code_ != 0) out += "error " + std::to_string(server_code_);
    if (!sqlstate_.empty()) out += std::string(server_code_ != 0 ? ", " : "") + "SQLSTATE " + sqlstate_;
    out += "] ";
  }
  out += message_;
  full_ = std::move(out);
}

}  // namespace strata
