// What a run has read of the catalog, kept while it is known to be current: guarded portable
// operations read the catalog before each operation, and a run of a thousand of them would
// otherwise make a thousand reads. Private to libstrata.
//
// Each answer is the driver's own answer, kept. The first reads go to the driver table by
// table; once a run has made `bulk_after` of them since the cache was last emptied, the tables
// and their columns are read at once (Catalog::all_columns, one query) where the driver can.
// Nothing is ever derived from what an operation should have done: what an applied operation
// touched is forgotten and read again when next asked (see applied), and a statement the core
// cannot see into (a SQL file's, a C++ migration's, a failure that rolled back) empties the
// cache. So a guard never reads a stale catalog, and a run that alternates SQL and portable
// operations makes at most one whole-catalog read per `bulk_after` reads of its own.
//
// Not thread-safe: one per executor, used on its thread.
#pragma once

#include <strata/driver.hpp>
#include <strata/operations.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace strata::detail {

class CatalogCache final : public Catalog {
 public:
  // `inner` is the connection's catalog; it must outlive the cache.
  explicit CatalogCache(Catalog& inner, int bulk_after = 16) : inner_(inner), bulk_after_(bulk_after) {}

  bool table_exists(std::string_view table) override;
  std::vector<std::string> tables() override;
  std::vector<ColumnInfo> columns(std::string_view table) override;
  std::vector<IndexInfo> indexes(std::string_view table) override;
  std::vector<ForeignKeyInfo> foreign_keys(std::string_view table) override;
  std::vector<ConstraintInfo> constraints(std::string_view table) override;
  std::optional<std::vector<TableColumns>> all_columns() override;

  // `op` has run (or may have run part-way): what it touched is read again when next asked.
  void applied(const ops::Operation& op);
  // Something the cache cannot see into has run: everything is read again.
  void forget();

 private:
  struct Table {
    std::optional<bool> exists;
    std::optional<std::vector<ColumnInfo>> columns;
    std::optional<std::vector<IndexInfo>> indexes;
    std::optional<std::vector<ForeignKeyInfo>> foreign_keys;
    std::optional<std::vector<ConstraintInfo>> constraints;
  };
  Table& entry(std::string_view table);
  void read();  // counts a read of a table; reads the whole catalog when it is time
  void forget(const std::string& table);

  Catalog& inner_;
  int bulk_after_;
  std::map<std::string, Table, std::less<>> tables_;
  // Set by a whole-catalog read: a table without an entry does not exist. An entry forgotten
  // since keeps its place with nothing known.
  bool complete_ = false;
  bool bulk_unavailable_ = false;  // the driver has no all_columns
  int reads_since_forget_ = 0;
};

}  // namespace strata::detail
