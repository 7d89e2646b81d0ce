// `strata diff` and `strata generate` as library calls: what the command line, the C ABI and a
// language package run. A value in, a value (or a file) out; no printing.
#pragma once

#include <strata/diff.hpp>
#include <strata/engine.hpp>
#include <strata/export.hpp>
#include <strata/lint.hpp>
#include <strata/source.hpp>
#include <strata/version.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace strata {

// What to compare (see load_schema for the sources).
struct DiffRequest {
  std::string from = "migrations";
  std::string to;  // "": Options::schema
  std::string dev_url;
  std::vector<std::string> renames;  // "old=new" (a table) or "table.old=new" (a column of table, its new name)
  bool no_renames = false;           // generate: what looks like a rename is a drop and an add
  std::vector<std::string> allow;    // generate: lint codes accepted (written as the migration's allow:)
};

struct Compared {
  Diff diff;
  std::string from, to;        // what each side was read from, for messages
  DeclaredSchema from_schema;  // for render_sql
};

// Reads both sides and diffs them. Throws Error(usage) for a malformed rename, and whatever
// load_schema and diff throw.
STRATA_API Compared compare(const DiffRequest& request, const Options& options);

struct Generated {
  Compared compared;
  std::filesystem::path file;  // the migration written; empty when there was no difference
  std::string version;         // its version; "" when none
  LintReport lint;             // the operations linted (with data when Options::url is set)
};

// Writes the next V<n>__<description>.yaml in Options::dir with the operations and their down,
// or nothing when there is no difference. Throws Error(validation) listing every change that
// may be a rename (Diff::hints), writing nothing, unless DiffRequest::no_renames; Error(validation)
// naming each error-level lint finding not allowed (with Options::url, the data is asked: a NOT
// NULL column added to a table with rows is refused, naming the remedy), writing nothing; Error(usage)
// for a description that cannot be a file name or a file already there.
STRATA_API Generated generate(const std::string& description, const DiffRequest& request, const Options& options);

// The version after `existing`: a timestamp-style project (one part of 8 digits or more) gets
// the current UTC time, YYYYMMDDHHMMSS; a dotted one increments its last part; otherwise the
// number after the newest.
STRATA_API Version next_version(const std::vector<Version>& existing);

struct NewFile {
  std::filesystem::path path;
  Version version;
  std::filesystem::path undo;  // the undo file written beside it, where the layout keeps one; "" otherwise
};
// Writes `content` to the next migration in `dir` (made if missing), numbered after every
// migration there, and named as `layout` names its files:
//   strata, flyway            V<next>__<description><extension>
//   goose, dbmate             <next>_<description>.sql (the caller writes the tool's markers)
//   golang-migrate, pop       <next>_<description>.up.sql, and `undo_content` to .down.sql
//   diesel                    <YYYY-MM-DD-HHMMSS>_<description>/up.sql, and down.sql
// A project with no migrations yet starts at 1 in strata's and Flyway's layouts, and at the UTC
// time (YYYYMMDDHHMMSS) in the others, as those tools do; a version written with leading zeros
// (000012) is followed at the same width (000013) outside the V-named layouts. A .yaml file (portable operations) is
// named V<next>__<description>.yaml in every flat layout. Throws Error(usage) for a description that cannot be a file
// name (letters, digits, spaces, '-' and '_'), a file already there, or a .yaml file in diesel's layout, whose folders
// hold SQL only.
STRATA_API NewFile write_next_migration(const std::filesystem::path& dir, const std::string& description,
                                        const std::string& extension, const std::string& content,
                                        Layout layout = Layout::strata, const std::string& undo_content = "");

}  // namespace strata
