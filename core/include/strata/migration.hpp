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
#include <variant>
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

// What a migration runs: exactly one of a SQL script, portable operations or C++ code. A
// std::variant, so that each stage (prepare, run, preview) handles every kind with one
// std::visit and the compiler names a stage that forgets one.
struct SqlScript {
  std::string text;  // the script's text, as read
  // What runs of `text`, where the file says so itself: the Up or the Down section of a file
  // written for goose or dbmate. nullopt: all of `text`, split by the dialect.
  std::optional<std::vector<ScriptPart>> parts = std::nullopt;
};
// A portable migration (V8__x.yaml, MigrationSet::operations): each operation is one statement
// as the backend's renderer spells it. Shared, immutable: copies of a Migration share it.
struct PortableOperations {
  std::shared_ptr<const std::vector<ops::Operation>> operations;  // never null
};
// A C++ migration (MigrationSet::function): called once with the session, as one statement.
struct CppCode {
  std::function<void(Session&)> call;
};
using MigrationBody = std::variant<SqlScript, PortableOperations, CppCode>;

// What a migration's name says (V3__add_column.postgres.sql, 002_x.up.sql, V8__x.yaml).
struct MigrationName {
  MigrationKind kind = MigrationKind::versioned;
  std::optional<Version> version;
  std::string description;  // underscores read as spaces
  std::string dialect;      // the canonical dialect tag, or ""
  bool portable = false;    // .yaml: portable operations
};

// A value: copying one copies its identity and shares its operations (immutable) and code.
struct STRATA_API Migration {
  MigrationKind kind = MigrationKind::versioned;
  std::optional<Version> version;  // set for versioned and undo
  std::string description;         // underscores read as spaces
  std::string script;              // file name, recorded in the ledger's `script`
  std::string checksum;            // recorded in the ledger: of the file's text, or canonical form
  std::string dialect;             // the suffix of a dialect variant (V3__x.postgres.sql); "" for all
  bool transactional = true;       // false with the directive `-- strata:no-transaction`
  std::string origin;              // where it was read from, for messages ("migrations/V2__x.sql")
  // Why a portable versioned migration brings no undo (an operation with no exact inverse and
  // no `down:`); "" otherwise.
  std::string undo_missing;
  // The lint findings (codes, <strata/lint.hpp>) its author accepts: `allow:` in YAML,
  // `-- strata:allow CODE` in SQL.
  std::vector<std::string> allow;
  MigrationBody body;

  // The named constructors: the identity from the parsed `name`, `script` the file name (or
  // the name given to MigrationSet), `origin` where it was read, for messages.
  // SQL text; its checksum is script_checksum(text). Directives and direction markers are read
  // by sql_migrations (<strata/source.hpp>).
  static Migration sql(const MigrationName& name, std::string script, std::string text, std::string origin);
  // Portable operations; `checksum` over their canonical form (ops::checksum).
  static Migration portable(const MigrationName& name, std::string script, std::vector<ops::Operation> operations,
                            std::string checksum, std::string origin);
  // A versioned C++ migration; `checksum` is the one the ledger records.
  static Migration cpp(Version version, std::string description, std::string script, std::function<void(Session&)> call,
                       std::string checksum, std::string origin);

  // The body, where it is of that kind; nullptr otherwise. Valid as long as this Migration.
  const SqlScript* sql_script() const noexcept { return std::get_if<SqlScript>(&body); }
  const std::vector<ops::Operation>* operations() const noexcept {
    auto* portable = std::get_if<PortableOperations>(&body);
    return portable ? portable->operations.get() : nullptr;
  }

  // The origin, or the script name when there is none.
  const std::string& where() const { return origin.empty() ? script : origin; }

  // "1.2" for a versioned migration, the description for a repeatable one.
  std::string label() const;
};

// The order migrations apply in: versioned by version, then undo, then repeatables by description.
STRATA_API bool applies_before(const Migration& a, const Migration& b);

}  // namespace strata
