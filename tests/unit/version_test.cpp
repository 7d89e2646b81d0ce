#include <strata/version.hpp>

#include <catch2/catch.hpp>

using strata::Version;

namespace {
Version v(const char* text) {
  auto parsed = Version::parse(text);
  REQUIRE(parsed);
  return *parsed;
}
}  // namespace

TEST_CASE("versions compare part by part numerically") {
  CHECK(v("1.10") > v("1.9"));
  CHECK(v("2") > v("1.99"));
  CHECK(v("1.2.3") < v("1.2.4"));
  CHECK(v("2024_06_01") < v("2024_06_02"));
  CHECK(v("10") > v("9"));
}

TEST_CASE("underscore and dot are the same separator") {
  CHECK(v("2_1") == v("2.1"));
  CHECK(v("2024_06_01").str() == "2024.6.1");
}

TEST_CASE("leading zeros and trailing zero parts do not count") {
  CHECK(v("002") == v("2"));
  CHECK(v("1.0") == v("1"));
  CHECK(v("1.0.0").str() == "1");
  CHECK(v("0").str() == "0");
  CHECK(v("1.0.1") > v("1"));
}

TEST_CASE("text that is not a version is refused") {
  for (const char* bad : {"", "1..2", "1.", ".1", "a", "1a", "1-2", "v1", "1 2", "+1", "-1", "1_", "0x1"})
    CHECK_FALSE(Version::parse(bad));
}

TEST_CASE("a part has any number of digits: compared as a digit string, never as a machine integer") {
  CHECK(v("20150100000001000000").str() == "20150100000001000000");
  CHECK(v("20150100000001000001") > v("20150100000001000000"));
  CHECK(v("99999999999999999999999") > v("18446744073709551615"));  // past 2^64
  CHECK(v("100000000000000000000") > v("99999999999999999999"));    // more digits, larger
  CHECK(v("00020150100000001000000") == v("20150100000001000000"));
  CHECK(v("1.18446744073709551616") > v("1.18446744073709551615"));
}

TEST_CASE("== says what <=> says: each version has one normalised spelling") {
  const char* spellings[] = {"0",
                             "0.0",
                             "00",
                             "1",
                             "1.0",
                             "01.00",
                             "1_0_0",
                             "1.1",
                             "1.01",
                             "1.10",
                             "10",
                             "2.0.1",
                             "2_0_1",
                             "02.00.01",
                             "20150100000001000000",
                             "20150100000001000000.0"};
  for (const char* a : spellings)
    for (const char* b : spellings) {
      INFO(a << " and " << b);
      CHECK((v(a) == v(b)) == ((v(a) <=> v(b)) == 0));
    }
  CHECK(v("01.00") == v("1"));
  CHECK_FALSE(v("1.1") == v("1.10"));
}
