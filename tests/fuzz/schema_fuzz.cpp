// The declared-schema reader (schema.yaml) and the diff on any bytes. Only strata::Error may
// leave the reader, naming the file; what it accepts writes back (to_yaml) to the same schema,
// diffs empty against itself, and from nothing its diff (which checks itself: the operations,
// folded, must give the schema) writes a migration the operations reader reads back.
#include "invariant.hpp"

#include <strata/diff.hpp>
#include <strata/error.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  strata::DeclaredSchema schema;
  try {
    schema = strata::parse_declared_schema(text, "schema.yaml");
  } catch (const strata::Error& e) {
    if (e.file() != "schema.yaml") violated("an error that does not name the file");
    return 0;
  }
  strata::DeclaredSchema again;
  try {
    again = strata::parse_declared_schema(strata::to_yaml(schema), "again.yaml");
  } catch (const strata::Error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    violated("what to_yaml wrote does not read back");
  }
  try {
    if (!strata::diff(schema, again).empty()) violated("a schema written and read back differs");
    if (!strata::diff(schema, schema).empty()) violated("a schema differs from itself");
    strata::Diff made = strata::diff({}, schema);
    auto script = strata::ops::parse_yaml(strata::to_yaml(made.up, made.down), "V1__made.yaml");
    if (strata::ops::canonical_text(script.up) != strata::ops::canonical_text(made.up))
      violated("a generated migration reads back as other operations");
  } catch (const strata::Error& e) {
    // Refusals are errors a user sees (a native column, a key with no portable name); the
    // differ's self-check failing is a bug.
    if (e.kind() == strata::ErrorKind::internal) {
      std::fprintf(stderr, "%s\n", e.what());
      violated("the differ's operations do not give the schema");
    }
  }
  return 0;
}
