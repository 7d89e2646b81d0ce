// The portable operations reader (YAML) on any bytes. Only strata::Error may leave it, and that
// error names the file and a line; what it accepts has a canonical form and a checksum that do
// not depend on anything but the text, and a derived undo (or the reason there is none).
#include "invariant.hpp"

#include <strata/error.hpp>
#include <strata/operations.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  strata::ops::Script script;
  try {
    script = strata::ops::parse_yaml(text, "fuzz.yaml");
  } catch (const strata::Error& e) {
    if (e.file() != "fuzz.yaml") violated("an error that does not name the file");
    return 0;
  }
  std::string checksum = strata::ops::checksum(script);
  if (strata::ops::checksum(strata::ops::parse_yaml(text, "other.yaml")) != checksum)
    violated("the checksum depends on more than the text");
  for (const auto& op : script.up) (void)op.summary();
  auto undo = strata::ops::derive_undo(script.up);
  if (!undo.operations && undo.missing.empty()) violated("no undo and no reason");
  if (undo.operations) (void)strata::ops::canonical_text(*undo.operations);
  return 0;
}
