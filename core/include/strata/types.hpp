// Portable column types: the vocabulary shared by the ledger and portable operations. Each
// dialect maps every type to its own SQL (see docs/types.md); where a backend lacks a type the
// mapping is many-to-one.
#pragma once

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
};

}  // namespace strata
