#include <strata/json.hpp>
#include <strata/plugin/loader.hpp>

#include <nlohmann/json.hpp>

namespace strata {
namespace {

using nlohmann::json;

json version_json(const std::optional<Version>& v) {
  return v ? json(v->str()) : json(nullptr);
}

// A text that is absent when empty: null, as a reader of the document tests for it.
json text_or_null(const std::string& text) {
  return text.empty() ? json(nullptr) : json(text);
}

json to_json(const MigrationStatus& m) {
  json out{{"kind", to_string(m.kind)},    {"version", version_json(m.version)},
           {"description", m.description}, {"script", m.script},
           {"state", to_string(m.state)},  {"checksum", text_or_null(m.file_checksum)}};
  if (!m.latest) return out;
  const LedgerRow& row = *m.latest;
  out["ledger"] = {{"installed_rank", row.installed_rank},
                   {"kind", to_string(row.kind)},
                   {"version", version_json(row.version)},
                   {"script", row.script},
                   {"checksum", row.checksum},
                   {"installed_by", row.installed_by},
                   {"installed_on", row.installed_on},
                   {"execution_ms", row.execution_ms},
                   {"success", row.success},
                   {"statements_done", row.statements_done},
                   {"in_doubt", row.in_doubt},
                   {"session_id", row.session_id},
                   {"adopted_from", text_or_null(row.adopted_from)}};
  return out;
}

json to_json(const AppliedMigration& a) {
  return {{"kind", to_string(a.kind)}, {"version", version_json(a.version)}, {"description", a.description},
          {"script", a.script},        {"elapsed_ms", a.elapsed.count()},    {"statements", a.statements},
          {"resumed", a.resumed}};
}

json to_json(const ScriptPreview& p) {
  return {{"migration", p.label},
          {"script", p.script},
          {"transactional", p.transactional},
          {"first_statement", p.first_statement + 1},
          {"statements", p.statements}};
}

template <typename T>
json array_of(const std::vector<T>& items) {
  json out = json::array();
  for (const auto& item : items) out.push_back(to_json(item));
  return out;
}

json document(const Report& report, Listing listing) {
  json counts = json::object();
  for (const auto& m : report.migrations) {  // one pass: this runs at every start-up check
    json& n = counts[to_string(m.state)];
    n = n.is_null() ? 1 : n.get<std::size_t>() + 1;
  }
  json out{{"command", report.command},
           {"url", report.url},
           {"server", report.server},
           {"ledger_table", report.ledger_table},
           {"current_version", version_json(report.current_version)},
           {"pending", report.count(MigrationState::pending) + report.count(MigrationState::undone)},
           {"counts", counts},
           {"lock_taken", report.lock_taken},
           {"elapsed_ms", report.elapsed.count()},
           {"applied", array_of(report.applied)},
           {"warnings", report.warnings},
           {"problems", report.problems},
           {"actions", report.actions},
           {"dry_run", array_of(report.dry_run)}};
  if (listing == Listing::every_migration) out["migrations"] = array_of(report.migrations);
  return out;
}

json error_fields(const Error& error) {
  json out{{"kind", to_string(error.kind())},
           {"exit_code", exit_code(error.kind())},
           {"message", error.message()},
           {"description", error.what()}};
  if (!error.file().empty()) out["file"] = error.file();
  if (error.line() > 0) out["line"] = error.line();
  if (error.column() > 0) out["column"] = error.column();
  if (error.statement_index() > 0) out["statement"] = error.statement_index();
  if (!error.version().empty()) out["version"] = error.version();
  if (!error.sqlstate().empty()) out["sqlstate"] = error.sqlstate();
  if (error.server_code() != 0) out["server_code"] = error.server_code();
  if (!error.problems().empty()) {  // one error for several: each with its own place
    json problems = json::array();
    for (const auto& p : error.problems()) problems.push_back(error_fields(p));
    out["problems"] = problems;
  }
  return out;
}

json document(const Error& error) {
  return {{"error", error_fields(error)}};
}

json document(const Schema& schema) {
  json tables = json::array();
  for (const auto& t : schema.tables) {
    json columns = json::array(), keys = json::array(), fks = json::array();
    for (const auto& c : t.columns)
      columns.push_back({{"name", c.name},
                         {"native", c.native},
                         {"types", c.types},
                         {"nullable", c.nullable},
                         {"default", text_or_null(c.default_value)}});
    for (const auto& k : t.keys) keys.push_back({{"columns", k.columns}, {"unique", k.unique}});
    for (const auto& k : t.foreign_keys)
      fks.push_back({{"columns", k.columns},
                     {"references", k.references},
                     {"referenced_columns", k.referenced_columns},
                     {"on_delete", k.on_delete},
                     {"on_update", k.on_update}});
    tables.push_back({{"name", t.name},
                      {"columns", columns},
                      {"primary_key", t.primary_key},
                      {"keys", keys},
                      {"foreign_keys", fks}});
  }
  return {{"server", schema.server}, {"tables", tables}};
}

json document(const plugin::Loader& loader) {
  json dirs = json::array();
  for (const auto& d : loader.search_path())
    dirs.push_back({{"path", d.path.string()}, {"origin", d.origin}, {"problem", text_or_null(d.problem)}});
  json plugins = json::array();
  for (const auto& file : loader.discover()) {
    json p{{"name", file.name}, {"path", file.path.string()}, {"schemes", file.schemes}, {"suffixes", file.suffixes},
           {"abi", file.abi},   {"shadowed", file.shadowed},  {"builtin", file.builtin}};
    if (file.builtin) p["path"] = nullptr;
    p["refused"] = text_or_null(file.refusal);
    if (file.refusal.empty()) {
      try {
        p["version"] = std::string(loader.load_file(file)->version());
      } catch (const Error& e) {
        p["refused"] = e.message();
      }
    }
    plugins.push_back(p);
  }
  return {{"search_path", dirs}, {"plugins", plugins}};
}

}  // namespace

// Text that is not UTF-8 (a file name, a server's message) is written with U+FFFD in its place:
// a document is always written, never an exception.
Listing listing_for(std::string_view command, const Options& options) {
  return command == "migrate" && !options.list_migrations ? Listing::counts_only : Listing::every_migration;
}

std::string to_json(const Report& report, Listing listing) {
  return document(report, listing).dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}
std::string to_json(const Error& error) {
  return document(error).dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}
std::string to_json(const Schema& schema) {
  return document(schema).dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}
std::string to_json(const Schema& first, const Schema& second, const std::vector<std::string>& differences) {
  return nlohmann::json{{"first", document(first)}, {"second", document(second)}, {"differences", differences}}.dump(
      2, ' ', false, nlohmann::json::error_handler_t::replace);
}
std::string to_json(const Diff& diff, const std::string& from, const std::string& to, const std::string& created) {
  nlohmann::json operations = nlohmann::json::array();
  for (const auto& op : diff.up) operations.push_back({{"operation", op.name()}, {"summary", op.summary()}});
  nlohmann::json doc{{"from", from},
                     {"to", to},
                     {"differs", !diff.empty()},
                     {"operations", operations},
                     {"yaml", diff.empty() ? "" : to_yaml(diff.up, {})},
                     {"down_yaml", diff.empty() ? "" : to_yaml(diff.down, {})},
                     {"hints", diff.hints},
                     {"notes", diff.notes},
                     {"created", created.empty() ? nlohmann::json() : nlohmann::json(created)}};
  return doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}
namespace {

// A lint report's findings and its counts, as `strata lint --json` and `generate --json` write them.
nlohmann::json lint_document(const LintReport& report) {
  nlohmann::json findings = nlohmann::json::array();
  int errors = 0, warnings = 0;
  for (const auto& f : report.findings) {
    findings.push_back({{"code", f.code},
                        {"severity", to_string(f.severity)},
                        {"file", f.file},
                        {"version", f.version},
                        {"line", f.line > 0 ? nlohmann::json(f.line) : nlohmann::json()},
                        {"message", f.message},
                        {"remedy", f.remedy},
                        {"allowed", f.allowed}});
    errors += f.severity == Severity::error && !f.allowed;
    warnings += f.severity == Severity::warning && !f.allowed;
  }
  return {{"linted", report.linted}, {"findings", findings}, {"data_checked", report.data_checked},
          {"notes", report.notes},   {"errors", errors},     {"warnings", warnings}};
}

}  // namespace

std::string to_json(const LintReport& report) {
  return lint_document(report).dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}
std::string to_json(const Generated& generated) {
  nlohmann::json doc = nlohmann::json::parse(
      to_json(generated.compared.diff, generated.compared.from, generated.compared.to, generated.file.string()));
  doc["lint"] = lint_document(generated.lint);
  return doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}
std::string to_json(const DriftReport& report) {
  nlohmann::json doc{{"database", report.database},
                     {"expected", report.expected},
                     {"drifted", report.drifted()},
                     {"differences", report.differences},
                     {"changes",
                      [&] {
                        nlohmann::json changes = nlohmann::json::array();
                        for (const auto& op : report.changes)
                          changes.push_back({{"operation", op.name()}, {"summary", op.summary()}});
                        return changes;
                      }()},
                     {"to_revert", report.to_revert.empty() ? "" : to_yaml(report.to_revert, {})},
                     {"notes", report.notes}};
  return doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}
std::string to_json(const plugin::Loader& loader) {
  return document(loader).dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace strata
