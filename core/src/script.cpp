#include <strata/error.hpp>
#include <strata/script.hpp>

#include <algorithm>
#include <cctype>
#include <utility>

namespace strata {
namespace {

bool is_space(char c) {
  return std::isspace(static_cast<unsigned char>(c)) != 0;
}

// '$' belongs to words so that a$b stays one name and a$b$ never opens a dollar quote; bytes of
// UTF-8 sequences belong to words so that non-ASCII names are never split into keywords.
bool is_word_char(char c) {
  auto byte = static_cast<unsigned char>(c);
  return std::isalnum(byte) || c == '_' || c == '$' || byte >= 0x80;
}

bool is_tag_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool is_tag_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

bool iequals(std::string_view word, std::string_view keyword) {
  return std::equal(word.begin(), word.end(), keyword.begin(), keyword.end(),
                    [](char a, char b) { return std::toupper(static_cast<unsigned char>(a)) == b; });
}

// Line and column of offsets asked for in increasing order, without rescanning the script for
// each statement.
class LineCounter {
 public:
  explicit LineCounter(std::string_view text) : text_(text) {}

  TextPosition at(std::size_t offset) {
    for (; scanned_ < offset; ++scanned_) {
      if (text_[scanned_] != '\n') continue;
      ++line_;
      line_start_ = scanned_ + 1;
    }
    return {line_, static_cast<int>(offset - line_start_ + 1)};
  }

 private:
  std::string_view text_;
  std::size_t scanned_ = 0;
  int line_ = 1;
  std::size_t line_start_ = 0;
};

// Follows one statement's tokens to tell whether a body whose semicolons do not end the
// statement is open: a SQLite CREATE TRIGGER's BEGIN ... END, or a PostgreSQL BEGIN ATOMIC ... END.
// Inside a body, CASE ... END is the only other construct that ends with END.
class BodyTracker {
 public:
  BodyTracker(bool triggers, bool atomic) : triggers_(triggers), atomic_(atomic) {}

  // `word` is empty for tokens that cannot be keywords: strings, quoted names, punctuation.
  void on_token(std::string_view word, std::size_t offset) {
    if (phase_ == Phase::body) {
      if (iequals(word, "CASE")) ++depth_;
      if (iequals(word, "END") && --depth_ == 0) phase_ = Phase::other;
      return;
    }
    if (atomic_ && after_begin_ && iequals(word, "ATOMIC")) return open(begin_offset_);
    after_begin_ = atomic_ && iequals(word, "BEGIN");
    begin_offset_ = offset;
    switch (phase_) {
      case Phase::expect_create:
        phase_ = triggers_ && iequals(word, "CREATE") ? Phase::expect_trigger : Phase::other;
        break;
      case Phase::expect_trigger:
        if (iequals(word, "TEMP") || iequals(word, "TEMPORARY")) break;
        phase_ = iequals(word, "TRIGGER") ? Phase::header : Phase::other;
        break;
      case Phase::header:
        if (iequals(word, "BEGIN")) open(offset);
        break;
      case Phase::body:
      case Phase::other: break;
    }
  }

  bool in_body() const { return phase_ == Phase::body; }
  std::size_t body_offset() const { return body_offset_; }

 private:
  enum class Phase { expect_create, expect_trigger, header, body, other };

  void open(std::size_t offset) {
    phase_ = Phase::body;
    depth_ = 1;
    body_offset_ = offset;
  }

  bool triggers_;
  bool atomic_;
  Phase phase_ = Phase::expect_create;
  int depth_ = 0;
  bool after_begin_ = false;
  std::size_t begin_offset_ = 0;
  std::size_t body_offset_ = 0;
};

class Splitter {
 public:
  Splitter(std::string_view script, const SplitRules& rules)
      : src_(script), rules_(rules), lines_(script), body_(rules.trigger_bodies, rules.atomic_bodies) {}

  std::vector<Statement> split() {
    while (pos_ < src_.size()) {
      char c = src_[pos_];
      if (is_space(c)) {
        ++pos_;
      } else if (skip_comment()) {
        continue;
      } else if (rules_.delimiter_command && !open_ && delimiter_line()) {
        continue;
      } else if (at_delimiter() && !body_.in_body()) {
        end_statement();
        pos_ += delimiter_.size();
      } else {
        scan_token();
      }
    }
    if (body_.in_body()) fail("unterminated body (BEGIN without END)", body_.body_offset());
    end_statement();
    return std::move(statements_);
  }

 private:
  [[noreturn]] void fail(std::string message, std::size_t opened) const {
    TextPosition at = position_of(src_, opened);
    throw Error(ErrorKind::validation, std::move(message)).at_line(at.line, at.column);
  }

  bool looking_at(std::string_view text) const { return src_.substr(pos_).starts_with(text); }

  bool at_delimiter() const { return looking_at(delimiter_); }

  // A `DELIMITER x` line (a client command, never sent to the server) at a statement's start.
  bool delimiter_line() {
    std::size_t end = std::min(src_.find('\n', pos_), src_.size());
    std::string_view line = src_.substr(pos_, end - pos_);
    if (line.size() < 10 || !iequals(line.substr(0, 9), "DELIMITER") || !is_space(line[9])) return false;
    std::string_view value = line.substr(10);
    while (!value.empty() && is_space(value.front())) value.remove_prefix(1);
    while (!value.empty() && is_space(value.back())) value.remove_suffix(1);
    if (value.empty()) fail("DELIMITER needs a delimiter", pos_);
    delimiter_ = std::string(value);
    pos_ = end;
    return true;
  }
  char next() const { return pos_ < src_.size() ? src_[pos_] : '\0'; }

  bool dash_comment() const {
    if (!looking_at("--")) return false;
    if (!rules_.dash_comment_needs_space) return true;
    return pos_ + 2 >= src_.size() || is_space(src_[pos_ + 2]);
  }

  bool version_comment() const { return rules_.version_comments && (looking_at("/*!") || looking_at("/*+")); }

  bool skip_comment() {
    if (version_comment()) return false;  // SQL for the server: a token of the statement
    if (dash_comment() || (rules_.hash_comments && next() == '#')) {
      pos_ = std::min(src_.find('\n', pos_), src_.size());
      return true;
    }
    if (!looking_at("/*")) return false;
    std::size_t opened = pos_;
    pos_ += 2;
    for (int depth = 1; depth > 0;) {
      if (pos_ >= src_.size()) fail("unterminated block comment", opened);
      if (looking_at("*/")) {
        --depth;
        pos_ += 2;
      } else if (rules_.nested_block_comments && looking_at("/*")) {
        ++depth;
        pos_ += 2;
      } else {
        ++pos_;
      }
    }
    return true;
  }

  // One significant token: it starts the statement if none is open and extends its text.
  void scan_token() {
    if (!open_) start_statement();
    std::size_t begin = pos_;
    std::string_view word;
    char c = src_[pos_];
    if (version_comment()) {
      std::size_t opened = pos_;
      std::size_t close = src_.find("*/", pos_ + 3);
      if (close == std::string_view::npos) fail("unterminated version comment", opened);
      pos_ = close + 2;
    } else if (c == '\'') {
      skip_quoted('\'', true, rules_.backslash_escapes, "string literal");
    } else if (c == '"') {
      skip_quoted('"', true, rules_.backslash_escapes, "quoted identifier");
    } else if (c == '`' && rules_.backtick_identifiers) {
      skip_quoted('`', true, false, "quoted identifier");
    } else if (c == '[' && rules_.bracket_identifiers) {
      skip_quoted(']', false, false, "quoted identifier");
    } else if (rules_.escape_strings && (c == 'E' || c == 'e') && pos_ + 1 < src_.size() && src_[pos_ + 1] == '\'' &&
               (pos_ == 0 || !is_word_char(src_[pos_ - 1]))) {
      ++pos_;
      skip_quoted('\'', true, true, "string literal");
    } else if (c == '$' && rules_.dollar_quotes && skip_dollar_quote()) {
      // consumed
    } else if (is_word_char(c)) {
      word = scan_word();
    } else {
      ++pos_;
    }
    end_ = pos_;
    // After '.' or a parameter sigil a word is a name (new.end, :end), never a keyword.
    if (begin > 0 && std::string_view(".:@").find(src_[begin - 1]) != std::string_view::npos) word = {};
    if (rules_.trigger_bodies || rules_.atomic_bodies) body_.on_token(word, begin);
  }

  void skip_quoted(char close, bool doubled_escape, bool backslash_escape, std::string_view what) {
    std::size_t opened = pos_++;
    while (pos_ < src_.size()) {
      char c = src_[pos_++];
      if (backslash_escape && c == '\\') {
        pos_ = std::min(pos_ + 1, src_.size());
      } else if (c == close) {
        if (!doubled_escape || next() != close) return;
        ++pos_;
      }
    }
    fail("unterminated " + std::string(what) + " (opened with " + src_[opened] + ")", opened);
  }

  // False when the '$' opens no quote: a parameter ($1) or a lone '$'.
  bool skip_dollar_quote() {
    std::size_t tag_end = pos_ + 1;
    if (tag_end < src_.size() && is_tag_start(src_[tag_end])) tag_end = skip_while(tag_end + 1, is_tag_char);
    if (tag_end >= src_.size() || src_[tag_end] != '$') return false;
    std::string_view delimiter = src_.substr(pos_, tag_end + 1 - pos_);
    std::size_t close = src_.find(delimiter, tag_end + 1);
    if (close == std::string_view::npos) fail("unterminated dollar-quoted string " + std::string(delimiter), pos_);
    pos_ = close + delimiter.size();
    return true;
  }

  std::string_view scan_word() {
    std::size_t begin = pos_;
    // A word ends where a custom delimiter starts: END$$ is END, then $$.
    while (pos_ < src_.size() && is_word_char(src_[pos_]) && (pos_ == begin || delimiter_ == ";" || !at_delimiter()))
      ++pos_;
    return src_.substr(begin, pos_ - begin);
  }

  // The offset of the first byte at or after `from` that `belongs` rejects.
  std::size_t skip_while(std::size_t from, bool (*belongs)(char)) const {
    while (from < src_.size() && belongs(src_[from])) ++from;
    return from;
  }

  void start_statement() {
    TextPosition at = lines_.at(pos_);
    current_ = Statement{};
    current_.offset = pos_;
    current_.line = at.line;
    current_.column = at.column;
    open_ = true;
  }

  void end_statement() {
    if (open_) {
      current_.text = std::string(src_.substr(current_.offset, end_ - current_.offset));
      statements_.push_back(std::move(current_));
    }
    open_ = false;
    body_ = BodyTracker(rules_.trigger_bodies, rules_.atomic_bodies);
  }

  std::string_view src_;
  const SplitRules& rules_;
  LineCounter lines_;
  std::size_t pos_ = 0;
  std::vector<Statement> statements_;
  Statement current_;
  bool open_ = false;    // whether current_ has seen its first token
  std::size_t end_ = 0;  // one past the last byte of the current statement's last token
  std::string delimiter_ = ";";
  BodyTracker body_;
};

}  // namespace

std::string Statement::excerpt(std::size_t max_length) const {
  std::string_view first = std::string_view(text).substr(0, text.find('\n'));
  if (!first.empty() && first.back() == '\r') first.remove_suffix(1);
  if (first.size() <= max_length) return std::string(first);
  std::size_t cut = max_length;
  // Cutting inside a UTF-8 sequence would put an invalid byte into a message.
  while (cut > 0 && (static_cast<unsigned char>(first[cut]) & 0xC0) == 0x80) --cut;
  return std::string(first.substr(0, cut)) + "...";
}

std::vector<Statement> split_script(std::string_view script, const SplitRules& rules) {
  return Splitter(script, rules).split();
}

std::vector<std::string> statement_keywords(std::string_view text, std::size_t count) {
  std::vector<std::string> words;
  std::size_t i = 0;
  while (i < text.size() && words.size() < count) {
    char c = text[i];
    if (text.substr(i).starts_with("--")) {
      i = std::min(text.find('\n', i), text.size());
    } else if (text.substr(i).starts_with("/*")) {
      std::size_t end = text.find("*/", i + 2);
      i = end == std::string_view::npos ? text.size() : end + 2;
    } else if (c == '\'' || c == '"' || c == '`') {
      std::size_t end = text.find(c, i + 1);
      i = end == std::string_view::npos ? text.size() : end + 1;
    } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      std::string word;
      while (i < text.size() && (std::isalnum(static_cast<unsigned char>(text[i])) || text[i] == '_'))
        word += static_cast<char>(std::toupper(static_cast<unsigned char>(text[i++])));
      words.push_back(std::move(word));
    } else {
      ++i;
    }
  }
  return words;
}

std::string quote_identifier_with(std::string_view identifier, char quote) {
  std::string out(1, quote);
  for (char c : identifier) {
    out += c;
    if (c == quote) out += c;
  }
  return out + quote;
}

TextPosition position_of(std::string_view text, std::size_t offset) {
  std::string_view before = text.substr(0, std::min(offset, text.size()));
  std::size_t newline = before.rfind('\n');
  std::size_t line_start = newline == std::string_view::npos ? 0 : newline + 1;
  auto line = 1 + std::count(before.begin(), before.end(), '\n');
  return {static_cast<int>(line), static_cast<int>(before.size() - line_start + 1)};
}

}  // namespace strata
