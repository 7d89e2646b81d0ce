#include <strata/checksum.hpp>

#include <catch2/catch.hpp>

TEST_CASE("checksums are the SHA-256 of the script") {
  CHECK(strata::sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(strata::script_checksum("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("a CRLF-only change is not a change") {
  CHECK(strata::script_checksum("CREATE TABLE a (id INT);\r\nSELECT 1;\r\n") ==
        strata::script_checksum("CREATE TABLE a (id INT);\nSELECT 1;\n"));
}

TEST_CASE("a UTF-8 byte-order mark is not a change") {
  CHECK(strata::script_checksum("\xEF\xBB\xBFSELECT 1;") == strata::script_checksum("SELECT 1;"));
}

TEST_CASE("a one-character edit is a change, whitespace included") {
  std::string base = strata::script_checksum("SELECT 1;\n");
  CHECK(strata::script_checksum("SELECT 2;\n") != base);
  CHECK(strata::script_checksum("SELECT  1;\n") != base);
  CHECK(strata::script_checksum("SELECT 1;") != base);
  CHECK(strata::script_checksum("SELECT 1;\r\r\n") != base);  // a lone CR is content
}
