// Splitting a SQL script into statements, the one piece of SQL parsing strata does.
//
// The splitter knows exactly enough of a dialect's lexical rules to find the semicolons that
// end statements: comments, quoted strings and identifiers, and bodies that contain semicolons
// of their own. Each dialect chooses its rules; every statement keeps the line and column where
// it starts so that any later error can name them. An unterminated string, identifier, comment
// or body is an Error(validation) naming the line where it opened.
//
// MySQL's compound statements need no DELIMITER: routines, triggers and events (CREATE [OR
// REPLACE] [DEFINER = ...] PROCEDURE, FUNCTION, TRIGGER, EVENT; ALTER EVENT) with a BEGIN ... END
// or single-statement body, nested IF, CASE, LOOP, WHILE, REPEAT and FOR blocks with their
// labels, and MariaDB's BEGIN NOT ATOMIC ... END and other blocks outside a routine. Where the
// splitter cannot tell where one ends (an END that closes another block than the one open, a
// block never closed, a statement that starts with END, ELSE, ELSEIF, UNTIL or DECLARE: the
// remains of a body cut short), the script is refused with the advice to use DELIMITER. While a
// DELIMITER line sets another terminator, the file alone says where statements end.
#pragma once

#include <strata/export.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace strata {

struct STRATA_API Statement {
  std::string text;        // from its first token to its last, without the terminating ';'
  int line = 1;            // 1-based line of its first token in the script
  int column = 1;          // 1-based column (in bytes) of its first token
  std::size_t offset = 0;  // byte offset of its first token in the script

  // The first line of the statement, shortened, for messages.
  std::string excerpt(std::size_t max_length = 80) const;
};

struct SplitRules {
  bool bracket_identifiers = false;       // [name]
  bool backtick_identifiers = false;      // `name`
  bool hash_comments = false;             // # to end of line
  bool nested_block_comments = false;     // /* /* */ */
  bool dollar_quotes = false;             // $$...$$, $tag$...$tag$
  bool backslash_escapes = false;         // '\'' inside '...'
  bool escape_strings = false;            // E'...\'...' (PostgreSQL): backslash escapes in E strings only
  bool trigger_bodies = false;            // CREATE TRIGGER ... BEGIN ...; ... END
  bool atomic_bodies = false;             // BEGIN ATOMIC ...; ... END (PostgreSQL SQL-standard bodies)
  bool delimiter_command = false;         // DELIMITER $$ lines change the terminator until changed back (MySQL)
  bool dash_comment_needs_space = false;  // `--` starts a comment only before whitespace (MySQL)
  bool version_comments = false;          // /*! ... */ and /*+ ... */ are SQL, kept in the statement (MySQL)
  bool compound_bodies = false;           // CREATE PROCEDURE ... BEGIN ...; IF ...; END IF; ... END (MySQL, MariaDB)
};

// Splits `script` into its statements; statements holding only comments are dropped.
STRATA_API std::vector<Statement> split_script(std::string_view script, const SplitRules& rules);

// The first `count` keywords of a statement, upper-cased, for recognising what it is: comments,
// quoted strings and identifiers, numbers and punctuation are skipped, so
// "COPY t (a, b) FROM STDIN" gives COPY T A B FROM STDIN.
STRATA_API std::vector<std::string> statement_keywords(std::string_view text, std::size_t count);

// `identifier` between `quote` characters, any `quote` inside doubled ("we""ird", `we``ird`).
STRATA_API std::string quote_identifier_with(std::string_view identifier, char quote);

// The 1-based line and column of a byte offset in a text.
struct TextPosition {
  int line = 1;
  int column = 1;
};
STRATA_API TextPosition position_of(std::string_view text, std::size_t offset);

}  // namespace strata
