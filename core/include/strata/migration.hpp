// A migration as strata knows it: what kind it is, its identity (version, or description for a
// repeatable), the script it comes from and that script's checksum.
#pragma once

#include <strata/export.hpp>
#include <strata/version.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace strata {

class Session;
namespace ops {
struct Operation;
}

enum class MigrationKind {
  versioned,   // V<version>__x.sql, 002_x.sql: applied once, in version order
  repeatable,  // R__x.sql: applied after the versioned ones, again whenever it changes
  undo,        // U<version>__x.sql: reverts one version
  baseline,    // a ledger mark: versions up to it are taken as applied
};

// A part of a SQL script that runs, where the file marks its statements itself: text the
// dialect splits, or (`whole`) one statement as the file delimits it (goose's StatementBegin ...
// StatementEnd). `line` and `column` are where the text starts in the file, so that messages
// name the file's lines.
struct ScriptPart {
  std::string text;
  int line = 1;
  int column = 1;
  bool whole = false;
};

STRATA_API const char* to_string(MigrationKind kind);
STRATA_API std::optional<MigrationKind> parse_migration_kind(std::string_view text);

struct STRATA_API Migration {
  MigrationKind kind = MigrationKind::versioned;
  std::optional<Version> version;  // set for versioned and undo
  std::string description;         // underscores read as spaces
  std::string script;              // file name, recorded in the ledger's `script`
  std::string sql;                 // the script's text, as read
  std::string checksum;            // script_checksum(sql)
  std::string dialect;             // the suffix of a dialect variant (V3__x.postgres.sql); "" for all
  bool transactional = true;       // false with the directive `-- strata:no-transaction`
  std::string origin;              // where it was read from, for messages ("migrations/V2__x.sql")
  // A C++ migration (MigrationSet::function): called with the session instead of running `sql`.
  std::function<void(Session&)> code;
  // A portable migration (V8__x.yaml, MigrationSet::operations): the operations it runs instead
  // of `sql`; its checksum is over their canonical form.
  std::shared_ptr<const std::vector<ops::Operation>> operations;
  // Why a portable versioned migration brings no undo (an operation with no exact inverse and
  // no `down:`); "" otherwise.
  std::string undo_missing;
  // What runs of `sql`, where the file says so itself: the Up or the Down section of a file
  // written for goose or dbmate. nullopt: all of `sql`, split by the dialect.
  std::optional<std::vector<ScriptPart>> parts = std::nullopt;

  // The origin, or the script name when there is none.
  const std::string& where() const { return origin.empty() ? script : origin; }

  // "1.2" for a versioned migration, the description for a repeatable one.
  std::string label() const;
};

// The order migrations apply in: versioned by version, then undo, then repeatables by description.
STRATA_API bool applies_before(const Migration& a, const Migration& b);

}  // namespace strata
