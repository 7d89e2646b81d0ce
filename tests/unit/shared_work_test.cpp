// Work one thread offers another (core/src/shared_work.hpp, header-only and private to the core),
// and the engine, whose calling thread reads the migration files alongside its reading thread
// once the database is read.
#include "shared_work.hpp"

#include <strata/engine.hpp>
#include <strata/error.hpp>
#include <strata/source.hpp>

#include "scratch_dir.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
#include <future>
#include <string>
#include <thread>

using strata::detail::SharedWork;
using namespace std::chrono_literals;

TEST_CASE("a job offered is run by the thread that helps, and withdrawing it waits for that run to end") {
  SharedWork share;
  std::atomic<int> runs{0};
  std::promise<void> started;
  std::atomic<bool> release{false};
  std::function<void()> job = [&] {
    ++runs;
    started.set_value();
    while (!release) std::this_thread::sleep_for(1ms);
  };
  share.offer(job);
  std::thread helper([&] { share.help(); });
  REQUIRE(started.get_future().wait_for(10s) == std::future_status::ready);
  std::atomic<bool> withdrawn{false};
  std::thread offering([&] {
    share.withdraw();
    withdrawn = true;
  });
  std::this_thread::sleep_for(50ms);
  CHECK_FALSE(withdrawn);  // the helper still runs the job, which reads what the offering thread owns
  release = true;
  offering.join();
  CHECK(withdrawn);
  share.finish();
  helper.join();
  CHECK(runs == 1);
}

TEST_CASE("a thread that helps returns once the work is finished, running no job withdrawn before it came") {
  SharedWork nothing_offered;
  std::thread waiting([&] { nothing_offered.help(); });
  std::this_thread::sleep_for(10ms);
  nothing_offered.finish();
  waiting.join();  // returns: a hang here is the failure

  SharedWork share;
  int runs = 0;
  std::function<void()> job = [&] { ++runs; };
  share.offer(job);
  share.withdraw();
  share.finish();
  share.help();
  CHECK(runs == 0);
}

TEST_CASE("a command reads every one of many files once, in order, whichever of its threads reads it") {
  ScratchDir project;
  constexpr int count = 2000;  // more than its reading thread reads while the database is opened and read
  for (int i = 1; i <= count; ++i)
    project.write("migrations/V" + std::to_string(i) + "__t" + std::to_string(i) + ".sql",
                  "CREATE TABLE t" + std::to_string(i) + " (id INTEGER PRIMARY KEY, note TEXT DEFAULT '" +
                      std::string(static_cast<std::size_t>(i % 97), 'x') + "');\n");
  std::ofstream(project.path / "app.db").flush();  // an empty SQLite database
  strata::Options options;
  options.url = "sqlite:" + (project.path / "app.db").string();
  options.dir = project.path / "migrations";
  auto files = strata::load_directory(options.dir);
  REQUIRE(files.size() == count);

  for (int round = 0; round < 3; ++round) {
    strata::Report report = strata::Engine(options).status();
    REQUIRE(report.migrations.size() == files.size());
    for (std::size_t i = 0; i < files.size(); ++i) {
      INFO(files[i].script);
      CHECK(report.migrations[i].script == files[i].script);
      CHECK(report.migrations[i].file_checksum == files[i].checksum);
    }
  }

  // A defective file among the last is named as reading them on one thread names it.
  project.write("migrations/V1990__t1990.sql", std::string("SELECT '\xff';\n"));
  std::string expected;
  try {
    strata::load_directory(options.dir);
  } catch (const strata::Error& e) {
    expected = e.what();
  }
  REQUIRE_THAT(expected, Catch::Contains("V1990__t1990.sql"));
  try {
    strata::Engine(options).status();
    FAIL("status read a defective file");
  } catch (const strata::Error& e) {
    CHECK(std::string(e.what()) == expected);
    CHECK(e.kind() == strata::ErrorKind::validation);
  }
}
