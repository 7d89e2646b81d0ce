// goose and dbmate direction markers on any text of a numbered SQL file. Only strata::Error may
// leave the reader, naming a line; what it reads never runs both directions: no section it
// makes holds a direction marker, and the migration keeps the whole file's checksum.
#include "invariant.hpp"

#include <strata/checksum.hpp>
#include <strata/error.hpp>
#include <strata/source.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <regex>
#include <string>

namespace {

// Whether `text` holds a line that is a direction marker of either tool (in any case): "--",
// spaces, then "+goose up|down" or "migrate:up|down".
bool holds_marker(const std::string& text) {
  static const std::regex marker(R"((^|\n)--[ \t]*(\+goose[ \t]+(up|down)|migrate:(up|down))([ \t\r]|$|\n))",
                                 std::regex::icase);
  return std::regex_search(text, marker);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  strata::MigrationName name{strata::MigrationKind::versioned, strata::Version::parse("1"), "fuzz", "", false};
  strata::Migration base = strata::Migration::sql(name, "001_fuzz.sql", text, "");
  std::vector<strata::Migration> read;
  try {
    read = strata::sql_migrations(base);
  } catch (const strata::Error& e) {
    if (e.line() < 1) violated("a refusal that names no line");
    return 0;
  }
  if (read.empty()) violated("nothing read");
  if (read.front().checksum != strata::script_checksum(text)) violated("the checksum is not the whole file's");
  for (const auto& m : read)
    if (const strata::SqlScript* sql = m.sql_script(); sql && sql->parts)
      for (const auto& part : *sql->parts)
        if (holds_marker(part.text)) violated("a section holds a direction marker: both directions would run");
  return 0;
}
