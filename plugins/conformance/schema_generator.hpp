// A seeded generator of portable schemas for the tests of `diff` and `generate`: tables over
// every portable type, defaults, indexes, unique keys, checks, foreign-key chains and a two-table
// cycle. Two schemas of one generator differ the way a model changes between releases: tables
// and columns come and go, nullability, defaults, keys and a string's length change. A column's
// type is fixed by its name, so that no change needs a cast a backend refuses (PostgreSQL casts
// text to integer only with USING).
#pragma once

#include <strata/diff.hpp>

#include <random>
#include <string>
#include <vector>

namespace strata::conformance {

class SchemaGenerator {
 public:
  explicit SchemaGenerator(unsigned seed) : random_(seed) {}

  DeclaredSchema next() {
    DeclaredSchema s;
    int tables = 1 + pick(4);
    for (int t = 0; t < tables; ++t) {
      DeclaredTable table;
      table.name = "t" + std::to_string(pick(6));
      if (s.table(table.name)) continue;
      table.columns.push_back(ops::column("id").bigint().primary_key());
      table.primary_key = {"id"};
      for (std::size_t c = 0; c < types().size(); ++c) {
        if (pick(3) != 0) continue;
        ops::Column column;
        column.name = "c" + std::to_string(c);
        column.type = types()[c];
        column.nullable = pick(2) == 0;
        if (column.type.type == PortableType::integer && pick(2))
          column.default_value = ops::Default{{}, std::int64_t{7}};
        if (column.type.type == PortableType::string && pick(2)) {
          column.type.length = pick(2) ? 32 : 64;  // a length that changes between schemas
          if (pick(2)) column.default_value = ops::Default{{}, std::string("it's")};
        }
        table.columns.push_back(column);
      }
      // Keys and indexes over columns every backend can index (no text, binary or json).
      std::vector<std::string> indexable;
      for (const auto& c : table.columns)
        if (c.name != "id" && indexable_type(c.type)) indexable.push_back(c.name);
      std::string tag = table.name + "_" + std::to_string(pick(1000));  // names differ between schemas
      if (!indexable.empty() && pick(2)) table.indexes.push_back({"ix_" + tag, {indexable[0]}, pick(2) == 0});
      if (indexable.size() > 1 && pick(2)) table.uniques.push_back({"uq_" + tag, {indexable.back()}});
      if (pick(3) == 0) table.checks.push_back({"ck_" + tag, "id > " + std::to_string(pick(3))});
      s.tables.push_back(table);
    }
    // A chain of foreign keys to the table before, and sometimes a cycle back.
    for (std::size_t i = 1; i < s.tables.size(); ++i) {
      if (pick(2) == 0) continue;
      auto& child = s.tables[i];
      child.columns.push_back(ops::column("parent_id").bigint());
      static constexpr ops::Action actions[] = {ops::Action::no_action, ops::Action::restrict, ops::Action::cascade,
                                                ops::Action::set_null};
      child.foreign_keys.push_back({"fk_" + child.name + "_" + std::to_string(pick(1000)),
                                    {"parent_id"},
                                    s.tables[i - 1].name,
                                    {"id"},
                                    actions[pick(4)],
                                    ops::Action::no_action});
      if (i == 1 && pick(2) == 0) {  // parent_id too: a table is first in one schema and a child in the next
        s.tables[0].columns.push_back(ops::column("parent_id").bigint());
        s.tables[0].foreign_keys.push_back({"fk_back_" + s.tables[0].name, {"parent_id"}, child.name, {"id"}});
      }
    }
    return normalize(s);
  }

  // Every portable type, one per column name.
  static const std::vector<ColumnType>& types() {
    static const std::vector<ColumnType> list = {{PortableType::boolean},
                                                 {PortableType::smallint},
                                                 {PortableType::integer},
                                                 {PortableType::bigint},
                                                 {PortableType::real},
                                                 {PortableType::double_precision},
                                                 {PortableType::decimal, 0, 10, 2},
                                                 {PortableType::string, 32},
                                                 {PortableType::text},
                                                 {PortableType::binary},
                                                 {PortableType::date},
                                                 {PortableType::time},
                                                 {PortableType::timestamp},
                                                 {PortableType::timestamptz},
                                                 {PortableType::uuid},
                                                 {PortableType::json}};
    return list;
  }

 private:
  static bool indexable_type(const ColumnType& t) {
    return t.type != PortableType::text && t.type != PortableType::binary && t.type != PortableType::json &&
           t.type != PortableType::real && t.type != PortableType::double_precision;
  }
  int pick(int n) { return static_cast<int>(random_() % static_cast<unsigned>(n)); }

  std::mt19937 random_;
};

}  // namespace strata::conformance
