// Comparing two schemas in portable terms (compare_schemas, core/src/schema.cpp): pure, on
// Schema values as describe_schema makes them.
#include <strata/schema.hpp>

#include <catch2/catch.hpp>

using namespace strata;

namespace {

SchemaColumn column(std::string name, std::vector<std::string> types, bool nullable = true, std::string def = "") {
  return SchemaColumn{std::move(name), "native", std::move(types), nullable, std::move(def)};
}

// runs (id, status, total) with a unique key and a foreign key to accounts.
Schema runs_schema() {
  SchemaTable runs;
  runs.name = "runs";
  runs.columns = {column("id", {"bigint", "integer"}, false), column("status", {"string(32)"}, false, "'new'"),
                  column("total", {"decimal(10,2)"})};
  runs.primary_key = {"id"};
  runs.keys = {SchemaKey{{"status"}, true}};
  runs.foreign_keys = {SchemaForeignKey{{"id"}, "accounts", {"id"}, "CASCADE", "NO ACTION"}};
  SchemaTable accounts;
  accounts.name = "accounts";
  accounts.columns = {column("id", {"bigint"}, false)};
  accounts.primary_key = {"id"};
  return Schema{"SQLite 3.40.1", {accounts, runs}};
}

}  // namespace

TEST_CASE("a schema compares equal to itself, and to one whose types meet it on another backend") {
  Schema here = runs_schema();
  CHECK(compare_schemas(here, here).empty());
  Schema there = runs_schema();
  there.server = "PostgreSQL 15.4";
  there.tables[1].columns[0].types = {"bigint"};  // a set that meets {bigint, integer}
  CHECK(compare_schemas(here, there).empty());
}

TEST_CASE("each difference is named once, with the table and both sides") {
  Schema a = runs_schema();
  Schema b = runs_schema();
  b.tables[1].columns[2].types = {"double"};                // total: another type
  b.tables[1].columns[1].nullable = true;                   // status: nullable
  b.tables[1].columns.push_back(column("note", {"text"}));  // only in the second
  b.tables[1].keys.clear();                                 // the unique key only in the first
  b.tables[1].foreign_keys[0].on_delete = "SET NULL";       // another action
  b.tables.erase(b.tables.begin());                         // accounts only in the first
  auto differences = compare_schemas(a, b);
  CHECK(differences == std::vector<std::string>{
                           "table accounts: only in the first",
                           "table runs: column status: string(32), not null, default 'new' in the first, string(32), "
                           "nullable, default 'new' in the second",
                           "table runs: column total: decimal(10,2), nullable in the first, double, nullable in the "
                           "second",
                           "table runs: column note only in the second",
                           "table runs: unique key (status) only in the first",
                           "table runs: foreign key (id) -> accounts (id) on delete CASCADE on update NO ACTION only "
                           "in the first",
                           "table runs: foreign key (id) -> accounts (id) on delete SET NULL on update NO ACTION only "
                           "in the second",
                       });
}

TEST_CASE("RESTRICT and NO ACTION compare as one action, CASCADE does not, and a missing primary key is said so") {
  Schema a = runs_schema();
  Schema b = runs_schema();
  a.tables[1].foreign_keys[0].on_delete = "NO ACTION";
  b.tables[1].foreign_keys[0].on_delete = "RESTRICT";  // InnoDB's report of a key with no clause
  CHECK(compare_schemas(a, b).empty());
  b.tables[1].foreign_keys[0].on_delete = "CASCADE";
  CHECK(compare_schemas(a, b).size() == 2);
  b = runs_schema();
  b.tables[0].primary_key.clear();
  CHECK(compare_schemas(a, b) ==
        std::vector<std::string>{"table accounts: primary key (id) in the first, no primary key in the second",
                                 "table runs: foreign key (id) -> accounts (id) on delete NO ACTION on update NO "
                                 "ACTION only in the first",
                                 "table runs: foreign key (id) -> accounts (id) on delete CASCADE on update NO "
                                 "ACTION only in the second"});
}
