// `adopt`'s decision, beside the planner: pure, from the migrations, the ledger and the old
// tool's record to the rows to write (see <strata/adopt.hpp>).
#include <strata/adopt.hpp>
#include <strata/checksum.hpp>

#include <zlib.h>

#include <algorithm>
#include <array>
#include <map>

namespace strata {
namespace {

constexpr std::array tools{
    ForeignTool{"golang-migrate", "schema_migrations", ForeignRecord::current_version, "version",
                "its current version and a dirty flag: every version up to it is applied", false},
    ForeignTool{"goose", "goose_db_version", ForeignRecord::apply_log, "version_id",
                "a row per apply and per undo: a version's latest row says its state", false},
    ForeignTool{"dbmate", "schema_migrations", ForeignRecord::applied_list, "version",
                "the versions applied, one row each", false},
    ForeignTool{"rails", "schema_migrations", ForeignRecord::applied_list, "version",
                "the versions applied, one row each", false},
    ForeignTool{"pop", "schema_migration", ForeignRecord::applied_list, "version", "the versions applied, one row each",
                false},
    ForeignTool{"diesel", "__diesel_schema_migrations", ForeignRecord::applied_list, "version",
                "the versions applied, one row each", false},
    ForeignTool{"sqlx", "_sqlx_migrations", ForeignRecord::sqlx, "version",
                "a row per version: description, success, SHA-384 checksum", true},
    ForeignTool{"flyway", "flyway_schema_history", ForeignRecord::flyway, "version",
                "a row per run: version, file, CRC-32 checksum, who ran it, success; baselines", true},
    ForeignTool{"alembic", "alembic_version", ForeignRecord::heads, "version_num",
                "its head revisions only (hashes, no versions)", false},
};

std::string listed(const std::vector<std::string>& items) {
  std::string text;
  std::size_t shown = std::min<std::size_t>(items.size(), 10);
  for (std::size_t i = 0; i < shown; ++i) text += (i ? ", " : "") + items[i];
  if (items.size() > shown) text += " and " + std::to_string(items.size() - shown) + " more";
  return text;
}

// A versioned file's row as strata would write it, taken as applied by the old tool.
LedgerRow row_of(const Migration& m, const ForeignRow* old) {
  LedgerRow row = ledger_row_about(m);
  if (old) {
    row.installed_by = old->installed_by;
    row.execution_ms = old->execution_ms;
    row.success = old->success;
  }
  row.statements_done = row.success ? 0 : statements_unknown;
  return row;
}

class Adoption {
 public:
  Adoption(std::span<const Migration> migrations, const ForeignHistory& history, const AdoptOptions& options)
      : history_(history), options_(options), tool_(history.tool->name) {
    for (const auto& m : migrations) {
      if (m.kind == MigrationKind::versioned) versioned_.emplace(*m.version, &m);
      if (m.kind == MigrationKind::repeatable) repeatable_.emplace(m.description, &m);
    }
  }

  AdoptionPlan plan() {
    std::string where = tool_ + "'s " + history_.table;
    ForeignRecord record = history_.tool->record;
    if (record == ForeignRecord::heads) {
      alembic();
    } else if (options_.as_version) {
      plan_.problems.push_back("--as-version is for Alembic, whose table names no versions; " + where +
                               " names its versions itself");
    } else if (record == ForeignRecord::current_version) {
      golang_migrate();
    } else if (record == ForeignRecord::flyway) {
      flyway();
    } else if (record == ForeignRecord::sqlx) {
      sqlx();
    } else {
      applied_list();
    }
    if (!unknown_.empty())
      plan_.problems.push_back(where + " records " + (unknown_.size() == 1 ? "version " : "versions ") +
                               listed(unknown_) + " that no migration file has" +
                               (unknown_.size() == 1 ? "" : " (each)") +
                               ": restore the files (or check --dir and the dialect variants)");
    if (!unparsable_.empty())
      plan_.problems.push_back(where + " records " + listed(unparsable_) +
                               ", which strata cannot read as a version (digits separated by '.' or '_')");
    return std::move(plan_);
  }

 private:
  // The file of an old version, or nullptr (and the version noted as unknown).
  const Migration* file_of(const std::string& text) {
    auto version = Version::parse(text);
    if (!version) {
      unparsable_.push_back("'" + text + "'");
      return nullptr;
    }
    auto it = versioned_.find(*version);
    if (it == versioned_.end()) {
      unknown_.push_back(version->str());
      return nullptr;
    }
    return it->second;
  }

  void record(const Migration& m, const ForeignRow* old) {
    plan_.rows.push_back(row_of(m, old));
    if (!plan_.rows.back().success)
      plan_.actions.push_back(
          m.script + ": failed under " + tool_ +
          ", recorded as failed; how far it got is not known, so check the database, then `strata repair` removes "
          "the failed row" +
          (history_.tool->record == ForeignRecord::current_version
               ? " (golang-migrate marks a version dirty when migrating up to it failed, and "
                 "also when undoing the version after it failed: check that one too)"
               : ""));
  }

  void summary(std::size_t count) {
    plan_.actions.insert(plan_.actions.begin(), tool_ + "'s " + history_.table + ": " + std::to_string(count) +
                                                    (count == 1 ? " migration" : " migrations") + " applied");
  }

  // golang-migrate: one row, the current version; every version up to it is applied.
  void golang_migrate() {
    if (history_.rows.empty()) return summary(0);
    const ForeignRow& current = history_.rows.front();
    if (current.version == "-1") {  // golang-migrate's "no version": undoing the first migration failed
      plan_.problems.push_back("golang-migrate's " + history_.table +
                               " is at version -1, dirty: undoing its first migration failed part-way, so no "
                               "version is known to be applied; finish or undo it by hand, set the version with "
                               "golang-migrate's `force`, then adopt");
      return;
    }
    const Migration* at = file_of(current.version);
    if (!at) return;
    std::size_t count = 0;
    for (const auto& [version, m] : versioned_) {
      if (version > *at->version) break;
      record(*m, m == at ? &current : nullptr);
      ++count;
    }
    summary(count);
  }

  // dbmate, Rails, pop: the versions applied; goose: each version's latest row says its state.
  void applied_list() {
    bool log = history_.tool->record == ForeignRecord::apply_log;  // goose's
    std::map<std::string, const ForeignRow*> latest;               // goose: by version, the latest row
    std::vector<const ForeignRow*> order;
    for (const auto& row : history_.rows) {
      auto [it, added] = latest.try_emplace(row.version, &row);
      if (!added) std::erase(order, it->second);
      it->second = &row;
      order.push_back(&row);
    }
    std::vector<std::pair<const Migration*, const ForeignRow*>> applied;
    for (const ForeignRow* row : order) {
      if (!row->success) continue;               // goose: undone since
      if (log && row->version == "0") continue;  // goose's own first row
      if (const Migration* m = file_of(row->version)) applied.emplace_back(m, row);
    }
    // These tools keep no order (goose keeps its rows'); strata's ledger is read in version order.
    if (!log)
      std::sort(applied.begin(), applied.end(),
                [](const auto& a, const auto& b) { return *a.first->version < *b.first->version; });
    for (const auto& [m, row] : applied) record(*m, nullptr);
    summary(applied.size());
  }

  // sqlx: a row per version, its SHA-384 of the file checked; a failed one (dirty) carried over.
  void sqlx() {
    std::vector<std::pair<const Migration*, const ForeignRow*>> rows;
    for (const auto& row : history_.rows)
      if (const Migration* m = file_of(row.version)) rows.emplace_back(m, &row);
    std::sort(rows.begin(), rows.end(),
              [](const auto& a, const auto& b) { return *a.first->version < *b.first->version; });
    std::size_t count = 0;
    for (const auto& [m, row] : rows) {
      if (row->success) {
        const SqlScript* sql = m->sql_script();
        std::string now = sql ? sqlx_checksum(sql->text) : "";
        if (now != row->sha384) {
          plan_.problems.push_back(m->where() + ": sqlx recorded checksum " + row->sha384 + " for version " +
                                   m->version->str() + ", the file's is " + (now.empty() ? "none" : now) +
                                   ": the file changed after sqlx applied it; restore it before adopting");
          continue;
        }
        ++count;
      }
      record(*m, row);
    }
    summary(count);
  }

  // Flyway: its rows as they are, each checked against the file's checksum.
  void flyway() {
    std::size_t count = 0;
    for (const auto& row : history_.rows) {
      if (row.type == "SCHEMA") continue;  // the schema Flyway created: nothing strata records
      if (row.kind == MigrationKind::baseline) {
        auto version = Version::parse(row.version);
        if (!version) {
          unparsable_.push_back("'" + row.version + "'");
          continue;
        }
        LedgerRow baseline;
        baseline.version = version;
        baseline.description = row.description;
        baseline.kind = MigrationKind::baseline;
        baseline.script = "<< baseline >>";
        baseline.installed_by = row.installed_by;
        plan_.rows.push_back(std::move(baseline));
        plan_.actions.push_back("Flyway's baseline at version " + version->str() + ": recorded as strata's");
        continue;
      }
      if (row.type != "SQL") {
        plan_.problems.push_back(history_.table + " row " + row.script + " has type " + row.type +
                                 ", which strata cannot carry over (it adopts SQL migrations and baselines)");
        continue;
      }
      if (row.kind == MigrationKind::repeatable) {
        flyway_repeatable(row);
        continue;
      }
      const Migration* m = file_of(row.version);
      if (!m || (row.success && !matches(*m, row))) continue;  // a failed run's file may have been fixed since
      record(*m, &row);
      if (row.success) ++count;
    }
    summary(count);
  }

  void flyway_repeatable(const ForeignRow& row) {
    auto it = repeatable_.find(row.description);
    if (it == repeatable_.end()) {
      plan_.actions.push_back(row.script + ": repeatable with no file here, not recorded");
      return;
    }
    const Migration& m = *it->second;
    std::erase_if(plan_.rows, [&](const LedgerRow& r) {
      return r.kind == MigrationKind::repeatable && r.description == row.description;
    });  // its latest run is the one that counts
    const SqlScript* sql = m.sql_script();
    if (!row.success || !row.crc32 || !sql || flyway_checksum(sql->text) != *row.crc32) {
      plan_.actions.push_back(m.script +
                              ": changed since Flyway last ran it (or that run failed): not recorded, "
                              "so `strata migrate` runs it, as Flyway would");
      return;
    }
    LedgerRow adopted = row_of(m, &row);
    adopted.version.reset();
    plan_.rows.push_back(std::move(adopted));
  }

  // A versioned file as Flyway checksummed it; a mismatch is a problem.
  bool matches(const Migration& m, const ForeignRow& row) {
    const SqlScript* sql = m.sql_script();
    if (!row.crc32 || !sql) return true;  // Flyway recorded none (or the file is not SQL): nothing to verify
    std::int32_t now = flyway_checksum(sql->text);
    if (now == *row.crc32) return true;
    plan_.problems.push_back(m.where() + ": Flyway recorded checksum " + std::to_string(*row.crc32) + " for version " +
                             m.version->str() + ", the file's is " + std::to_string(now) +
                             ": the file changed after Flyway applied it; restore it before adopting");
    return false;
  }

  // Alembic: one head revision, taken as the version the user names.
  void alembic() {
    if (!options_.as_version) {
      plan_.problems.push_back("Alembic's " + history_.table +
                               " records revision hashes, which name no strata version: give --as-version V, "
                               "the version its head revision corresponds to");
      return;
    }
    if (history_.rows.size() != 1) {
      std::vector<std::string> heads;
      for (const auto& row : history_.rows) heads.push_back(row.version);
      plan_.problems.push_back(
          history_.rows.empty() ? "Alembic's " + history_.table + " is empty: no revision is applied to adopt"
                                : "Alembic's " + history_.table + " has " + std::to_string(heads.size()) + " heads (" +
                                      listed(heads) + "): merge them with `alembic merge` and upgrade first");
      return;
    }
    LedgerRow baseline;
    baseline.version = options_.as_version;
    baseline.description = "alembic revision " + history_.rows.front().version;
    baseline.kind = MigrationKind::baseline;
    baseline.script = "<< baseline >>";
    plan_.rows.push_back(std::move(baseline));
    plan_.actions.push_back("Alembic's revision " + history_.rows.front().version +
                            ": recorded as a baseline at version " + options_.as_version->str() +
                            " (versions up to it are taken as applied)");
  }

  const ForeignHistory& history_;
  const AdoptOptions& options_;
  std::string tool_;
  std::map<Version, const Migration*> versioned_;
  std::map<std::string, const Migration*> repeatable_;
  std::vector<std::string> unknown_;
  std::vector<std::string> unparsable_;
  AdoptionPlan plan_;
};

}  // namespace

std::span<const ForeignTool> foreign_tools() {
  return tools;
}

const ForeignTool* find_foreign_tool(std::string_view name) {
  auto it = std::find_if(tools.begin(), tools.end(), [&](const ForeignTool& t) { return t.name == name; });
  return it == tools.end() ? nullptr : &*it;
}

AdoptionPlan make_adoption_plan(std::span<const Migration> migrations, std::span<const LedgerRow> ledger,
                                const ForeignHistory& history, const AdoptOptions& options,
                                const std::string& ledger_table) {
  if (!ledger.empty()) {
    AdoptionPlan refused;
    refused.problems.push_back("cannot adopt: the ledger " + ledger_table + " already records migrations (" +
                               ledger.front().script + "); adopt writes a new ledger only");
    return refused;
  }
  AdoptionPlan plan = Adoption(migrations, history, options).plan();
  for (auto& row : plan.rows) row.adopted_from = history.tool->name;
  return plan;
}

std::string sqlx_checksum(std::string_view text) {
  return sha384_hex(text);
}

std::int32_t flyway_checksum(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  uLong crc = crc32(0L, Z_NULL, 0);
  while (!text.empty()) {
    std::size_t end = text.find_first_of("\r\n");
    std::string_view line = text.substr(0, end);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(line.data()), static_cast<uInt>(line.size()));
    if (end == std::string_view::npos) break;
    // A line ends at "\n", "\r" or "\r\n", as Java's BufferedReader reads it.
    text.remove_prefix(end + (text.compare(end, 2, "\r\n") == 0 ? 2 : 1));
  }
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(crc));
}

}  // namespace strata
