// The statement splitter of one dialect (FUZZ_DIALECT_*), on any bytes. Beyond not crashing
// (only strata::Error may leave it), the statements must be what the script holds: each one a
// byte range of the input at its offset, line and column, the ranges ordered and disjoint, and
// between them nothing but whitespace, comments, terminators and DELIMITER commands.
#include "invariant.hpp"

#include <strata/ascii.hpp>
#include <strata/error.hpp>
#include <strata/script.hpp>

#if defined(FUZZ_DIALECT_SQLITE)
#include "sqlite/sqlite_dialect.hpp"
using FuzzedDialect = strata::sqlite::SqliteDialect;
constexpr bool mysql_rules = false;
constexpr bool nested_comments = false;
#elif defined(FUZZ_DIALECT_POSTGRES)
#include "postgres/pg_dialect.hpp"
using FuzzedDialect = strata::postgres::PgDialect;
constexpr bool mysql_rules = false;
constexpr bool nested_comments = true;
#elif defined(FUZZ_DIALECT_MYSQL)
#include "mysql/mysql_dialect.hpp"
using FuzzedDialect = strata::mysql::MysqlDialect;
constexpr bool mysql_rules = true;
constexpr bool nested_comments = false;
#endif

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

bool space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Reads the text between statements: whitespace, comments, terminators (';' or the delimiter a
// DELIMITER command set) and DELIMITER commands. Anything else is a statement the splitter lost.
class Gap {
 public:
  // `after_statement`: the gap follows a statement, which the delimiter at its start ended (a
  // DELIMITER command cannot stand there: the statement was still open).
  void check(std::string_view script, std::size_t from, std::size_t to, bool after_statement) {
    std::size_t i = from;
    // Until that delimiter only whitespace and comments can stand: the statement is still open.
    while (after_statement && i < to) {
      std::string_view rest = script.substr(i, to - i);
      if (space(rest[0])) {
        ++i;
      } else if (rest.starts_with(delimiter_)) {
        i += delimiter_.size();
        break;
      } else if (rest.starts_with("--") || (mysql_rules && rest[0] == '#')) {
        i = std::min(script.find('\n', i), to);
      } else if (rest.starts_with("/*")) {
        i = block_comment_end(script, i, to);
      } else {
        break;
      }
    }
    while (i < to) {
      std::string_view rest = script.substr(i, to - i);
      if (space(rest[0])) {
        ++i;
      } else if (mysql_rules && delimiter_command(script, i, to)) {
        // consumed (a DELIMITER line wins over a delimiter that it starts with, as in the splitter)
      } else if (rest.starts_with(delimiter_)) {  // before comments: DELIMITER /* makes /* a terminator
        i += delimiter_.size();
      } else if (rest.starts_with("--") || (mysql_rules && rest[0] == '#')) {
        i = std::min(script.find('\n', i), to);
      } else if (rest.starts_with("/*")) {
        i = block_comment_end(script, i, to);
      } else if (rest[0] == ';') {
        ++i;
      } else {
        violated("text between statements that is neither whitespace, comment nor terminator",
                 "at byte " + std::to_string(i));
      }
    }
  }

 private:
  static std::size_t block_comment_end(std::string_view script, std::size_t i, std::size_t to) {
    int depth = 0;
    while (i < to) {
      if (script.substr(i).starts_with("/*") && (depth == 0 || nested_comments)) {
        ++depth;
        i += 2;
      } else if (script.substr(i).starts_with("*/")) {
        i += 2;
        if (--depth == 0) return i;
      } else {
        ++i;
      }
    }
    violated("an unterminated comment between statements", "at byte " + std::to_string(i));
  }

  bool delimiter_command(std::string_view script, std::size_t& i, std::size_t to) {
    std::size_t end = std::min(script.find('\n', i), to);
    std::string_view line = script.substr(i, end - i);
    if (line.size() < 10 || !space(line[9])) return false;  // DELIMITERx is no command (nor for mysql)
    for (std::size_t k = 0; k < 9; ++k)
      if (strata::ascii_upper(line[k]) != "DELIMITER"[k]) return false;
    std::string_view value = line.substr(10);
    while (!value.empty() && space(value.front())) value.remove_prefix(1);
    while (!value.empty() && space(value.back())) value.remove_suffix(1);
    if (value.empty()) return false;
    delimiter_ = std::string(value);
    i = end;
    return true;
  }

  std::string delimiter_ = ";";
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view script(reinterpret_cast<const char*>(data), size);
  static const FuzzedDialect dialect;
  std::vector<strata::Statement> statements;
  try {
    statements = dialect.split(script);
  } catch (const strata::Error&) {
    return 0;  // refused with a message: allowed
  }
  Gap gap;
  std::size_t previous_end = 0;
  for (const auto& s : statements) {
    if (s.offset < previous_end)
      violated("statements overlap or are out of order", "at byte " + std::to_string(s.offset));
    if (s.offset + s.text.size() > script.size() || script.substr(s.offset, s.text.size()) != s.text)
      violated("a statement is not the bytes of the script at its offset", "at byte " + std::to_string(s.offset));
    if (s.text.empty()) violated("an empty statement", "at byte " + std::to_string(s.offset));
    strata::TextPosition at = strata::position_of(script, s.offset);
    if (at.line != s.line || at.column != s.column)
      violated("a statement's line or column is wrong", "at byte " + std::to_string(s.offset));
    gap.check(script, previous_end, s.offset, previous_end > 0);
    previous_end = s.offset + s.text.size();
  }
  gap.check(script, previous_end, script.size(), previous_end > 0);
  return 0;
}
