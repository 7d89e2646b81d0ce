// A service that will not start on a database whose schema does not match its code. Its
// migrations are compiled in (no files at run time): SQL, and one data change in C++. It
// migrates at start-up, logs progress through its own logger, and refuses to start with a
// clear message (and strata's exit code) when the migration fails.
//
//   DATABASE_URL=sqlite:incidents.db ./incident-service
#include <strata/strata.hpp>

#include <chrono>
#include <cstdlib>
#include <iostream>

namespace {

void log(const std::string& level, const std::string& message) {
  std::cerr << "incident-service " << level << ": " << message << '\n';
}

strata::MigrationSet migrations() {
  strata::MigrationSet set;
  set.sql("V1__incidents.sql",
          "CREATE TABLE incidents (id INTEGER PRIMARY KEY, title VARCHAR(200) NOT NULL, severity VARCHAR(20));\n")
      .sql("V2__add_runbook_version.sql",
           "-- The column whose absence used to crash the service at start-up.\n"
           "ALTER TABLE incidents ADD COLUMN runbook_version INTEGER NOT NULL DEFAULT 1;\n")
      // Data that needs logic: normalise the severities older releases wrote free-form.
      .function("3", "normalise severities", "normalise-severities-v1", [](strata::Session& session) {
        for (const char* level : {"critical", "warning", "info"})
          session.execute("UPDATE incidents SET severity = '" + std::string(level) + "' WHERE LOWER(severity) = '" +
                          std::string(level) + "'");
      });
  return set;
}

}  // namespace

int main() {
  const char* url = std::getenv("DATABASE_URL");
  if (!url) {
    log("fatal", "DATABASE_URL is not set");
    return 2;
  }
  strata::Options options;
  options.url = url;
  options.dir = "";  // every migration is compiled in
  options.embedded = migrations();
  options.lock_timeout = std::chrono::seconds(30);  // other replicas may be migrating
  options.on_event = [](const strata::Event& event) { log("info", event.message); };
  try {
    strata::Report report = strata::migrate(options);
    log("info", "schema at version " + (report.current_version ? report.current_version->str() : "none") + ", " +
                    std::to_string(report.applied.size()) + " migrations applied");
  } catch (const strata::Error& e) {
    log("fatal", std::string("not starting: the database schema could not be migrated: ") + e.what());
    return strata::exit_code(e.kind());
  }
  log("info", "ready");  // a real service would start serving here
  return 0;
}
