#include <strata/ascii.hpp>
#include <strata/error.hpp>
#include <strata/script.hpp>

#include "dollar_quote.hpp"

#include <algorithm>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

namespace strata {
namespace {

bool is_space(char c) {
  return ascii_isspace(c);
}

// '$' belongs to words so that a$b stays one name and a$b$ never opens a dollar quote; bytes of
// UTF-8 sequences belong to words so that non-ASCII names are never split into keywords.
using detail::is_word_char;

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
      if (ascii_iequals(word, "CASE")) ++depth_;
      if (ascii_iequals(word, "END") && --depth_ == 0) phase_ = Phase::other;
      return;
    }
    if (atomic_ && after_begin_ && ascii_iequals(word, "ATOMIC")) return open(begin_offset_);
    after_begin_ = atomic_ && ascii_iequals(word, "BEGIN");
    begin_offset_ = offset;
    switch (phase_) {
      case Phase::expect_create:
        phase_ = triggers_ && ascii_iequals(word, "CREATE") ? Phase::expect_trigger : Phase::other;
        break;
      case Phase::expect_trigger:
        if (ascii_iequals(word, "TEMP") || ascii_iequals(word, "TEMPORARY")) break;
        phase_ = ascii_iequals(word, "TRIGGER") ? Phase::header : Phase::other;
        break;
      case Phase::header:
        if (ascii_iequals(word, "BEGIN")) open(offset);
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

// Where a script cannot be split: an Error(validation) at the line and column of `offset`.
[[noreturn]] void refuse(std::string_view script, std::size_t offset, std::string message) {
  TextPosition at = position_of(script, offset);
  throw Error(ErrorKind::validation, std::move(message)).at_line(at.line, at.column);
}

bool is_one_of(std::string_view word, std::initializer_list<std::string_view> keywords) {
  return std::any_of(keywords.begin(), keywords.end(), [&](std::string_view k) { return ascii_iequals(word, k); });
}

// A significant token as the compound tracker sees it.
struct Token {
  std::string_view word;  // empty for tokens that cannot be keywords: strings, quoted names, punctuation
  char symbol = '\0';     // a punctuation token's character; '\0' for words, strings and quoted names
  std::size_t offset = 0;
};

// Follows one MySQL/MariaDB statement's tokens to tell whether the body of a compound statement
// is open, so that the semicolons inside it do not end the statement. Compound statements are
// routines, triggers and events (CREATE [OR REPLACE] [DEFINER = ...] [AGGREGATE] PROCEDURE,
// FUNCTION, TRIGGER or EVENT, ALTER EVENT), whose body is one statement or a block, and MariaDB's
// blocks outside a routine (BEGIN NOT ATOMIC ... END, IF ... END IF, ...).
//
// Blocks nest: BEGIN ... END, IF ... END IF, CASE ... END CASE, LOOP, WHILE, REPEAT and (MariaDB)
// FOR ... END <kind>, and the CASE expression ... END. BEGIN, IF, CASE, REPEAT and FOR open a
// block only where a statement of the body starts (elsewhere IF() and REPEAT() are functions,
// CASE is an expression, IF EXISTS is part of a DROP), so the tracker knows where each statement
// starts: after the routine's header, ';', BEGIN, a label, THEN and ELSE of IF and CASE
// statements, DO of WHILE and FOR, LOOP, REPEAT, and a handler's conditions. END is a name (a
// column called `end`) where no block is open, and before punctuation other than ';' unless it
// ends a CASE expression. What does not fit (an END that closes another block than the one
// open, a block never closed) is refused, never guessed.
class CompoundTracker {
 public:
  explicit CompoundTracker(std::string_view script) : script_(script) {}

  void on_token(const Token& token) {
    if (skip_ > 0) {
      --skip_;
      return;
    }
    switch (phase_) {
      case Phase::start: return at_statement_start(token);
      case Phase::create: return in_create(token);
      case Phase::routine_name:
        if (token.symbol == '(') phase_ = Phase::routine_parameters;
        return;
      case Phase::routine_parameters:
        if (token.symbol == '(') ++parentheses_;
        if (token.symbol == ')' && parentheses_-- == 0) {
          phase_ = Phase::routine_header;
          parentheses_ = 0;
        }
        return;
      case Phase::routine_header: return in_routine_header(token);
      case Phase::trigger_header:
        if (ascii_iequals(token.word, "FOR")) return void(phase_ = Phase::trigger_for);
        return;
      case Phase::trigger_for:
        phase_ = ascii_iequals(token.word, "EACH") ? Phase::trigger_each : Phase::trigger_header;
        return;
      case Phase::trigger_each:
        phase_ = ascii_iequals(token.word, "ROW") ? Phase::trigger_order : Phase::trigger_header;
        return;
      case Phase::trigger_order:
        if (is_one_of(token.word, {"FOLLOWS", "PRECEDES"})) return void(skip_ = 1);  // and the other trigger
        return begin_body(token);
      case Phase::event_header:
        if (ascii_iequals(token.word, "DO")) start_body();
        return;
      case Phase::anonymous_begin:
        phase_ = ascii_iequals(token.word, "NOT") ? Phase::anonymous_not : Phase::other;
        return;
      case Phase::anonymous_not:
        if (!ascii_iequals(token.word, "ATOMIC")) return void(phase_ = Phase::other);
        start_body();
        open(Block::begin, statement_offset_);
        return;
      case Phase::maybe_label:
        if (token.symbol != ':') return void(phase_ = Phase::other);
        return start_body();
      case Phase::body: return in_body(token);
      case Phase::other: return;
    }
  }

  // Whether the statement's semicolons are inside a body now (an END waiting for its next token
  // to tell what it closes counts as closed).
  bool in_body() const { return blocks_.size() > (pending_ == Pending::end ? 1U : 0U); }

  // At the statement's end: an END is settled, and a block still open is refused.
  void finish() {
    if (pending_ == Pending::end) close(Token{});
    if (!blocks_.empty())
      refuse_body(blocks_.back().offset, "unterminated " + std::string(opener(blocks_.back().block)) + " (no " +
                                             std::string(closer(blocks_.back().block)) + ")");
  }

 private:
  enum class Phase {
    start,
    create,              // CREATE or ALTER, up to what it makes
    routine_name,        // PROCEDURE or FUNCTION, up to its parameters
    routine_parameters,  // inside the parameter list
    routine_header,      // RETURNS and characteristics, up to the body
    trigger_header,      // up to FOR EACH ROW
    trigger_for,
    trigger_each,
    trigger_order,  // FOLLOWS or PRECEDES another trigger, or the body
    event_header,   // up to DO
    anonymous_begin,
    anonymous_not,  // BEGIN NOT: ATOMIC opens a block, anything else is no compound statement
    maybe_label,    // a first word: a label if ':' follows
    body,
    other,  // no compound statement
  };
  enum class Block { begin, if_statement, case_statement, case_expression, loop, while_loop, repeat_loop, for_loop };
  struct Open {
    Block block;
    std::size_t offset;
    bool awaiting_do;  // WHILE and FOR: the condition is not over yet
  };
  // A word whose meaning the next token decides.
  enum class Pending { none, if_word, repeat_word, end };
  // DECLARE ... HANDLER FOR condition, ...: the statement after the conditions starts a statement.
  enum class Handler { none, declare, handler, condition, sqlstate, not_found, after_condition };

  static std::string_view opener(Block block) {
    switch (block) {
      case Block::begin: return "BEGIN";
      case Block::if_statement: return "IF";
      case Block::case_statement: return "CASE";
      case Block::case_expression: return "CASE expression";
      case Block::loop: return "LOOP";
      case Block::while_loop: return "WHILE";
      case Block::repeat_loop: return "REPEAT";
      case Block::for_loop: return "FOR";
    }
    return "";
  }

  // The word after END that closes the block; empty for END alone.
  static std::string_view closing_word(Block block) {
    switch (block) {
      case Block::begin:
      case Block::case_expression: return "";
      case Block::if_statement: return "IF";
      case Block::case_statement: return "CASE";
      case Block::loop: return "LOOP";
      case Block::while_loop: return "WHILE";
      case Block::repeat_loop: return "REPEAT";
      case Block::for_loop: return "FOR";
    }
    return "";
  }

  static std::string closer(Block block) {
    std::string_view word = closing_word(block);
    return word.empty() ? "END" : "END " + std::string(word);
  }

  static bool is_block_word(std::string_view word) {
    return is_one_of(word, {"IF", "CASE", "LOOP", "WHILE", "REPEAT", "FOR"});
  }

  [[noreturn]] void refuse_body(std::size_t offset, const std::string& what) const {
    int line = position_of(script_, statement_offset_).line;
    refuse(script_, offset,
           what + ": strata cannot tell where the compound statement that starts at line " + std::to_string(line) +
               " ends; put it between DELIMITER lines (`DELIMITER $$` before it, `$$` after its END, then "
               "`DELIMITER ;`)");
  }

  void at_statement_start(const Token& token) {
    statement_offset_ = token.offset;
    // What is left of a body cut at its semicolons: the server would reject it only after the
    // statements before it ran.
    if (is_one_of(token.word, {"END", "ELSE", "ELSEIF", "UNTIL", "DECLARE"}))
      refuse(script_, token.offset,
             "a statement cannot start with " + std::string(token.word) +
                 ": it belongs inside a compound statement (BEGIN ... END, IF ... END IF) above it that strata "
                 "split at its semicolons; put that statement between DELIMITER lines (`DELIMITER $$` before it, "
                 "`$$` after its END, then `DELIMITER ;`)");
    if (ascii_iequals(token.word, "CREATE") || ascii_iequals(token.word, "ALTER")) {
      altering_ = ascii_iequals(token.word, "ALTER");
      phase_ = Phase::create;
    } else if (ascii_iequals(token.word, "BEGIN")) {
      phase_ = Phase::anonymous_begin;
    } else if (is_block_word(token.word)) {
      begin_body(token);
    } else {
      phase_ = token.word.empty() ? Phase::other : Phase::maybe_label;
    }
  }

  void in_create(const Token& token) {
    if (token.word.empty() || is_one_of(token.word, {"OR", "REPLACE", "AGGREGATE"})) return;
    if (ascii_iequals(token.word, "DEFINER")) return void(skip_ = 2);  // = and the user; '@' and the host are no words
    if (ascii_iequals(token.word, "EVENT")) return void(phase_ = Phase::event_header);
    if (altering_) return void(phase_ = Phase::other);
    if (is_one_of(token.word, {"PROCEDURE", "FUNCTION"})) return void(phase_ = Phase::routine_name);
    phase_ = ascii_iequals(token.word, "TRIGGER") ? Phase::trigger_header : Phase::other;
  }

  // Between a routine's parameters and its body: RETURNS type and characteristics. The first
  // word that belongs to neither starts the body.
  void in_routine_header(const Token& token) {
    if (token.symbol == '(') ++parentheses_;  // a type's (10, 2)
    if (token.symbol == ')') --parentheses_;
    if (token.word.empty() || parentheses_ > 0) return;                                    // and a COMMENT's string
    if (is_one_of(token.word, {"RETURNS", "CHARSET", "COLLATE"})) return void(skip_ = 1);  // the type, the name
    if (ascii_iequals(token.word, "CHARACTER")) return void(skip_ = 2);                    // SET name
    if (is_one_of(token.word, {"UNSIGNED", "SIGNED",  "ZEROFILL", "BINARY", "ASCII",    "UNICODE",       "PRECISION",
                               "VARYING",  "COMMENT", "LANGUAGE", "SQL",    "NOT",      "DETERMINISTIC", "CONTAINS",
                               "NO",       "READS",   "MODIFIES", "DATA",   "SECURITY", "DEFINER",       "INVOKER"}))
      return;
    begin_body(token);
  }

  void start_body() {
    phase_ = Phase::body;
    at_start_ = true;
  }

  void begin_body(const Token& token) {
    start_body();
    in_body(token);
  }

  void open(Block block, std::size_t offset) {
    blocks_.push_back({block, offset, block == Block::while_loop || block == Block::for_loop});
  }

  bool top_is(std::initializer_list<Block> blocks) const {
    return !blocks_.empty() && std::find(blocks.begin(), blocks.end(), blocks_.back().block) != blocks.end();
  }

  // Settles a pending END, which closes the innermost block, with the token after it (an empty
  // token at the statement's end).
  // Returns true when that token was part of the END: its block word or a label.
  bool close(const Token& next) {
    pending_ = Pending::none;
    Open closed = blocks_.back();
    blocks_.pop_back();
    std::string_view expected = closing_word(closed.block);
    bool labelled = closed.block != Block::case_expression && closed.block != Block::if_statement &&
                    closed.block != Block::case_statement;
    if (is_block_word(next.word)) {
      if (!ascii_iequals(next.word, expected))
        refuse_body(pending_offset_, "END " + std::string(next.word) + " closes the " +
                                         std::string(opener(closed.block)) + " opened at line " +
                                         std::to_string(position_of(script_, closed.offset).line));
      label_follows_ = labelled;
      return true;
    }
    if (!expected.empty())
      refuse_body(pending_offset_, "END alone closes the " + std::string(opener(closed.block)) + " opened at line " +
                                       std::to_string(position_of(script_, closed.offset).line) + ", which needs " +
                                       closer(closed.block));
    return labelled && !next.word.empty();  // END label
  }

  // Settles what the previous word left pending. Returns true when the token is used up.
  bool settle(const Token& token, bool& at_start) {
    Pending pending = std::exchange(pending_, Pending::none);
    switch (pending) {
      case Pending::none: return false;
      case Pending::end:
        // Inside a block END comes before ';', a block word or a label: before other punctuation
        // it is a name (SET end = 1). A CASE expression's END comes before anything.
        if (token.symbol != '\0' && token.symbol != ';' && !top_is({Block::case_expression})) return false;
        return close(token);
      case Pending::if_word:
        // IF( is the function (at a statement start it would have opened a block already), IF
        // [NOT] EXISTS a clause of DDL; before anything else IF starts a statement (a handler's).
        if (token.symbol != '(' && !is_one_of(token.word, {"EXISTS", "NOT"}))
          open(Block::if_statement, pending_offset_);
        return false;
      case Pending::repeat_word:
        if (token.symbol == '(') return false;  // the function
        open(Block::repeat_loop, pending_offset_);
        at_start = true;
        return false;
    }
    return false;
  }

  // DECLARE ... HANDLER FOR SQLSTATE [VALUE] '...' | SQLWARNING | NOT FOUND | SQLEXCEPTION | name
  // | code, ...: after the last condition a statement starts. Returns true when the token is used up.
  bool in_handler(const Token& token, bool& at_start) {
    switch (handler_) {
      case Handler::none: return false;
      case Handler::declare:
        if (ascii_iequals(token.word, "HANDLER")) handler_ = Handler::handler;
        return false;
      case Handler::handler:
        handler_ = ascii_iequals(token.word, "FOR") ? Handler::condition : Handler::none;
        return true;
      case Handler::condition:
        handler_ = ascii_iequals(token.word, "SQLSTATE") ? Handler::sqlstate
                   : ascii_iequals(token.word, "NOT")    ? Handler::not_found
                                                         : Handler::after_condition;
        return true;
      case Handler::sqlstate:
        if (!ascii_iequals(token.word, "VALUE")) handler_ = Handler::after_condition;
        return true;
      case Handler::not_found: handler_ = Handler::after_condition; return true;
      case Handler::after_condition:
        if (token.symbol == ',') return void(handler_ = Handler::condition), true;
        handler_ = Handler::none;
        at_start = true;
        return false;
    }
    return false;
  }

  void in_body(const Token& token) {
    bool at_start = std::exchange(at_start_, false);
    bool label = std::exchange(label_, false);
    int after_begin = std::exchange(after_begin_, 0);
    if (std::exchange(label_follows_, false) && !token.word.empty()) return;  // END LOOP label
    if (settle(token, at_start) || in_handler(token, at_start)) return;
    std::string_view word = token.word;
    if (word.empty()) {
      if (token.symbol == ';') {
        at_start_ = true;
        handler_ = Handler::none;
      }
      if (token.symbol == ':' && label) at_start_ = true;
      return;
    }
    if ((after_begin == 1 && ascii_iequals(word, "NOT")) || (after_begin == 2 && ascii_iequals(word, "ATOMIC"))) {
      after_begin_ = after_begin + 1;  // BEGIN NOT ATOMIC: the block's statements start after it
      at_start_ = true;
      return;
    }
    if (ascii_iequals(word, "END")) {
      // With no block open END is a name: a closer there leaves a statement starting with END.
      if (blocks_.empty()) return;
      pending_ = Pending::end;
      pending_offset_ = token.offset;
    } else if (ascii_iequals(word, "BEGIN") && at_start) {
      open(Block::begin, token.offset);
      at_start_ = true;
      after_begin_ = 1;
    } else if (ascii_iequals(word, "IF")) {
      if (at_start) open(Block::if_statement, token.offset);
      pending_ = at_start ? Pending::none : Pending::if_word;
      pending_offset_ = token.offset;
    } else if (ascii_iequals(word, "REPEAT")) {
      if (at_start) open(Block::repeat_loop, token.offset);
      at_start_ = at_start;
      pending_ = at_start ? Pending::none : Pending::repeat_word;
      pending_offset_ = token.offset;
    } else if (ascii_iequals(word, "CASE")) {
      open(at_start ? Block::case_statement : Block::case_expression, token.offset);
    } else if (ascii_iequals(word, "LOOP")) {
      open(Block::loop, token.offset);
      at_start_ = true;
    } else if (ascii_iequals(word, "WHILE") || (ascii_iequals(word, "FOR") && at_start)) {
      open(ascii_iequals(word, "WHILE") ? Block::while_loop : Block::for_loop, token.offset);
    } else if (is_one_of(word, {"THEN", "ELSE"})) {
      at_start_ = top_is({Block::if_statement, Block::case_statement});
    } else if (ascii_iequals(word, "DO") && top_is({Block::while_loop, Block::for_loop}) &&
               blocks_.back().awaiting_do) {
      blocks_.back().awaiting_do = false;
      at_start_ = true;
    } else if (at_start) {
      label_ = true;
      if (ascii_iequals(word, "DECLARE")) handler_ = Handler::declare;
    }
  }

  std::string_view script_;
  Phase phase_ = Phase::start;
  std::vector<Open> blocks_;
  std::size_t statement_offset_ = 0;
  int skip_ = 0;         // header tokens to pass over (DEFINER = user, RETURNS type, ...)
  int parentheses_ = 0;  // open inside the parameter list, or inside the header after it
  bool altering_ = false;
  bool at_start_ = false;       // the next token starts a statement of the body
  bool label_ = false;          // the last token was a word where a statement starts: a label if ':' follows
  bool label_follows_ = false;  // after END LOOP and the like, a word is the block's label
  int after_begin_ = 0;         // 1 after BEGIN, 2 after BEGIN NOT
  Pending pending_ = Pending::none;
  std::size_t pending_offset_ = 0;
  Handler handler_ = Handler::none;
};

class Splitter {
 public:
  Splitter(std::string_view script, const SplitRules& rules)
      : src_(script),
        rules_(rules),
        lines_(script),
        body_(rules.trigger_bodies, rules.atomic_bodies),
        compound_(script) {}

  std::vector<Statement> split() {
    while (pos_ < src_.size()) {
      char c = src_[pos_];
      // A delimiter ends a statement before anything else can begin at its place, as the mysql
      // client reads it: under DELIMITER /* (or --) that is the delimiter, not a comment.
      if (is_space(c)) {
        ++pos_;
      } else if (rules_.delimiter_command && !open_ && delimiter_line()) {
        continue;
      } else if (at_delimiter() && !in_body()) {
        end_statement();
        pos_ += delimiter_.size();
      } else if (!skip_comment()) {
        scan_token();
      }
    }
    if (body_.in_body()) fail("unterminated body (BEGIN without END)", body_.body_offset());
    end_statement();
    return std::move(statements_);
  }

 private:
  [[noreturn]] void fail(std::string message, std::size_t opened) const { refuse(src_, opened, std::move(message)); }

  // Compound statements are told apart only while ';' ends statements: under DELIMITER the
  // file itself marks where each ends.
  bool tracks_compounds() const { return rules_.compound_bodies && delimiter_ == ";"; }

  bool in_body() const { return body_.in_body() || (tracks_compounds() && compound_.in_body()); }

  // After '.' or a parameter sigil a word is a name (new.end, :end, @end), never a keyword; a
  // ':' right after a word ends a label (lbl:BEGIN).
  bool after_sigil(std::size_t begin) const {
    if (begin == 0) return false;
    char before = src_[begin - 1];
    if (before == ':') return begin < 2 || !is_word_char(src_[begin - 2]);
    return before == '.' || before == '@';
  }

  bool looking_at(std::string_view text) const { return src_.substr(pos_).starts_with(text); }

  bool at_delimiter() const { return looking_at(delimiter_); }

  // A `DELIMITER x` line (a client command, never sent to the server) at a statement's start.
  bool delimiter_line() {
    std::size_t end = std::min(src_.find('\n', pos_), src_.size());
    std::string_view line = src_.substr(pos_, end - pos_);
    if (line.size() < 10 || !ascii_iequals(line.substr(0, 9), "DELIMITER") || !is_space(line[9])) return false;
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
    char symbol = '\0';
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
      symbol = c;
      ++pos_;
    }
    end_ = pos_;
    if (after_sigil(begin)) word = {};
    if (rules_.trigger_bodies || rules_.atomic_bodies) body_.on_token(word, begin);
    if (tracks_compounds()) compound_.on_token({word, symbol, begin});
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
    std::size_t opening = detail::dollar_quote_opening(src_, pos_);
    if (opening == 0) return false;
    std::string_view delimiter = src_.substr(pos_, opening);
    std::size_t close = src_.find(delimiter, pos_ + opening);
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

  void start_statement() {
    TextPosition at = lines_.at(pos_);
    current_ = Statement{};
    current_.offset = pos_;
    current_.line = at.line;
    current_.column = at.column;
    open_ = true;
  }

  void end_statement() {
    if (tracks_compounds()) compound_.finish();
    if (open_) {
      current_.text = std::string(src_.substr(current_.offset, end_ - current_.offset));
      statements_.push_back(std::move(current_));
    }
    open_ = false;
    body_ = BodyTracker(rules_.trigger_bodies, rules_.atomic_bodies);
    compound_ = CompoundTracker(src_);
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
  CompoundTracker compound_;
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
    } else if (ascii_isalpha(c) || c == '_') {
      std::string word;
      while (i < text.size() && (ascii_isalnum(text[i]) || text[i] == '_')) word += ascii_upper(text[i++]);
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
