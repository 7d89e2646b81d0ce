// The JSON documents strata writes: what `--json` prints, and what any other front end (the C
// ABI, a product's health endpoint) returns, so that a dashboard reads one format everywhere.
// Each is one document, indented by two spaces. No password appears: the URL in a report is
// already redacted, and an error's text never holds one.
//
// The fields are documented in docs/user-guide.md ("--json"); new fields may be added, existing
// ones keep their name and meaning.
#pragma once

#include <strata/engine.hpp>
#include <strata/export.hpp>
#include <strata/generate.hpp>
#include <strata/lint.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace strata {

namespace plugin {
class Loader;
}

// How much of a report its document lists.
enum class Listing {
  every_migration,  // `migrations`: each with its state, checksum and latest ledger row
  counts_only,      // no `migrations`; `counts` and `pending` still say how many are in each state
};
// The listing a command's document has: every migration, except for migrate without
// Options::list_migrations (`--list-migrations`).
STRATA_API Listing listing_for(std::string_view command, const Options& options);
// A command's report: command, url, server, ledger_table, current_version, pending, counts,
// lock_taken, elapsed_ms, applied, migrations (per `listing`), warnings, problems, actions, dry_run.
STRATA_API std::string to_json(const Report& report, Listing listing = Listing::every_migration);
// {"error": {kind, exit_code, message, description, file, line, column, statement, version,
// sqlstate, server_code, problems}}; the place fields only where known.
STRATA_API std::string to_json(const Error& error);
// A schema in portable terms: server, tables.
STRATA_API std::string to_json(const Schema& schema);
// Two schemas and their differences (`strata schema --compare`): first, second, differences.
STRATA_API std::string to_json(const Schema& first, const Schema& second, const std::vector<std::string>& differences);
// A diff (`strata diff`, `strata generate`): from, to (what each was read from), differs,
// operations [{operation, summary}], yaml (the operations as a portable migration), down_yaml,
// hints, notes, and created (the file generate wrote; null when none).
STRATA_API std::string to_json(const Diff& diff, const std::string& from, const std::string& to,
                               const std::string& created = {});
// `strata lint`: linted (scripts), findings [{code, severity, file, version, line, message, remedy,
// allowed}], data_checked, notes, errors (error-level findings not allowed), warnings.
STRATA_API std::string to_json(const LintReport& report);
// `strata generate`: the diff's document (created: the file written) and `lint`, the document
// of the lint of the operations written (as `strata lint --json`).
STRATA_API std::string to_json(const Generated& generated);
// `strata drift`: database, expected, drifted, differences, changes (each {operation, summary}),
// to_revert (a portable migration's YAML; "" when none), notes.
STRATA_API std::string to_json(const DriftReport& report);
// The drivers a loader finds (`strata drivers`): search_path, plugins.
STRATA_API std::string to_json(const plugin::Loader& loader);

}  // namespace strata
