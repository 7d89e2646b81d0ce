// The declared-schema model (core/src/diff.cpp, yaml_writer.cpp and the schema reader of
// yaml_operations.cpp): folding operations, the diff between two schemas, and schema.yaml. Pure:
// no database. What reaches a database is proven by the command tests.
#include <strata/diff.hpp>
#include <strata/error.hpp>

#include <catch2/catch.hpp>

#include "schema_generator.hpp"

using namespace strata;

namespace {

DeclaredSchema schema_of(const std::string& yaml) {
  return parse_declared_schema(yaml, "schema.yaml");
}

std::vector<std::string> names_of(const std::vector<ops::Operation>& list) {
  std::vector<std::string> out;
  for (const auto& op : list) out.push_back(op.summary());
  return out;
}

// Equal up to names of keys and indexes: what diff() compares.
bool same_schema(const DeclaredSchema& a, const DeclaredSchema& b) {
  return diff(a, b).empty() && diff(b, a).empty();
}

const char* runbooks_v7 = R"(
tables:
  - name: runbooks
    columns:
      - {name: id, type: bigint, primary_key: true, auto_increment: true}
      - {name: title, type: string(200), nullable: false}
  - name: runbook_executions
    columns:
      - {name: id, type: bigint, primary_key: true, auto_increment: true}
      - {name: runbook_id, type: bigint, nullable: false}
      - {name: status, type: string(32), nullable: false, default: "new"}
    foreign_keys:
      - {name: fk_exec_runbook, columns: [runbook_id], references: runbooks, referenced_columns: [id], on_delete: cascade}
    indexes:
      - {name: ix_exec_status, columns: [status]}
)";

}  // namespace

TEST_CASE("a schema.yaml reads into the model, and to_yaml writes it back to the same model") {
  DeclaredSchema s = schema_of(runbooks_v7);
  REQUIRE(s.tables.size() == 2);
  CHECK(s.tables[0].name == "runbook_executions");  // sorted by name
  CHECK(s.tables[0].primary_key == std::vector<std::string>{"id"});
  CHECK(s.tables[0].foreign_keys.at(0).on_delete == ops::Action::cascade);
  DeclaredSchema back = parse_declared_schema(to_yaml(s), "again.yaml");
  CHECK(same_schema(s, back));
  CHECK(to_yaml(back) == to_yaml(s));
}

TEST_CASE("the incident's change: one column added is one guarded add_column, and its exact undo") {
  DeclaredSchema from = schema_of(runbooks_v7);
  DeclaredSchema to = from;
  to.table("runbook_executions")->columns.push_back(ops::column("runbook_version").integer().not_null().default_(1));
  Diff d = diff(from, to);
  CHECK(names_of(d.up) == std::vector<std::string>{"add_column runbook_executions.runbook_version"});
  const auto& add = std::get<ops::AddColumn>(d.up[0].change);
  CHECK(add.if_missing);
  CHECK(add.column.type == ColumnType{PortableType::integer});
  CHECK(names_of(d.down) == std::vector<std::string>{"drop_column runbook_executions.runbook_version"});
  CHECK(d.hints.empty());
  CHECK(diff(from, from).empty());
}

TEST_CASE("folding a migration's operations gives the schema it declares") {
  DeclaredSchema from = schema_of(runbooks_v7);
  DeclaredSchema to = schema_of(R"(
tables:
  - name: runbooks
    columns:
      - {name: id, type: bigint, primary_key: true, auto_increment: true}
      - {name: title, type: text, nullable: true}
      - {name: owner, type: string(64), default: "ops"}
    uniques: [{columns: [owner, title]}]
  - name: teams
    columns:
      - {name: id, type: integer, primary_key: true}
      - {name: lead_id, type: bigint}
    foreign_keys: [{columns: [lead_id], references: runbooks, referenced_columns: [id], on_delete: set_null}]
    checks: [{expression: "id > 0"}]
    indexes: [{columns: [lead_id]}]
)");
  Diff d = diff(from, to);
  CHECK(same_schema(fold(d.up, from), to));
  CHECK(same_schema(fold(d.down, to), from));
  // The executions table, a child, goes after its key to runbooks... which goes with it.
  CHECK(names_of(d.up).back() == "drop_table runbook_executions");
  // Generated names are deterministic and say what they are.
  bool named_index = false;
  for (const auto& op : d.up)
    if (auto* i = std::get_if<ops::CreateIndex>(&op.change)) named_index = i->name == "ix_teams_lead_id";
  CHECK(named_index);
}

TEST_CASE("parents are created before children, and a cycle is closed with add_foreign_key") {
  DeclaredSchema to = schema_of(R"(
tables:
  - name: a_child
    columns: [{name: id, type: integer, primary_key: true}, {name: parent_id, type: integer}]
    foreign_keys: [{columns: [parent_id], references: z_parent, referenced_columns: [id]}]
  - name: z_parent
    columns: [{name: id, type: integer, primary_key: true}, {name: favourite_id, type: integer}]
    foreign_keys: [{name: fk_favourite, columns: [favourite_id], references: a_child, referenced_columns: [id]}]
  - name: b_plain
    columns: [{name: id, type: integer, primary_key: true}]
)");
  Diff d = diff({}, to);
  auto up = names_of(d.up);
  // Neither of the cycle can go first with its key: one is created without, the key added after.
  CHECK(std::count_if(up.begin(), up.end(), [](const auto& s) { return s.starts_with("create_table"); }) == 3);
  CHECK(up.back().starts_with("add_foreign_key"));
  CHECK(same_schema(fold(d.up), to));
  // Dropping both: the key that closes the cycle first, then children before parents.
  Diff back = diff(fold(d.up), {});  // as created: every key named
  CHECK(names_of(back.up).front().starts_with("drop_foreign_key"));
  CHECK(fold(back.up, fold(d.up)).tables.empty());
}

TEST_CASE("renames are never guessed: renamed_from renames, keeping rows, and without it a hint names what to write") {
  DeclaredSchema from = schema_of(runbooks_v7);
  DeclaredSchema to = schema_of(R"(
tables:
  - name: playbooks
    renamed_from: runbooks
    columns:
      - {name: id, type: bigint, primary_key: true, auto_increment: true}
      - {name: name, type: string(200), nullable: false, renamed_from: title}
  - name: runbook_executions
    columns:
      - {name: id, type: bigint, primary_key: true, auto_increment: true}
      - {name: runbook_id, type: bigint, nullable: false}
      - {name: status, type: string(32), nullable: false, default: "new"}
    foreign_keys:
      - {name: fk_exec_runbook, columns: [runbook_id], references: playbooks, referenced_columns: [id], on_delete: cascade}
    indexes:
      - {name: ix_exec_status, columns: [status]}
)");
  Diff d = diff(from, to);
  CHECK(names_of(d.up) ==
        std::vector<std::string>{"rename_table runbooks to playbooks", "rename_column playbooks.title to name"});
  CHECK(names_of(d.down) ==
        std::vector<std::string>{"rename_table playbooks to runbooks", "rename_column runbooks.name to title"});
  CHECK(d.hints.empty());

  // The same without renamed_from: drop and add, and a hint for each.
  DeclaredSchema unhinted = to;
  unhinted.table("playbooks")->renamed_from.clear();
  unhinted.table("playbooks")->column_renamed_from.clear();
  Diff guessed = diff(from, unhinted);
  REQUIRE(guessed.hints.size() == 1);
  CHECK(guessed.hints[0].find("renamed_from: runbooks") != std::string::npos);

  // --rename does what renamed_from does.
  DiffOptions options;
  options.table_renames["runbooks"] = "playbooks";
  options.column_renames["playbooks"]["title"] = "name";
  CHECK(names_of(diff(from, unhinted, options).up) == names_of(d.up));

  DeclaredSchema column_only = from;
  auto& title = column_only.table("runbooks")->columns[1];
  title.name = "heading";
  Diff col = diff(from, column_only);
  REQUIRE(col.hints.size() == 1);
  CHECK(col.hints[0].find("renamed_from: title") != std::string::npos);
}

TEST_CASE("a change no portable operation makes is refused, naming the table") {
  DeclaredSchema from = schema_of(runbooks_v7);
  DeclaredSchema to = from;
  to.table("runbooks")->primary_key = {"id", "title"};
  CHECK_THROWS_WITH(diff(from, to),
                    Catch::Contains("table runbooks: the primary key changes from (id) to (id, title)"));
}

TEST_CASE("unmanaged tables are left alone on both sides") {
  DeclaredSchema from = schema_of(runbooks_v7);
  DeclaredSchema to = schema_of(R"(
unmanaged: [runbook_*]
tables:
  - name: runbooks
    columns:
      - {name: id, type: bigint, primary_key: true, auto_increment: true}
      - {name: title, type: string(200), nullable: false}
)");
  CHECK(diff(from, to).empty());
}

TEST_CASE("a history with SQL cannot be folded, naming the operation, and other errors name the line") {
  std::vector<ops::Operation> history = ops::parse_yaml(R"(
- create_table: {table: t, columns: [{name: id, type: integer}]}
- sql: {sqlite: "CREATE VIEW v AS SELECT 1"}
)",
                                                        "V1__x.yaml")
                                            .up;
  CHECK_THROWS_WITH(fold(history), Catch::Contains("sql") && Catch::Contains("scratch database"));
  try {
    fold(ops::parse_yaml("- drop_column: {table: t, column: c}\n", "V2__x.yaml").up);
    FAIL("folded a drop of what does not exist");
  } catch (const Error& e) {
    CHECK(e.line() == 1);
    CHECK(std::string(e.what()).find("the table t does not exist") != std::string::npos);
  }
}

TEST_CASE("schema.yaml errors name file, line and column") {
  auto error_of = [](const std::string& yaml) -> std::string {
    try {
      parse_declared_schema(yaml, "schema.yaml");
    } catch (const Error& e) {
      return e.file() + ":" + std::to_string(e.line()) + ": " + e.what();
    }
    return "no error";
  };
  CHECK_THAT(error_of("tables:\n  - name: t\n    columns: [{name: id, type: integr}]\n"),
             Catch::StartsWith("schema.yaml:3:") && Catch::Contains("unknown type 'integr'"));
  CHECK_THAT(error_of("tables:\n  - name: t\n    colour: red\n    columns: [{name: id, type: integer}]\n"),
             Catch::StartsWith("schema.yaml:3:") && Catch::Contains("unknown field 'colour'"));
  CHECK_THAT(error_of("tables:\n  - name: t\n    columns: [{name: id, type: integer}]\n    foreign_keys: [{columns: "
                      "[id], references: u, referenced_columns: [id]}]\n"),
             Catch::Contains("references u, which the schema does not declare"));
  CHECK_THAT(
      error_of("tables:\n  - name: t\n    columns: [{name: id, type: integer}]\n    indexes: [{columns: [x]}]\n"),
      Catch::StartsWith("schema.yaml:4:") && Catch::Contains("has no column 'x'"));
  CHECK_THAT(error_of("tables:\n  - name: t\n    columns: [{name: id, type: integer}]\n  - name: t\n    columns: "
                      "[{name: id, type: integer}]\n"),
             Catch::Contains("declared twice"));
}

TEST_CASE("a generated migration reads back as the operations it was written from") {
  DeclaredSchema from = schema_of(runbooks_v7);
  DeclaredSchema to = schema_of(R"y(
tables:
  - name: runbooks
    columns:
      - {name: id, type: bigint, primary_key: true, auto_increment: true}
      - {name: title, type: string(200), nullable: false, default: "it's \"new\""}
      - {name: ratio, type: double, default: 1.0}
      - {name: at, type: timestamptz, default_expression: current_timestamp}
      - {name: flag, type: boolean, default: false}
      - {name: code, type: string(8), default: "1"}
      - {name: amount, type: "decimal(10,2)"}
    checks: [{expression: "ratio >= 0"}]
)y");
  Diff d = diff(from, to);
  std::string yaml = to_yaml(d.up, d.down, {"generated"});
  CHECK(yaml.starts_with("# generated\n"));
  ops::Script back = ops::parse_yaml(yaml, "V9__x.yaml");
  CHECK(ops::canonical_text(back.up) == ops::canonical_text(d.up));
  REQUIRE(back.down);
  CHECK(ops::canonical_text(*back.down) == ops::canonical_text(d.down));
}

// For every pair of generated schemas, the diff folds one into the other and back.
TEST_CASE("for generated pairs of schemas, up turns the first into the second and down turns it back") {
  conformance::SchemaGenerator generator(20261204);
  for (int i = 0; i < 300; ++i) {
    DeclaredSchema a = generator.next(), b = generator.next();
    INFO(to_yaml(a) << "\n->\n" << to_yaml(b));
    Diff d = diff(a, b);
    CHECK(same_schema(fold(d.up, a), b));
    CHECK(same_schema(fold(d.down, b), a));
    CHECK(diff(fold(d.up, a), b).empty());
    CHECK(diff(a, a).empty());
  }
}

TEST_CASE("a generated name is cut at a character, never inside a UTF-8 sequence (found by fuzzing)") {
  // 52 ASCII bytes, then two-byte characters: byte 53 falls inside one.
  std::string table = std::string(49, 't') + "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9";
  DeclaredSchema to = schema_of("tables:\n  - name: " + table +
                                "\n    columns: [{name: id, type: integer, primary_key: true}, {name: c, type: "
                                "integer}]\n    indexes: [{columns: [c]}]\n");
  Diff d = diff({}, to);
  const auto& index = std::get<ops::CreateIndex>(d.up.at(1).change);
  CHECK(index.name.size() <= 60);
  CHECK(index.name.starts_with("ix_" + std::string(49, 't') + "_"));  // the é that would be cut goes whole
  ops::Script back = ops::parse_yaml(to_yaml(d.up, d.down), "V1__x.yaml");
  CHECK(ops::canonical_text(back.up) == ops::canonical_text(d.up));
}

TEST_CASE(
    "schema.yaml text that is not UTF-8, or holds a control character, is refused at its place (found by "
    "fuzzing)") {
  // A NUL byte is a control character; F6 can start no UTF-8 sequence.
  for (std::string bad : {std::string("legacy\0_*", 9), std::string("legacy\xf6\x9e\xad\x80")}) {
    try {
      parse_declared_schema(
          "unmanaged: [" + bad + "]\ntables:\n  - name: t\n    columns: [{name: id, type: integer}]\n", "schema.yaml");
      FAIL("accepted");
    } catch (const Error& e) {
      CHECK(e.file() == "schema.yaml");
    }
  }
  CHECK_THROWS_WITH(
      parse_declared_schema("tables:\n  - name: t\n    columns: [{name: id, type: text, default: \"a\\u0001\"}]\n",
                            "schema.yaml"),
      Catch::Contains("control character"));
}

TEST_CASE("an up whose undo no portable operation makes (a native column dropped) has no down, and a note says why") {
  DeclaredSchema from = schema_of(
      "tables:\n  - name: odd\n    columns: [{name: id, type: integer, primary_key: true}, {name: shape, native: "
      "money}]\n  - name: kept\n    columns: [{name: id, type: integer, primary_key: true}]\n");
  DeclaredSchema to =
      schema_of("tables:\n  - name: kept\n    columns: [{name: id, type: integer, primary_key: true}]\n");
  Diff d = diff(from, to);
  CHECK(names_of(d.up) == std::vector<std::string>{"drop_table odd"});
  CHECK(d.down.empty());
  REQUIRE_FALSE(d.notes.empty());
  CHECK_THAT(d.notes.back(), Catch::StartsWith("no down is written: table odd: column shape has the type money"));
}
