// The backend suite: what every driver must do for strata to keep its promises, written once
// and asserted on what a user observes (the schema, the ledger, exit codes, messages). Where
// backends legitimately differ, the test asks the driver's capabilities, never its name.
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <thread>

using namespace strata;
using namespace strata::conformance;
using namespace std::chrono_literals;

namespace {

Options options_for(const std::string& url, const ScratchDir& dir) {
  Options options;
  options.url = url;
  options.dir = dir.path();
  options.lock_timeout = 10s;
  return options;
}

void write_shop(const ScratchDir& dir) {
  dir.write("V1__customers.sql", "CREATE TABLE customers (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL);\n");
  dir.write("V2__orders.sql",
            "CREATE TABLE orders (\n"
            "  id INTEGER PRIMARY KEY,\n"
            "  customer_id INTEGER NOT NULL REFERENCES customers (id),\n"
            "  note VARCHAR(200)\n"
            ");\n"
            "INSERT INTO customers (id, name) VALUES (1, 'O''Brien; Ltd');\n");
  dir.write("R__order_summary.sql",
            "DROP VIEW IF EXISTS order_summary;\n"
            "CREATE VIEW order_summary AS SELECT customer_id, COUNT(*) AS orders FROM orders GROUP BY customer_id;\n");
}

}  // namespace

TEST_CASE("applying all migrations creates every object and records each in the ledger", "[backend]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  write_shop(dir);

  Report report = strata::migrate(options_for(url, dir));

  CHECK(report.applied.size() == 3);
  REQUIRE(report.current_version);
  CHECK(report.current_version->str() == "2");
  Inspector db(url);
  CHECK(db.has_table("customers"));
  CHECK(db.has_table("orders"));
  CHECK(db.count("SELECT COUNT(*) FROM order_summary") == 0);
  CHECK(db.count("SELECT COUNT(*) FROM customers WHERE name = 'O''Brien; Ltd'") == 1);
  auto ledger = db.ledger();
  REQUIRE(ledger.size() == 3);
  CHECK(to_string(ledger[0].version) == "1");
  CHECK(ledger[0].script == "V1__customers.sql");
  CHECK(ledger[0].kind == MigrationKind::versioned);
  CHECK(to_string(ledger[1].version) == "2");
  CHECK(ledger[1].description == "orders");
  CHECK(ledger[1].statements_done == 2);
  CHECK(ledger[2].kind == MigrationKind::repeatable);
  CHECK_FALSE(ledger[2].version);
  CHECK(ledger[2].description == "order summary");
  for (const auto& row : ledger) {
    CHECK(row.success);
    CHECK_FALSE(row.in_doubt);
    CHECK(row.installed_on.size() >= 19);
    CHECK_FALSE(row.installed_by.empty());
  }
  CHECK(ledger[0].checksum ==
        script_checksum("CREATE TABLE customers (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL);\n"));
  CHECK(ledger[0].installed_rank < ledger[1].installed_rank);
  CHECK(ledger[1].installed_rank < ledger[2].installed_rank);
}

TEST_CASE("a re-run is a no-op that takes no lock and leaves the ledger as it was", "[backend]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  write_shop(dir);
  strata::migrate(options_for(url, dir));
  auto before = Inspector(url).ledger();

  Report again = strata::migrate(options_for(url, dir));

  CHECK(again.applied.empty());
  CHECK_FALSE(again.lock_taken);
  auto after = Inspector(url).ledger();
  REQUIRE(after.size() == before.size());
  for (std::size_t i = 0; i < after.size(); ++i) {
    CHECK(after[i].installed_rank == before[i].installed_rank);
    CHECK(after[i].installed_on == before[i].installed_on);
  }
  ProcessResult cli = run_strata(command_args("migrate", url, dir));
  CHECK(cli.exit_code == 0);
  CHECK_THAT(cli.out, Catch::Contains("up to date") && Catch::Contains("version 2"));
}

TEST_CASE("a new migration is applied after earlier ones, and status shows every state", "[backend]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  write_shop(dir);
  strata::migrate(options_for(url, dir));
  dir.write("V3__add_runbook_version.sql", "ALTER TABLE orders ADD runbook_version INTEGER NOT NULL DEFAULT 1;\n");

  ProcessResult status = run_strata(command_args("status", url, dir));
  CHECK(status.exit_code == 0);
  CHECK_THAT(status.out, Catch::Contains("V3__add_runbook_version.sql"));
  CHECK_THAT(status.out, Catch::Matches("(.|\n)*3 +add runbook version +pending(.|\n)*"));
  CHECK_THAT(status.out, Catch::Contains("1 pending"));

  ProcessResult migrate = run_strata(command_args("migrate", url, dir));
  CHECK(migrate.exit_code == 0);
  CHECK_THAT(migrate.out, Catch::Contains("applied 3 \"add runbook version\" (V3__add_runbook_version.sql)"));
  CHECK_THAT(migrate.out, Catch::Contains("1 migration applied"));
  Inspector db(url);
  bool found = false;
  for (const auto& c : db.connection().catalog().columns("orders"))
    if (c.name == "runbook_version") found = !c.nullable;
  CHECK(found);
  CHECK(db.ledger().size() == 4);
}

TEST_CASE("a changed applied file stops the run before anything executes", "[backend]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  write_shop(dir);
  strata::migrate(options_for(url, dir));
  std::string old_sum = Inspector(url).ledger()[0].checksum;
  std::string edited = "CREATE TABLE customers (id INTEGER PRIMARY KEY, name VARCHAR(200) NOT NULL);\n";
  dir.write("V1__customers.sql", edited);
  dir.write("V3__invoices.sql", "CREATE TABLE invoices (id INTEGER PRIMARY KEY);\n");

  ProcessResult r = run_strata(command_args("migrate", url, dir));

  CHECK(r.exit_code == 3);
  CHECK_THAT(r.err, Catch::Contains("V1__customers.sql"));
  CHECK_THAT(r.err, Catch::Contains(old_sum));
  CHECK_THAT(r.err, Catch::Contains(script_checksum(edited)));
  Inspector db(url);
  CHECK_FALSE(db.has_table("invoices"));
  CHECK(db.ledger().size() == 3);
}

TEST_CASE("a CRLF checkout of applied files is not a change", "[backend]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  dir.write("V1__a.sql", "CREATE TABLE a (id INTEGER);\nCREATE TABLE b (id INTEGER);\n");
  strata::migrate(options_for(url, dir));
  dir.write("V1__a.sql",
            "\xEF\xBB\xBF"
            "CREATE TABLE a (id INTEGER);\r\nCREATE TABLE b (id INTEGER);\r\n");

  Report report = strata::migrate(options_for(url, dir));
  CHECK(report.applied.empty());
}

TEST_CASE("a SQL error in the third statement exits 1 naming file and line, earlier migrations stay", "[backend]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  dir.write("V1__customers.sql", "CREATE TABLE customers (id INTEGER PRIMARY KEY);\n");
  dir.write("V2__broken.sql",
            "-- statement 3 names a table that does not exist\n"
            "CREATE TABLE half_done (id INTEGER PRIMARY KEY);\n"
            "INSERT INTO half_done (id) VALUES (1);\n"
            "\n"
            "INSERT INTO no_such_table (id) VALUES (1);\n"
            "CREATE TABLE never_reached (id INTEGER);\n");

  ProcessResult r = run_strata(command_args("migrate", url, dir));

  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("V2__broken.sql:5"));
  CHECK_THAT(r.err, Catch::Contains("statement 3 of 4"));
  CHECK_THAT(r.err, Catch::Contains("no_such_table"));
  Inspector db(url);
  CHECK(db.has_table("customers"));
  CHECK_FALSE(db.has_table("never_reached"));
  auto ledger = db.ledger();
  if (db.capabilities().transactional_ddl) {
    CHECK_FALSE(db.has_table("half_done"));
    REQUIRE(ledger.size() == 1);
    CHECK(to_string(ledger[0].version) == "1");
  } else {
    REQUIRE(ledger.size() == 2);
    CHECK_FALSE(ledger[1].success);
    CHECK(ledger[1].statements_done == 2);
  }
}

TEST_CASE("an unterminated string is refused before anything runs, naming file and line", "[backend]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  dir.write("V1__ok.sql", "CREATE TABLE ok (id INTEGER);\n");
  dir.write("V2__bad.sql", "CREATE TABLE fine (id INTEGER);\nINSERT INTO fine VALUES ('oops);\n");

  ProcessResult r = run_strata(command_args("migrate", url, dir));

  CHECK(r.exit_code == 3);
  CHECK_THAT(r.err, Catch::Contains("V2__bad.sql:2"));
  CHECK_THAT(r.err, Catch::Contains("unterminated"));
  Inspector db(url);
  CHECK_FALSE(db.has_table("ok"));
  CHECK_FALSE(db.has_table("fine"));
}

TEST_CASE("the migration lock excludes a second holder, also within one process", "[backend]") {
  std::string url = fresh_database_url();
  Inspector a(url), b(url);
  auto first = a.lock();
  auto second = b.lock();
  REQUIRE(first);
  REQUIRE(second);
  CHECK(first->try_acquire());
  CHECK_FALSE(second->try_acquire());
  first->release();
  CHECK(second->try_acquire());
  second->release();
}

TEST_CASE("with the lock held, an up-to-date migrate exits 0 and a pending one times out with exit 4", "[backend]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  write_shop(dir);
  strata::migrate(options_for(url, dir));
  Inspector db(url);
  auto lock = db.lock();
  REQUIRE(lock->try_acquire());

  ProcessResult up_to_date = run_strata(command_args("migrate", url, dir, {"--lock-timeout", "0"}));
  CHECK(up_to_date.exit_code == 0);
  CHECK_THAT(up_to_date.out, Catch::Contains("up to date"));

  dir.write("V3__more.sql", "CREATE TABLE more_things (id INTEGER);\n");
  auto start = std::chrono::steady_clock::now();
  ProcessResult blocked = run_strata(command_args("migrate", url, dir, {"--lock-timeout", "0.5"}));
  CHECK(blocked.exit_code == 4);
  CHECK_THAT(blocked.err, Catch::Contains("lock") && Catch::Contains("held by") &&
                              (Catch::Contains("pid") || Catch::Contains("connection id")));
  // Far below the default wait of 60 s, so the 0.5 s given was the one used. A tighter bound
  // measured the machine instead: under sanitizers, next to 16 migrators, one run took 5 s.
  CHECK(std::chrono::steady_clock::now() - start < 30s);
  CHECK_FALSE(db.has_table("more_things"));
  lock->release();
  CHECK(run_strata(command_args("migrate", url, dir)).exit_code == 0);
  CHECK(db.has_table("more_things"));
}

TEST_CASE("a waiter whose migrations another migrator applied meanwhile ends without holding the lock to check",
          "[backend][concurrency]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  dir.write("V1__a.sql", "CREATE TABLE wa (id INTEGER);\n");
  Inspector db(url);
  auto lock = db.lock();
  REQUIRE(lock->try_acquire());
  // Both find V1 pending and wait; once the lock is free, one applies it and the other, seeing
  // the ledger grown, lets the lock go at once and finds the schema up to date without it.
  Child b(strata_command(command_args("migrate", url, dir, {"--lock-timeout", "60", "-v"})));
  Child c(strata_command(command_args("migrate", url, dir, {"--lock-timeout", "60", "-v"})));
  // Until both wait (a slow start, as under the sanitizers on a busy machine, takes more than a
  // second), at most 30 s.
  for (int i = 0; i < 300; ++i) {
    if (b.err_so_far().find("waiting for the migration lock") != std::string::npos &&
        c.err_so_far().find("waiting for the migration lock") != std::string::npos)
      break;
    std::this_thread::sleep_for(100ms);
  }
  lock->release();
  ProcessResult rb = b.wait(), rc = c.wait();
  INFO(rb.err << rc.err);
  CHECK(rb.exit_code == 0);
  CHECK(rc.exit_code == 0);
  bool b_applied = rb.out.find("applied 1") != std::string::npos;
  const ProcessResult& waiter = b_applied ? rc : rb;
  CHECK((b_applied ? rb : rc).out.find("applied 1") != std::string::npos);
  CHECK_THAT(waiter.err, Catch::Contains("another migrator applied what was pending"));
  CHECK(db.ledger().size() == 1);
}

TEST_CASE("a read while another connection creates table after table is never refused as a schema change",
          "[backend][concurrency]") {
  std::string url = fresh_database_url();
  // Each waits for the other's locks as long as the churn may take on a loaded machine: with
  // SQLite's 5 s the reader, kept out by the writer's commits one after another, gave up with
  // "database is locked" in half of the runs beside other builds compiling (what this test is
  // not about: a read waits as long as the migrator says).
  Inspector writer(url, std::chrono::minutes(2)), reader(url, std::chrono::minutes(2));
  // A large schema makes SQLite's every new preparation slow, so that another table may be
  // created meanwhile, again and again: what one of 1,600 migrators reading the ledger met
  // while another applied 1,000 migrations (scripts/contention-campaign: "database schema has
  // changed"). This does not bring the race about every time; the campaign is its measure. A
  // server has no such window; a few tables show that.
  bool file = writer.connection().dialect().name() == "sqlite";
  int tables = file ? 3000 : 20;
  Session& w = writer.connection().session();
  w.begin();
  for (int i = 0; i < tables; ++i) w.execute("CREATE TABLE big_" + std::to_string(i) + " (id INTEGER)");
  w.commit();
  std::atomic<bool> done{false};
  std::thread churn([&] {
    for (int i = 0; i < tables / 4; ++i) w.execute("CREATE TABLE churn_" + std::to_string(i) + " (id INTEGER)");
    done = true;
  });
  int reads = 0;
  std::string refused;
  do {
    try {
      reader.connection().session().query("SELECT COUNT(*) FROM big_0", {});
      ++reads;
    } catch (const Error& e) {
      refused = e.what();
      break;
    }
  } while (!done);
  churn.join();
  INFO(refused);
  CHECK(refused.empty());
  CHECK(reads > 0);
}

TEST_CASE("many migrators started together apply every migration exactly once", "[backend][concurrency]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  dir.write("V1__side_effects.sql", "CREATE TABLE side_effects (migration INTEGER NOT NULL);\n");
  // Each migration works for a while, so that the migrators really overlap.
  std::string pause = test_setting("STRATA_TEST_PAUSE_SQL");
  if (pause.empty())
    pause = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 300000) SELECT COUNT(*) FROM c";
  for (int v = 2; v <= 6; ++v)
    dir.write("V" + std::to_string(v) + "__step.sql", "INSERT INTO side_effects (migration) VALUES (" +
                                                          std::to_string(v) + ");\n" + pause + ";\nCREATE TABLE step_" +
                                                          std::to_string(v) + " (id INTEGER);\n");

  std::vector<std::unique_ptr<Child>> children;
  std::string count = test_setting("STRATA_TEST_MIGRATORS");
  int migrators = count.empty() ? 8 : std::stoi(count);
  for (int i = 0; i < migrators; ++i)
    children.push_back(
        std::make_unique<Child>(strata_command(command_args("migrate", url, dir, {"--lock-timeout", "60"}))));
  for (auto& child : children) {
    ProcessResult r = child->wait();
    INFO(r.err);
    CHECK(r.exit_code == 0);
  }

  Inspector db(url);
  CHECK(db.count("SELECT COUNT(*) FROM side_effects") == 5);
  CHECK(db.count("SELECT COUNT(DISTINCT migration) FROM side_effects") == 5);
  auto ledger = db.ledger();
  CHECK(ledger.size() == 6);
  for (const auto& row : ledger) CHECK(row.success);
}

TEST_CASE("a migrator killed during a long migration leaves no trace and the next run completes at once",
          "[backend][crash]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  dir.write("V1__first.sql", "CREATE TABLE first_table (id INTEGER);\n");
  dir.write("V2__long.sql", "CREATE TABLE long_table (id INTEGER);\n" + slow_statement() + ";\n");

  Child migrator(strata_command(command_args("migrate", url, dir)));
  Inspector db(url);
  auto v1_applied = [&] {
    auto rows = db.ledger();
    return !rows.empty() && to_string(rows[0].version) == "1" && rows[0].success;
  };
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!v1_applied() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(20ms);
  REQUIRE(v1_applied());  // V1 committed; V2 is running its long statement
  std::this_thread::sleep_for(300ms);
  migrator.kill(SIGKILL);
  ProcessResult killed = migrator.wait();
  REQUIRE(killed.signal == SIGKILL);

  auto start = std::chrono::steady_clock::now();
  if (db.capabilities().transactional_ddl) {
    CHECK_FALSE(db.has_table("long_table"));
    CHECK(db.ledger().size() == 1);
    dir.write("V2__long.sql", "CREATE TABLE long_table (id INTEGER);\n");
    ProcessResult next = run_strata(command_args("migrate", url, dir, {"--lock-timeout", "10"}));
    CHECK(next.exit_code == 0);
  } else {
    // The row says exactly where it stopped: statement 1 done, statement 2 in doubt.
    auto ledger = db.ledger();
    REQUIRE(ledger.size() == 2);
    CHECK_FALSE(ledger[1].success);
    CHECK(ledger[1].in_doubt);
    CHECK(ledger[1].statements_done == 1);
    CHECK(db.has_table("long_table"));
    ProcessResult next = run_strata(command_args("migrate", url, dir, {"--lock-timeout", "30"}));
    // Reported only once the statement the killed migrator started had ended on the server.
    CHECK_FALSE(db.connection().session_busy(ledger[1].session_id));
    CHECK(next.exit_code == 3);
    CHECK_THAT(next.err, Catch::Contains("V2__long.sql") && Catch::Contains("failed at statement 2") &&
                             Catch::Contains("--resume=skip"));
    ProcessResult resumed = run_strata(command_args("migrate", url, dir, {"--lock-timeout", "10", "--resume=skip"}));
    CHECK(resumed.exit_code == 0);
  }
  CHECK(std::chrono::steady_clock::now() - start < 15s);
  CHECK(db.has_table("long_table"));
  auto ledger = db.ledger();
  REQUIRE(ledger.size() == 2);
  CHECK(to_string(ledger[1].version) == "2");
  CHECK(ledger[1].success);
}

TEST_CASE("the catalog reports tables, columns, indexes and foreign keys as created", "[backend][catalog]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  dir.write(
      "V1__schema.sql",
      "CREATE TABLE parent (id INTEGER PRIMARY KEY, code VARCHAR(20) NOT NULL DEFAULT 'none', note VARCHAR(50));\n"
      "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL,\n"
      "  label VARCHAR(30),\n"
      "  CONSTRAINT fk_child_parent FOREIGN KEY (parent_id) REFERENCES parent (id) ON DELETE CASCADE);\n"
      "CREATE UNIQUE INDEX ux_parent_code ON parent (code);\n"
      "CREATE INDEX ix_child_parent_label ON child (parent_id, label);\n"
      "CREATE VIEW parent_codes AS SELECT code FROM parent;\n");
  REQUIRE(run_strata(command_args("migrate", url, dir)).exit_code == 0);
  Inspector db(url);
  Catalog& catalog = db.connection().catalog();
  CHECK_FALSE(catalog.table_exists("parent_codes"));

  auto tables = catalog.tables();
  CHECK(std::find(tables.begin(), tables.end(), "parent") != tables.end());
  CHECK(std::find(tables.begin(), tables.end(), "child") != tables.end());

  auto columns = catalog.columns("parent");
  REQUIRE(columns.size() == 3);
  CHECK(columns[0].name == "id");
  CHECK(columns[0].primary_key);
  CHECK(columns[1].name == "code");
  CHECK_FALSE(columns[1].nullable);
  REQUIRE(columns[1].default_sql);
  CHECK_THAT(*columns[1].default_sql, Catch::Contains("none"));
  CHECK(columns[2].nullable);
  CHECK_FALSE(columns[2].default_sql);

  auto find_index = [&](const std::string& table, const std::string& name) -> std::optional<IndexInfo> {
    for (const auto& index : catalog.indexes(table))
      if (index.name == name) return index;
    return std::nullopt;
  };
  auto unique = find_index("parent", "ux_parent_code");
  REQUIRE(unique);
  CHECK(unique->unique);
  CHECK_FALSE(unique->primary);
  CHECK(unique->columns == std::vector<std::string>{"code"});
  auto pair = find_index("child", "ix_child_parent_label");
  REQUIRE(pair);
  CHECK_FALSE(pair->unique);
  CHECK(pair->valid);
  CHECK(pair->columns == std::vector<std::string>{"parent_id", "label"});

  auto keys = catalog.foreign_keys("child");
  REQUIRE(keys.size() == 1);
  CHECK(keys[0].columns == std::vector<std::string>{"parent_id"});
  CHECK(keys[0].referenced_table == "parent");
  CHECK(keys[0].referenced_columns == std::vector<std::string>{"id"});
  CHECK(keys[0].on_delete == "CASCADE");
  CHECK(keys[0].on_update == "NO ACTION");
  CHECK(catalog.foreign_keys("parent").empty());

  // Read whole, where the driver can: exactly what table_exists and columns say one by one.
  if (auto all = catalog.all_columns()) {
    auto same = [](const ColumnInfo& a, const ColumnInfo& b) {
      return a.name == b.name && a.type == b.type && a.nullable == b.nullable && a.default_sql == b.default_sql &&
             a.primary_key == b.primary_key;
    };
    std::vector<std::string> listed;
    for (const auto& t : *all) {
      INFO(t.table);
      listed.push_back(t.table);
      CHECK(catalog.table_exists(t.table));
      auto one = catalog.columns(t.table);
      CHECK(std::equal(one.begin(), one.end(), t.columns.begin(), t.columns.end(), same));
    }
    for (const auto& t : tables) CHECK(std::find(listed.begin(), listed.end(), t) != listed.end());
    CHECK(std::find(listed.begin(), listed.end(), "parent_codes") == listed.end());
  }
}

TEST_CASE("the URL's connection options reach the server: a socket, TLS", "[backend]") {
  // Set by a backend's configuration where its server offers them (MariaDB: both).
  ScratchDir dir;
  dir.write("V1__a.sql", "CREATE TABLE a (id INTEGER);\n");
  bool tried = false;
  for (const char* setting : {"STRATA_TEST_SOCKET_DATABASE", "STRATA_TEST_TLS_DATABASE"}) {
    if (test_setting(setting).empty()) continue;
    tried = true;
    std::string url = fresh_database_url(setting);
    INFO(setting << ": " << url);
    ProcessResult r = run_strata(command_args("migrate", url, dir));
    INFO(r.err);
    CHECK(r.exit_code == 0);
    Inspector db(url);
    CHECK(db.has_table("a"));
    if (std::string check = test_setting("STRATA_TEST_TLS_CHECK_SQL");
        !check.empty() && std::string(setting) == "STRATA_TEST_TLS_DATABASE") {
      auto rows = db.connection().session().query(check);
      REQUIRE(rows.size() == 1);
      CHECK_FALSE(std::get<std::string>(rows[0][0]).empty());  // a cipher: the session is encrypted
      // The CA is the URL's: one that cannot be read fails the connection, exit 5.
      std::string bad = url;
      bad.replace(bad.find("ssl-ca=") + 7, bad.find(".pem") + 4 - (bad.find("ssl-ca=") + 7), "/nonexistent/ca.pem");
      ProcessResult refused = run_strata(command_args("status", bad, dir));
      INFO(refused.err);
      CHECK(refused.exit_code == 5);
    }
  }
  if (!tried) SUCCEED("this backend's configuration names no other way to reach it");
}

namespace {

// `url` with its lock parameter set to `kind` ("" for none), in place of one the configuration
// gave (the suite's run on the lease lock).
std::string with_lock(std::string url, const std::string& kind) {
  for (std::string given : {"?lock=lease&", "&lock=lease", "?lock=lease"}) {
    if (auto at = url.find(given); at != std::string::npos)
      url.replace(at, given.size(), given.front() == '?' && given.back() == '&' ? "?" : "");
  }
  if (kind.empty()) return url;
  return url + (url.find('?') == std::string::npos ? "?" : "&") + "lock=" + kind;
}

}  // namespace

TEST_CASE("a ledger once migrated under the lease lock is migrated under it by default, and lock=server is refused",
          "[backend]") {
  std::string url = fresh_database_url();
  ScratchDir dir;
  write_shop(dir);
  ProcessResult server = run_strata(command_args("migrate", with_lock(url, "server"), dir));
  REQUIRE(server.exit_code == 0);
  Inspector db(url);
  CHECK_FALSE(db.has_table("strata_history_lock"));  // the server's lock writes nothing

  dir.write("V3__more.sql", "CREATE TABLE more_things (id INTEGER);\n");
  if (db.connection().dialect().server_clock_ms().empty()) {
    // A driver that cannot read the server's clock has no lease lock: asking for it is refused.
    expect_refused(url, command_args("migrate", with_lock(url, "lease"), dir), 2,
                   {"driver cannot read the server's clock, which the lease lock needs"});
    return;
  }
  ProcessResult lease = run_strata(command_args("migrate", with_lock(url, "lease"), dir, {"-v"}));
  REQUIRE(lease.exit_code == 0);
  CHECK_THAT(lease.err, Catch::Contains("lease in strata_history_lock") && Catch::Contains("lock=lease"));
  CHECK(db.has_table("strata_history_lock"));
  auto row = db.connection().session().query(
      "SELECT lock_kind, holder FROM strata_history_lock WHERE ledger_table = 'strata_history'", {});
  REQUIRE(row.size() == 1);
  CHECK(std::get<std::string>(row[0][0]) == "lease");
  CHECK(std::get<std::string>(row[0][1]).empty());  // released
  ProcessResult schema = run_strata({"schema", "--url", url});
  CHECK_THAT(schema.out, !Catch::Contains("strata_history_lock"));

  dir.write("V4__most.sql", "CREATE TABLE most_things (id INTEGER);\n");
  expect_refused(with_lock(url, "server"), command_args("migrate", with_lock(url, "server"), dir), 2,
                 {"the ledger strata_history is migrated under the lease lock", "leave out lock=server"});
  CHECK_FALSE(db.has_table("most_things"));
  ProcessResult by_default = run_strata(command_args("migrate", with_lock(url, ""), dir, {"-v"}));
  CHECK(by_default.exit_code == 0);
  CHECK_THAT(by_default.err, Catch::Contains("the ledger is migrated under it"));
  CHECK(db.has_table("most_things"));

  expect_refused(with_lock(url, ""), command_args("migrate", with_lock(url, "nearby"), dir), 2,
                 {"the URL parameter lock takes 'server' or 'lease', not 'nearby'"});
}
