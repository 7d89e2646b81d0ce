#include <strata/plan.hpp>

#include <algorithm>
#include <map>

namespace strata {
namespace {

std::string short_sum(const std::string& checksum) {
  return checksum.empty() ? "(none)" : checksum;
}

// The latest row of each identity: versions by their normalised text, repeatables by description.
struct LatestRows {
  std::map<std::string, const LedgerRow*> by_version;
  std::map<std::string, const LedgerRow*> by_description;

  explicit LatestRows(std::span<const LedgerRow> ledger) {
    for (const auto& row : ledger) {
      if (row.kind == MigrationKind::repeatable)
        by_description[row.description] = &row;
      else if (row.version)
        by_version[*row.version] = &row;
    }
  }
};

std::optional<Version> newest_applied(const LatestRows& latest) {
  std::optional<Version> newest;
  for (const auto& [text, row] : latest.by_version) {
    if (!row->success || row->kind != MigrationKind::versioned) continue;
    auto v = Version::parse(text);
    if (v && (!newest || *v > *newest)) newest = v;
  }
  return newest;
}

MigrationStatus status_of(const Migration& m, const LedgerRow* row) {
  MigrationStatus s{m.kind, m.version, m.description, m.script, MigrationState::pending, std::nullopt, m.checksum};
  if (row) s.latest = *row;
  return s;
}

class Planner {
 public:
  Planner(std::span<const LedgerRow> ledger, const PlanOptions& options)
      : latest_(ledger), options_(options), newest_(newest_applied(latest_)) {}

  void add_versioned(const Migration& m) {
    auto found = latest_.by_version.find(m.version->str());
    const LedgerRow* row = found == latest_.by_version.end() ? nullptr : found->second;
    MigrationStatus s = status_of(m, row);
    if (row) {
      settle_applied(s, m, *row);
    } else if (newest_ && *m.version < *newest_) {
      s.state = MigrationState::out_of_order;
      if (options_.out_of_order)
        schedule(m);
      else
        plan_.problems.push_back(m.script + ": version " + m.version->str() +
                                 " is older than the newest applied version " + newest_->str() +
                                 "; apply it with --out-of-order, or give it a newer version");
    } else if (!options_.target || *m.version <= *options_.target) {
      schedule(m);
    }
    plan_.migrations.push_back(std::move(s));
  }

  void add_repeatable(const Migration& m) {
    auto found = latest_.by_description.find(m.description);
    const LedgerRow* row = found == latest_.by_description.end() ? nullptr : found->second;
    MigrationStatus s = status_of(m, row);
    if (!row || (row->success && row->checksum != m.checksum))
      schedule(m);
    else if (!row->success)
      fail(s, *row);
    else
      s.state = MigrationState::applied;
    plan_.migrations.push_back(std::move(s));
  }

  // Ledger rows whose file is gone: future when newer than every file, missing otherwise.
  void add_unresolved(std::span<const Migration> migrations) {
    std::optional<Version> newest_file;
    for (const auto& m : migrations)
      if (m.kind == MigrationKind::versioned && (!newest_file || *m.version > *newest_file)) newest_file = m.version;
    auto has_file = [&](auto pred) { return std::any_of(migrations.begin(), migrations.end(), pred); };
    for (const auto& [text, row] : latest_.by_version) {
      if (row->kind != MigrationKind::versioned) continue;
      if (has_file([&](const Migration& m) { return m.kind == MigrationKind::versioned && m.version->str() == text; }))
        continue;
      auto version = Version::parse(text);
      bool future = version && (!newest_file || *version > *newest_file);
      unresolved(*row, version, future);
    }
    for (const auto& [description, row] : latest_.by_description) {
      if (has_file(
              [&](const Migration& m) { return m.kind == MigrationKind::repeatable && m.description == description; }))
        continue;
      unresolved(*row, std::nullopt, false);
    }
  }

  Plan finish() {
    auto order = [](const MigrationStatus& a, const MigrationStatus& b) {
      bool ra = a.kind == MigrationKind::repeatable, rb = b.kind == MigrationKind::repeatable;
      if (ra != rb) return rb;
      if (ra) return a.description < b.description;
      return *a.version < *b.version;
    };
    std::stable_sort(plan_.migrations.begin(), plan_.migrations.end(), order);
    return std::move(plan_);
  }

 private:
  void settle_applied(MigrationStatus& s, const Migration& m, const LedgerRow& row) {
    if (!row.success) return fail(s, row);
    if (row.checksum == m.checksum) {
      s.state = MigrationState::applied;
      return;
    }
    s.state = MigrationState::checksum_mismatch;
    plan_.problems.push_back(m.script + ": version " + m.version->str() + " was applied with checksum " +
                             short_sum(row.checksum) + " but the file now has checksum " + short_sum(m.checksum) +
                             "; an applied migration must not change: restore the file, or put the "
                             "change in a new migration");
  }

  void fail(MigrationStatus& s, const LedgerRow& row) {
    s.state = MigrationState::failed;
    plan_.problems.push_back(row.script + ": " +
                             (row.version ? "version " + *row.version : "'" + row.description + "'") +
                             " failed after statement " + std::to_string(row.statements_done) +
                             "; fix it and resume, or remove the failed row");
  }

  void unresolved(const LedgerRow& row, std::optional<Version> version, bool future) {
    MigrationStatus s{
        row.kind, version, row.description, row.script, future ? MigrationState::future : MigrationState::missing,
        row,      ""};
    std::string what = version ? "version " + version->str() : "repeatable '" + row.description + "'";
    if (future)
      plan_.warnings.push_back(what + " (" + row.script + ") was applied by a newer release: no file for it here");
    else
      plan_.problems.push_back(row.script + ": " + what +
                               " is recorded as applied but its file is missing; restore the file");
    plan_.migrations.push_back(std::move(s));
  }

  void schedule(const Migration& m) { plan_.pending.push_back(m); }

  LatestRows latest_;
  const PlanOptions& options_;
  std::optional<Version> newest_;
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
  }
  return "pending";
}

std::optional<Version> Plan::current_version() const {
  std::optional<Version> newest;
  for (const auto& s : migrations)
    if (s.version && s.kind == MigrationKind::versioned &&
        (s.state == MigrationState::applied || s.state == MigrationState::future ||
         s.state == MigrationState::checksum_mismatch) &&
        (!newest || *s.version > *newest))
      newest = s.version;
  return newest;
}

Plan make_plan(std::span<const Migration> migrations, std::span<const LedgerRow> ledger, const PlanOptions& options) {
  Planner planner(ledger, options);
  for (const auto& m : migrations) {
    if (m.kind == MigrationKind::versioned)
      planner.add_versioned(m);
    else if (m.kind == MigrationKind::repeatable)
      planner.add_repeatable(m);
  }
  planner.add_unresolved(migrations);
  return planner.finish();
}

}  // namespace strata
