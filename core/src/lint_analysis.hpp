// Lint's analysis, pure (see <strata/lint.hpp>): the findings of portable operations against the
// schema before them, each with the data question that may settle it; asked by lint.cpp. Private
// to libstrata (and linked into the fuzz targets, which need no database).
#pragma once

#include <strata/lint.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace strata::detail {

// A data question: how many rows match. None: the finding is harmless on this data.
struct Question {
  enum class Kind {
    rows,          // the table has a row
    values,        // a row holds a value in the column
    nulls,         // a row holds NULL in the column
    too_long,      // a value longer than `length` characters
    out_of_range,  // an integer outside [low, high]
    decimal_fit,   // a number of more than `length` digits before the point (length >= 0), or of
                   // more than `scale` after it (scale >= 0)
    duplicates,    // a value of `columns` held by two rows
  };
  Kind kind = Kind::rows;
  std::string table;
  std::vector<std::string> columns;
  std::int64_t low = 0, high = 0;
  int length = 0;
  int scale = -1;
  // The finding when the answer is none, and the words before the count when it is some.
  std::string if_none, if_some;
};

struct Checked {
  Finding finding;
  std::optional<Question> question;
};

// Whether the target's driver runs an operation with foreign keys off around it (a SQLite table
// rebuild: what its renderer's before_transaction says); empty when no database is known, and the
// operations SQLite rebuilds are taken.
using RebuildTest = std::function<bool(const ops::Operation&)>;

// The findings of one migration's operations applied to `before`, in order. Never throws: an
// operation on something the schema lacks is judged without it (its guard decides at apply time).
std::vector<Checked> analyse(const std::vector<ops::Operation>& operations, const DeclaredSchema& before,
                             const std::string& file, const std::string& version, const RebuildTest& rebuilds);

}  // namespace strata::detail
