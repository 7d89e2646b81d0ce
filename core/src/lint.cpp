// strata lint (see <strata/lint.hpp>): the analysis (lint_analysis.cpp) settled by asking a
// database, one bounded count per question; the migrations to check chosen.
#include "lint_analysis.hpp"
#include "portable.hpp"
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
    case Question::Kind::too_wide:
      from += " WHERE ABS(" + c + ") >= " + d.placeholder(1);
      params.emplace_back(std::pow(10.0, q.length));
      break;
    case Question::Kind::lost_scale:
      from += " WHERE " + c + " <> ROUND(" + c + ", " + std::to_string(q.length) + ")";
      break;
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

std::string counted(Question::Kind kind, std::int64_t n) {
  std::string rows = detail::rows_text(n, count_limit);
  if (kind == Question::Kind::duplicates) {
    if (n > count_limit) return "more than " + std::to_string(count_limit) + " values";
    return std::to_string(n) + (n == 1 ? " value" : " values");
  }
  return rows;
}

// Asks each question of the database (the live schema says which tables exist: a table a pending
// migration creates is empty) and settles its finding.
void settle(std::vector<Checked>& checked, Connection* connection, const DeclaredSchema* live, LintReport& report) {
  for (auto& c : checked) {
    if (!c.question) continue;
    const Question& q = *c.question;
    if (!connection) continue;
    std::int64_t n = 0;
    try {
      const DeclaredTable* t = live ? live->table(q.table) : nullptr;
      bool columns_there = t && std::all_of(q.columns.begin(), q.columns.end(),
                                            [&](const std::string& col) { return t->column(col) != nullptr; });
      if (t && !columns_there && q.kind != Question::Kind::rows) continue;  // made by a pending migration: unknown
      n = t ? ask(*connection, q) : 0;
    } catch (const Error& e) {
      report.notes.push_back(c.finding.code + " in " + c.finding.file + ": the data question failed (" + e.message() +
                             "); judged without data");
      continue;
    }
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

void allow(std::vector<Checked>& checked, const std::vector<std::string>& mine, const std::vector<std::string>& all) {
  for (auto& c : checked)
    c.finding.allowed = std::find(mine.begin(), mine.end(), c.finding.code) != mine.end() ||
                        std::find(all.begin(), all.end(), c.finding.code) != all.end();
}

std::vector<Checked> of_migration(const Migration& m, const DeclaredSchema& before) {
  std::string version = m.label();
  if (const auto* list = m.operations()) return detail::analyse(*list, before, m.where(), version);
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
  std::vector<Checked> checked = detail::analyse(operations, before, "", "");
  if (!options.url.empty()) {
    detail::Target target(options, quiet);
    target.load_driver();
    target.connect(detail::Access::read_only);
    DeclaredSchema live = declared_schema_of(target.connection(), options.ledger_table);
    settle(checked, &target.connection(), &live, report);
    report.data_checked = true;
  }
  allow(checked, {}, allowed);
  for (auto& c : checked) report.findings.push_back(std::move(c.finding));
  return report;
}

LintReport lint(const LintRequest& request, const Options& options) {
  LintReport report;
  std::vector<Migration> all =
      options.dir.empty() ? std::vector<Migration>{} : load_directory(options.dir, options.dialects);
  if (options.embedded)
    for (auto& m : options.embedded->migrations(options.dialects)) all.push_back(std::move(m));
  std::stable_sort(all.begin(), all.end(), applies_before);

  std::optional<detail::Target> target;
  std::optional<DeclaredSchema> live;
  std::vector<const Migration*> pending;
  std::vector<Migration> selected_for_dialect;
  if (!options.url.empty()) {
    target.emplace(options, quiet);
    target->load_driver();
    target->connect(detail::Access::read_only);
    selected_for_dialect = select_for_dialect(all, target->connection().dialect().suffixes());
    Plan plan = make_plan(selected_for_dialect, target->ledger_rows(), PlanOptions{});
    for (const auto& p : plan.pending)
      for (const auto& m : selected_for_dialect)
        if (m.script == p.migration.script && m.kind == p.migration.kind) pending.push_back(&m);
    live = declared_schema_of(target->connection(), options.ledger_table);
    report.data_checked = true;
  }
  const std::vector<Migration>& pool = target ? selected_for_dialect : all;

  // What to check.
  std::vector<const Migration*> chosen;
  if (!request.files.empty()) {
    for (const auto& file : request.files) {
      auto before = chosen.size();
      for (const auto& m : pool)
        if (m.kind != MigrationKind::undo && named_by(m, file)) chosen.push_back(&m);
      if (chosen.size() == before)
        throw Error(ErrorKind::usage, file + ": not a migration of the project in " + options.dir.string() +
                                          (target ? " for this database's dialect" : ""));
    }
  } else if (target) {
    chosen = pending;
  } else {
    std::vector<Version> versions;
    for (const auto& m : pool)
      if (m.kind == MigrationKind::versioned &&
          std::find(versions.begin(), versions.end(), *m.version) == versions.end())
        versions.push_back(*m.version);
    std::sort(versions.begin(), versions.end());
    std::size_t keep = static_cast<std::size_t>(std::max(request.latest, 0));
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
        if (previous && m->kind == MigrationKind::versioned)
          before = load_schema(options.dir.string() + "@" + previous->version->str(), options);
        else if (m->kind != MigrationKind::versioned)
          before = load_schema("migrations", options);
      }
    }
    std::vector<Checked> checked = of_migration(*m, before);
    if (target && is_pending)
      settle(checked, &target->connection(), &*live, report);
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
  if (report.data_checked && chosen.empty()) report.notes.emplace_back("nothing is pending on the database");
  return report;
}

}  // namespace strata
