#include <strata/checksum.hpp>
#include <strata/plan.hpp>

#include <catch2/catch.hpp>

using namespace strata;

namespace {

Migration versioned(const char* version, const char* sql = "SELECT 1;") {
  strata::MigrationName name{MigrationKind::versioned, Version::parse(version), std::string("v") + version, "", false};
  return Migration::sql(name, std::string("V") + version + "__v.sql", sql, "");
}

Migration repeatable(const char* description, const char* sql = "SELECT 1;") {
  strata::MigrationName name{MigrationKind::repeatable, std::nullopt, description, "", false};
  return Migration::sql(name, std::string("R__") + description + ".sql", sql, "");
}

LedgerRow row_for(const Migration& m, bool success = true) {
  static int rank = 0;
  LedgerRow row;
  row.installed_rank = ++rank;
  row.version = m.version;
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

namespace {

LedgerRow undo_row(const Migration& m) {
  LedgerRow row = row_for(m);
  row.kind = MigrationKind::undo;
  row.script = "U" + m.version->str() + "__v.sql";
  return row;
}

Migration undo_of(const char* version) {
  Migration m = versioned(version, "DROP TABLE t;");
  m.kind = MigrationKind::undo;
  m.script = std::string("U") + version + "__v.sql";
  return m;
}

LedgerRow baseline_row(const char* version) {
  LedgerRow row;
  row.installed_rank = 1;
  row.version = Version::parse(version);
  row.kind = MigrationKind::baseline;
  row.description = "baseline";
  row.script = "<< baseline >>";
  return row;
}

LedgerRow failed_row(const Migration& m, int done, bool in_doubt) {
  LedgerRow row = row_for(m, false);
  row.statements_done = done;
  row.in_doubt = in_doubt;
  return row;
}

std::vector<std::string> rollback_scripts(const RollbackPlan& plan) {
  std::vector<std::string> out;
  for (const auto& step : plan.steps) out.push_back(step.undo.script);
  return out;
}

}  // namespace

TEST_CASE("an undone version is pending again, and repeatables run again after an undo") {
  std::vector<Migration> files{versioned("1"), versioned("2"), repeatable("view")};
  std::vector<LedgerRow> ledger{row_for(files[0]), row_for(files[1]), row_for(files[2]), undo_row(files[1])};
  Plan plan = make_plan(files, ledger, {});
  CHECK(state_of(plan, "V2__v.sql") == MigrationState::undone);
  CHECK(pending_scripts(plan) == std::vector<std::string>{"V2__v.sql", "R__view.sql"});
  CHECK(plan.current_version()->str() == "1");
}

TEST_CASE("of a version's rows the latest decides, whatever order the ledger holds versions in") {
  // Applied out of order (3, 1, 10, 2), 10 undone then applied again, 2 failed then applied.
  std::vector<Migration> files{versioned("1"), versioned("2"), versioned("3"), versioned("10"), versioned("11")};
  std::vector<LedgerRow> ledger{row_for(files[2]),        row_for(files[0]), row_for(files[3]), undo_row(files[3]),
                                row_for(files[1], false), row_for(files[3]), row_for(files[1])};
  Plan plan = make_plan(files, ledger, {});
  CHECK(state_of(plan, "V1__v.sql") == MigrationState::applied);
  CHECK(state_of(plan, "V2__v.sql") == MigrationState::applied);
  CHECK(state_of(plan, "V10__v.sql") == MigrationState::applied);
  CHECK(pending_scripts(plan) == std::vector<std::string>{"V11__v.sql"});
  CHECK(plan.problems.empty());
  REQUIRE(plan.migrations.size() == 5);
  CHECK(plan.migrations[3].latest->installed_rank == ledger[5].installed_rank);  // 10's last row, not its undo
  CHECK(plan.current_version()->str() == "10");
}

TEST_CASE("each file meets its version's row whatever order and spelling, with rows and files missing between") {
  // Files out of order, two spelled unlike their rows (1.0 is 1, 02 is 2); the ledger holds 4,
  // which has no file, before 3; 5 has no row.
  std::vector<Migration> files{versioned("3"), versioned("1.0"), versioned("5"), versioned("02")};
  std::vector<LedgerRow> ledger{row_for(versioned("1")), row_for(versioned("2")), row_for(versioned("4")),
                                row_for(files[0])};
  Plan plan = make_plan(files, ledger, {});
  CHECK(state_of(plan, "V1.0__v.sql") == MigrationState::applied);
  CHECK(state_of(plan, "V02__v.sql") == MigrationState::applied);
  CHECK(state_of(plan, "V3__v.sql") == MigrationState::applied);
  CHECK(state_of(plan, "V4__v.sql") == MigrationState::missing);
  CHECK(pending_scripts(plan) == std::vector<std::string>{"V5__v.sql"});
  REQUIRE(plan.problems.size() == 1);
  CHECK_THAT(plan.problems[0], Catch::Contains("version 4 is recorded as applied but its file is missing"));
  REQUIRE(plan.migrations.size() == 5);
  CHECK(plan.migrations[0].latest->script == "V1__v.sql");  // the row, met by the file spelled 1.0
  CHECK(plan.migrations[4].script == "V5__v.sql");
}

TEST_CASE("versions up to the baseline are never run, later ones are") {
  std::vector<Migration> files{versioned("1"), versioned("2"), versioned("3"), repeatable("view")};
  std::vector<LedgerRow> ledger{baseline_row("2")};
  Plan plan = make_plan(files, ledger, {});
  CHECK(state_of(plan, "V1__v.sql") == MigrationState::below_baseline);
  CHECK(state_of(plan, "V2__v.sql") == MigrationState::baseline);
  CHECK(pending_scripts(plan) == std::vector<std::string>{"V3__v.sql", "R__view.sql"});
  CHECK(plan.problems.empty());
}

TEST_CASE("a baseline without a file of its version is shown on its own") {
  std::vector<Migration> files{versioned("3")};
  std::vector<LedgerRow> ledger{baseline_row("2")};
  Plan plan = make_plan(files, ledger, {});
  CHECK(state_of(plan, "<< baseline >>") == MigrationState::baseline);
  CHECK(plan.current_version()->str() == "2");
}

TEST_CASE("a failed migration is resumed after the statements it ran") {
  std::vector<Migration> files{versioned("1")};
  std::vector<LedgerRow> ledger{failed_row(files[0], 2, false)};
  Plan plan = make_plan(files, ledger, PlanOptions{std::nullopt, false, Resume::resume});
  REQUIRE(plan.pending.size() == 1);
  CHECK(plan.pending[0].resumes);
  CHECK(plan.pending[0].first_statement == 2);
  CHECK(plan.problems.empty());
}

TEST_CASE("a statement in doubt needs retry or skip, which start at it or after it") {
  std::vector<Migration> files{versioned("1")};
  std::vector<LedgerRow> ledger{failed_row(files[0], 1, true)};
  Plan plain = make_plan(files, ledger, PlanOptions{std::nullopt, false, Resume::resume});
  CHECK(plain.pending.empty());
  REQUIRE(plain.problems.size() == 1);
  CHECK_THAT(plain.problems[0], Catch::Contains("--resume=retry") && Catch::Contains("--resume=skip"));

  Plan retry = make_plan(files, ledger, PlanOptions{std::nullopt, false, Resume::retry});
  REQUIRE(retry.pending.size() == 1);
  CHECK(retry.pending[0].first_statement == 1);
  Plan skip = make_plan(files, ledger, PlanOptions{std::nullopt, false, Resume::skip});
  REQUIRE(skip.pending.size() == 1);
  CHECK(skip.pending[0].first_statement == 2);
}

TEST_CASE("a failed undo cannot be resumed by migrate") {
  std::vector<Migration> files{versioned("1")};
  LedgerRow undo = undo_row(files[0]);
  undo.success = false;
  std::vector<LedgerRow> ledger{row_for(files[0]), undo};
  Plan plan = make_plan(files, ledger, PlanOptions{std::nullopt, false, Resume::resume});
  CHECK(plan.pending.empty());
  REQUIRE(plan.problems.size() == 1);
  CHECK_THAT(plan.problems[0], Catch::Contains("undo") && Catch::Contains("repair"));
}

TEST_CASE("rollback undoes the newest versions first, by steps or down to a version") {
  std::vector<Migration> files{versioned("1"), versioned("2"), versioned("10"),
                               undo_of("1"),   undo_of("2"),   undo_of("10")};
  std::vector<LedgerRow> ledger{row_for(files[0]), row_for(files[1]), row_for(files[2])};
  CHECK(rollback_scripts(make_rollback_plan(files, ledger, {})) == std::vector<std::string>{"U10__v.sql"});
  CHECK(rollback_scripts(make_rollback_plan(files, ledger, {std::nullopt, 2})) ==
        std::vector<std::string>{"U10__v.sql", "U2__v.sql"});
  CHECK(rollback_scripts(make_rollback_plan(files, ledger, {Version::parse("1"), 1})) ==
        std::vector<std::string>{"U10__v.sql", "U2__v.sql"});
}

TEST_CASE("rollback is refused whole when a version has no undo, is below the baseline, or is not applied") {
  std::vector<Migration> files{versioned("3"), versioned("4"), versioned("5"), undo_of("5"), undo_of("3")};
  std::vector<LedgerRow> ledger{baseline_row("2"), row_for(files[0]), row_for(files[1]), row_for(files[2])};
  auto no_undo = make_rollback_plan(files, ledger, {Version::parse("2"), 1});
  CHECK(no_undo.steps.empty());
  REQUIRE(no_undo.problems.size() == 1);
  CHECK_THAT(no_undo.problems[0], Catch::Contains("version 4") && Catch::Contains("no undo"));

  auto below = make_rollback_plan(files, ledger, {Version::parse("1"), 1});
  CHECK(below.steps.empty());
  CHECK_THAT(below.problems.at(0), Catch::Contains("below the baseline"));

  auto unknown = make_rollback_plan(files, ledger, {Version::parse("4.5"), 1});
  CHECK_THAT(unknown.problems.at(0), Catch::Contains("not applied"));

  auto too_many = make_rollback_plan(files, ledger, {std::nullopt, 4});
  CHECK_THAT(too_many.problems.at(0), Catch::Contains("only 3 versions are applied above the baseline 2"));
}
