// Running portable operations: the guard that reads the catalog before each one (what makes a
// re-run converge and what finds drift), then the driver's rendering. Private to libstrata.
#pragma once

#include <strata/render.hpp>

#include <functional>
#include <string>

namespace strata::detail {

struct GuardDecision {
  enum class Outcome {
    apply,         // run it
    already_done,  // its object is there as asked (or gone, for a drop): nothing to run
    drift,         // its object is there with another shape: reported; an error with --strict
  };
  Outcome outcome = Outcome::apply;
  std::string message;  // why, for already_done and drift
};

// Reads the catalog and decides. Throws Error(apply_failed) when the operation cannot run as
// written (its object is there without if_missing, or missing without if_exists; its table is
// missing), naming the operation.
GuardDecision guard(const ops::Operation& op, Catalog& catalog, const OperationRenderer& renderer);

// The renderer of `connection`, or Error(validation) when its driver renders no portable
// operations; also refuses, naming the operation's line, any operation it cannot apply or a
// `sql` operation with no SQL for this dialect.
const OperationRenderer& renderer_for(Connection& connection, const ops::Operation& op, const std::string& file);

// How many rows `SELECT 1 FROM <from>` returns, counted up to `limit` + 1 and no further: one
// bounded query. `from` is a quoted table and its WHERE clause.
std::int64_t count_up_to(Session& session, const std::string& from, std::span<const Value> params, std::int64_t limit);
// "1 row", "1,234 rows", "more than 10,000 rows" for a count from count_up_to.
std::string rows_text(std::int64_t count, std::int64_t limit);

// A drop with require_empty: refused (Error(apply_failed), naming the rows) while the table has a
// row, or the column a value. Nothing for other operations.
void require_empty(const ops::Operation& op, Connection& connection);

// A backfill over an integer one-column primary key, walked in ranges of batch_size keys: one
// UPDATE per range of the rows still NULL (an index range scan each), so that the whole backfill
// reads each row about once, where picking batches by LIMIT rereads the rows already set.
// `value` is the bound value; `batch_done` is called with each range's count. Returns false, having
// changed nothing, where the key is not one integer column or is too sparse for ranges to pay
// (the caller then batches by LIMIT).
bool backfill_by_key_range(Connection& connection, const ops::Backfill& backfill, const Value& value,
                           const std::function<void(std::int64_t)>& batch_done);

// What --dry-run shows for one operation: a comment with the operation and the guard as decided
// now, then the SQL that would run.
std::string preview(const ops::Operation& op, Connection& connection);

}  // namespace strata::detail
