// A service that will not start on a database whose schema does not match its code: it
// migrates at start-up, logs progress through its own logger, and refuses to start with a
// clear message (and strata's exit code) when the migration fails.
//
//   DATABASE_URL=sqlite:incidents.db ./incident-service migrations
#include <strata/strata.hpp>

#include <chrono>
#include <cstdlib>
#include <iostream>

namespace {

void log(const std::string& level, const std::string& message) {
  std::cerr << "incident-service " << level << ": " << message << '\n';
}

}  // namespace

int main(int argc, char** argv) {
  const char* url = std::getenv("DATABASE_URL");
  if (!url) {
    log("fatal", "DATABASE_URL is not set");
    return 2;
  }
  strata::Options options;
  options.url = url;
  options.dir = argc > 1 ? argv[1] : "migrations";
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
