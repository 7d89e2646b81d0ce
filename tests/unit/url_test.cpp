#include <strata/error.hpp>
#include <strata/url.hpp>

#include <catch2/catch.hpp>

using strata::DatabaseUrl;
using strata::is_core_parameter;
using strata::without_core_parameters;

TEST_CASE("a URL with an authority is read into its parts") {
  auto url = DatabaseUrl::parse("postgres://app:s%40cret@db.example:6432/orders?sslmode=disable&schema=billing");
  CHECK(url.scheme == "postgres");
  CHECK(url.user == "app");
  CHECK(url.password == "s@cret");
  CHECK(url.host == "db.example");
  CHECK(url.port == 6432);
  CHECK(url.path == "/orders");
  CHECK(url.param("schema") == "billing");
  CHECK_FALSE(url.param("missing"));
}

TEST_CASE("sqlite URLs keep their path") {
  CHECK(DatabaseUrl::parse("sqlite:app.db").path == "app.db");
  CHECK(DatabaseUrl::parse("sqlite:///var/lib/app.db").path == "/var/lib/app.db");
  CHECK(DatabaseUrl::parse("sqlite::memory:").path == ":memory:");
  CHECK(DatabaseUrl::parse("SQLite:app.db").scheme == "sqlite");
}

TEST_CASE("a redacted URL never shows the password") {
  auto url = DatabaseUrl::parse("mysql://root:hunter2@127.0.0.1:3306/app?password=hunter3");
  CHECK(url.redacted() == "mysql://root:***@127.0.0.1:3306/app?password=***");
}

TEST_CASE("malformed URLs are usage errors that do not repeat the password") {
  for (const char* bad : {"app.db", "://x", "postgres://u:hunter2@host:99999/db", "postgres://u:hunter2@host:x/db"}) {
    try {
      DatabaseUrl::parse(bad);
      FAIL(bad);
    } catch (const strata::Error& e) {
      CHECK(e.kind() == strata::ErrorKind::usage);
      CHECK_THAT(e.what(), !Catch::Contains("hunter2"));
    }
  }
}

TEST_CASE("a password whose '/', '?' or '@' is not percent-encoded is refused without repeating any of it") {
  for (const char* bad : {"postgres://app:Qx7kH@Wv2mJ:Rb9pK/Zt4cM%Ln6dN@127.0.0.1:5432/orders",
                          "postgres://app:Rb9pK/Zt4cM@db.example/orders", "mysql://root:Rb9pK?Zt4cM@db.example/app",
                          "mysql://root:12345/Rb9pK@db.example/app"}) {
    INFO(bad);
    try {
      DatabaseUrl::parse(bad);
      FAIL("accepted");
    } catch (const strata::Error& e) {
      CHECK(e.kind() == strata::ErrorKind::usage);
      CHECK_THAT(e.what(), Catch::Contains("percent-encode"));
      for (const char* part : {"Qx7kH", "Wv2mJ", "Rb9pK", "Zt4cM", "Ln6dN", "12345"})
        CHECK_THAT(e.what(), !Catch::Contains(part));
    }
  }
  CHECK(DatabaseUrl::parse("postgres://app:Rb9pK%2FZt4cM@db.example/orders").password == "Rb9pK/Zt4cM");
  CHECK(DatabaseUrl::parse("sqlite:///var/lib/app@2.db").path == "/var/lib/app@2.db");
}

TEST_CASE("the core's own URL parameters are removed before a driver sees the URL, the driver's kept") {
  auto url = DatabaseUrl::parse("mysql://root@127.0.0.1:3306/app?lock=lease&compat=mysql8&lease_seconds=5");
  CHECK(is_core_parameter("lock"));
  CHECK(is_core_parameter("lease_seconds"));
  CHECK_FALSE(is_core_parameter("compat"));
  auto driver = without_core_parameters(url);
  REQUIRE(driver.query.size() == 1);
  CHECK(driver.query[0].first == "compat");
  CHECK(driver.redacted() == "mysql://root@127.0.0.1:3306/app?compat=mysql8");
}
