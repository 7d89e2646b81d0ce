// Portable operations on a backend: every operation applied once gives the expected schema (as
// the driver's catalog reports it), applied twice gives the same schema and no error, and its
// undo restores the schema before. An operation the driver declares it cannot apply is refused
// before anything runs; the suite asks the driver's renderer, never its name.
#include "harness.hpp"

#include <strata/render.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>

using namespace strata;
using namespace strata::conformance;

namespace {

// What every case starts from: plain SQL every backend runs.
const char* const setup_sql =
    "CREATE TABLE customers (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, email VARCHAR(200));\n"
    "CREATE TABLE legacy_notes (id INTEGER NOT NULL PRIMARY KEY, body VARCHAR(200));\n"
    "CREATE INDEX ix_customers_email ON customers (email);\n"
    "CREATE TABLE invoices (id INTEGER NOT NULL PRIMARY KEY, customer_id INTEGER, number VARCHAR(20),\n"
    "  CONSTRAINT fk_invoices_customer FOREIGN KEY (customer_id) REFERENCES customers (id),\n"
    "  CONSTRAINT uq_invoices_number UNIQUE (number));\n"
    "INSERT INTO customers (id, name, email) VALUES (1, 'Ada', 'ada@example.com');\n"
    "INSERT INTO invoices (id, customer_id, number) VALUES (1, 1, 'I-1');\n";

struct OperationCase {
  std::string name;
  std::string yaml;  // the operations, idempotent as written (guarded), with `down:` where not derived
  std::function<void(Inspector&)> expect;
};

bool has_column(Inspector& db, const std::string& table, const std::string& column) {
  for (const auto& c : db.connection().catalog().columns(table))
    if (c.name == column) return true;
  return false;
}

std::optional<IndexInfo> index_named(Inspector& db, const std::string& table, const std::string& name) {
  for (const auto& i : db.connection().catalog().indexes(table))
    if (i.name == name) return i;
  return std::nullopt;
}

// Whether the driver under test can apply every operation of `yaml`.
bool supported(Inspector& db, const std::string& yaml) {
  const OperationRenderer* renderer = db.connection().renderer();
  if (!renderer) return false;
  for (const auto& op : ops::parse_yaml(yaml, "case.yaml").up)
    if (!renderer->supports(op)) return false;
  return true;
}

std::vector<OperationCase> cases() {
  return {
      {"create_table",
       "- create_table: {name: orders, if_missing: true, columns: [\n"
       "    {name: id, type: bigint, primary_key: true, auto_increment: true},\n"
       "    {name: customer_id, type: integer, nullable: false},\n"
       "    {name: reference, type: string, length: 40, nullable: false, unique: true},\n"
       "    {name: status, type: string, length: 16, nullable: false, default: new},\n"
       "    {name: total, type: decimal, precision: 10, scale: 2},\n"
       "    {name: details, type: json}],\n"
       "  checks: [{name: ck_orders_status, expression: \"status <> ''\"}],\n"
       "  foreign_keys: [{columns: [customer_id], references: customers, referenced_columns: [id], "
       "on_delete: cascade}]}\n",
       [](Inspector& db) {
         REQUIRE(db.has_table("orders"));
         for (const char* c : {"id", "customer_id", "reference", "status", "total", "details"})
           CHECK(has_column(db, "orders", c));
         auto keys = db.connection().catalog().foreign_keys("orders");
         REQUIRE(keys.size() == 1);
         CHECK(keys[0].referenced_table == "customers");
         CHECK(keys[0].on_delete == "CASCADE");
         Session& s = db.connection().session();
         s.execute("INSERT INTO orders (customer_id, reference) VALUES (1, 'r-1')");
         CHECK(db.count("SELECT COUNT(*) FROM orders WHERE status = 'new' AND id IS NOT NULL") == 1);
         CHECK_THROWS(s.execute("INSERT INTO orders (customer_id, reference) VALUES (1, 'r-1')"));  // unique
         CHECK_THROWS(s.execute("INSERT INTO orders (customer_id, reference, status) VALUES (1, 'r-2', '')"));
         s.execute("DELETE FROM orders");
       }},
      {"drop_table",
       "up:\n  - drop_table: {name: legacy_notes, if_exists: true}\n"
       "down:\n  - create_table: {name: legacy_notes, if_missing: true, columns: [\n"
       "      {name: id, type: integer, primary_key: true}, {name: body, type: string, length: 200}]}\n",
       [](Inspector& db) { CHECK_FALSE(db.has_table("legacy_notes")); }},
      {"rename_table", "- rename_table: {name: legacy_notes, to: archived_notes}\n",
       [](Inspector& db) {
         CHECK(db.has_table("archived_notes"));
         CHECK_FALSE(db.has_table("legacy_notes"));
       }},
      {"add_column",
       "- add_column: {table: customers, if_missing: true,\n"
       "    column: {name: tier, type: integer, nullable: false, default: 1}}\n",
       [](Inspector& db) {
         CHECK(has_column(db, "customers", "tier"));
         CHECK(db.count("SELECT tier FROM customers WHERE id = 1") == 1);
       }},
      {"drop_column",
       "up:\n  - drop_column: {table: legacy_notes, column: body, if_exists: true}\n"
       "down:\n  - add_column: {table: legacy_notes, if_missing: true, column: {name: body, type: string, length: "
       "200}}\n",
       [](Inspector& db) {
         CHECK_FALSE(has_column(db, "legacy_notes", "body"));
         CHECK(has_column(db, "legacy_notes", "id"));
       }},
      {"rename_column", "- rename_column: {table: customers, column: email, to: email_address}\n",
       [](Inspector& db) {
         CHECK(has_column(db, "customers", "email_address"));
         CHECK_FALSE(has_column(db, "customers", "email"));
         CHECK(db.count("SELECT COUNT(*) FROM customers WHERE email_address = 'ada@example.com'") == 1);
       }},
      {"create_index",
       "- create_index: {table: customers, name: ux_customers_name_email, columns: [name, email], unique: true, "
       "if_missing: true}\n",
       [](Inspector& db) {
         auto index = index_named(db, "customers", "ux_customers_name_email");
         REQUIRE(index);
         CHECK(index->unique);
         CHECK(index->columns == std::vector<std::string>{"name", "email"});
       }},
      {"drop_index",
       "up:\n  - drop_index: {table: customers, name: ix_customers_email, if_exists: true}\n"
       "down:\n  - create_index: {table: customers, name: ix_customers_email, columns: [email], if_missing: true}\n",
       [](Inspector& db) { CHECK_FALSE(index_named(db, "customers", "ix_customers_email")); }},
      {"insert_rows",
       "up:\n  - insert_rows: {table: customers, key: [id], rows: [\n"
       "      {id: 1, name: Ada, email: ada@example.com},\n"
       "      {id: 2, name: \"O'Brien; Ltd\", email: null}]}\n"
       "down:\n  - sql: {sqlite: \"DELETE FROM customers WHERE id = 2\", postgres: \"DELETE FROM customers WHERE id = "
       "2\", mysql: \"DELETE FROM customers WHERE id = 2\"}\n",
       [](Inspector& db) {
         CHECK(db.count("SELECT COUNT(*) FROM customers") == 2);
         CHECK(db.count("SELECT COUNT(*) FROM customers WHERE name = 'O''Brien; Ltd' AND email IS NULL") == 1);
       }},
      {"sql",
       "up:\n  - sql: {sqlite: \"CREATE TABLE IF NOT EXISTS audit_log (id INTEGER); INSERT INTO audit_log SELECT id "
       "FROM customers WHERE NOT EXISTS (SELECT 1 FROM audit_log)\",\n"
       "          postgres: \"CREATE TABLE IF NOT EXISTS audit_log (id INTEGER)\",\n"
       "          mysql: \"CREATE TABLE IF NOT EXISTS audit_log (id INTEGER)\"}\n"
       "down:\n  - sql: {sqlite: \"DROP TABLE IF EXISTS audit_log\", postgres: \"DROP TABLE IF EXISTS audit_log\", "
       "mysql: \"DROP TABLE IF EXISTS audit_log\"}\n",
       [](Inspector& db) { CHECK(db.has_table("audit_log")); }},
      {"drop_column of an indexed column",
       "up:\n  - drop_column: {table: customers, column: email, if_exists: true}\n"
       "down:\n  - add_column: {table: customers, if_missing: true, column: {name: email, type: string, length: 200}}\n"
       "  - create_index: {table: customers, name: ix_customers_email, columns: [email], if_missing: true}\n",
       [](Inspector& db) {
         CHECK_FALSE(has_column(db, "customers", "email"));
         CHECK_FALSE(index_named(db, "customers", "ix_customers_email"));
         CHECK(db.count("SELECT COUNT(*) FROM invoices") == 1);  // the child row survived
       }},
      {"drop_foreign_key",
       "up:\n  - drop_foreign_key: {table: invoices, name: fk_invoices_customer, if_exists: true}\n"
       "down:\n  - add_foreign_key: {table: invoices, name: fk_invoices_customer, columns: [customer_id], "
       "references: customers, referenced_columns: [id], if_missing: true}\n",
       [](Inspector& db) {
         CHECK(db.connection().catalog().foreign_keys("invoices").empty());
         db.connection().session().execute("INSERT INTO invoices (id, customer_id) VALUES (2, 99)");
         db.connection().session().execute("DELETE FROM invoices WHERE id = 2");
       }},
      {"drop_constraint",
       "up:\n  - drop_constraint: {table: invoices, name: uq_invoices_number, if_exists: true}\n"
       "down:\n  - add_unique: {table: invoices, name: uq_invoices_number, columns: [number], if_missing: true}\n",
       [](Inspector& db) {
         db.connection().session().execute("INSERT INTO invoices (id, customer_id, number) VALUES (2, 1, 'I-1')");
         db.connection().session().execute("DELETE FROM invoices WHERE id = 2");
       }},
      {"alter_column",
       "up:\n  - alter_column: {table: customers, column: email, type: string, length: 320, nullable: false}\n"
       "down:\n  - alter_column: {table: customers, column: email, type: string, length: 200, nullable: true}\n",
       [](Inspector& db) {
         for (const auto& c : db.connection().catalog().columns("customers"))
           if (c.name == "email") CHECK_FALSE(c.nullable);
       }},
      {"add_foreign_key",
       "- add_foreign_key: {table: legacy_notes, name: fk_notes_customer, columns: [id], references: customers, "
       "referenced_columns: [id], on_delete: cascade, if_missing: true}\n",
       [](Inspector& db) { CHECK(db.connection().catalog().foreign_keys("legacy_notes").size() == 1); }},
      {"add_unique", "- add_unique: {table: customers, name: uq_customers_email, columns: [email], if_missing: true}\n",
       [](Inspector& db) {
         CHECK_THROWS(db.connection().session().execute(
             "INSERT INTO customers (id, name, email) VALUES (3, 'Twin', 'ada@example.com')"));
       }},
      {"add_check",
       "- add_check: {table: customers, name: ck_customers_name, expression: \"name <> ''\", if_missing: true}\n",
       [](Inspector& db) {
         CHECK_THROWS(db.connection().session().execute("INSERT INTO customers (id, name) VALUES (3, '')"));
       }},
  };
}

}  // namespace

TEST_CASE("every portable operation: once gives the schema, twice the same, undo the one before", "[operations]") {
  for (const auto& c : cases()) {
    DYNAMIC_SECTION(c.name) {
      std::string url = fresh_database_url();
      ScratchDir dir;
      dir.write("V1__setup.sql", setup_sql);
      REQUIRE(run_strata(command_args("migrate", url, dir)).exit_code == 0);
      Inspector db(url);
      std::string before = db.schema_snapshot();
      std::string before_shape = db.schema_snapshot("strata_history", false);
      std::string ledger = db.ledger_snapshot();
      dir.write("V2__" + c.name + ".yaml", c.yaml);

      if (!supported(db, c.yaml)) {
        // A driver that cannot apply it refuses before anything runs, naming the file and line.
        ProcessResult r = run_strata(command_args("migrate", url, dir));
        INFO(r.err);
        CHECK(r.exit_code == 3);
        CHECK_THAT(r.err, Catch::Contains("V2__" + c.name + ".yaml:") && Catch::Contains(c.name));
        CHECK(db.schema_snapshot() == before);
        CHECK(db.ledger_snapshot() == ledger);
        continue;
      }

      ProcessResult once = run_strata(command_args("migrate", url, dir));
      INFO(once.err);
      REQUIRE(once.exit_code == 0);
      c.expect(db);
      std::string after = db.schema_snapshot();
      CHECK(after != before);

      // Twice: the same operations again, as the next version, find their work done.
      dir.write("V3__" + c.name + "_again.yaml", c.yaml);
      ProcessResult twice = run_strata(command_args("migrate", url, dir, {"-v"}));
      INFO(twice.err);
      CHECK(twice.exit_code == 0);
      CHECK_THAT(twice.err, !Catch::Contains("drift"));
      if (c.name != "insert_rows" && c.name != "sql") CHECK_THAT(twice.err, Catch::Contains("skipped"));
      CHECK(db.schema_snapshot() == after);

      // Undo: both versions rolled back restore the schema as it was before them.
      ProcessResult undo = run_strata(command_args("rollback", url, dir, {"--to", "1"}));
      INFO(undo.err);
      CHECK(undo.exit_code == 0);
      CHECK(db.schema_snapshot("strata_history", false) == before_shape);
    }
  }
}

TEST_CASE("a column already added by hand is accepted, and one of another type is drift, an error with --strict",
          "[operations]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  dir.write("V1__runbooks.sql",
            "CREATE TABLE runbook_executions (id INTEGER PRIMARY KEY, status VARCHAR(32) NOT NULL);\n");
  REQUIRE(run_strata(command_args("migrate", url, dir)).exit_code == 0);
  Inspector db(url);
  if (!db.connection().renderer()) {
    SUCCEED("this driver renders no portable operations: the operation cases above prove it refuses them");
    return;
  }
  const char* add_version =
      "- add_column: {table: runbook_executions, if_missing: true,\n"
      "    column: {name: runbook_version, type: integer, nullable: false, default: 1}}\n";

  SECTION("added by hand as the migration would: migrating succeeds and records the migration") {
    db.connection().session().execute(
        "ALTER TABLE runbook_executions ADD COLUMN runbook_version INTEGER NOT NULL DEFAULT 1");
    dir.write("V2__add_runbook_version.yaml", add_version);
    ProcessResult r = run_strata(command_args("migrate", url, dir, {"-v", "--strict"}));
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains("runbook_executions.runbook_version: skipped, the column") &&
                          Catch::Contains("already exists"));
    auto ledger = db.ledger();
    REQUIRE(ledger.size() == 2);
    CHECK(ledger[1].script == "V2__add_runbook_version.yaml");
    CHECK(ledger[1].success);
  }
  SECTION("added by hand with another default: drift as well") {
    db.connection().session().execute(
        "ALTER TABLE runbook_executions ADD COLUMN runbook_version INTEGER NOT NULL DEFAULT 2");
    dir.write("V2__add_runbook_version.yaml", add_version);
    ProcessResult strict = run_strata(command_args("migrate", url, dir, {"--strict"}));
    INFO(strict.err);
    CHECK(strict.exit_code == 3);
    CHECK_THAT(strict.err, Catch::Contains("drift") && Catch::Contains("default 2") && Catch::Contains("default 1"));
  }
  SECTION("added by hand as TEXT: drift is reported, and --strict refuses it, changing nothing") {
    db.connection().session().execute("ALTER TABLE runbook_executions ADD COLUMN runbook_version TEXT");
    dir.write("V2__add_runbook_version.yaml", add_version);
    std::string schema = db.schema_snapshot(), ledger = db.ledger_snapshot();
    ProcessResult strict = run_strata(command_args("migrate", url, dir, {"--strict"}));
    INFO(strict.err);
    CHECK(strict.exit_code == 3);
    CHECK_THAT(strict.err, Catch::Contains("V2__add_runbook_version.yaml:1:3") && Catch::Contains("drift") &&
                               Catch::Contains("declares integer, not null"));
    CHECK(db.schema_snapshot() == schema);
    CHECK(db.ledger_snapshot() == ledger);  // found before anything ran, on every backend

    ProcessResult lenient = run_strata(command_args("migrate", url, dir, {"--json"}));
    INFO(lenient.err);
    CHECK(lenient.exit_code == 0);
    CHECK_THAT(lenient.out, Catch::Contains("\"warnings\"") && Catch::Contains("drift: the column runbook_version"));
    CHECK(db.schema_snapshot() == schema);
  }
}

TEST_CASE("a bad YAML migration is refused before anything runs, naming file, line and column", "[operations]") {
  struct Bad {
    const char* what;
    const char* yaml;
    const char* where;    // "line L, column C" as reported
    const char* message;  // part of the message
  };
  const Bad cases[] = {
      {"unknown operation", "- add_column: {table: a, column: {name: b, type: integer}}\n- drop_colum: {table: a}\n",
       "line 2, column 3", "unknown operation 'drop_colum'"},
      {"missing field", "- create_index: {table: a,\n    columns: [id]}\n", "line 1, column 17",
       "create_index needs `name`"},
      {"wrong type of value", "- add_column: {table: a, if_missing: perhaps,\n    column: {name: b, type: integer}}\n",
       "line 1, column 38", "expected true or false"},
      {"unknown portable type", "- add_column: {table: a,\n    column: {name: b, type: integr}}\n", "line 2, column 29",
       "unknown type 'integr'"},
      {"malformed YAML", "- add_column: {table: a, column: {name: b, type: integer}\n", "line 2", "not valid YAML"},
  };
  for (const auto& bad : cases) {
    DYNAMIC_SECTION(bad.what) {
      std::string url = fresh_database_url();
      ScratchDir dir;
      dir.write("V1__a.sql", "CREATE TABLE a (id INTEGER);\n");
      dir.write("V2__b.yaml", bad.yaml);
      ProcessResult r = run_strata(command_args("migrate", url, dir));
      INFO(r.err);
      CHECK(r.exit_code == 3);
      CHECK_THAT(r.err, Catch::Contains(std::string("V2__b.yaml: ") + bad.where) && Catch::Contains(bad.message));
      CHECK_FALSE(Inspector(url).has_table("a"));  // nothing ran, not even V1
    }
  }
}

TEST_CASE("changing a column keeps rows, indexes, triggers, views, constraints and cascades, and deletes no child row",
          "[operations]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  const std::string tables =
      "CREATE TABLE teams (id INTEGER PRIMARY KEY, name VARCHAR(50));\n"
      "CREATE TABLE players (id INTEGER PRIMARY KEY,\n"
      "  team_id INTEGER REFERENCES teams (id) ON DELETE CASCADE,\n"
      "  name VARCHAR(50), score INTEGER DEFAULT 0 CHECK (score >= 0));\n"
      "CREATE INDEX ix_teams_name ON teams (name);\n"
      "CREATE TABLE audit (team_id INTEGER, note VARCHAR(100));\n"
      "CREATE VIEW team_sizes AS SELECT t.name, COUNT(p.id) AS players FROM teams t\n"
      "  LEFT JOIN players p ON p.team_id = t.id GROUP BY t.name;\n"
      "INSERT INTO teams (id, name) VALUES (1, 'red');\n"
      "INSERT INTO teams (id, name) VALUES (2, 'blue');\n"
      "INSERT INTO players (id, team_id, name, score) VALUES (1, 1, 'ann', 3);\n"
      "INSERT INTO players (id, team_id, name, score) VALUES (2, 1, 'bob', 5);\n"
      "INSERT INTO players (id, team_id, name, score) VALUES (3, 2, 'cy', 1);\n";
  dir.write("V1__teams.sqlite.sql", tables +
                                        "CREATE TRIGGER teams_audit AFTER UPDATE ON teams BEGIN\n"
                                        "  INSERT INTO audit (team_id, note) VALUES (NEW.id, NEW.name);\nEND;\n");
  dir.write("V1__teams.postgres.sql",
            tables +
                "CREATE FUNCTION teams_audit() RETURNS trigger AS $$ BEGIN\n"
                "  INSERT INTO audit (team_id, note) VALUES (NEW.id, NEW.name); RETURN NEW; END $$ LANGUAGE plpgsql;\n"
                "CREATE TRIGGER teams_audit AFTER UPDATE ON teams FOR EACH ROW EXECUTE FUNCTION teams_audit();\n");
  dir.write("V1__teams.mysql.sql", tables +
                                       "CREATE TRIGGER teams_audit AFTER UPDATE ON teams FOR EACH ROW\n"
                                       "  INSERT INTO audit (team_id, note) VALUES (NEW.id, NEW.name);\n");
  dir.write("V1__teams.sql", tables);  // a backend with no variant here runs without the trigger
  ProcessResult setup = run_strata(command_args("migrate", url, dir));
  INFO(setup.err);
  REQUIRE(setup.exit_code == 0);
  Inspector db(url);
  Session& s = db.connection().session();
  bool trigger = db.count("SELECT COUNT(*) FROM audit") == 0 && [&] {
    s.execute("UPDATE teams SET name = 'red' WHERE id = 1");
    return db.count("SELECT COUNT(*) FROM audit") == 1;
  }();

  // The parent (whose rebuild must delete no child row) and the child (whose unnamed check,
  // default and ON DELETE CASCADE must survive its own rebuild).
  const std::string alter =
      "- alter_column: {table: teams, column: name, type: string, length: 100, nullable: false}\n"
      "- alter_column: {table: players, column: name, type: string, length: 100, nullable: false}\n";
  dir.write("V2__longer_team_names.yaml", alter);
  if (!supported(db, alter)) {
    CHECK(run_strata(command_args("migrate", url, dir)).exit_code == 3);
    return;
  }
  std::string before = db.schema_snapshot();
  ProcessResult r = run_strata(command_args("migrate", url, dir));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);

  for (const auto& c : db.connection().catalog().columns("teams"))
    if (c.name == "name") {
      CHECK_FALSE(c.nullable);
      CHECK(db.connection().renderer()->same_type(ColumnType{PortableType::string, 100}, c));
    }
  CHECK(db.count("SELECT COUNT(*) FROM teams") == 2);
  CHECK(db.count("SELECT COUNT(*) FROM players") == 3);  // no child row was deleted by the rebuild
  CHECK(index_named(db, "teams", "ix_teams_name"));
  CHECK(db.count("SELECT COUNT(*) FROM team_sizes") == 2);
  CHECK(db.count("SELECT players FROM team_sizes WHERE name = 'red'") == 2);
  if (trigger) {
    s.execute("UPDATE teams SET name = 'crimson' WHERE id = 1");
    CHECK(db.count("SELECT COUNT(*) FROM audit WHERE note = 'crimson'") == 1);
  }
  CHECK_THROWS(s.execute("INSERT INTO players (id, team_id, name, score) VALUES (4, 1, 'dee', -1)"));  // unnamed check
  CHECK_THROWS(s.execute("INSERT INTO teams (id, name) VALUES (3, NULL)"));                            // now NOT NULL
  s.execute("INSERT INTO players (id, team_id, name) VALUES (5, 1, 'eve')");
  CHECK(db.count("SELECT score FROM players WHERE id = 5") == 0);  // the default survived
  s.execute("DELETE FROM players WHERE id = 5");
  s.execute("DELETE FROM teams WHERE id = 2");
  CHECK(db.count("SELECT COUNT(*) FROM players") == 2);  // the cascade still works
  CHECK(db.count("SELECT COUNT(*) FROM players WHERE id = 3") == 0);

  SECTION("a change that would break a foreign key rolls back whole, naming the table and rows") {
    s.execute("CREATE TABLE scores (player_id INTEGER, points INTEGER)");
    s.execute("INSERT INTO scores (player_id, points) VALUES (1, 10)");
    s.execute("INSERT INTO scores (player_id, points) VALUES (99, 20)");
    dir.write("V3__scores_reference_players.yaml",
              "- add_foreign_key: {table: scores, name: fk_scores_player, columns: [player_id], references: players,\n"
              "    referenced_columns: [id]}\n");
    std::string schema = db.schema_snapshot(), ledger = db.ledger_snapshot();
    ProcessResult broken = run_strata(command_args("migrate", url, dir));
    INFO(broken.err);
    CHECK(broken.exit_code == 1);
    CHECK_THAT(broken.err, Catch::Contains("V3__scores_reference_players.yaml") && Catch::Contains("foreign key") &&
                               Catch::Contains("scores"));
    if (db.capabilities().transactional_ddl) {
      CHECK(db.schema_snapshot() == schema);
      CHECK(db.ledger_snapshot() == ledger);
    }
    CHECK(db.count("SELECT COUNT(*) FROM scores") == 2);
  }
}

TEST_CASE("an operation that fails among its steps leaves its table as it was and its failure recorded",
          "[operations]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  dir.write(
      "V1__notes.sql",
      "CREATE TABLE nn (id INTEGER PRIMARY KEY, note VARCHAR(40));\nINSERT INTO nn (id, note) VALUES (1, NULL);\n");
  REQUIRE(run_strata(command_args("migrate", url, dir)).exit_code == 0);
  Inspector db(url);
  // On SQLite a table rebuild of several steps; its copy of the rows meets the NULL.
  const std::string alter = "- alter_column: {table: nn, column: note, type: string, length: 40, nullable: false}\n";
  dir.write("V2__required_note.yaml", alter);
  if (!supported(db, alter)) {
    CHECK(run_strata(command_args("migrate", url, dir)).exit_code == 3);
    return;
  }
  // SQLite checks the NULLs before it rebuilds; a row that breaks a CHECK the rebuild's copy
  // enforces fails it half-way instead, inside its savepoint.
  bool rebuilds = db.connection().dialect().name() == "sqlite";
  if (rebuilds) {
    Session& s = db.connection().session();
    s.execute("UPDATE nn SET note = 'n'");
    s.execute("ALTER TABLE nn ADD COLUMN n INTEGER CHECK (n > 0)");
    s.execute("PRAGMA ignore_check_constraints = ON");
    s.execute("UPDATE nn SET n = -1");
    s.execute("PRAGMA ignore_check_constraints = OFF");
  }
  std::string before = db.schema_snapshot();
  ProcessResult failed = run_strata(command_args("migrate", url, dir));
  INFO(failed.err);
  CHECK(failed.exit_code == 1);
  CHECK_THAT(failed.err, Catch::Contains("V2__required_note.yaml"));
  if (rebuilds) CHECK_THAT(failed.err, Catch::Contains("CHECK constraint failed"));
  CHECK(db.schema_snapshot() == before);  // no half-rebuilt table, the column still nullable
  for (const auto& row : db.ledger())
    if (row.script == "V2__required_note.yaml") {
      CHECK_FALSE(row.success);
      CHECK_FALSE(row.in_doubt);  // its failure was recorded, not lost with an open savepoint
    }
  db.connection().session().execute(rebuilds ? "UPDATE nn SET n = 1" : "UPDATE nn SET note = 'n' WHERE id = 1");
  ProcessResult fixed = run_strata(command_args("migrate", url, dir));
  INFO(fixed.err);
  CHECK(fixed.exit_code == 0);
  for (const auto& c : db.connection().catalog().columns("nn"))
    if (c.name == "note") CHECK_FALSE(c.nullable);
}

TEST_CASE("a guarded operation uses the server's own IF NOT EXISTS exactly where the server has it", "[operations]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  dir.write("V1__a.sql", "CREATE TABLE a (id INTEGER);\n");
  REQUIRE(run_strata(command_args("migrate", url, dir)).exit_code == 0);
  Inspector db(url);
  const std::string yaml = "- add_column: {table: a, if_missing: true, column: {name: b, type: integer}}\n";
  dir.write("V2__b.yaml", yaml);
  ProcessResult r = run_strata(command_args("migrate", url, dir, {"--dry-run"}));
  INFO(r.out << r.err);
  if (!supported(db, yaml)) {
    CHECK(r.exit_code == 3);
    return;
  }
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("-- add_column a.b") && Catch::Contains("ADD COLUMN"));
  // What the backend's configuration says its server has (MariaDB) or lacks (MySQL 8).
  if (std::string has = test_setting("STRATA_TEST_RENDERED_CONTAINS"); !has.empty())
    CHECK_THAT(r.out, Catch::Contains(has));
  if (std::string lacks = test_setting("STRATA_TEST_RENDERED_LACKS"); !lacks.empty())
    CHECK_THAT(r.out, !Catch::Contains(lacks));
  REQUIRE(run_strata(command_args("migrate", url, dir)).exit_code == 0);
  bool added = false;
  for (const auto& c : db.connection().catalog().columns("a")) added |= c.name == "b";
  CHECK(added);
}

TEST_CASE("a portable migration stopped after its third operation converges when run again, without --resume",
          "[operations]") {
  ScratchDir dir;
  dir.write("V1__a.sql", "CREATE TABLE a (id INTEGER PRIMARY KEY);\n");
  const std::string yaml =
      "- add_column: {table: a, if_missing: true, column: {name: b, type: integer}}\n"
      "- add_column: {table: a, if_missing: true, column: {name: c, type: string, length: 20}}\n"
      "- create_index: {table: a, name: ix_a_b, columns: [b], if_missing: true}\n"
      "- create_table: {name: a_log, if_missing: true, columns: [{name: id, type: integer, primary_key: true}]}\n"
      "- insert_rows: {table: a_log, key: [id], rows: [{id: 1}, {id: 2}]}\n";
  dir.write("V2__five_operations.yaml", yaml);
  std::string clean = fresh_database_url();
  REQUIRE(run_strata(command_args("migrate", clean, dir)).exit_code == 0);
  Inspector reference(clean);
  if (!supported(reference, yaml)) return;  // refused before anything runs: proven above

  std::string url = fresh_database_url();
  ProcessResult killed =
      run_strata(command_args("migrate", url, dir), {{"STRATA_FAILPOINT=exit-after-statement:3"}, {}});
  // The failpoint ends the process right after operation 3 where operations commit one by one;
  // where DDL is transactional the migration commits whole, and there is no such moment.
  CHECK(killed.exit_code == (reference.capabilities().transactional_ddl ? 0 : 86));
  ProcessResult again = run_strata(command_args("migrate", url, dir));
  INFO(again.err);
  CHECK(again.exit_code == 0);
  Inspector db(url);
  CHECK(db.schema_snapshot() == reference.schema_snapshot());
  auto ledger = db.ledger();
  REQUIRE(ledger.size() == 2);
  CHECK(ledger[1].success);
  CHECK(ledger[1].statements_done == 5);
}

// A run of many guarded operations reads the catalog once whole (Catalog::all_columns) and
// keeps what it read: each guard must still see what the operations and SQL before it did.
TEST_CASE("guards in a long run see every change made before them, as a run per migration does", "[operations]") {
  ScratchDir dir;
  std::string tables;
  for (int i = 1; i <= 20; ++i) tables += "CREATE TABLE t" + std::to_string(i) + " (id INTEGER PRIMARY KEY);\n";
  dir.write("V1__tables.sql", tables);
  // More guards than are read table by table: the rest read the catalog read whole.
  for (int i = 1; i <= 20; ++i)
    dir.write(
        "V" + std::to_string(i + 1) + "__extra.yaml",
        "- add_column: {table: t" + std::to_string(i) + ", if_missing: true, column: {name: extra, type: integer}}\n");
  const std::string dependent =
      "- add_column: {table: t1, if_missing: true, column: {name: later, type: integer}}\n"
      "- add_column: {table: t1, if_missing: true, column: {name: later, type: integer}}\n"
      "- create_table: {name: fresh, if_missing: true, columns: [{name: id, type: integer, primary_key: true}]}\n"
      "- add_column: {table: fresh, if_missing: true, column: {name: b, type: integer}}\n"
      "- drop_table: {name: fresh}\n"
      "- create_table: {name: fresh, columns: [{name: id, type: integer, primary_key: true}]}\n"
      "- rename_column: {table: t2, column: extra, to: renamed}\n"
      "- add_column: {table: t2, if_missing: true, column: {name: extra, type: integer}}\n"
      "- drop_column: {table: t3, column: extra, if_exists: true}\n"
      "- drop_column: {table: t3, column: extra, if_exists: true}\n"
      "- alter_column: {table: t4, column: extra, nullable: false, default: 0}\n"
      "- create_index: {table: t1, name: ix_t1_later, columns: [later], if_missing: true}\n"
      "- create_index: {table: t1, name: ix_t1_later, columns: [later], if_missing: true}\n";
  dir.write("V22__dependent.yaml", dependent);
  dir.write("V23__by_hand.sql", "ALTER TABLE t5 ADD COLUMN by_hand INTEGER;\n");
  dir.write("V24__after_sql.yaml",
            "- add_column: {table: t5, if_missing: true, column: {name: by_hand, type: integer}}\n"
            "- add_column: {table: t6, if_missing: true, column: {name: extra, type: integer}}\n"
            "- drop_table: {name: fresh}\n"
            "- create_table: {name: fresh, columns: [{name: id, type: integer, primary_key: true}]}\n");
  std::string probe = fresh_database_url();
  {
    Inspector db(probe);
    if (!supported(db, dependent)) return;  // refused before anything runs: proven elsewhere
  }

  std::string url = fresh_database_url();
  ProcessResult run = run_strata(command_args("migrate", url, dir, {"-v"}));
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  // Skipped exactly where an operation before it (or the SQL file) made the change.
  CHECK_THAT(run.err, Catch::Contains("t1.later: skipped") && Catch::Contains("t3.extra: skipped") &&
                          Catch::Contains("ix_t1_later on t1: skipped") && Catch::Contains("t5.by_hand: skipped") &&
                          Catch::Contains("t6.extra: skipped"));
  CHECK_THAT(run.err, !Catch::Contains("t2.extra: skipped") && !Catch::Contains("fresh.b: skipped"));
  Inspector db(url);
  CHECK(has_column(db, "t1", "later"));
  CHECK(has_column(db, "t2", "renamed"));
  CHECK(has_column(db, "t2", "extra"));
  CHECK_FALSE(has_column(db, "t3", "extra"));
  CHECK(has_column(db, "t5", "by_hand"));
  CHECK_FALSE(has_column(db, "fresh", "b"));
  CHECK(db.ledger().size() == 24);

  // The same migrations, the dependent ones one process each: nothing is kept between them.
  std::string one_by_one = fresh_database_url();
  for (int v : {21, 22, 23, 24})
    REQUIRE(run_strata(command_args("migrate", one_by_one, dir, {"--target", std::to_string(v)})).exit_code == 0);
  CHECK(db.schema_snapshot() == Inspector(one_by_one).schema_snapshot());
}

TEST_CASE("a portable project here and on SQLite is one logical schema, and a difference is named", "[operations]") {
  const std::string yaml =
      "- create_table:\n"
      "    name: teams\n"
      "    columns:\n"
      "      - {name: id, type: bigint, primary_key: true, auto_increment: true}\n"
      "      - {name: name, type: string, length: 100, nullable: false, unique: true}\n"
      "      - {name: active, type: boolean, nullable: false, default: true}\n"
      "      - {name: budget, type: decimal, precision: 12, scale: 2}\n"
      "      - {name: settings, type: json}\n"
      "      - {name: created_at, type: timestamptz, nullable: false, default_expression: current_timestamp}\n"
      "- create_table:\n"
      "    name: members\n"
      "    columns:\n"
      "      - {name: id, type: bigint, primary_key: true, auto_increment: true}\n"
      "      - {name: team_id, type: bigint, nullable: false}\n"
      "      - {name: email, type: string, length: 200, nullable: false}\n"
      "      - {name: notes, type: text}\n"
      "    foreign_keys:\n"
      "      - {columns: [team_id], references: teams, referenced_columns: [id], on_delete: cascade}\n"
      "- create_index: {table: members, name: ix_members_email, columns: [email], unique: true}\n";
  ScratchDir dir, files;
  dir.write("V1__teams.yaml", yaml);
  std::string url = fresh_database_url();
  std::string sqlite = "sqlite:" + (files.path() / "reference.db").string();
  Inspector db(url);
  if (!supported(db, yaml)) return;  // refused before anything runs: proven above
  REQUIRE(run_strata(command_args("migrate", url, dir)).exit_code == 0);
  REQUIRE(run_strata(command_args("migrate", sqlite, dir)).exit_code == 0);

  ProcessResult same = run_strata({"schema", "--url", url, "--compare", sqlite});
  INFO(same.out << same.err);
  CHECK(same.exit_code == 0);
  CHECK_THAT(same.out, Catch::Contains("the same logical schema (2 tables)"));
  ProcessResult json = run_strata({"schema", "--url", url, "--json"});
  CHECK(json.exit_code == 0);
  CHECK_THAT(json.out, Catch::Contains("\"name\": \"members\"") && Catch::Contains("\"primary_key\""));

  // A migration run here and not there is reported, naming the table and the column.
  dir.write("V2__nickname.yaml",
            "- add_column: {table: members, column: {name: nickname, type: string, length: 50}}\n");
  REQUIRE(run_strata(command_args("migrate", url, dir)).exit_code == 0);
  ProcessResult different = run_strata({"schema", "--url", url, "--compare", sqlite});
  INFO(different.out << different.err);
  CHECK(different.exit_code == 3);
  CHECK_THAT(different.out, Catch::Contains("table members: column nickname only in the first"));
  CHECK_THAT(different.out, !Catch::Contains("table teams"));
}

TEST_CASE("the example project here and on SQLite is one logical schema, and a migration run on one side is named",
          "[operations]") {
  std::string example = test_setting("STRATA_TEST_EXAMPLE_DIR");
  REQUIRE_FALSE(example.empty());
  std::string url = fresh_database_url();
  ScratchDir files;
  std::string sqlite = "sqlite:" + (files.path() / "example.db").string();
  Inspector db(url);
  REQUIRE(run_strata({"migrate", "--url", sqlite, "--dir", example}).exit_code == 0);
  ProcessResult migrated = run_strata({"migrate", "--url", url, "--dir", example});
  if (!supported(db, "- create_table: {name: x, columns: [{name: id, type: integer}]}\n")) {
    CHECK(migrated.exit_code == 3);  // its portable migrations are refused before anything runs
    return;
  }
  REQUIRE(migrated.exit_code == 0);
  ProcessResult same = run_strata({"schema", "--url", url, "--compare", sqlite});
  INFO(same.out << same.err);
  CHECK(same.exit_code == 0);
  CHECK_THAT(same.out, Catch::Contains("the same logical schema (7 tables)"));

  // A migration applied here and not there: its change is named, and nothing else.
  ScratchDir more;
  for (const auto& entry : std::filesystem::directory_iterator(example))
    std::filesystem::copy(entry.path(), more.path() / entry.path().filename());
  more.write("V10__runbook_owner.yaml",
             "- add_column: {table: runbooks, column: {name: owner, type: string, length: 100}}\n"
             "- create_index: {table: runbook_executions, name: ix_executions_finished, columns: [finished_at]}\n");
  ProcessResult ahead = run_strata({"migrate", "--url", url, "--dir", more.path().string()});
  INFO(ahead.err);
  REQUIRE(ahead.exit_code == 0);
  ProcessResult different = run_strata({"schema", "--url", url, "--compare", sqlite});
  INFO(different.out);
  CHECK(different.exit_code == 3);
  CHECK_THAT(different.out, Catch::Contains("table runbooks: column owner only in the first"));
  CHECK_THAT(different.out, Catch::Contains("table runbook_executions: index (finished_at) only in the first"));
  CHECK_THAT(different.out, !Catch::Contains("table remediation_rules"));
}
