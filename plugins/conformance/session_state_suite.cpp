// A migration owns its statements, not strata's session: one that moves the session to another
// schema or database (`SET search_path`, `USE`) or changes a setting strata depends on (a role,
// foreign-key checks, `sql_mode`) must not move strata's ledger, the migrations after it, or the
// catalog its guards read. Each case reads both ledgers with plain SQL and asserts where every
// table landed, what `status` says, and that the run warns naming the migration.
//
// Backend settings (tests/servers/*.sh write them; a backend that leaves them unset has no such
// statement, which only a backend without schemas may claim):
//   STRATA_TEST_SWITCH_SQL    moves the session to the namespace `{other}` (quoted for the dialect)
//   STRATA_TEST_SESSION_SQL   changes session settings strata restores; `{role}` is a role that
//                             STRATA_TEST_SESSION_SETUP_SQL creates first (optional)
//   STRATA_TEST_SESSION_PROBE a SQL expression showing those settings, as text
//   STRATA_TEST_SESSION_CHANGED the setting names the warning must give, comma-separated
#include "harness.hpp"

#include <strata/render.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <sstream>

using namespace strata;
using namespace strata::conformance;

namespace {

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

std::vector<std::string> split_list(const std::string& text, char separator) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string item; std::getline(in, item, separator);)
    if (!item.empty()) out.push_back(item);
  return out;
}

// Two namespaces of one server that a session can move between: two schemas of one database
// where the backend has schemas, else two databases. `target` is the one strata migrates.
struct TwoNamespaces {
  std::string target_url, other_url;
  std::string target, other;  // their names, as SQL qualifies a table with them
};

TwoNamespaces two_namespaces() {
  std::string url = fresh_database_url();
  Inspector db(url);
  if (db.capabilities().schemas) {
    for (const char* schema : {"tenant_a", "tenant_b"})
      db.connection().session().execute("CREATE SCHEMA " + db.connection().dialect().quote_identifier(schema));
    std::string join = url.find('?') == std::string::npos ? "?" : "&";
    return {url + join + "schema=tenant_a", url + join + "schema=tenant_b", "tenant_a", "tenant_b"};
  }
  std::string other_url = fresh_database_url();
  return {url, other_url, DatabaseUrl::parse(url).path.substr(1), DatabaseUrl::parse(other_url).path.substr(1)};
}

// The other namespace's own project: versions no migration of the target has, so that a row
// written to the wrong ledger shows.
const std::vector<std::string> other_versions{"10", "20", "30"};

void write_other_project(const ScratchDir& dir) {
  for (const auto& v : other_versions)
    dir.write("V" + v + "__other_" + v + ".sql", "CREATE TABLE other_" + v + " (id INTEGER);\n");
}

// The setting a case needs; "" where the backend has no such statement, which only a backend
// without schemas may say (one with schemas always has a search path to move).
std::string backend_statement(const std::string& setting) {
  std::string sql = test_setting(setting);
  if (sql.empty() && Inspector(fresh_database_url()).capabilities().schemas)
    FAIL(setting + " is not set: a backend with schemas must name the statement that moves its session");
  return sql;
}

// The versions a ledger records, read with plain SQL in the namespace given (not through strata).
std::vector<std::string> ledger_versions(Inspector& db, const std::string& space) {
  const Dialect& d = db.connection().dialect();
  std::vector<std::string> versions;
  for (const auto& row : db.connection().session().query(
           "SELECT " + d.quote_identifier("version") + " FROM " + d.quote_identifier(space) + "." +
           d.quote_identifier("strata_history") + " WHERE " + d.quote_identifier("kind") + " <> 'ledger' ORDER BY " +
           d.quote_identifier("installed_rank")))
    versions.push_back(std::holds_alternative<std::string>(row.at(0)) ? std::get<std::string>(row.at(0)) : "NULL");
  return versions;
}

// Whether `table` exists in `space`, asked with plain SQL: a count that fails is no table.
bool table_in(Inspector& db, const std::string& space, const std::string& table) {
  const Dialect& d = db.connection().dialect();
  try {
    db.count("SELECT COUNT(*) FROM " + d.quote_identifier(space) + "." + d.quote_identifier(table));
    return true;
  } catch (const Error&) {
    return false;
  }
}

std::vector<std::string> warnings_naming(const std::string& json_text, const std::string& script) {
  std::vector<std::string> out;
  auto doc = nlohmann::json::parse(json_text);
  for (const auto& w : doc.at("warnings"))
    if (w.get<std::string>().find(script) != std::string::npos) out.push_back(w.get<std::string>());
  return out;
}

std::string text_of(const Value& v) {
  return std::holds_alternative<std::string>(v) ? std::get<std::string>(v) : "(not text)";
}

std::string current_version(const std::string& json_text) {
  auto doc = nlohmann::json::parse(json_text);
  const auto& v = doc.at("current_version");
  return v.is_null() ? "none" : v.get<std::string>();
}

}  // namespace

TEST_CASE("a migration that moves the session to another schema or database moves none of strata's bookkeeping",
          "[session]") {
  std::string switch_sql = backend_statement("STRATA_TEST_SWITCH_SQL");
  if (switch_sql.empty()) {
    SUCCEED("this backend has no statement that moves a session to another namespace");
    return;
  }
  TwoNamespaces ns = two_namespaces();
  Inspector target(ns.target_url), other(ns.other_url);
  const Dialect& d = target.connection().dialect();

  ScratchDir other_dir;  // the other namespace has a ledger of its own, whose ranks 1-3 a stray write would hit
  write_other_project(other_dir);
  REQUIRE(run_strata(command_args("migrate", ns.other_url, other_dir)).exit_code == 0);
  other.connection().session().execute("CREATE TABLE guarded (id INTEGER)");  // there, not in the target

  std::string header;
  std::vector<std::string> flags{"--json"};
  SECTION("in a transaction where the backend has one") {}
  SECTION("statement by statement") {
    header = "-- strata:no-transaction\n";
  }
  SECTION("every migration in one transaction where the backend has transactional DDL") {
    if (target.capabilities().transactional_ddl) flags.push_back("--single-transaction");
  }
  ScratchDir dir;
  dir.write("V1__base.sql", "CREATE TABLE base (id INTEGER);\n");
  dir.write("V2__switch.sql", header + replace_all(switch_sql, "{other}", d.quote_identifier(ns.other)) +
                                  ";\nCREATE TABLE moved (id INTEGER);\n");
  dir.write("V3__after.sql", "CREATE TABLE after_switch (id INTEGER);\n");
  dir.write("V4__guarded.yaml",
            "- create_table: {name: guarded, if_missing: true, columns: [{name: id, type: integer}]}\n");

  ProcessResult r = run_strata(command_args("migrate", ns.target_url, dir, flags));
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);

  CHECK(ledger_versions(target, ns.target) == std::vector<std::string>{"1", "2", "3", "4"});
  CHECK(ledger_versions(other, ns.other) == other_versions);
  CHECK(table_in(target, ns.other, "moved"));  // the migration's own statement went where it said
  CHECK(table_in(target, ns.target, "after_switch"));
  CHECK_FALSE(table_in(target, ns.other, "after_switch"));
  CHECK(table_in(target, ns.target, "guarded"));  // the guard read the target's catalog, not the other's
  CHECK(current_version(r.out) == "4");

  auto warned = warnings_naming(r.out, "V2__switch.sql");
  REQUIRE(warned.size() == 1);
  CHECK_THAT(warned[0], Catch::Contains(ns.target) && Catch::Contains(ns.other) && Catch::Contains("restored"));
  for (const char* quiet : {"V1__base.sql", "V3__after.sql", "V4__guarded.yaml"})
    CHECK(warnings_naming(r.out, quiet).empty());

  ProcessResult status = run_strata(command_args("status", ns.target_url, dir, {"--json"}));
  CHECK(status.exit_code == 0);
  CHECK(current_version(status.out) == "4");
  ProcessResult other_status = run_strata(command_args("status", ns.other_url, other_dir, {"--json"}));
  CHECK(other_status.exit_code == 0);
  CHECK(current_version(other_status.out) == "30");
}

TEST_CASE("a migration that moves the session and then fails is recorded in its own ledger only", "[session]") {
  std::string switch_sql = backend_statement("STRATA_TEST_SWITCH_SQL");
  if (switch_sql.empty()) {
    SUCCEED("this backend has no statement that moves a session to another namespace");
    return;
  }
  TwoNamespaces ns = two_namespaces();
  Inspector target(ns.target_url), other(ns.other_url);
  const Dialect& d = target.connection().dialect();
  ScratchDir other_dir;
  write_other_project(other_dir);
  REQUIRE(run_strata(command_args("migrate", ns.other_url, other_dir)).exit_code == 0);

  ScratchDir dir;
  dir.write("V1__base.sql", "CREATE TABLE base (id INTEGER);\n");
  dir.write("V2__switch.sql", replace_all(switch_sql, "{other}", d.quote_identifier(ns.other)) +
                                  ";\nCREATE TABLE moved (id INTEGER);\nCREATE TABLE broken (id NO_SUCH_TYPE);\n");
  ProcessResult r = run_strata(command_args("migrate", ns.target_url, dir));
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("V2__switch.sql:3"));

  CHECK(ledger_versions(other, ns.other) == other_versions);
  auto ledger = target.ledger();
  if (target.capabilities().transactional_ddl) {  // rolled back whole, the session change with it
    CHECK(ledger_versions(target, ns.target) == std::vector<std::string>{"1"});
  } else {  // recorded exactly where it stopped, in the target's ledger, and the session restored
    REQUIRE(ledger_versions(target, ns.target) == std::vector<std::string>{"1", "2"});
    REQUIRE(ledger.size() == 2);
    CHECK_FALSE(ledger[1].success);
    CHECK(ledger[1].statements_done == 2);
    CHECK_THAT(r.err, Catch::Contains("warning") && Catch::Contains(ns.other) && Catch::Contains("restored"));
  }
}

TEST_CASE("settings a migration changes are restored for the migrations after it, with a warning", "[session]") {
  std::string change_sql = backend_statement("STRATA_TEST_SESSION_SQL");
  if (change_sql.empty()) {
    SUCCEED("this backend names no session setting a migration could leave changed");
    return;
  }
  std::string probe = test_setting("STRATA_TEST_SESSION_PROBE");
  auto changed = split_list(test_setting("STRATA_TEST_SESSION_CHANGED"), ',');
  REQUIRE_FALSE(probe.empty());
  REQUIRE_FALSE(changed.empty());
  std::string url = fresh_database_url();
  Inspector db(url);
  std::string role = "strata_role_" + DatabaseUrl::parse(url).path.substr(1);
  if (std::string setup = test_setting("STRATA_TEST_SESSION_SETUP_SQL"); !setup.empty())
    db.connection().session().execute(replace_all(setup, "{role}", db.connection().dialect().quote_identifier(role)));
  // The settings as the driver sets up a session: what every migration must run with.
  std::string expected = text_of(db.connection().session().query("SELECT " + probe).at(0).at(0));

  ScratchDir dir;
  dir.write("V1__base.sql", "CREATE TABLE base (id INTEGER);\n");
  dir.write("V2__settings.sql",
            replace_all(change_sql, "{role}", db.connection().dialect().quote_identifier(role)) + ";\n");
  dir.write("V3__seen.sql", "CREATE TABLE seen AS SELECT " + probe + " AS state;\n");
  dir.write("V4__guarded.yaml",
            "- create_table: {name: guarded, if_missing: true, columns: [{name: id, type: integer}]}\n");

  ProcessResult r = run_strata(command_args("migrate", url, dir, {"--json"}));
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);

  auto seen = db.connection().session().query("SELECT state FROM seen");
  REQUIRE(seen.size() == 1);
  CHECK(text_of(seen[0].at(0)) == expected);
  CHECK(db.has_table("guarded"));
  auto ledger = db.ledger();
  REQUIRE(ledger.size() == 4);
  for (const auto& row : ledger) CHECK(row.success);

  auto warned = warnings_naming(r.out, "V2__settings.sql");
  REQUIRE(warned.size() == 1);
  CHECK_THAT(warned[0], Catch::Contains("restored"));
  for (const auto& setting : changed) CHECK_THAT(warned[0], Catch::Contains(setting));
  CHECK(warnings_naming(r.out, "V3__seen.sql").empty());
}

TEST_CASE("the ledger and the catalog are read in the target namespace, wherever the session is",
          "[session][catalog]") {
  std::string switch_sql = backend_statement("STRATA_TEST_SWITCH_SQL");
  if (switch_sql.empty()) {
    SUCCEED("this backend has no statement that moves a session to another namespace");
    return;
  }
  TwoNamespaces ns = two_namespaces();
  ScratchDir dir, other_dir;
  dir.write("V1__base.sql", "CREATE TABLE base (id INTEGER NOT NULL, note VARCHAR(20));\n");
  write_other_project(other_dir);
  REQUIRE(run_strata(command_args("migrate", ns.target_url, dir)).exit_code == 0);
  REQUIRE(run_strata(command_args("migrate", ns.other_url, other_dir)).exit_code == 0);

  Inspector db(ns.target_url);  // strata's connection to the target, moved as a migration would move it
  Connection& connection = db.connection();
  connection.session().execute(replace_all(switch_sql, "{other}", connection.dialect().quote_identifier(ns.other)));

  auto ledger = db.ledger();
  REQUIRE(ledger.size() == 1);
  CHECK(ledger[0].script == "V1__base.sql");
  CHECK(db.has_table("base"));
  CHECK_FALSE(db.has_table("other_10"));
  auto tables = connection.catalog().tables();
  CHECK(std::find(tables.begin(), tables.end(), "base") != tables.end());
  CHECK(std::find(tables.begin(), tables.end(), "other_10") == tables.end());
  CHECK(connection.catalog().columns("base").size() == 2);

  // What a renderer reads to change a column names the target too.
  const OperationRenderer* renderer = connection.renderer();
  if (!renderer) return;
  auto ops = ops::parse_yaml("- alter_column: {table: base, column: note, type: string, length: 40}\n", "V2.yaml").up;
  REQUIRE(ops.size() == 1);
  if (!renderer->supports(ops[0])) return;
  std::vector<RenderedStatement> rendered;
  REQUIRE_NOTHROW(rendered = renderer->render(ops[0], connection.catalog()));
  REQUIRE_FALSE(rendered.empty());
}
