// Lint without a database (core/src/lint.cpp) and the data guards' model: what each finding
// says about a portable migration given the schema before it, SQL's keyword checks, and the
// YAML of backfill, require_empty and allow. What a database answers is proven by the
// conformance suite (lint_suite.cpp) on every backend.
#include <strata/diff.hpp>
#include <strata/lint.hpp>
#include <strata/migration_set.hpp>
#include <strata/operations.hpp>

#include <catch2/catch.hpp>

using namespace strata;

namespace {

DeclaredSchema before_schema() {
  return parse_declared_schema(R"yaml(
tables:
  - name: runs
    columns:
      - {name: id, type: bigint, primary_key: true}
      - {name: status, type: string(64)}
      - {name: counter, type: bigint}
      - {name: amount, type: "decimal(12,4)"}
      - {name: at, type: timestamptz}
  - name: steps
    columns:
      - {name: id, type: bigint, primary_key: true}
      - {name: run_id, type: bigint}
    foreign_keys:
      - {columns: [run_id], references: runs, referenced_columns: [id], on_delete: cascade}
)yaml",
                               "schema.yaml");
}

std::vector<Finding> all_findings_of(const std::string& yaml) {
  return lint_operations(ops::parse_yaml(yaml, "V2__x.yaml").up, before_schema(), "V2__x.yaml", "2");
}
// Without rebuild-cascade, which every change of `runs` has (steps references it with CASCADE).
std::vector<Finding> findings_of(const std::string& yaml) {
  auto found = all_findings_of(yaml);
  std::erase_if(found, [](const Finding& f) { return f.code == "rebuild-cascade"; });
  return found;
}

// "code severity line" for each finding.
std::vector<std::string> summary(const std::vector<Finding>& findings) {
  std::vector<std::string> out;
  for (const auto& f : findings) out.push_back(f.code + " " + to_string(f.severity) + " " + std::to_string(f.line));
  return out;
}

}  // namespace

TEST_CASE("lint names each change that loses data or fails on rows, at its line") {
  auto found = findings_of(
      "- drop_table: {table: steps}\n"
      "- drop_column: {table: runs, column: counter}\n"
      "- alter_column: {table: runs, column: status, type: string, length: 32}\n"
      "- add_column: {table: runs, column: {name: owner, type: string, length: 20, nullable: false}}\n"
      "- alter_column: {table: runs, column: at, nullable: false}\n"
      "- add_unique: {table: runs, name: uq_runs_status, columns: [status]}\n"
      "- rename_column: {table: runs, column: status, to: state}\n");
  CHECK(summary(found) == std::vector<std::string>{"drop-table error 1", "drop-column error 2",
                                                   "narrowing-type error 3", "not-null-no-default error 4",
                                                   "set-not-null warning 5", "new-unique warning 6",
                                                   "rename warning 7"});
  CHECK(found[2].message ==
        "changes runs.status from string(64) to string(32): a value longer than 32 characters "
        "does not fit");
  CHECK(found[3].remedy.find("backfill: <value>") != std::string::npos);
  for (const auto& f : found) {
    CHECK(f.file == "V2__x.yaml");
    CHECK(f.version == "2");
  }
}

TEST_CASE("lint: each narrowing the issue names, and the widenings it leaves alone") {
  auto codes = [](const std::string& change) {
    auto found = findings_of("- alter_column: {table: runs, " + change + "}\n");
    return found.empty() ? std::string("none") : found[0].code + ": " + found[0].message;
  };
  CHECK(codes("column: counter, type: integer") ==
        "narrowing-type: changes runs.counter from bigint to integer: a value outside -2147483648..2147483647 does "
        "not fit");
  CHECK(codes("column: amount, type: decimal, precision: 12, scale: 2") ==
        "narrowing-type: changes runs.amount from decimal(12,4) to decimal(12,2): digits beyond 2 decimal places are "
        "lost");
  CHECK(codes("column: amount, type: decimal, precision: 6, scale: 2") ==
        "narrowing-type: changes runs.amount from decimal(12,4) to decimal(6,2): a value of more than 4 digits before "
        "the point does not fit, and digits beyond 2 decimal places are lost");
  CHECK(codes("column: counter, type: decimal, precision: 12, scale: 2") ==
        "narrowing-type: changes runs.counter from bigint to decimal(12,2): a value of more than 10 digits does not "
        "fit");
  CHECK(codes("column: at, type: timestamp") ==
        "narrowing-type: changes runs.at from timestamptz to timestamp: every value loses its time zone");
  CHECK(codes("column: status, type: text") == "none");
  CHECK(codes("column: status, type: string, length: 100") == "none");
  CHECK(codes("column: counter, type: decimal, precision: 30, scale: 2") == "none");
  CHECK(codes("column: counter, type: decimal, precision: 21, scale: 2") == "none");
  CHECK(codes("column: status, type: integer")
            .starts_with("narrowing-type: changes runs.status from string(64) to "
                         "integer: a value may not convert"));
}

TEST_CASE("lint: what a migration makes safe itself is not a finding") {
  // A table created in the same migration holds no rows.
  CHECK(findings_of("- create_table: {name: fresh, columns: [{name: id, type: bigint, primary_key: true}]}\n"
                    "- add_column: {table: fresh, column: {name: n, type: integer, nullable: false}}\n")
            .empty());
  // A column with a default, or filled first, is no failure on rows.
  CHECK(findings_of("- add_column: {table: runs, column: {name: n, type: integer, nullable: false, default: 0}}\n")
            .empty());
  auto backfilled =
      findings_of("- add_column: {table: runs, column: {name: n, type: integer, nullable: false}, backfill: 0}\n");
  CHECK(backfilled.empty());
  // A guarded drop is decided at apply time.
  auto guarded = findings_of("- drop_column: {table: runs, column: counter, require_empty: true}\n");
  REQUIRE(guarded.size() == 1);
  CHECK(guarded[0].severity == Severity::info);
  // Dropping what is not there is a no-op.
  CHECK(findings_of("- drop_table: {table: nothing, if_exists: true}\n").empty());
}

TEST_CASE("lint: a SQLite rebuild of a table others reference with ON DELETE CASCADE is named") {
  auto found = all_findings_of("- alter_column: {table: runs, column: status, nullable: false}\n");
  REQUIRE(found.size() == 2);
  CHECK(found[1].code == "rebuild-cascade");
  CHECK(found[1].severity == Severity::warning);
  CHECK(found[1].message.find("which steps reference with ON DELETE CASCADE") != std::string::npos);
}

TEST_CASE("lint of SQL by keywords: each statement's line, never a word in a comment or a string") {
  const std::string sql =
      "-- DROP TABLE in a comment\n"
      "SELECT 'DROP TABLE in a string; DELETE FROM x';\n"
      "DROP TABLE a;\n"
      "ALTER TABLE b DROP COLUMN c;\n"
      "ALTER TABLE b DROP x;\n"
      "ALTER TABLE b ALTER COLUMN c TYPE bigint;\n"
      "ALTER TABLE b ALTER COLUMN c SET NOT NULL;\n"
      "CREATE UNIQUE INDEX u ON b (c);\n"
      "ALTER TABLE b ADD CONSTRAINT uq UNIQUE(c);\n"
      "TRUNCATE b;\n"
      "DELETE FROM b;\n"
      "DELETE FROM b WHERE id = 1;\n"
      "ALTER TABLE b RENAME TO d;\n"
      "ALTER TABLE b ALTER COLUMN c DROP NOT NULL;\n"
      "ALTER TABLE b DROP INDEX ix;\n"
      "CREATE FUNCTION f() RETURNS void AS $$ BEGIN DELETE FROM b; END $$ LANGUAGE plpgsql;\n"
      "/* TRUNCATE\n b; */ ALTER TABLE b MODIFY c INT NOT NULL;\n";
  CHECK(summary(lint_sql(sql, "V3__x.sql", "3")) ==
        std::vector<std::string>{"drop-table error 3", "drop-column error 4", "drop-column error 5",
                                 "alter-type warning 6", "set-not-null warning 7", "new-unique warning 8",
                                 "new-unique warning 9", "truncate error 10", "delete-all error 11",
                                 "rename warning 13", "alter-type warning 18"});
}

TEST_CASE("lint: a function body between dollar quotes whose tag is not ASCII is text, as any other body") {
  const std::string sql =
      "CREATE FUNCTION f() RETURNS void AS $\xC3\xA9t\xC3\xA9$ BEGIN DELETE FROM b; DROP TABLE c; END "
      "$\xC3\xA9t\xC3\xA9$ LANGUAGE plpgsql;\n"
      "TRUNCATE b;\n";
  CHECK(summary(lint_sql(sql, "V3__x.sql", "3")) == std::vector<std::string>{"truncate error 2"});
}

TEST_CASE("lint: a dollar sign inside a name or before a digit opens no quote, as in PostgreSQL") {
  // Read as quotes, `$b$` and `$1$` would hide everything after them up to a closing tag
  // that never comes: the DROP TABLE would go unreported.
  const std::string sql =
      "CREATE TABLE audit$b$ (id int);\n"
      "DROP TABLE c;\n"
      "PREPARE q AS SELECT $1$1;\n"
      "TRUNCATE d;\n";
  CHECK(summary(lint_sql(sql, "V3__x.sql", "3")) == std::vector<std::string>{"drop-table error 2", "truncate error 4"});
}

TEST_CASE("backfill in YAML: three guarded steps, one checksum, undone by dropping the column") {
  ops::Script s = ops::parse_yaml(
      "- add_column: {table: runs, column: {name: n, type: integer, nullable: false}, backfill: 7}\n", "V2__x.yaml");
  REQUIRE(s.up.size() == 3);
  CHECK(s.up[0].summary() == "add_column runs.n");
  CHECK(std::get<ops::AddColumn>(s.up[0].change).column.nullable);
  CHECK(std::get<ops::AddColumn>(s.up[0].change).if_missing);
  CHECK(s.up[1].summary() == "backfill runs.n");
  CHECK(std::get<ops::Backfill>(s.up[1].change).value == ops::Literal(std::int64_t{7}));
  CHECK(s.up[2].summary() == "alter_column runs.n");
  for (const auto& op : s.up) CHECK(op.line == 1);
  // Written out and read back: the same operations.
  ops::Script again = ops::parse_yaml(to_yaml(s.up, {}), "V2__x.yaml");
  CHECK(ops::canonical_text(again.up) == ops::canonical_text(s.up));
  auto undo = ops::derive_undo(s.up);
  REQUIRE(undo.operations);
  REQUIRE(undo.operations->size() == 1);
  CHECK((*undo.operations)[0].summary() == "drop_column runs.n");
  // A backfill commits batch by batch: its migration runs outside one transaction.
  MigrationSet set;
  set.operations("V2__x", s.up);
  CHECK_FALSE(set.migrations().front().transactional);

  CHECK_THROWS_WITH(ops::parse_yaml("- backfill: {table: t, column: c, value: null}\n", "V3__y.yaml"),
                    Catch::Contains("backfill needs `value`"));
  CHECK_THROWS_WITH(ops::parse_yaml("- backfill: {table: t, column: c, value: 1, batch_size: 0}\n", "V3__y.yaml"),
                    Catch::Contains("batch_size must be a whole number from 1 to 1000000"));
}

TEST_CASE("require_empty and allow leave the checksums of migrations written before them as they were") {
  ops::Script plain = ops::parse_yaml("- drop_table: {table: t}\n", "V1__x.yaml");
  ops::Script guarded = ops::parse_yaml("- drop_table: {table: t, require_empty: true}\n", "V1__x.yaml");
  CHECK(ops::canonical_text(plain.up) == "drop_table table=\"t\" if_exists=false\n");
  CHECK(ops::checksum(plain) != ops::checksum(guarded));
  ops::Script allowed = ops::parse_yaml("allow: [drop-table]\nup:\n  - drop_table: {table: t}\n", "V1__x.yaml");
  CHECK(allowed.allow == std::vector<std::string>{"drop-table"});
  CHECK(ops::checksum(allowed) == ops::checksum(plain));  // what runs is the same
  CHECK(ops::parse_yaml(to_yaml(allowed.up, {}, {}, allowed.allow), "V1__x.yaml").allow == allowed.allow);

  MigrationSet set;
  set.sql("V2__drop.sql", "-- strata:allow drop-table, truncate\nDROP TABLE t;\n");
  CHECK(set.migrations().front().allow == std::vector<std::string>{"drop-table", "truncate"});
}
