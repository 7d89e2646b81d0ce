// Reading another migration tool's record of what it applied (`strata adopt`), through the
// driver's session, from the schema strata works in. Private to libstrata.
#pragma once

#include <strata/adopt.hpp>
#include <strata/driver.hpp>

namespace strata::detail {

// The tool `--from` names; Error(usage), listing those strata knows, for any other.
const ForeignTool& foreign_tool(std::string_view name);

// The old tool's table as `options` names it (the tool's default table otherwise). Throws
// Error(usage) for an unknown tool, Error(validation) when the table is missing or is not the
// tool's (a column it must have is absent, a value is not what the tool writes); a database
// error as the driver reports it. Reads only.
ForeignHistory read_foreign_history(Connection& connection, const AdoptOptions& options);

}  // namespace strata::detail
