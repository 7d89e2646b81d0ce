#include <strata/checksum.hpp>
#include <strata/plan.hpp>

#include <catch2/catch.hpp>

using namespace strata;

namespace {

Migration versioned(const char* version, const char* sql = "SELECT 1;") {
  Migration m;
  m.kind = MigrationKind::versioned;
  m.version = Version::parse(version);
  m.description = std::string("v") + version;
  m.script = std::string("V") + version + "__v.sql";
  m.sql = sql;
  m.checksum = script_checksum(sql);
  return m;
}

Migration repeatable(const char* description, const char* sql = "SELECT 1;") {
  Migration m;
  m.kind = MigrationKind::repeatable;
  m.description = description;
  m.script = std::string("R__") + description + ".sql";
  m.sql = sql;
  m.checksum = script_checksum(sql);
  return m;
}

LedgerRow row_for(const Migration& m, bool success = true) {
  static int rank = 0;
  LedgerRow row;
  row.installed_rank = ++rank;
  if (m.version) row.version = m.version->str();
  row.description = m.description;
  row.kind = m.kind;
  row.script = m.script;
  row.checksum = m.checksum;
  row.success = success;
  return row;
}

std::vector<std::string> pending_scripts(const Plan& plan) {
  std::vector<std::string> out;
  for (const auto& p : plan.pending) out.push_back(p.migration.script);
  return out;
}

MigrationState state_of(const Plan& plan, const std::string& script) {
  for (const auto& s : plan.migrations)
    if (s.script == script) return s.state;
  FAIL("no status for " << script);
  return MigrationState::pending;
}

}  // namespace

TEST_CASE("on an empty ledger everything is pending, versioned first, then repeatables") {
  std::vector<Migration> files{versioned("1"), versioned("2"), repeatable("view")};
  Plan plan = make_plan(files, {}, {});
  CHECK(pending_scripts(plan) == std::vector<std::string>{"V1__v.sql", "V2__v.sql", "R__view.sql"});
  CHECK(plan.problems.empty());
  CHECK_FALSE(plan.up_to_date());
  CHECK_FALSE(plan.current_version());
}

TEST_CASE("applied migrations are not pending and the plan is up to date") {
  std::vector<Migration> files{versioned("1"), versioned("2"), repeatable("view")};
  std::vector<LedgerRow> ledger{row_for(files[0]), row_for(files[1]), row_for(files[2])};
  Plan plan = make_plan(files, ledger, {});
  CHECK(plan.up_to_date());
  CHECK(state_of(plan, "V2__v.sql") == MigrationState::applied);
  CHECK(plan.current_version()->str() == "2");
}

TEST_CASE("only newer versions are pending after earlier ones were applied") {
  std::vector<Migration> files{versioned("1"), versioned("2"), versioned("3")};
  std::vector<LedgerRow> ledger{row_for(files[0])};
  Plan plan = make_plan(files, ledger, {});
  CHECK(pending_scripts(plan) == std::vector<std::string>{"V2__v.sql", "V3__v.sql"});
}

TEST_CASE("a changed applied file is a checksum mismatch that stops the run") {
  std::vector<Migration> files{versioned("1", "SELECT 1;")};
  std::vector<LedgerRow> ledger{row_for(versioned("1", "SELECT 2;"))};
  Plan plan = make_plan(files, ledger, {});
  CHECK(state_of(plan, "V1__v.sql") == MigrationState::checksum_mismatch);
  REQUIRE(plan.problems.size() == 1);
  CHECK_THAT(plan.problems[0], Catch::Contains(script_checksum("SELECT 1;")));
  CHECK_THAT(plan.problems[0], Catch::Contains(script_checksum("SELECT 2;")));
  CHECK_FALSE(plan.up_to_date());
}

TEST_CASE("a changed repeatable is pending again, an unchanged one is not") {
  std::vector<Migration> files{repeatable("a", "SELECT 'new';"), repeatable("b")};
  std::vector<LedgerRow> ledger{row_for(repeatable("a", "SELECT 'old';")), row_for(files[1])};
  Plan plan = make_plan(files, ledger, {});
  CHECK(pending_scripts(plan) == std::vector<std::string>{"R__a.sql"});
  CHECK(plan.problems.empty());
}

TEST_CASE("the latest row of a repeatable decides its state") {
  Migration now = repeatable("a", "SELECT 'v2';");
  std::vector<Migration> files{now};
  std::vector<LedgerRow> ledger{row_for(repeatable("a", "SELECT 'v1';")), row_for(now)};
  CHECK(make_plan(files, ledger, {}).up_to_date());
}

TEST_CASE("a version older than the newest applied is out of order and refused") {
  std::vector<Migration> files{versioned("1"), versioned("2"), versioned("3")};
  std::vector<LedgerRow> ledger{row_for(files[0]), row_for(files[2])};
  Plan plan = make_plan(files, ledger, {});
  CHECK(state_of(plan, "V2__v.sql") == MigrationState::out_of_order);
  REQUIRE(plan.problems.size() == 1);
  CHECK_THAT(plan.problems[0], Catch::Contains("--out-of-order"));
  CHECK(plan.pending.empty());

  Plan allowed = make_plan(files, ledger, PlanOptions{std::nullopt, true});
  CHECK(allowed.problems.empty());
  CHECK(pending_scripts(allowed) == std::vector<std::string>{"V2__v.sql"});
}

TEST_CASE("a recorded migration whose file is gone is missing, and stops the run") {
  std::vector<Migration> files{versioned("2")};
  std::vector<LedgerRow> ledger{row_for(versioned("1")), row_for(files[0])};
  Plan plan = make_plan(files, ledger, {});
  CHECK(state_of(plan, "V1__v.sql") == MigrationState::missing);
  CHECK(plan.problems.size() == 1);
}

TEST_CASE("a version applied by a newer release is future: a warning, never an error") {
  std::vector<Migration> files{versioned("1")};
  std::vector<LedgerRow> ledger{row_for(files[0]), row_for(versioned("2"))};
  Plan plan = make_plan(files, ledger, {});
  CHECK(state_of(plan, "V2__v.sql") == MigrationState::future);
  CHECK(plan.problems.empty());
  CHECK(plan.warnings.size() == 1);
  CHECK(plan.up_to_date());
  CHECK(plan.current_version()->str() == "2");
}

TEST_CASE("a failed latest row is a failed migration that stops the run") {
  std::vector<Migration> files{versioned("1")};
  LedgerRow failed = row_for(files[0], false);
  failed.statements_done = 2;
  std::vector<LedgerRow> ledger{failed};
  Plan plan = make_plan(files, ledger, {});
  CHECK(state_of(plan, "V1__v.sql") == MigrationState::failed);
  REQUIRE(plan.problems.size() == 1);
  CHECK_THAT(plan.problems[0], Catch::Contains("failed at statement 3"));
}

TEST_CASE("a target stops the plan at that version") {
  std::vector<Migration> files{versioned("1"), versioned("2"), versioned("3")};
  Plan plan = make_plan(files, {}, PlanOptions{Version::parse("2"), false});
  CHECK(pending_scripts(plan) == std::vector<std::string>{"V1__v.sql", "V2__v.sql"});
}
