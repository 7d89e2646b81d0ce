// Lint's analysis (see lint_analysis.hpp): what each operation does to the data, against the schema
// before it; SQL by keywords. Pure.
#include "lint_analysis.hpp"

#include "dollar_quote.hpp"
#include "overloaded.hpp"

#include <strata/ascii.hpp>

#include <algorithm>
#include <limits>
#include <map>
#include <set>

namespace strata {
namespace {

using detail::Checked;
using detail::Question;
using detail::RebuildTest;

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// The range an integer type holds; nullopt for other types.
std::optional<std::pair<std::int64_t, std::int64_t>> integer_range(PortableType t) {
  switch (t) {
    case PortableType::smallint: return std::pair<std::int64_t, std::int64_t>{-32768, 32767};
    case PortableType::integer: return std::pair<std::int64_t, std::int64_t>{-2147483648LL, 2147483647LL};
    case PortableType::bigint:
      return std::pair{std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max()};
    default: return std::nullopt;
  }
}

bool textual(PortableType t) {
  return t == PortableType::string || t == PortableType::text;
}

Question question(Question::Kind kind, const std::string& table, std::vector<std::string> columns = {}) {
  Question q;
  q.kind = kind;
  q.table = table;
  q.columns = std::move(columns);
  return q;
}

// Whether every value of `from` fits `to` unchanged; when it may not, the question that tells.
// nullopt: widening (or the same).
struct Narrowing {
  std::string why;
  std::optional<Question> question;  // none: no data question decides it
};
std::optional<Narrowing> narrowing(const ColumnType& from, const ColumnType& to, const std::string& table,
                                   const std::string& column) {
  if (from == to) return std::nullopt;
  auto ask = [&](Question::Kind kind) { return question(kind, table, {column}); };
  std::string change = to_string(from) + " to " + to_string(to);
  if (textual(from.type) && textual(to.type)) {
    int was = from.type == PortableType::text ? 0 : from.length;
    int now = to.type == PortableType::text ? 0 : to.length;
    if (now == 0 || (was != 0 && now >= was)) return std::nullopt;  // longer, or unbounded
    Question q = ask(Question::Kind::too_long);
    q.length = now;
    return Narrowing{change + ": a value longer than " + std::to_string(now) + " characters does not fit", q};
  }
  auto was = integer_range(from.type), now = integer_range(to.type);
  if (was && now) {
    if (now->first <= was->first && now->second >= was->second) return std::nullopt;
    Question q = ask(Question::Kind::out_of_range);
    q.low = now->first;
    q.high = now->second;
    return Narrowing{change + ": a value outside " + std::to_string(now->first) + ".." + std::to_string(now->second) +
                         " does not fit",
                     q};
  }
  if (was && to.type == PortableType::decimal) {  // an integer into a decimal: its digits before the point
    int digits = to.precision - to.scale;
    int holds = from.type == PortableType::smallint ? 5 : from.type == PortableType::integer ? 10 : 19;
    if (digits >= holds) return std::nullopt;
    Question q = ask(Question::Kind::decimal_fit);
    q.length = digits;
    return Narrowing{change + ": a value of more than " + std::to_string(digits) + " digits does not fit", q};
  }
  if (from.type == PortableType::decimal && to.type == PortableType::decimal) {
    bool wide = to.precision - to.scale < from.precision - from.scale, scale = to.scale < from.scale;
    if (!wide && !scale) return std::nullopt;
    Question q = ask(Question::Kind::decimal_fit);
    q.length = wide ? to.precision - to.scale : -1;
    q.scale = scale ? to.scale : -1;
    std::string why;
    if (wide) why = "a value of more than " + std::to_string(q.length) + " digits before the point does not fit";
    if (scale)
      why += std::string(wide ? ", and " : "") + "digits beyond " + std::to_string(to.scale) +
             (to.scale == 1 ? " decimal place" : " decimal places") + " are lost";
    return Narrowing{change + ": " + why, q};
  }
  if (from.type == PortableType::real && to.type == PortableType::double_precision) return std::nullopt;
  if (from.type == PortableType::timestamp && to.type == PortableType::timestamptz) return std::nullopt;
  if (to.type == PortableType::text) return std::nullopt;  // anything reads as text
  if (from.type == PortableType::timestamptz && to.type == PortableType::timestamp)
    return Narrowing{change + ": every value loses its time zone", ask(Question::Kind::values)};
  // Any other conversion (text to integer, json to string(n), ...) may fail or lose: only a
  // column that holds no value is safe.
  return Narrowing{change + ": a value may not convert", ask(Question::Kind::values)};
}

// The tables that reference `table` with ON DELETE CASCADE.
std::vector<std::string> cascading_children(const DeclaredSchema& schema, const std::string& table) {
  std::vector<std::string> out;
  for (const auto& t : schema.tables)
    for (const auto& k : t.foreign_keys)
      if (k.references == table && k.on_delete == ops::Action::cascade && t.name != table) out.push_back(t.name);
  return out;
}

class Analysis {
 public:
  Analysis(const DeclaredSchema& before, std::string file, std::string version, const RebuildTest& rebuilds)
      : schema_(before), rebuilds_(rebuilds), file_(std::move(file)), version_(std::move(version)) {
    for (const auto& t : before.tables) existed_.insert(t.name);
  }

  std::vector<Checked> run(const std::vector<ops::Operation>& operations) {
    for (const auto& op : operations) {
      line_ = op.line;
      std::visit([&](const auto& o) { check(op, o); }, op.change);
      try {
        fold_into(schema_, {op});
      } catch (const Error&) {  // an operation on something the schema lacks: the guard decides at apply time
      }
    }
    return std::move(out_);
  }

 private:
  // A question is asked of the tables and columns as they were before this migration: a rename
  // earlier in it is followed back.
  Checked& add(std::string code, Severity severity, std::string message, std::string remedy,
               std::optional<Question> question = std::nullopt) {
    Finding f{std::move(code), severity, file_, version_, line_, std::move(message), std::move(remedy), false};
    if (question) {
      for (auto& c : question->columns) c = original_column(question->table, c);
      question->table = original_table(question->table);
    }
    out_.push_back({std::move(f), std::move(question)});
    return out_.back();
  }
  std::string original_table(const std::string& table) const {
    auto it = table_was_.find(table);
    return it == table_was_.end() ? table : it->second;
  }
  std::string original_column(const std::string& table, const std::string& column) const {
    auto it = column_was_.find({original_table(table), column});
    return it == column_was_.end() ? column : it->second;
  }
  // Existed before this migration: a table it creates holds no rows yet.
  bool had_rows_before(const std::string& table) const { return existed_.count(original_table(table)) > 0; }

  // A SQLite rebuild (a new table, the rows copied, the old one dropped) of a table others
  // reference with ON DELETE CASCADE.
  void rebuild(const ops::Operation& op, const std::string& table) {
    if (rebuilds_ && !rebuilds_(op)) return;
    auto children = cascading_children(schema_, table);
    if (children.empty() || !schema_.table(table)) return;
    add("rebuild-cascade", Severity::warning,
        op.summary() + ": on SQLite this rebuilds " + table + ", which " + join(children) +
            " reference with ON DELETE CASCADE. strata turns foreign keys off around the rebuild, so no row of " +
            join(children) + " is deleted; the same SQL run by another tool, with foreign keys on, deletes them",
        "apply it with strata only; on SQLite, never replay its rendered SQL with foreign keys on");
  }

  void check(const ops::Operation&, const ops::DropTable& o) {
    if (!schema_.table(o.table)) return;
    if (o.require_empty) {
      add("drop-table", Severity::info,
          "drops " + o.table + ", refused at apply time if it holds a row (require_empty)", "");
      return;
    }
    Question q = question(Question::Kind::rows, o.table);
    q.if_none = "drops " + o.table + ", which is empty";
    q.if_some = "drops " + o.table + ", which holds";
    add("drop-table", Severity::error, "drops " + o.table + " and every row in it",
        "add require_empty: true (refused at apply time while it holds a row), check it with --url, or accept it "
        "with allow: [drop-table]",
        q);
  }
  void check(const ops::Operation& op, const ops::DropColumn& o) {
    const DeclaredTable* t = schema_.table(o.table);
    if (!t || !t->column(o.column)) return;
    std::string what = o.table + "." + o.column;
    if (o.require_empty) {
      add("drop-column", Severity::info,
          "drops " + what + ", refused at apply time if a row holds a value (require_empty)", "");
      return;
    }
    Question q = question(Question::Kind::values, o.table, {o.column});
    q.if_none = "drops " + what + ", in which no row holds a value";
    q.if_some = "drops " + what + ", which holds a value in {n}";
    add("drop-column", Severity::error, "drops " + what + " and every value in it",
        "add require_empty: true (refused at apply time while a row holds a value), check it with --url, or accept "
        "it with allow: [drop-column]",
        q);
    rebuild(op, o.table);
  }
  void check(const ops::Operation& op, const ops::RenameTable& o) {
    std::string was = original_table(o.table);
    table_was_.erase(o.table);
    table_was_[o.to] = was;
    add("rename", Severity::warning,
        op.summary() + ": replicas still running the previous release use " + o.table +
            " and fail until they are replaced",
        "add the new table (or a view) first and drop the old one in a later release, or accept it with allow: "
        "[rename]");
  }
  void check(const ops::Operation& op, const ops::RenameColumn& o) {
    std::string was = original_column(o.table, o.column);
    column_was_.erase({original_table(o.table), o.column});
    column_was_[{original_table(o.table), o.to}] = was;
    add("rename", Severity::warning,
        op.summary() + ": replicas still running the previous release use " + o.table + "." + o.column +
            " and fail until they are replaced",
        "add the new column, copy, and drop the old one in a later release, or accept it with allow: [rename]");
  }
  void check(const ops::Operation& op, const ops::AddColumn& o) {
    const ops::Column& c = o.column;
    if (!had_rows_before(o.table) || c.nullable || c.default_value || c.auto_increment || c.primary_key) return;
    const DeclaredTable* t = schema_.table(o.table);
    if (t && t->column(c.name) && o.if_missing) return;  // already there: a no-op
    Question q = question(Question::Kind::rows, o.table);
    q.if_none =
        "adds NOT NULL column " + o.table + "." + c.name + " without a default to " + o.table + ", which is empty";
    q.if_some = "adds NOT NULL column " + o.table + "." + c.name + " without a default: it fails on " + o.table +
                ", which holds";
    add("not-null-no-default", Severity::error,
        op.summary() + ": a NOT NULL column without a default fails on any table that holds a row",
        "give it a default (default: ...), or fill the rows first with backfill: <value> on the add_column", q);
  }
  void check(const ops::Operation& op, const ops::AlterColumn& o) {
    const DeclaredTable* t = schema_.table(o.table);
    const ops::Column* c = t ? t->column(o.column) : nullptr;
    if (!c) return;
    std::string what = o.table + "." + o.column;
    bool rows = had_rows_before(o.table);
    if (o.type && rows) {
      if (auto n = narrowing(c->type, *o.type, o.table, o.column)) {
        std::optional<Question> q = n->question;
        if (q) {
          q->if_none = "changes " + what + " from " + n->why.substr(0, n->why.find(':')) + "; every value fits";
          q->if_some = "changes " + what + " from " + n->why + ":";
        }
        add("narrowing-type", Severity::error, "changes " + what + " from " + n->why,
            "check it with --url (the values that do not fit are counted), convert the values first, or accept it "
            "with allow: [narrowing-type]",
            q);
      }
    }
    if (o.nullable && !*o.nullable && c->nullable && rows && !backfilled_.count(what)) {
      Question q = question(Question::Kind::nulls, o.table, {o.column});
      q.if_none = "sets " + what + " NOT NULL; no row holds NULL";
      q.if_some = "sets " + what + " NOT NULL, but it is NULL in {n}";
      add("set-not-null", Severity::warning, "sets " + what + " NOT NULL: it fails if a row holds NULL",
          "fill the NULLs first (backfill), check it with --url, or accept it with allow: [set-not-null]", q);
    }
    rebuild(op, o.table);
  }
  void check(const ops::Operation&, const ops::Backfill& o) { backfilled_.insert(o.table + "." + o.column); }
  void unique(const ops::Operation& op, const std::string& table, const std::vector<std::string>& columns) {
    if (!had_rows_before(table)) return;
    Question q = question(Question::Kind::duplicates, table, columns);
    q.if_none = op.summary() + ": no two rows share a value of (" + join(columns) + ")";
    q.if_some = op.summary() + ": rows already share a value of (" + join(columns) + ") ({n})";
    add("new-unique", Severity::warning,
        op.summary() + ": a unique key over (" + join(columns) + ") fails if two rows already share a value",
        "remove the duplicates first, check it with --url, or accept it with allow: [new-unique]", q);
  }
  void check(const ops::Operation& op, const ops::AddUnique& o) {
    unique(op, o.table, o.constraint.columns);
    rebuild(op, o.table);
  }
  void check(const ops::Operation& op, const ops::CreateIndex& o) {
    if (o.unique) unique(op, o.table, o.columns);
  }
  void check(const ops::Operation& op, const ops::AddForeignKey& o) { rebuild(op, o.table); }
  void check(const ops::Operation& op, const ops::DropForeignKey& o) { rebuild(op, o.table); }
  void check(const ops::Operation& op, const ops::AddCheck& o) { rebuild(op, o.table); }
  void check(const ops::Operation& op, const ops::DropConstraint& o) { rebuild(op, o.table); }
  // Each dialect's SQL by keywords; a finding the first dialect has is not repeated for the others
  // (they say the same thing in their own SQL).
  void check(const ops::Operation&, const ops::Sql& o) {
    std::set<std::string> before;
    for (const auto& [dialect, text] : o.by_dialect) {
      std::set<std::string> here;
      for (auto& f : lint_sql(text, file_, version_)) {
        here.insert(f.code);
        if (before.count(f.code)) continue;
        f.line = line_;
        f.message += " (in its " + dialect + " SQL)";
        f.remedy =
            f.remedy.substr(0, f.remedy.rfind(", or accept it with")) + ", or accept it with allow: [" + f.code + "]";
        out_.push_back({std::move(f), std::nullopt});
      }
      before.insert(here.begin(), here.end());
    }
  }
  template <class T>
  void check(const ops::Operation&, const T&) {}

  DeclaredSchema schema_;
  std::set<std::string> existed_;
  std::map<std::string, std::string> table_was_;                           // renamed: now -> before
  std::map<std::pair<std::string, std::string>, std::string> column_was_;  // (table before, now) -> before
  const RebuildTest& rebuilds_;
  std::set<std::string> backfilled_;
  std::string file_, version_;
  int line_ = 0;
  std::vector<Checked> out_;
};

// -- SQL by keywords ------------------------------------------------------------------------

struct SqlStatement {
  std::string words;  // upper case, comments and quoted text gone, whitespace one space
  int line = 1;
};

// Statements by ';' outside quotes, comments and dollar-quoted bodies, each reduced to its words.
std::vector<SqlStatement> statements_of(const std::string& sql) {
  std::vector<SqlStatement> out;
  SqlStatement current;
  int line = 1;
  bool started = false;
  auto put = [&](char c) {
    if (c == '(' || c == ')' || c == ',') {  // words of their own: "UNIQUE(a)" is UNIQUE ( A )
      if (!current.words.empty() && current.words.back() != ' ') current.words += ' ';
      current.words += c;
      current.words += ' ';
      if (!started) {
        started = true;
        current.line = line;
      }
      return;
    }
    if (ascii_isspace(c)) {
      if (!current.words.empty() && current.words.back() != ' ') current.words += ' ';
      return;
    }
    if (!started) {
      started = true;
      current.line = line;
    }
    current.words += ascii_upper(c);
  };
  for (std::size_t i = 0; i < sql.size(); ++i) {
    char c = sql[i];
    auto skip_to = [&](std::string_view end) {
      std::size_t at = sql.find(end, i + 1);
      std::size_t stop = at == std::string::npos ? sql.size() : at + end.size();
      line +=
          static_cast<int>(std::count(sql.begin() + static_cast<long>(i), sql.begin() + static_cast<long>(stop), '\n'));
      i = stop - 1;
    };
    if (c == '\n') ++line;
    // The length of the dollar quote's opening delimiter here, 0 if none opens: a '$' that
    // continues a name (audit$b$) never opens one, as in PostgreSQL and the splitter.
    std::size_t dollar_quote =
        c == '$' && (i == 0 || !detail::is_word_char(sql[i - 1])) ? detail::dollar_quote_opening(sql, i) : 0;
    if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      skip_to("\n");
      put('\n');
    } else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      skip_to("*/");
      put(' ');
    } else if (c == '\'' || c == '"' || c == '`') {
      put('Q');  // a quoted name or text stands as one word
      skip_to(std::string(1, c));
    } else if (dollar_quote > 0) {
      put('Q');
      std::string tag = sql.substr(i, dollar_quote);
      i += dollar_quote - 1;
      skip_to(tag);
    } else if (c == ';') {
      if (started) out.push_back(current);
      current = {};
      started = false;
    } else {
      put(c);
    }
  }
  if (started) out.push_back(current);
  return out;
}

bool has(const std::string& words, std::string_view phrase) {
  std::string padded = " " + words + " ";
  return padded.find(" " + std::string(phrase) + " ") != std::string::npos;
}

// Whether an ALTER TABLE drops a column: DROP [COLUMN] [IF EXISTS] name, not DROP INDEX/KEY/...
bool drops_column(const std::string& words) {
  static const std::set<std::string> not_columns = {"INDEX",      "KEY",       "CONSTRAINT", "FOREIGN", "PRIMARY",
                                                    "CHECK",      "PARTITION", "DEFAULT",    "NOT",     "IDENTITY",
                                                    "EXPRESSION", "SYSTEM",    "TRIGGER",    "UNIQUE"};
  std::vector<std::string> tokens;
  std::string token;
  for (char c : words + " ") {
    if (c == ' ' || c == ',' || c == '(' || c == ')') {
      if (!token.empty()) tokens.push_back(token);
      token.clear();
    } else {
      token += c;
    }
  }
  for (std::size_t i = 0; i + 1 < tokens.size(); ++i) {
    if (tokens[i] != "DROP") continue;
    std::size_t next = i + 1;
    if (tokens[next] == "COLUMN") return true;
    if (tokens[next] == "IF" && next + 2 < tokens.size()) next += 2;
    if (!not_columns.count(tokens[next])) return true;
  }
  return false;
}

}  // namespace

std::vector<Checked> detail::analyse(const std::vector<ops::Operation>& operations, const DeclaredSchema& before,
                                     const std::string& file, const std::string& version, const RebuildTest& rebuilds) {
  return Analysis(before, file, version, rebuilds).run(operations);
}

const char* to_string(Severity severity) {
  switch (severity) {
    case Severity::info: return "info";
    case Severity::warning: return "warning";
    case Severity::error: return "error";
  }
  return "error";
}

bool LintReport::refused() const {
  return std::any_of(findings.begin(), findings.end(),
                     [](const Finding& f) { return f.severity == Severity::error && !f.allowed; });
}

std::vector<Finding> lint_sql(const std::string& script, const std::string& file, const std::string& version) {
  std::vector<Finding> out;
  auto add = [&](const SqlStatement& s, const char* code, Severity severity, std::string message, std::string remedy) {
    std::string excerpt = s.words.size() > 60 ? s.words.substr(0, 57) + "..." : s.words;
    out.push_back({code, severity, file, version, s.line, std::move(message) + " (" + excerpt + ")",
                   std::move(remedy) + ", or accept it with -- strata:allow " + code, false});
  };
  for (const auto& s : statements_of(script)) {
    const std::string& w = s.words;
    bool alter = w.starts_with("ALTER TABLE ");
    if (w.starts_with("DROP TABLE "))
      add(s, "drop-table", Severity::error, "drops a table and every row in it", "empty it first");
    if (alter && drops_column(w))
      add(s, "drop-column", Severity::error, "drops a column and every value in it", "set it to NULL first");
    bool alters_column = w.find(" ALTER ", 5) != std::string::npos;
    if (alter && ((alters_column && has(w, "TYPE")) || has(w, "MODIFY") || has(w, "CHANGE")))
      add(s, "alter-type", Severity::warning, "changes a column's type: a value may not fit (SQL is not parsed)",
          "write it as a portable alter_column to have it checked exactly");
    if (alter && has(w, "SET NOT NULL"))
      add(s, "set-not-null", Severity::warning, "sets a column NOT NULL: it fails if a row holds NULL",
          "fill the NULLs first");
    if (w.starts_with("CREATE UNIQUE ") || (alter && has(w, "UNIQUE")))
      add(s, "new-unique", Severity::warning, "adds a unique key: it fails if two rows already share a value",
          "remove the duplicates first");
    if (w.starts_with("TRUNCATE "))
      add(s, "truncate", Severity::error, "removes every row of a table", "delete what must go with a WHERE");
    if (w.starts_with("DELETE ") && !has(w, "WHERE"))
      add(s, "delete-all", Severity::error, "deletes every row of a table (DELETE without WHERE)",
          "say which rows with a WHERE");
    if ((alter && has(w, "RENAME")) || w.starts_with("RENAME TABLE "))
      add(s, "rename", Severity::warning,
          "renames a table or column: replicas still running the previous release fail until they are replaced",
          "add the new name first and drop the old one in a later release");
  }
  return out;
}

std::vector<Finding> lint_operations(const std::vector<ops::Operation>& operations, const DeclaredSchema& before,
                                     const std::string& file, const std::string& version) {
  std::vector<Finding> out;
  for (auto& c : detail::analyse(operations, before, file, version, {})) out.push_back(std::move(c.finding));
  return out;
}

}  // namespace strata
