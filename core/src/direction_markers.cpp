// SQL files written for goose (`-- +goose Up` / `-- +goose Down`) or dbmate (`-- migrate:up` /
// `-- migrate:down`) hold both directions of a version in one file. Run whole, such a file
// applies its change and reverts it at once; so its Up section is read as the migration and its
// Down section as the undo, and a marker that cannot be honoured is refused, never skipped.
#include <strata/ascii.hpp>
#include <strata/checksum.hpp>
#include <strata/error.hpp>
#include <strata/script.hpp>
#include <strata/source.hpp>

#include <algorithm>
#include <cctype>
#include <sstream>
#include <stdexcept>

namespace strata {
namespace {

enum class Tool { goose, dbmate };

struct Marker {
  enum class Kind { up, down, statement_begin, statement_end, no_transaction, nothing };
  Tool tool = Tool::goose;
  Kind kind = Kind::nothing;
  bool transactional = true;  // dbmate's `transaction:false` on this section
  std::string text;           // as written, for messages
  int line = 0;
};

const char* tool_name(Tool tool) {
  switch (tool) {
    case Tool::goose: return "goose";
    case Tool::dbmate: return "dbmate";
  }
  return "goose";
}

std::string_view trim(std::string_view text) {
  std::size_t begin = text.find_first_not_of(" \t\r");
  if (begin == std::string_view::npos) return {};
  return text.substr(begin, text.find_last_not_of(" \t\r") - begin + 1);
}

// The words of `text`, separated by any run of whitespace.
std::vector<std::string> words(std::string_view text) {
  std::vector<std::string> out;
  std::istringstream in{std::string(text)};
  for (std::string word; in >> word;) out.push_back(word);
  return out;
}

[[noreturn]] void refuse(const std::string& marker, int line, const std::string& why) {
  throw Error(ErrorKind::validation, "`" + marker + "`: " + why).at_line(line, 1);
}

// goose reads every comment line holding "+goose" as an annotation: `-- +goose <word>`, the word
// in any letter case (and so does strata with "+GOOSE", which must not pass for a comment). Its
// annotation is the whole line less its "--" and the "+goose": text before "+goose" is part of
// it, so that `-- migrate:down +goose envsub off` is no annotation goose knows, and refused, where
// reading only the words after "+goose" had kept a dbmate marker in the SQL as a goose setting.
std::optional<Marker> goose_marker(std::string_view line, int number) {
  std::string_view text = trim(line);
  if (!text.starts_with("--") || ascii_lowercase(text).find("+goose") == std::string::npos) return std::nullopt;
  Marker m{Tool::goose, Marker::Kind::nothing, true, std::string(text), number};
  if (line.front() == ' ' || line.front() == '\t')
    refuse(m.text, number, "a goose annotation starts at the beginning of its line (goose refuses it indented)");
  std::string annotation(text);
  annotation.erase(ascii_lowercase(annotation).find("+goose"), 6);
  for (auto dashes = annotation.find("--"); dashes != std::string::npos; dashes = annotation.find("--"))
    annotation.erase(dashes, 2);
  std::string word;
  for (const auto& w : words(annotation)) word += (word.empty() ? "" : " ") + ascii_lowercase(w);
  if (word == "up")
    m.kind = Marker::Kind::up;
  else if (word == "down")
    m.kind = Marker::Kind::down;
  else if (word == "statementbegin")
    m.kind = Marker::Kind::statement_begin;
  else if (word == "statementend")
    m.kind = Marker::Kind::statement_end;
  else if (word == "no transaction")
    m.kind = Marker::Kind::no_transaction;
  else if (word == "envsub off")
    m.kind = Marker::Kind::nothing;  // the default
  else if (word == "envsub on")
    refuse(m.text, number,
           "strata does not substitute environment variables into a migration (its checksum would not "
           "be what runs); write the values into the file");
  else
    refuse(m.text, number,
           "unknown goose annotation (strata reads Up, Down, StatementBegin, StatementEnd, NO TRANSACTION)");
  return m;
}

// dbmate reads `-- migrate:up` and `-- migrate:down`, each followed by options such as
// `transaction:false`.
std::optional<Marker> dbmate_marker(std::string_view line, int number) {
  std::string_view text = trim(line);
  if (!text.starts_with("--")) return std::nullopt;
  std::string_view rest = trim(text.substr(2));
  // Any whitespace ends the word, a carriage return too (as dbmate's own \s): "migrate:up\rx" is
  // the marker with an option, never a comment that lets the Down section run with the Up.
  std::string head = ascii_lowercase(rest.substr(0, std::min(rest.size(), rest.find_first_of(" \t\r\v\f"))));
  if (head != "migrate:up" && head != "migrate:down") return std::nullopt;
  Marker m{Tool::dbmate, head == "migrate:up" ? Marker::Kind::up : Marker::Kind::down, true, std::string(text), number};
  if (line.front() == ' ' || line.front() == '\t')
    refuse(m.text, number, "a dbmate directive starts at the beginning of its line (dbmate ignores it indented)");
  auto options = words(rest.substr(head.size()));
  for (const auto& option : options) {
    std::string o = ascii_lowercase(option);
    if (o == "transaction:false")
      m.transactional = false;
    else if (o != "transaction:true")
      refuse(m.text, number, "unknown dbmate option '" + option + "' (strata reads transaction:false)");
  }
  return m;
}

std::optional<Marker> marker_of(std::string_view line, int number) {
  if (auto m = goose_marker(line, number)) return m;
  return dbmate_marker(line, number);
}

bool blank_or_comment(std::string_view line) {
  std::string_view text = trim(line);
  return text.empty() || text.starts_with("--");
}

// One direction of the file.
struct Section {
  int line = 0;        // of its marker; 0 when the file has none
  std::string marker;  // as written
  bool transactional = true;
  std::vector<ScriptPart> parts;
};

// A StatementBegin ... StatementEnd block as one statement: from its first token to its last,
// without a final ';'.
std::optional<ScriptPart> whole_statement(const std::vector<std::string>& lines, int first_line) {
  std::size_t i = 0, end = lines.size();
  while (i < end && blank_or_comment(lines[i])) ++i;
  while (end > i && blank_or_comment(lines[end - 1])) --end;
  if (i == end) return std::nullopt;
  std::string text;
  for (std::size_t k = i; k < end; ++k) text += lines[k] + "\n";
  std::size_t indent = text.find_first_not_of(" \t");
  text.erase(0, indent);
  text.erase(text.find_last_not_of(" \t\r\n") + 1);
  if (text.ends_with(';')) text.pop_back();
  return ScriptPart{std::move(text), first_line + static_cast<int>(i), static_cast<int>(indent) + 1, true};
}

class SectionReader {
 public:
  explicit SectionReader(std::string_view script) {
    std::istringstream in{normalise_script(script)};
    for (std::string line; std::getline(in, line);) lines_.push_back(line);
  }

  // Whether the file holds another tool's markers; then up_ and down_ are read.
  bool read() {
    for (std::size_t i = 0; i < lines_.size(); ++i) {
      int number = static_cast<int>(i) + 1;
      auto marker = marker_of(lines_[i], number);
      if (!marker) {
        text(lines_[i], number);
        continue;
      }
      if (!first_) first_ = *marker;
      if (marker->tool != first_->tool)
        refuse(marker->text, number,
               std::string("a file holds the markers of one tool, and this one holds ") + tool_name(first_->tool) +
                   "'s (`" + first_->text + "` on line " + std::to_string(first_->line) + ") and " +
                   tool_name(marker->tool) + "'s");
      apply(*marker);
    }
    if (!first_) return false;
    if (block_line_)
      refuse("-- +goose StatementBegin", block_line_, "has no `-- +goose StatementEnd` before the end of the file");
    flush();
    if (!current_)
      refuse(first_->text, first_->line,
             std::string("the file has ") + tool_name(first_->tool) + " markers but no Up section (" +
                 (first_->tool == Tool::goose ? "`-- +goose Up`" : "`-- migrate:up`") + ")");
    return true;
  }

  const Section& up() const { return up_; }
  const Section& down() const { return down_; }
  bool no_transaction() const { return no_transaction_; }
  const Marker& first() const { return *first_; }

 private:
  void text(const std::string& line, int number) {
    if (block_line_) {
      block_.push_back(line);
      return;
    }
    if (!current_) {
      // Before the Up marker only comments may stand: neither tool runs anything there.
      if (!blank_or_comment(line)) outside_ = outside_ ? outside_ : number;
      return;
    }
    if (run_.empty()) run_line_ = number;
    run_ += line + "\n";
  }

  void flush() {
    if (current_ && !run_.empty()) current_->parts.push_back(ScriptPart{run_, run_line_, 1, false});
    run_.clear();
  }

  void apply(const Marker& m) {
    bool setting = m.kind == Marker::Kind::no_transaction || m.kind == Marker::Kind::nothing;
    if (outside_ && !setting)
      refuse(m.text, m.line,
             "line " + std::to_string(outside_) + " holds SQL before the Up section, which " + tool_name(m.tool) +
                 " never runs; move it into the Up section or remove it");
    if (block_line_ && m.kind != Marker::Kind::statement_end && !setting)
      refuse(m.text, m.line,
             "inside the statement opened by `-- +goose StatementBegin` on line " + std::to_string(block_line_) +
                 "; close it with `-- +goose StatementEnd` first");
    if (block_line_ && setting) {  // kept as the comment it is, so that the statement's lines stay the file's
      no_transaction_ = no_transaction_ || m.kind == Marker::Kind::no_transaction;
      block_.push_back(lines_[static_cast<std::size_t>(m.line) - 1]);
      return;
    }
    flush();
    switch (m.kind) {
      case Marker::Kind::up:
        if (current_)
          refuse(m.text, m.line,
                 "a second Up marker (the first is on line " + std::to_string(up_.line) +
                     "): strata reads one Up section and one Down section per file");
        up_.line = m.line;
        up_.marker = m.text;
        up_.transactional = m.transactional;
        current_ = &up_;
        return;
      case Marker::Kind::down:
        if (!current_) refuse(m.text, m.line, "a Down marker before the Up marker: the Up section comes first");
        if (current_ == &down_)
          refuse(m.text, m.line, "a second Down marker (the first is on line " + std::to_string(down_.line) + ")");
        down_.line = m.line;
        down_.marker = m.text;
        down_.transactional = m.transactional;
        current_ = &down_;
        return;
      case Marker::Kind::statement_begin:
        if (!current_) refuse(m.text, m.line, "a statement opened before the Up marker: the Up section comes first");
        block_line_ = m.line;
        return;
      case Marker::Kind::statement_end:
        if (!block_line_) refuse(m.text, m.line, "no `-- +goose StatementBegin` opened a statement here");
        if (auto part = whole_statement(block_, block_line_ + 1)) current_->parts.push_back(std::move(*part));
        block_.clear();
        block_line_ = 0;
        return;
      case Marker::Kind::no_transaction: no_transaction_ = true; return;
      case Marker::Kind::nothing: return;
    }
  }

  std::vector<std::string> lines_;
  std::optional<Marker> first_;
  Section up_, down_;
  Section* current_ = nullptr;
  bool no_transaction_ = false;
  int outside_ = 0;  // the first line of SQL before the Up marker
  std::string run_;  // plain text of the current section since the last marker
  int run_line_ = 0;
  std::vector<std::string> block_;  // the lines of an open StatementBegin block
  int block_line_ = 0;              // its StatementBegin marker's line; 0 when none is open
};

bool holds_statements(const std::vector<ScriptPart>& parts) {
  return std::any_of(parts.begin(), parts.end(), [](const ScriptPart& p) {
    if (p.whole) return true;
    try {
      return !split_script(p.text, SplitRules{}).empty();
    } catch (const Error&) {
      return true;  // its own dialect reports the defect
    }
  });
}

// {a, b...} as a vector, moved: a braced list would copy each migration, text and all.
template <class... More>
std::vector<Migration> moved(Migration&& first, More&&... more) {
  std::vector<Migration> out;
  out.reserve(1 + sizeof...(more));
  out.push_back(std::move(first));
  (out.push_back(std::move(more)), ...);
  return out;
}

// Whether `text` holds `word` (lower case, with a character that is no letter) in any letter
// case: a file without "+goose" or "migrate:" holds no marker, and is not read line by line for
// one. The text is searched for the character that is no letter (memchr), which few SQL files
// hold; compared at every position instead, the search was 4% of reading 1,000 files (perf).
bool holds_word(std::string_view text, std::string_view word) {
  std::size_t anchor = 0;
  while (anchor < word.size() && word[anchor] >= 'a' && word[anchor] <= 'z') ++anchor;
  if (anchor == word.size()) throw std::logic_error("holds_word: the word holds no character that is no letter");
  for (std::size_t at = text.find(word[anchor], anchor); at != std::string_view::npos;
       at = text.find(word[anchor], at + 1)) {
    std::size_t start = at - anchor;  // at >= anchor
    if (start + word.size() > text.size()) return false;
    std::size_t i = 0;
    while (i < word.size() && ascii_lower(text[start + i]) == word[i]) ++i;
    if (i == word.size()) return true;
  }
  return false;
}

}  // namespace

std::vector<Migration> sql_migrations(Migration base) {
  if (!base.sql_script()) return moved(std::move(base));  // no text: no directives, no markers
  read_directives(base);
  const std::string& text = base.sql_script()->text;
  if (!holds_word(text, "+goose") && !holds_word(text, "migrate:")) return moved(std::move(base));
  SectionReader reader(text);
  if (!reader.read()) return moved(std::move(base));
  const Section& down = reader.down();
  if (base.kind == MigrationKind::undo)
    refuse(reader.first().text, reader.first().line,
           "an undo file holds no direction markers: its whole content is the undo");
  if (base.kind == MigrationKind::repeatable && down.line)
    refuse(down.marker, down.line, "a repeatable migration has no undo: remove the Down section");

  Migration up = base;
  std::get<SqlScript>(up.body).parts = reader.up().parts;
  up.transactional = base.transactional && !reader.no_transaction() && reader.up().transactional;
  if (base.kind != MigrationKind::versioned) return moved(std::move(up));
  if (!holds_statements(down.parts)) {
    up.undo_missing = down.line ? "the Down section of " + base.script + " (line " + std::to_string(down.line) +
                                      ") holds no statement"
                                : base.script + " has no Down section";
    return moved(std::move(up));
  }
  Migration undo = base;
  undo.kind = MigrationKind::undo;
  std::get<SqlScript>(undo.body).parts = down.parts;
  undo.transactional = base.transactional && !reader.no_transaction() && down.transactional;
  undo.origin = base.where() + " (down)";
  return moved(std::move(up), std::move(undo));
}

}  // namespace strata
