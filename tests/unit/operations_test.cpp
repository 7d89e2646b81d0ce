// Portable operations as written: YAML read into the model, the C++ builder giving the same
// model and checksum, errors naming file, line and column, and the undo derived from the model.
#include <strata/error.hpp>
#include <strata/operations.hpp>
#include <strata/render.hpp>

#include <catch2/catch.hpp>

using namespace strata;
using namespace strata::ops;

namespace {

const char* const runbook_yaml = R"(# the change that took production down
- create_table: {name: runbook_executions, if_missing: true,
    columns: [{name: id, type: bigint, primary_key: true, auto_increment: true},
              {name: status, type: string, length: 32, nullable: false, default: pending}]}
- add_column: {table: runbook_executions, if_missing: true,
    column: {name: runbook_version, type: integer, nullable: false, default: 1}}
- create_index: {table: runbook_executions, name: ix_runbook_status, columns: [status], if_missing: true}
)";

std::vector<Operation> runbook_builder() {
  return {
      create_table("runbook_executions", {column("id").bigint().primary_key().auto_increment(),
                                          column("status").string(32).not_null().default_("pending")})
          .if_missing(),
      add_column("runbook_executions", column("runbook_version").integer().not_null().default_(1)).if_missing(),
      create_index("runbook_executions", "ix_runbook_status", {"status"}).if_missing(),
  };
}

Error yaml_error(const std::string& text) {
  try {
    parse_yaml(text, "V8__x.yaml");
  } catch (const Error& e) {
    return e;
  }
  FAIL("no error for:\n" << text);
  throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("YAML operations are read into the model, with where each was written") {
  Script s = parse_yaml(runbook_yaml, "V8__x.yaml");
  REQUIRE(s.up.size() == 3);
  CHECK_FALSE(s.down);
  const auto& table = std::get<CreateTable>(s.up[0].change);
  CHECK(table.table == "runbook_executions");
  CHECK(table.if_missing);
  REQUIRE(table.columns.size() == 2);
  CHECK(table.columns[0].type == ColumnType{PortableType::bigint});
  CHECK(table.columns[0].primary_key);
  CHECK_FALSE(table.columns[0].nullable);
  CHECK(table.columns[1].type == ColumnType{PortableType::string, 32});
  REQUIRE(table.columns[1].default_value);
  CHECK(std::get<std::string>(table.columns[1].default_value->value) == "pending");
  const auto& add = std::get<AddColumn>(s.up[1].change);
  CHECK(std::get<std::int64_t>(add.column.default_value->value) == 1);
  CHECK(s.up[1].line == 5);
  CHECK(s.up[1].column == 3);
  CHECK(s.up[2].summary() == "create_index ix_runbook_status on runbook_executions");
}

TEST_CASE("YAML and the C++ builder give the same checksum, and layout does not change it") {
  std::string from_yaml = checksum(parse_yaml(runbook_yaml, "V8__x.yaml"));
  CHECK(from_yaml == checksum(Script{runbook_builder(), std::nullopt}));
  const char* block_style = R"(
- create_table:
    name: runbook_executions
    if_missing: true
    columns:
      - {name: id, type: bigint, primary_key: true, auto_increment: true}
      - name: status
        type: string(32)
        nullable: false
        default: pending
- add_column:
    table: runbook_executions
    column: {name: runbook_version, type: integer, nullable: false, default: 1}
    if_missing: true
- create_index: {table: runbook_executions, name: ix_runbook_status, columns: [status], if_missing: true}
)";
  CHECK(checksum(parse_yaml(block_style, "V8__x.yaml")) == from_yaml);
}

TEST_CASE("any change to an operation changes the checksum") {
  std::string base = checksum(Script{runbook_builder(), std::nullopt});
  auto changed = runbook_builder();
  std::get<AddColumn>(changed[1].change).column.default_value->value = std::int64_t{2};
  CHECK(checksum(Script{changed, std::nullopt}) != base);
  changed = runbook_builder();
  std::get<CreateIndex>(changed[2].change).if_missing = false;
  CHECK(checksum(Script{changed, std::nullopt}) != base);
  // The order of a row's keys is layout; the order of the rows is not.
  CHECK(checksum(parse_yaml("- insert_rows: {table: t, rows: [{a: 1, b: x}, {a: 2, b: y}]}", "f")) ==
        checksum(parse_yaml("- insert_rows: {table: t, rows: [{b: x, a: 1}, {b: y, a: 2}]}", "f")));
  CHECK(checksum(parse_yaml("- insert_rows: {table: t, rows: [{a: 1, b: x}, {a: 2, b: y}]}", "f")) !=
        checksum(parse_yaml("- insert_rows: {table: t, rows: [{a: 2, b: y}, {a: 1, b: x}]}", "f")));
  // A quoted '1' is text, a plain 1 a number.
  CHECK(checksum(parse_yaml("- add_column: {table: t, column: {name: c, type: text, default: '1'}}", "f")) !=
        checksum(parse_yaml("- add_column: {table: t, column: {name: c, type: text, default: 1}}", "f")));
}

TEST_CASE("mistakes in a YAML migration name the file, line and column, and what is expected") {
  Error e = yaml_error("- add_column: {table: t,\n    colum: {name: c, type: integer}}\n");
  CHECK(e.kind() == ErrorKind::validation);
  CHECK(e.file() == "V8__x.yaml");
  CHECK(e.line() == 2);
  CHECK(e.column() == 5);
  CHECK_THAT(e.message(), Catch::Contains("unknown field 'colum'") && Catch::Contains("table, column, if_missing"));

  e = yaml_error("- add_column: {table: t, column: {name: c, type: integr}}\n");
  CHECK(e.line() == 1);
  CHECK_THAT(e.message(), Catch::Contains("unknown type 'integr'") && Catch::Contains("bigint"));

  e = yaml_error("- add_colum: {table: t}\n");
  CHECK_THAT(e.message(), Catch::Contains("unknown operation 'add_colum'") && Catch::Contains("add_column"));

  e = yaml_error("- create_index: {table: t, name: ix}\n");
  CHECK_THAT(e.message(), Catch::Contains("create_index needs `columns`"));

  e = yaml_error("- add_column: {table: t, column: {name: c, type: integer}\n");
  CHECK_THAT(e.message(), Catch::Contains("not valid YAML"));
  CHECK(e.line() >= 1);

  // A control character: in the text, libyaml refuses it; escaped into a value, the reader does.
  e = yaml_error("- sql: \"SELECT 1\x01\"\n");
  CHECK_THAT(e.message(), Catch::Contains("not valid YAML"));
  CHECK(e.line() == 1);
  e = yaml_error("- drop_table: {name: \"t\\x01\"}\n");
  CHECK_THAT(e.message(), Catch::Contains("a control character (byte 1)"));
  CHECK(e.line() == 1);
  CHECK(e.column() == 22);

  e = yaml_error("- add_column: {table: t, if_missing: yes please, column: {name: c, type: integer}}\n");
  CHECK_THAT(e.message(), Catch::Contains("expected true or false"));

  e = yaml_error(
      "- create_table: {name: t, columns: [{name: id, type: integer, primary_key: true, nullable: true}]}\n");
  CHECK_THAT(e.message(), Catch::Contains("a primary key column cannot be nullable"));

  e = yaml_error("# nothing here\n");
  CHECK_THAT(e.message(), Catch::Contains("holds no operations"));

  e = yaml_error("- insert_rows: {table: t, key: [id], rows: [{id: 1, name: a}, {id: 2}]}\n");
  CHECK_THAT(e.message(), Catch::Contains("every row must name the same columns"));
}

TEST_CASE("types are read in either form, and every portable type is known") {
  CHECK(parse_column_type("decimal(10, 2)") == ColumnType{PortableType::decimal, 0, 10, 2});
  CHECK(parse_column_type("String(32)") == ColumnType{PortableType::string, 32});
  CHECK(parse_column_type("double") == ColumnType{PortableType::double_precision});
  CHECK_FALSE(parse_column_type("decimal"));
  CHECK_FALSE(parse_column_type("integer(4)"));
  CHECK_FALSE(parse_column_type("varchar(10)"));
  for (const char* name : {"boolean", "smallint", "integer", "bigint", "real", "double", "string", "text", "binary",
                           "date", "time", "timestamp", "timestamptz", "uuid", "json"}) {
    auto type = parse_column_type(name);
    REQUIRE(type);
    CHECK(to_string(*type) == name);
  }
  Script s = parse_yaml("- add_column: {table: t, column: {name: c, type: decimal, precision: 12, scale: 3}}", "f");
  CHECK(std::get<AddColumn>(s.up[0].change).column.type == ColumnType{PortableType::decimal, 0, 12, 3});
}

TEST_CASE("the undo is derived, in reverse order, where every inverse is exact") {
  DerivedUndo undo = derive_undo(runbook_builder());
  REQUIRE(undo.operations);
  REQUIRE(undo.operations->size() == 3);
  CHECK((*undo.operations)[0].summary() == "drop_index ix_runbook_status on runbook_executions");
  CHECK((*undo.operations)[1].summary() == "drop_column runbook_executions.runbook_version");
  CHECK((*undo.operations)[2].summary() == "drop_table runbook_executions");
  CHECK(std::get<DropTable>((*undo.operations)[2].change).if_exists);

  DerivedUndo renames = derive_undo({rename_table("a", "b"), rename_column("b", "x", "y")});
  REQUIRE(renames.operations);
  CHECK((*renames.operations)[0].summary() == "rename_column b.y to x");
  CHECK((*renames.operations)[1].summary() == "rename_table b to a");

  Script s = parse_yaml("- add_column: {table: t, column: {name: c, type: integer}}\n- drop_table: {name: old}\n", "f");
  DerivedUndo none = derive_undo(s.up);
  CHECK_FALSE(none.operations);
  CHECK_THAT(none.missing, Catch::Contains("drop_table old (line 2) has no exact inverse") && Catch::Contains("down:"));
}

TEST_CASE("an undo that cannot be derived names the first operation written without an inverse") {
  DerivedUndo undo =
      derive_undo({create_table("a", {column("id").integer()}), drop_table("old"), drop_column("a", "x")});
  CHECK_FALSE(undo.operations);
  CHECK_THAT(undo.missing, Catch::StartsWith("drop_table old"));
}

TEST_CASE("an undo written as down: is read with the migration") {
  Script s = parse_yaml(R"(
up:
  - drop_column: {table: t, column: legacy}
down:
  - add_column: {table: t, column: {name: legacy, type: text}}
)",
                        "f");
  REQUIRE(s.down);
  CHECK(s.down->front().summary() == "add_column t.legacy");
  CHECK(checksum(s) != checksum(Script{s.up, std::nullopt}));
}
