// Portable column types: the vocabulary shared by the ledger and portable operations. Each
// dialect maps every type to its own SQL (the table in docs/operations.md); where a backend lacks a type the
// mapping is many-to-one.
#pragma once

#include <strata/export.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace strata {

enum class PortableType {
  boolean,
  smallint,
  integer,
  bigint,
  real,
  double_precision,
  decimal,
  string,
  text,
  binary,
  date,
  time,
  timestamp,
  timestamptz,
  uuid,
  json,
};

struct ColumnType {
  PortableType type = PortableType::text;
  int length = 0;     // string(length); 0 when unbounded
  int precision = 0;  // decimal(precision, scale)
  int scale = 0;

  bool operator==(const ColumnType&) const = default;
};

// "integer", "string(32)", "string", "decimal(10,2)": the names YAML migrations use.
STRATA_API std::string to_string(const ColumnType& type);
// The portable type `text` names ("string(32)", "double", "decimal(10, 2)"); nullopt when it
// names none. Letter case and spaces do not matter.
STRATA_API std::optional<ColumnType> parse_column_type(std::string_view text);
// Every portable type name, for messages: "boolean, smallint, ...".
STRATA_API std::string portable_type_names();

}  // namespace strata
