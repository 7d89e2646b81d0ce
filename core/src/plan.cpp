#include <strata/plan.hpp>
#include <strata/source.hpp>

#include <algorithm>
#include <map>

namespace strata {
namespace {

// What the ledger says, indexed: the latest row of each version and of each repeatable, the
// baseline, and the newest undo (after which repeatables run again).
struct LedgerIndex {
  // The latest versioned or undo row of each version, in version order: a sorted vector rather
  // than a map (no node per version; a version of up to 15 characters copies without allocating).
  std::vector<std::pair<Version, const LedgerRow*>> by_version;
  std::map<std::string, const LedgerRow*> by_description;
  const LedgerRow* baseline = nullptr;
  int last_undo_rank = 0;

  explicit LedgerIndex(std::span<const LedgerRow> ledger) {
    by_version.reserve(ledger.size());
    for (const auto& row : ledger) {
      if (row.kind == MigrationKind::baseline)
        baseline = &row;
      else if (row.kind == MigrationKind::repeatable)
        by_description[row.description] = &row;
      else if (row.version)
        by_version.emplace_back(*row.version, &row);
      if (row.kind == MigrationKind::undo && row.success) last_undo_rank = row.installed_rank;
    }
    // The ledger's order is usually the versions' already. Stable: of one version's rows, the
    // last in the ledger is its latest, and the only one kept.
    auto by_version_order = [](const auto& a, const auto& b) { return a.first < b.first; };
    if (!std::is_sorted(by_version.begin(), by_version.end(), by_version_order))
      std::stable_sort(by_version.begin(), by_version.end(), by_version_order);
    std::size_t kept = 0;
    for (std::size_t i = 0; i < by_version.size(); ++i) {
      if (kept > 0 && by_version[kept - 1].first == by_version[i].first)
        by_version[kept - 1].second = by_version[i].second;
      else if (kept++ != i)
        by_version[kept - 1] = std::move(by_version[i]);
    }
    by_version.erase(by_version.begin() + static_cast<std::ptrdiff_t>(kept), by_version.end());
  }

  // The latest row of `version`, or null. Asked in the files' order, which is usually the
  // ledger's: the entry after the one found last is tried first, then a binary search.
  const LedgerRow* find(const Version& version) {
    if (next < by_version.size() && by_version[next].first == version) return by_version[next++].second;
    auto it = std::lower_bound(by_version.begin(), by_version.end(), version,
                               [](const auto& entry, const Version& v) { return entry.first < v; });
    if (it == by_version.end() || it->first != version) return nullptr;
    next = static_cast<std::size_t>(it - by_version.begin()) + 1;
    return it->second;
  }
  std::size_t next = 0;  // find's first guess

  std::optional<Version> baseline_version() const { return baseline ? baseline->version : std::nullopt; }

  // The newest version applied now (a baseline counts as applied).
  std::optional<Version> newest_applied() const {
    std::optional<Version> newest = baseline_version();
    for (const auto& [version, row] : by_version) {
      if (!row->success || row->kind != MigrationKind::versioned) continue;
      if (!newest || version > *newest) newest = version;
    }
    return newest;
  }
};

// What to do about an undo that failed part-way: a rollback continues it.
std::string failed_undo_advice(const LedgerRow& row) {
  std::string fix = row.in_doubt ? "check the database (statement " + std::to_string(row.statements_done + 1) +
                                       " of the undo was running when the migrator stopped), then run `strata "
                                       "rollback --resume=retry` to run it again or `--resume=skip` to take it as done"
                                 : "fix the undo file and run `strata rollback --resume` to continue from statement " +
                                       std::to_string(row.statements_done + 1);
  std::string done = row.statements_done == 1 ? "statement 1" : "statements 1-" + std::to_string(row.statements_done);
  if (row.statements_done == 0) return fix + "; or remove the failed row with `strata repair`";
  return fix + "; or restore by hand what its " + done +
         " changed and remove the failed row with `strata repair` (the version is then applied again)";
}

// A failure `adopt` carried over: no statement progress to resume from.
std::string unknown_progress_text(const std::string& when = "") {
  return " failed under the tool strata adopted it from, and how far it got is not known: check the database and "
         "finish or undo by hand what it changed, then `strata repair` removes the failed row (and `migrate` runs it "
         "again)" +
         (when.empty() ? "" : ", " + when);
}

std::string identity_text(const LedgerRow& row) {
  return row.kind == MigrationKind::repeatable ? "repeatable '" + row.description + "'"
                                               : "version " + to_string(row.version, "?");
}

class Planner {
 public:
  Planner(SharedLedger ledger, const PlanOptions& options, std::size_t files)
      : ledger_(std::move(ledger)),
        index_(*ledger_),
        options_(options),
        newest_(index_.newest_applied()),
        baseline_(index_.baseline_version()) {
    // A status per file, and per row without one (rare: then the vector grows).
    plan_.migrations.reserve(std::max(files, ledger_->size()));
  }

  void add_versioned(const Migration& m) {
    const LedgerRow* row = index_.find(*m.version);
    if (baseline_ && *m.version <= *baseline_) {
      auto state = *m.version == *baseline_ ? MigrationState::baseline : MigrationState::below_baseline;
      add(status_of(m, row ? row : index_.baseline, state));
      if (*m.version == *baseline_) baseline_shown_ = true;
      return;
    }
    if (!row) return add_unapplied(m);
    if (row->kind == MigrationKind::undo && row->success) {
      if (within_target(m)) schedule(m);
      return add(status_of(m, row, MigrationState::undone));
    }
    if (!row->success) return add(settle_failed(m, *row));
    if (row->checksum == m.checksum) return add(status_of(m, row, MigrationState::applied));
    plan_.problems.push_back(m.where() + ": version " + m.version->str() + " was applied with checksum " +
                             row->checksum + " but it now has checksum " + m.checksum +
                             "; an applied migration must not change: restore it, or put the change in a new "
                             "migration (`strata repair` records the new checksum if the change is harmless)");
    add(status_of(m, row, MigrationState::checksum_mismatch));
  }

  void add_repeatable(const Migration& m) {
    const LedgerRow* row = find(index_.by_description, m.description);
    if (row && !row->success) return add(settle_failed(m, *row));
    // Run again when it changed, and after a rollback, which may have dropped what it built.
    bool current = row && row->checksum == m.checksum && row->installed_rank > index_.last_undo_rank;
    if (!current) schedule(m);
    add(status_of(m, row, current ? MigrationState::applied : MigrationState::pending));
  }

  // Ledger rows with no file: future when newer than every file, missing otherwise.
  void add_unresolved(std::span<const Migration> migrations) {
    // The files' versions, sorted (they usually are already): pointers into `migrations`, not
    // copies, with room for all made once.
    std::vector<const Version*> versions;
    versions.reserve(migrations.size());
    std::map<std::string, bool> repeatables;
    for (const auto& m : migrations) {
      if (m.kind == MigrationKind::repeatable) repeatables[m.description] = true;
      if (m.kind != MigrationKind::versioned) continue;
      versions.push_back(&*m.version);
    }
    auto before = [](const Version* a, const Version* b) { return *a < *b; };
    if (!std::is_sorted(versions.begin(), versions.end(), before)) std::sort(versions.begin(), versions.end(), before);
    const Version* newest_file = versions.empty() ? nullptr : versions.back();
    // Both in version order: one walk through the two.
    auto file = versions.begin();
    for (const auto& [version, row] : index_.by_version) {
      while (file != versions.end() && **file < version) ++file;
      if (row->kind != MigrationKind::versioned || (file != versions.end() && **file == version)) continue;
      unresolved(*row, version, !newest_file || version > *newest_file);
    }
    for (const auto& [description, row] : index_.by_description)
      if (!repeatables.count(description)) unresolved(*row, std::nullopt, false);
    if (index_.baseline && !baseline_shown_)
      add(MigrationStatus{MigrationKind::baseline, baseline_, index_.baseline->description, index_.baseline->script,
                          MigrationState::baseline, shared(index_.baseline), ""});
  }

  Plan finish() {
    auto order = [](const MigrationStatus& a, const MigrationStatus& b) {
      bool ra = a.kind == MigrationKind::repeatable, rb = b.kind == MigrationKind::repeatable;
      if (ra != rb) return rb;
      if (ra) return a.description < b.description;
      return *a.version < *b.version;
    };
    // Usually in order already (the files are): sorting would copy every status once more.
    if (!std::is_sorted(plan_.migrations.begin(), plan_.migrations.end(), order))
      std::stable_sort(plan_.migrations.begin(), plan_.migrations.end(), order);
    return std::move(plan_);
  }

 private:
  template <typename Key>
  static const LedgerRow* find(const std::map<Key, const LedgerRow*>& rows, const Key& key) {
    auto it = rows.find(key);
    return it == rows.end() ? nullptr : it->second;
  }

  bool within_target(const Migration& m) const { return !options_.target || *m.version <= *options_.target; }

  void add(MigrationStatus s) { plan_.migrations.push_back(std::move(s)); }

  void add_unapplied(const Migration& m) {
    if (!newest_ || *m.version > *newest_) {
      if (within_target(m)) schedule(m);
      return add(status_of(m, nullptr, MigrationState::pending));
    }
    if (options_.out_of_order)
      schedule(m);
    else
      plan_.problems.push_back(m.where() + ": version " + m.version->str() +
                               " is older than the newest applied version " + newest_->str() +
                               "; apply it with --out-of-order, or give it a newer version");
    add(status_of(m, nullptr, MigrationState::out_of_order));
  }

  // A failed row stops the run, unless the run resumes it.
  MigrationStatus settle_failed(const Migration& m, const LedgerRow& row) {
    if (row.statements_done == statements_unknown) {
      plan_.problems.push_back(m.script + ": " + identity_text(row) + unknown_progress_text());
      return status_of(m, &row, MigrationState::failed);
    }
    std::string where =
        m.script + ": " + identity_text(row) + " failed at statement " + std::to_string(row.statements_done + 1);
    std::string in_doubt =
        ", which was running when the migrator stopped: it may or may not have run. Check the "
        "database, then run `strata migrate --resume=retry` to run it again or `--resume=skip` "
        "to take it as done";
    int done = row.statements_done;
    std::string kept = done == 0   ? ""
                       : done == 1 ? " (statement 1 is not run again)"
                                   : " (statements 1-" + std::to_string(done) + " are not run again)";
    if (row.kind == MigrationKind::undo) {
      plan_.problems.push_back(where + " of its undo; " + failed_undo_advice(row));
    } else if (m.operations() && row.checksum == m.checksum && options_.resume == Resume::none) {
      // Portable operations are guarded: the run goes on where it stopped, the operation in doubt
      // included (its guard finds whether it ran), with no --resume needed.
      plan_.pending.push_back(PendingMigration{m, row, row.statements_done});
    } else if (row.in_doubt && row.kind != MigrationKind::undo && options_.doubt_settled &&
               options_.doubt_settled(m, row)) {
      MigrationStatus status = status_of(m, &row, MigrationState::failed);
      auto settled = std::make_shared<LedgerRow>(row);
      settled->in_doubt = false;  // known: it did not run
      status.latest = std::move(settled);
      if (options_.resume == Resume::skip)
        plan_.problems.push_back(where + ", which did not run: its transaction was undone with its record. " +
                                 "--resume=skip would leave it out; run `strata migrate` to run it");
      else
        plan_.pending.push_back(PendingMigration{m, row, row.statements_done});
      return status;
    } else if (row.in_doubt && options_.resume != Resume::retry && options_.resume != Resume::skip) {
      plan_.problems.push_back(where + in_doubt + "; or remove the failed row with `strata repair`");
    } else if (options_.resume == Resume::none) {
      plan_.problems.push_back(where + "; fix the file and run `strata migrate --resume`" + kept +
                               ", or remove the failed row with `strata repair`");
    } else {
      int skip = row.in_doubt && options_.resume == Resume::skip ? 1 : 0;
      plan_.pending.push_back(PendingMigration{m, row, row.statements_done + skip});
    }
    return status_of(m, &row, MigrationState::failed);
  }

  void unresolved(const LedgerRow& row, std::optional<Version> version, bool future) {
    std::string what = identity_text(row);
    if (future)
      plan_.warnings.push_back(what + " (" + row.script + ") was applied by a newer release: no file for it here");
    else if (row.success)
      plan_.problems.push_back(row.script + ": " + what +
                               " is recorded as applied but its file is missing; restore the file");
    else
      plan_.problems.push_back(row.script + ": " + what +
                               " failed and its file is missing; `strata repair` "
                               "removes the failed row");
    add(MigrationStatus{row.kind, std::move(version), row.description, row.script,
                        future ? MigrationState::future : MigrationState::missing, shared(&row), ""});
  }

  // `row` (one of ledger_'s, or null) as a status's latest row: no copy, ledger_ kept alive.
  std::shared_ptr<const LedgerRow> shared(const LedgerRow* row) const {
    return row ? std::shared_ptr<const LedgerRow>(ledger_, row) : nullptr;
  }

  MigrationStatus status_of(const Migration& m, const LedgerRow* row, MigrationState state) const {
    return MigrationStatus{m.kind, m.version, m.description, m.script, state, shared(row), m.checksum};
  }

  void schedule(const Migration& m) { plan_.pending.push_back(PendingMigration{m, std::nullopt, 0}); }

  SharedLedger ledger_;  // never null
  LedgerIndex index_;
  const PlanOptions& options_;
  std::optional<Version> newest_;
  std::optional<Version> baseline_;
  bool baseline_shown_ = false;
  Plan plan_;
};

}  // namespace

const char* to_string(MigrationState state) {
  switch (state) {
    case MigrationState::applied: return "applied";
    case MigrationState::pending: return "pending";
    case MigrationState::failed: return "failed";
    case MigrationState::checksum_mismatch: return "checksum-mismatch";
    case MigrationState::missing: return "missing";
    case MigrationState::future: return "future";
    case MigrationState::out_of_order: return "out-of-order";
    case MigrationState::undone: return "undone";
    case MigrationState::baseline: return "baseline";
    case MigrationState::below_baseline: return "below-baseline";
  }
  return "pending";
}

std::optional<Version> Plan::current_version() const {
  std::optional<Version> newest;
  for (const auto& s : migrations) {
    bool counts = s.state == MigrationState::applied || s.state == MigrationState::future ||
                  s.state == MigrationState::checksum_mismatch || s.state == MigrationState::baseline;
    if (counts && s.version && s.kind != MigrationKind::repeatable && (!newest || *s.version > *newest))
      newest = s.version;
  }
  return newest;
}

Plan make_plan(std::span<const Migration> migrations, std::span<const LedgerRow> ledger, const PlanOptions& options) {
  return make_plan_shared(migrations, std::make_shared<const std::vector<LedgerRow>>(ledger.begin(), ledger.end()),
                          options);
}

Plan make_plan_shared(std::span<const Migration> migrations, SharedLedger ledger, const PlanOptions& options) {
  if (!ledger) ledger = std::make_shared<const std::vector<LedgerRow>>();
  Planner planner(std::move(ledger), options, migrations.size());
  for (const auto& m : migrations) {
    if (m.kind == MigrationKind::versioned)
      planner.add_versioned(m);
    else if (m.kind == MigrationKind::repeatable)
      planner.add_repeatable(m);
  }
  planner.add_unresolved(migrations);
  return planner.finish();
}

RollbackPlan make_rollback_plan(std::span<const Migration> migrations, std::span<const LedgerRow> ledger,
                                const RollbackOptions& options) {
  LedgerIndex index(ledger);
  RollbackPlan plan;
  auto baseline = index.baseline_version();
  auto undo_of = [&](const Version& version) {
    return std::find_if(migrations.begin(), migrations.end(),
                        [&](const Migration& m) { return m.kind == MigrationKind::undo && *m.version == version; });
  };
  std::size_t resumed = 0;                                    // failed undos continued: they count as steps
  std::vector<std::pair<Version, const LedgerRow*>> applied;  // newest first
  for (const auto& [version, row] : index.by_version) {
    if (!row->success && row->kind == MigrationKind::undo) {
      std::string where = row->script + ": the undo of " + identity_text(*row) + " failed at statement " +
                          std::to_string(row->statements_done + 1);
      bool decided = !row->in_doubt || options.resume == Resume::retry || options.resume == Resume::skip;
      if (options.resume == Resume::none || !decided) {
        plan.problems.push_back(where + "; " + failed_undo_advice(*row));
      } else if (auto undo = undo_of(version); undo == migrations.end()) {
        plan.problems.push_back(where + "; its undo migration is gone, so it cannot continue: restore the file");
      } else {
        int skip = row->in_doubt && options.resume == Resume::skip ? 1 : 0;
        plan.steps.push_back(RollbackStep{*undo, *row, *row, row->statements_done + skip});
        ++resumed;
      }
      continue;
    }
    if (!row->success && row->statements_done == statements_unknown)
      plan.problems.push_back(row->script + ": " + identity_text(*row) + unknown_progress_text("before rolling back"));
    else if (!row->success)
      plan.problems.push_back(
          row->script + ": " + identity_text(*row) +
          " failed; resolve it (`strata migrate --resume`, or `strata repair`) before rolling back");
    if (row->kind != MigrationKind::versioned || !row->success) continue;
    if (!baseline || version > *baseline) applied.emplace_back(version, row);
  }
  std::sort(applied.begin(), applied.end(), [](const auto& a, const auto& b) { return a.first > b.first; });

  std::size_t count = 0;
  if (options.to) {
    if (baseline && *options.to < *baseline)
      plan.problems.push_back("version " + options.to->str() + " is below the baseline " + baseline->str() +
                              ": a rollback cannot go below the baseline");
    bool known = (baseline && *options.to == *baseline) ||
                 std::any_of(applied.begin(), applied.end(), [&](const auto& a) { return a.first == *options.to; });
    if (!known && plan.problems.empty())
      plan.problems.push_back("--to " + options.to->str() + ": that version is not applied");
    while (count < applied.size() && applied[count].first > *options.to) ++count;
  } else {
    if (options.steps < 1) plan.problems.emplace_back("--steps must be at least 1");
    count = static_cast<std::size_t>(std::max(options.steps, 0));
    count -= std::min(count, resumed);
    if (count > applied.size()) {
      plan.problems.push_back("--steps " + std::to_string(options.steps) + ": only " + std::to_string(applied.size()) +
                              " versions are applied" + (baseline ? " above the baseline " + baseline->str() : ""));
      count = applied.size();
    }
  }
  for (std::size_t i = 0; i < count; ++i) {
    const Version& version = applied[i].first;  // not a structured binding: lambdas capture it
    const LedgerRow* row = applied[i].second;
    auto undo = undo_of(version);
    if (undo == migrations.end()) {
      auto portable = std::find_if(migrations.begin(), migrations.end(), [&](const Migration& m) {
        return m.kind == MigrationKind::versioned && *m.version == version && !m.undo_missing.empty();
      });
      plan.problems.push_back(
          "version " + version.str() + " (" + row->script + ") has no undo migration (" +
          (portable != migrations.end() ? portable->undo_missing : undo_file_for(row->script, version)) + ")");
      continue;
    }
    plan.steps.push_back(RollbackStep{*undo, *row, std::nullopt, 0});
  }
  if (!plan.problems.empty()) plan.steps.clear();
  return plan;
}

}  // namespace strata
