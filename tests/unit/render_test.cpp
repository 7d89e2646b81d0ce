// Rendering portable operations (core/src/render.cpp): what a backend's SQL is compared by.
#include <strata/render.hpp>

#include <catch2/catch.hpp>

using strata::SqlRenderer;

TEST_CASE("defaults compare however a backend spells them") {
  auto c = [](const char* sql) { return SqlRenderer::comparable_default(sql); };
  CHECK(c("'pending'::character varying") == c("'pending'"));
  CHECK(c("'It''s'") == "'It''s'");  // quoted text keeps its case and quotes
  CHECK(c("'-1'::integer") == c("-1"));
  CHECK(c("CURRENT_TIMESTAMP") == "current_timestamp");
  CHECK(c("current_timestamp(3)") == "current_timestamp");
  CHECK(c("now()") == "current_timestamp");
  CHECK(c("FALSE") == c("0"));
  CHECK(c("true") == c("1"));
  CHECK(c("NULL").empty());
  CHECK(c("('abc')") == "'abc'");
  CHECK(c("1") != c("2"));
  CHECK(c("'pending'") != c("'Pending'"));
}
