// The ledger's SQL (core/src/ledger.cpp) on a real SQLite database in memory, through the
// SQLite driver as it ships: the tables it creates, as the catalog reads them, and each row
// written, read back, rewritten and removed. The conformance suite proves the same on every
// backend through the command line; this is the quick check of the statements themselves.
#include <strata/ledger.hpp>
#include <strata/plugin/loader.hpp>

#include <catch2/catch.hpp>

using namespace strata;

namespace {

struct MemoryDatabase {
  std::shared_ptr<Driver> driver = plugin::Loader().load("sqlite");
  std::unique_ptr<Connection> connection = driver->connect(ConnectOptions{DatabaseUrl::parse("sqlite::memory:")});
};

std::vector<std::string> column_names(Catalog& catalog, std::string_view table) {
  std::vector<std::string> out;
  for (const auto& c : catalog.columns(table)) out.push_back(c.name);
  return out;
}

}  // namespace

TEST_CASE("the ledger creates its table and its state table, with every column of this format") {
  MemoryDatabase db;
  Ledger ledger(*db.connection, "history");
  CHECK_FALSE(ledger.exists());
  ledger.create();
  CHECK(ledger.exists());
  CHECK(column_names(db.connection->catalog(), "history") ==
        std::vector<std::string>{"installed_rank", "version", "description", "kind", "script", "checksum",
                                 "installed_by", "installed_on", "execution_ms", "success", "statements_done",
                                 "in_doubt", "progress_checksum", "session_id", "adopted_from"});
  CHECK(ledger.state_table() == "history_state");
  auto state = db.connection->session().query("SELECT ledger_table, format, reader_format FROM history_state");
  REQUIRE(state.size() == 1);
  CHECK(state[0] ==
        Row{std::string("history"), std::int64_t{ledger_format_version}, std::int64_t{ledger_reader_format}});
  CHECK(ledger.format().format == ledger_format_version);
  CHECK(ledger.read().empty());  // the format is not a row of the ledger
}

TEST_CASE("rows are appended, read back as written, rewritten and removed") {
  MemoryDatabase db;
  Ledger ledger(*db.connection, "strata_history");
  ledger.create();
  LedgerRow v1;
  v1.version = Version::parse("1.10");
  v1.description = "first";
  v1.script = "V1_10__first.sql";
  v1.checksum = std::string(64, 'a');
  v1.installed_by = "tester";
  v1.installed_on = "2026-12-03 10:00:00";
  v1.execution_ms = 12;
  v1.statements_done = 2;
  LedgerRow views = v1;
  views.kind = MigrationKind::repeatable;
  views.version = std::nullopt;
  views.description = "views";
  views.script = "R__views.sql";
  views.success = false;
  views.in_doubt = true;
  views.progress_checksum = std::string(64, 'b');
  views.session_id = "pid 42";
  CHECK(ledger.append(v1) == 1);
  CHECK(ledger.append(views) == 2);

  auto rows = ledger.read();
  REQUIRE(rows.size() == 2);
  CHECK(to_string(rows[0].version) == "1.10");
  CHECK(rows[0].kind == MigrationKind::versioned);
  CHECK(rows[0].execution_ms == 12);
  CHECK(rows[0].success);
  CHECK(rows[0].progress_checksum.empty());
  CHECK_FALSE(rows[1].version);  // NULL, and the row's kind says why
  CHECK(rows[1].kind == MigrationKind::repeatable);
  CHECK_FALSE(rows[1].success);
  CHECK(rows[1].in_doubt);
  CHECK(rows[1].session_id == "pid 42");
  CHECK(db.connection->session().query("SELECT COUNT(*) FROM strata_history WHERE version IS NULL")[0][0] ==
        Value{std::int64_t{1}});

  rows[0].checksum = std::string(64, 'c');
  ledger.update(rows[0]);
  ledger.remove(2);
  auto after = ledger.read();
  REQUIRE(after.size() == 1);
  CHECK(after[0].checksum == std::string(64, 'c'));
}

TEST_CASE("a failed row adopted with its progress unknown raises the reader format, and reads back") {
  MemoryDatabase db;
  Ledger ledger(*db.connection, "strata_history");
  ledger.create();
  LedgerRow dirty;
  dirty.version = Version::parse("2");
  dirty.description = "two";
  dirty.script = "000002_two.up.sql";
  dirty.checksum = std::string(64, 'a');
  dirty.installed_by = "tester";
  dirty.installed_on = "2026-12-03 10:00:00";
  dirty.success = false;
  dirty.statements_done = statements_unknown;
  dirty.adopted_from = "golang-migrate";
  auto reader = [&] { return db.connection->session().query("SELECT reader_format FROM strata_history_state")[0][0]; };
  CHECK(reader() == Value{std::int64_t{ledger_reader_format}});
  // A ledger kept at format 4 (a row in doubt of an older strata) with format 4's reader format:
  // the row raises it; a ledger of this format's own reader format is already above.
  db.connection->session().execute("UPDATE strata_history_state SET format = 4, reader_format = 3");
  ledger.append(dirty);
  CHECK(reader() == Value{std::int64_t{ledger_reader_format_unknown_progress}});
  auto rows = ledger.read();
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].statements_done == statements_unknown);
  CHECK(rows[0].adopted_from == "golang-migrate");

  // -1 means "carried over, not known" and nothing else: on a row strata ran it is refused.
  db.connection->session().execute("UPDATE strata_history SET adopted_from = NULL");
  CHECK_THROWS_WITH(ledger.read(), Catch::Contains("column statements_done: -1 (not known)"));
}
