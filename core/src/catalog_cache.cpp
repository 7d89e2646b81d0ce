#include "catalog_cache.hpp"

#include "overloaded.hpp"

#include <strata/ascii.hpp>

#include <algorithm>
#include <cctype>

namespace strata::detail {

CatalogCache::Table& CatalogCache::entry(std::string_view table) {
  auto it = tables_.find(table);
  if (it == tables_.end()) it = tables_.emplace(std::string(table), Table{}).first;
  return it->second;
}

void CatalogCache::read() {
  ++reads_since_forget_;
  if (complete_ || bulk_unavailable_ || reads_since_forget_ < bulk_after_) return;
  auto all = inner_.all_columns();
  if (!all) {
    bulk_unavailable_ = true;
    return;
  }
  // What else is known of a table (its indexes, ...) stays; its existence and columns are now
  // the driver's answer of this moment.
  for (auto& [name, table] : tables_) table.exists = false;
  for (auto& t : *all) {
    Table& table = entry(t.table);
    table.exists = true;
    table.columns = std::move(t.columns);
  }
  complete_ = true;
}

bool CatalogCache::table_exists(std::string_view table) {
  auto it = tables_.find(table);
  if (it != tables_.end() && it->second.exists) return *it->second.exists;
  if (it == tables_.end() && complete_) return false;
  bool was_complete = complete_;
  read();
  if (!was_complete && complete_) return table_exists(table);  // just read whole: known now
  bool exists = inner_.table_exists(table);
  entry(table).exists = exists;
  return exists;
}

std::vector<std::string> CatalogCache::tables() {
  return inner_.tables();
}

std::vector<ColumnInfo> CatalogCache::columns(std::string_view table) {
  if (auto it = tables_.find(table); it != tables_.end() && it->second.columns) return *it->second.columns;
  bool was_complete = complete_;
  read();
  // Just read whole: the table's columns, unless it is no table (a view's are read as asked).
  if (!was_complete && complete_) {
    if (auto it = tables_.find(table); it != tables_.end() && it->second.columns) return *it->second.columns;
  }
  auto columns = inner_.columns(table);
  entry(table).columns = columns;
  return columns;
}

std::vector<IndexInfo> CatalogCache::indexes(std::string_view table) {
  if (auto it = tables_.find(table); it != tables_.end() && it->second.indexes) return *it->second.indexes;
  read();
  auto indexes = inner_.indexes(table);
  entry(table).indexes = indexes;
  return indexes;
}

std::vector<ForeignKeyInfo> CatalogCache::foreign_keys(std::string_view table) {
  if (auto it = tables_.find(table); it != tables_.end() && it->second.foreign_keys) return *it->second.foreign_keys;
  read();
  auto keys = inner_.foreign_keys(table);
  entry(table).foreign_keys = keys;
  return keys;
}

std::vector<ConstraintInfo> CatalogCache::constraints(std::string_view table) {
  if (auto it = tables_.find(table); it != tables_.end() && it->second.constraints) return *it->second.constraints;
  read();
  auto constraints = inner_.constraints(table);
  entry(table).constraints = constraints;
  return constraints;
}

std::optional<std::vector<TableColumns>> CatalogCache::all_columns() {
  return inner_.all_columns();
}

// Also every name that differs only in case: SQLite, and MySQL on some systems, read `T1` and
// `t1` as one table, and forgetting too much only costs a read.
void CatalogCache::forget(const std::string& table) {
  auto same = [&](const std::string& name) { return ascii_iequals(name, table); };
  for (auto& [name, entry] : tables_)
    if (same(name)) entry = Table{};
  if (complete_) tables_.try_emplace(table);  // no longer known not to exist
}

void CatalogCache::applied(const ops::Operation& op) {
  // A rename is seen from other tables too: their foreign keys name the new table or column.
  std::visit(overloaded{
                 [&](const ops::Sql&) { forget(); },
                 [&](const ops::RenameTable&) { forget(); },
                 [&](const ops::RenameColumn&) { forget(); },
                 [&](const auto& o) { forget(o.table); },
             },
             op.change);
}

void CatalogCache::forget() {
  tables_.clear();
  complete_ = false;
  reads_since_forget_ = 0;
}

}  // namespace strata::detail
