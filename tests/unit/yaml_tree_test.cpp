// strata reads YAML with libyaml (core/src/yaml_tree.hpp); it read it with yaml-cpp before, and a
// portable migration's checksum is of what the reader makes of the tree. So the two parsers'
// trees are held side by side here, node by node: kind, text, tag, position and order, for every
// YAML file of the project and for the corners of YAML a migration may use.
#include "yaml_tree.hpp"

#include <yaml-cpp/yaml.h>
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using strata::detail::YamlDocument;
using strata::detail::YamlError;
using strata::detail::YamlNode;

namespace {

// Where the two trees differ, as a path from the root ("" when they agree).
std::string difference(const YAML::Node& old, const YamlNode& now, const std::string& path) {
  auto at = [&](const std::string& what) { return path + ": " + what; };
  switch (old.Type()) {
    case YAML::NodeType::Null:
      if (!now.IsNull()) return at("null before, not now");
      break;
    case YAML::NodeType::Scalar:
      if (!now.IsScalar()) return at("a scalar before, not now");
      if (old.Scalar() != now.Scalar()) return at("text '" + old.Scalar() + "' before, '" + now.Scalar() + "' now");
      break;
    case YAML::NodeType::Sequence:
      if (!now.IsSequence()) return at("a sequence before, not now");
      break;
    case YAML::NodeType::Map:
      if (!now.IsMap()) return at("a mapping before, not now");
      break;
    default: return at("undefined before");
  }
  if (old.Tag() != now.Tag()) return at("tag '" + old.Tag() + "' before, '" + now.Tag() + "' now");
  if (old.Mark().line != now.Mark().line || old.Mark().column != now.Mark().column)
    return at("at " + std::to_string(old.Mark().line) + ":" + std::to_string(old.Mark().column) + " before, " +
              std::to_string(now.Mark().line) + ":" + std::to_string(now.Mark().column) + " now");
  if (old.size() != now.size()) return at(std::to_string(old.size()) + " items before, " + std::to_string(now.size()));
  auto next = now.begin();
  int i = 0;
  for (const auto& item : old) {
    auto entry = *next;
    std::string d = old.IsMap() ? difference(item.first, entry.first, path + "/key " + std::to_string(i)) +
                                      difference(item.second, entry.second, path + "/value " + std::to_string(i))
                                : difference(item, entry, path + "/" + std::to_string(i));
    if (!d.empty()) return d;
    ++next;
    ++i;
  }
  return "";
}

// "" when both parsers read `text` alike, or both refuse it; else what differs.
std::string compare(const std::string& text) {
  YAML::Node old;
  bool old_failed = false;
  try {
    old = YAML::Load(text);
  } catch (const YAML::Exception&) {
    old_failed = true;
  }
  try {
    YamlDocument now(text);
    if (old_failed) return "yaml-cpp refused it, libyaml did not";
    return difference(old, now.root(), "");
  } catch (const YamlError& e) {
    return old_failed ? "" : "libyaml refused it (" + e.message + "), yaml-cpp did not";
  }
}

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("libyaml's tree is yaml-cpp's for every YAML file of the project", "[yaml]") {
  int files = 0;
  for (const char* dir : {"migrations", "examples", "tests", "docs"}) {
    for (const auto& entry : fs::recursive_directory_iterator(fs::path(STRATA_SOURCE_DIR) / dir)) {
      if (entry.path().extension() != ".yaml" && entry.path().extension() != ".yml") continue;
      INFO(entry.path().string());
      CHECK(compare(read(entry.path())) == "");
      ++files;
    }
  }
  CHECK(files >= 5);
}

TEST_CASE("libyaml's tree is yaml-cpp's in the corners of YAML", "[yaml]") {
  const std::vector<std::string> cases = {
      "",
      "# only a comment\n",
      "---\n",
      "- create_table: {name: t, columns: [{name: id, type: bigint, primary_key: true}]}\n",
      "- add_column:\n    table: t\n    column:\n      name: c\n      type: integer\n      default: 1\n",
      "up:\n- drop_table: {name: t}\ndown:\n- sql: 'CREATE TABLE t (id INTEGER)'\n",
      "a: null\nb: ~\nc: Null\nd: NULL\ne:\nf: 'null'\ng: \"~\"\nh: !!null null\ni: ! null\n",
      "a: true\nb: 'true'\nc: \"false\"\nd: yes\ne: 010\nf: 1e3\ng: -0.5\nh: !!str 12\ni: 0x1f\n",
      "a: |\n  line one\n  line two\nb: >\n  folded\n  text\n\nc: |-\n  kept\nd: |+\n  x\n\n",
      "a: \"tab\\there \\u00e9 \\\"q\\\"\"\nb: 'it''s'\nc: plain text with: colon\nd: \"multi\n  line\"\n",
      "base: &b {name: id, type: bigint}\nuse: *b\nlist: &l [a, b]\nagain: *l\n",
      "a: 1\na: 2\n",
      "? complex key\n: value\n[1, 2]: seq key\n",
      "- [a, b, {c: d}]\n- {e: [f, g]}\n-   - nested\n    - block\n",
      "key:\n- indentless\n- sequence\nnext: 1\n",
      "- a\n---\n- second document\n",
      "--- !!map\n? a\n: b\n",
      "\xEF\xBB\xBF- with: a byte order mark\n",
      "- emoji: \"\xF0\x9F\x98\x80\"\n  accents: caf\xC3\xA9\n",
      "- {a: 1, b: }\n- {c: , d: 2}\n",
      "- add_column: {table: a, column: {name: b, type: integer}\n",
      "key: [unclosed\n",
      "a: b: c\n",
      "\tkey: tab\n",
      "*undefined\n",
      "- a: 1\r\n  b: [x, y]\r\n- c: 'd'\r\n",
      "--- !!seq\n- !!map {a: !!str 1}\n- &k key\n- {*k : v}\n...\n",
      "# head\n- sql: |\n    CREATE TABLE t (\n      id INTEGER  -- comment\n    );\n  # between\n- drop_table: {name: "
      "t}  # tail\n",
      "- {sql: \"SELECT '\\u263A', E'\\\\n'\"}\n",
      "a:\n  b:\n    c:\n      - d:\n        e: f\n",
      "[a, b]: c\n",
      "a: 'one\n\n  two'\n",
  };
  for (const auto& text : cases) {
    INFO(text);
    CHECK(compare(text) == "");
  }
}

// Where yaml-cpp strayed from YAML, libyaml reads as YAML says: what a migration written so
// meant before is not what it wrote (docs/user-guide.md, "Portable operations").
TEST_CASE("libyaml reads as YAML says where yaml-cpp did not", "[yaml]") {
  // Folded and kept (>+): every line break at the end is kept; yaml-cpp dropped one.
  CHECK(YamlDocument("a: >+\n  x\n\n\nb: 1\n").root()["a"].Scalar() == "x\n\n\n");
  CHECK(YAML::Load("a: >+\n  x\n\n\nb: 1\n")["a"].Scalar() == "x\n\n");
  // A key after a list at the same indentation is not YAML; yaml-cpp dropped it unread.
  CHECK_THROWS_AS(YamlDocument("- x\ny: z\n"), YamlError);
  CHECK(YAML::Load("- x\ny: z\n").size() == 1);
}

TEST_CASE("a key looked up in a scalar, or a mapping read as text, is an error naming where", "[yaml]") {
  YamlDocument document("- plain\n- {a: 1}\n");
  YamlNode root = document.root();
  auto first = *root.begin();
  auto second = *++root.begin();
  CHECK_FALSE(root["a"]);  // a sequence has no keys
  CHECK(first.as_text() == "plain");
  try {
    (void)first["a"];
    FAIL("no error");
  } catch (const YamlError& e) {
    CHECK(e.message.find("scalar") != std::string::npos);
    CHECK(e.mark.line == 0);
    CHECK(e.mark.column == 2);
  }
  try {
    (void)second.as_text();
    FAIL("no error");
  } catch (const YamlError& e) {
    CHECK(e.mark.line == 1);
  }
  CHECK(second["a"].as_text() == "1");
  CHECK_FALSE(second["b"]);
}

TEST_CASE("text that is not YAML is refused at its line and column", "[yaml]") {
  try {
    YamlDocument("a: 1\nb: [2, 3\n");
    FAIL("no error");
  } catch (const YamlError& e) {
    CHECK_FALSE(e.message.empty());
    CHECK(e.mark.line >= 1);
  }
  try {
    YamlDocument("a: \"\xFF\"\n");
    FAIL("no error");
  } catch (const YamlError& e) {
    CHECK(e.mark.line == 0);
    CHECK(e.mark.column == 4);
  }
}
