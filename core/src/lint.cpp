// strata lint (see <strata/lint.hpp>): the analysis (lint_analysis.cpp) settled by asking a
// database, one bounded count per question; the migrations to check chosen.
#include "lint_analysis.hpp"
#include "portable.hpp"
#include "schema_source.hpp"
#include "target.hpp"

#include <strata/lint.hpp>
#include <strata/plan.hpp>
#include <strata/schema.hpp>
#include <strata/source.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>

namespace strata {
namespace {

namespace fs = std::filesystem;
using detail::Checked;
using detail::Question;

constexpr std::int64_t count_limit = 1'000;

// The answer of a data question: the count of matching rows, up to count_limit + 1.
std::int64_t ask(Connection& connection, const Question& q) {
  const Dialect& d = connection.dialect();
  auto name = [&](const std::string& n) { return d.quote_identifier(n); };
  std::string from = name(q.table), c = q.columns.empty() ? "" : name(q.columns[0]);
  std::vector<Value> params;
  switch (q.kind) {
    case Question::Kind::rows: break;
    case Question::Kind::values: from += " WHERE " + c + " IS NOT NULL"; break;
    case Question::Kind::nulls: from += " WHERE " + c + " IS NULL"; break;
    case Question::Kind::too_long:
      // LIKE with length + 1 '_': a value of more characters than `length`, in every dialect's
      // own character counting.
      from += " WHERE " + c + " LIKE " + d.placeholder(1);
      params.emplace_back(std::string(static_cast<std::size_t>(q.length) + 1, '_') + "%");
      break;
    case Question::Kind::out_of_range:
      from += " WHERE " + c + " < " + d.placeholder(1) + " OR " + c + " > " + d.placeholder(2);
      params.emplace_back(q.low);
      params.emplace_back(q.high);
      break;
    case Question::Kind::decimal_fit: {
      std::string wide, lost;
      if (q.length >= 0) {  // 10^length, bound as an integer (length < 19): the column's own type takes it
        std::int64_t bound = 1;
        for (int i = 0; i < q.length; ++i) bound *= 10;
        params.emplace_back(bound);
        wide = "ABS(" + c + ") >= " + d.placeholder(1);
      }
      if (q.scale >= 0) lost = c + " <> ROUND(" + c + ", " + std::to_string(q.scale) + ")";
      from += " WHERE " + wide + (wide.empty() || lost.empty() ? "" : " OR ") + lost;
      break;
    }
    case Question::Kind::duplicates: {
      std::string columns, not_null;
      for (const auto& col : q.columns) {
        columns += (columns.empty() ? "" : ", ") + name(col);
        not_null += (not_null.empty() ? "" : " AND ") + name(col) + " IS NOT NULL";
      }
      from = "(SELECT " + columns + " FROM " + name(q.table) + " WHERE " + not_null + " GROUP BY " + columns +
             " HAVING COUNT(*) > 1) strata_duplicates";
      break;
    }
  }
  return detail::count_up_to(connection.session(), from, params, count_limit);
}

// The count as the finding says it: rows, or (for duplicates) values held by several rows.
std::string counted(Question::Kind kind, std::int64_t n) {
  std::string rows = detail::rows_text(n, count_limit);
  if (kind != Question::Kind::duplicates) return rows;
  return rows.replace(rows.rfind("row"), 3, "value");
}

// Asks each question of the database and settles its finding. A table or column the database does
// not have (yet: a pending migration before makes or renames it) is judged without data.
void settle(std::vector<Checked>& checked, Connection& connection, const DeclaredSchema& live, LintReport& report) {
  for (auto& c : checked) {
    if (!c.question) continue;
    const Question& q = *c.question;
    const DeclaredTable* t = live.table(q.table);
    bool there = t && std::all_of(q.columns.begin(), q.columns.end(),
                                  [&](const std::string& col) { return t->column(col) != nullptr; });
    if (!there) {
      report.notes.push_back(c.finding.code + " in " + c.finding.file + ": " + q.table +
                             " is not in the database as the migration finds it (a migration before it makes it): "
                             "judged without data");
      continue;
    }
    std::int64_t n = 0;
    try {
      n = ask(connection, q);
    } catch (const Error& e) {
      report.notes.push_back(c.finding.code + " in " + c.finding.file + ": the data question failed (" + e.message() +
                             "); judged without data");
      continue;
    }
    report.data_checked = true;
    if (n == 0) {
      c.finding.severity = Severity::info;
      c.finding.message = q.if_none;
      c.finding.remedy.clear();
    } else {
      c.finding.severity = Severity::error;
      std::string count = counted(q.kind, n);
      std::string text = q.if_some;
      auto at = text.find("{n}");
      c.finding.message = at == std::string::npos ? text + " " + count : text.replace(at, 3, count);
    }
  }
}

// What the target's driver runs with foreign keys off around it (a SQLite rebuild).
detail::RebuildTest rebuild_test(Connection& connection) {
  const OperationRenderer* renderer = connection.renderer();
  return [renderer](const ops::Operation& op) {
    return renderer && !renderer->before_transaction(std::span(&op, 1)).empty();
  };
}

void allow(std::vector<Checked>& checked, const std::vector<std::string>& mine, const std::vector<std::string>& all) {
  for (auto& c : checked)
    c.finding.allowed = std::find(mine.begin(), mine.end(), c.finding.code) != mine.end() ||
                        std::find(all.begin(), all.end(), c.finding.code) != all.end();
}

std::vector<Checked> of_migration(const Migration& m, const DeclaredSchema& before,
                                  const detail::RebuildTest& rebuilds) {
  std::string version = m.label();
  if (const auto* list = m.operations()) return detail::analyse(*list, before, m.where(), version, rebuilds);
  std::vector<Checked> out;
  if (const auto* sql = m.sql_script())
    for (auto& f : lint_sql(sql->text, m.where(), version)) out.push_back({std::move(f), std::nullopt});
  return out;
}

// Lint reads; it reports nothing of the connection's own progress.
void quiet(Event::Type, const std::string&, const MigrationStatus*, std::chrono::milliseconds) {}

bool named_by(const Migration& m, const std::string& file) {
  fs::path p(file);
  return p.filename().string() == m.script || file == m.where();
}

}  // namespace

LintReport lint_change(const std::vector<ops::Operation>& operations, const DeclaredSchema& before,
                       const std::vector<std::string>& allowed, const Options& options) {
  LintReport report;
  if (options.url.empty()) {
    std::vector<Checked> checked = detail::analyse(operations, before, "", "", {});
    allow(checked, {}, allowed);
    for (auto& c : checked) report.findings.push_back(std::move(c.finding));
    return report;
  }
  detail::Target target(options, quiet);
  target.load_driver();
  target.connect(detail::Access::read_only);
  std::vector<Checked> checked = detail::analyse(operations, before, "", "", rebuild_test(target.connection()));
  settle(checked, target.connection(), declared_schema_of(target.connection(), options.ledger_table), report);
  allow(checked, {}, allowed);
  for (auto& c : checked) report.findings.push_back(std::move(c.finding));
  return report;
}

LintReport lint(const LintRequest& request, const Options& options) {
  LintReport report;
  std::vector<Migration> all = history_of(options);

  std::optional<detail::Target> target;
  std::optional<DeclaredSchema> live;
  std::vector<const Migration*> pending;
  std::vector<Migration> selected_for_dialect;
  if (!options.url.empty()) {
    target.emplace(options, quiet);
    target->load_driver();
    target->connect(detail::Access::read_only);
    selected_for_dialect = select_for_dialect(all, target->connection().dialect().suffixes(), options.format);
    Plan plan = make_plan(selected_for_dialect, target->ledger_rows(), PlanOptions{});
    for (const auto& p : plan.pending)
      for (const auto& m : selected_for_dialect)
        if (m.script == p.migration.script && m.kind == p.migration.kind) pending.push_back(&m);
    live = declared_schema_of(target->connection(), options.ledger_table);
  }
  const std::vector<Migration>& pool = target ? selected_for_dialect : all;

  // What to check.
  std::vector<const Migration*> chosen;
  if (!request.files.empty()) {
    for (const auto& file : request.files) {
      bool found = false;
      for (const auto& m : pool)
        if (m.kind != MigrationKind::undo && named_by(m, file)) {
          found = true;
          if (std::find(chosen.begin(), chosen.end(), &m) == chosen.end()) chosen.push_back(&m);
        }
      if (!found)
        throw Error(ErrorKind::usage, file + ": not a migration of the project in " + options.dir.string() +
                                          (target ? " for this database's dialect" : ""));
    }
    // Checked in the order they apply: each against the schema the ones before it leave.
    std::stable_sort(chosen.begin(), chosen.end(),
                     [](const Migration* a, const Migration* b) { return applies_before(*a, *b); });
  } else if (target) {
    chosen = pending;
  } else {
    std::vector<Version> versions;
    for (const auto& m : pool)
      if (m.kind == MigrationKind::versioned &&
          std::find(versions.begin(), versions.end(), *m.version) == versions.end())
        versions.push_back(*m.version);
    std::sort(versions.begin(), versions.end());
    std::size_t keep = static_cast<std::size_t>(std::max(request.latest, 1));
    if (versions.size() > keep) versions.erase(versions.begin(), versions.end() - static_cast<long>(keep));
    for (const auto& m : pool)
      if (m.kind == MigrationKind::versioned &&
          std::find(versions.begin(), versions.end(), *m.version) != versions.end())
        chosen.push_back(&m);
  }

  // The schema before each: the live one with the pending migrations before it folded in; or
  // the history before it.
  DeclaredSchema rolling = live ? *live : DeclaredSchema{};
  std::size_t next_pending = 0;
  bool rolling_known = true;
  for (const Migration* m : chosen) {
    report.linted.push_back(m->script);
    bool is_pending = std::find(pending.begin(), pending.end(), m) != pending.end();
    DeclaredSchema before;
    if (m->operations()) {
      if (live && is_pending) {
        for (; next_pending < pending.size() && pending[next_pending] != m; ++next_pending) {
          const auto* list = pending[next_pending]->operations();
          if (!list) {
            rolling_known = false;
            continue;
          }
          try {
            fold_into(rolling, *list);
          } catch (const Error&) {
          }
        }
        if (!rolling_known)
          report.notes.push_back(m->script +
                                 " is checked against the schema before the SQL migrations pending "
                                 "ahead of it, which strata does not parse");
        before = rolling;
      } else {
        const Migration* previous = nullptr;
        for (const auto& other : pool)
          if (other.kind == MigrationKind::versioned && m->version && *other.version < *m->version) previous = &other;
        try {
          if (previous && m->kind == MigrationKind::versioned)
            before = load_schema(options.dir.string() + "@" + previous->version->str(), options);
          else if (m->kind != MigrationKind::versioned)
            before = load_schema("migrations", options);
        } catch (const Error& e) {
          report.notes.push_back(m->script + " is checked against no schema: the migrations before it could not be " +
                                 "read or replayed (" + e.message() + "); give --dev-url for SQL of one dialect");
        }
      }
    }
    std::vector<Checked> checked =
        of_migration(*m, before, target ? rebuild_test(target->connection()) : detail::RebuildTest{});
    if (target && is_pending)
      settle(checked, target->connection(), *live, report);
    else if (target)
      report.notes.push_back(m->script + " is not pending on the database: checked without its data");
    allow(checked, m->allow, request.allow);
    for (auto& c : checked) report.findings.push_back(std::move(c.finding));
    if (live && is_pending && m->operations()) {
      try {
        fold_into(rolling, *m->operations());
      } catch (const Error&) {
      }
      ++next_pending;
    }
  }
  if (target && chosen.empty()) report.notes.emplace_back("nothing is pending on the database");
  return report;
}

}  // namespace strata
