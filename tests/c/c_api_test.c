/* The C ABI (<strata/strata.h>) from C, as a language binding would use it: compiled as C, every
 * function exercised, on a real SQLite file. Exits non-zero naming the first check that fails. */
#include <strata/strata.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int failures = 0;

#define CHECK(condition)                                                      \
  do {                                                                        \
    if (!(condition)) {                                                       \
      fprintf(stderr, "%s:%d: failed: %s\n", __FILE__, __LINE__, #condition); \
      ++failures;                                                             \
    }                                                                         \
  } while (0)

struct events {
  int count;
  int applied;
  char last_type[64];
};

static void on_event(const char* event_json, void* payload) {
  struct events* seen = (struct events*)payload;
  ++seen->count;
  if (strstr(event_json, "\"type\":\"applied\"")) ++seen->applied;
  snprintf(seen->last_type, sizeof seen->last_type, "%.40s", event_json);
}

static void on_target(const char* event_json, void* payload) {
  if (strstr(event_json, "\"type\":\"target\"") && strstr(event_json, "\"target\":{")) ++*(int*)payload;
}

static void stop_at_first(const char* event_json, void* payload) {
  if (strstr(event_json, "\"type\":\"target\"")) strata_stop_fleet((strata_options*)payload);
}

static int lines_in(const char* path) {
  FILE* f = fopen(path, "r");
  int lines = 0, c;
  if (!f) return -1;
  while ((c = fgetc(f)) != EOF) lines += c == '\n';
  fclose(f);
  return lines;
}

static void write_file(const char* path, const char* text) {
  FILE* f = fopen(path, "w");
  if (!f) {
    perror(path);
    exit(2);
  }
  fputs(text, f);
  fclose(f);
}

int main(void) {
  char dir[] = "/tmp/strata-c-api-XXXXXX";
  if (!mkdtemp(dir)) return 2;
  char migrations[512], database[600], file[700];
  snprintf(migrations, sizeof migrations, "%s/migrations", dir);
  snprintf(database, sizeof database, "sqlite:%s/app.db", dir);
  snprintf(file, sizeof file, "mkdir -p %s", migrations);
  if (system(file) != 0) return 2;
  snprintf(file, sizeof file, "%s/V1__runs.sql", migrations);
  write_file(file, "CREATE TABLE runbook_executions (id INTEGER PRIMARY KEY, status TEXT NOT NULL);\n");
  snprintf(file, sizeof file, "%s/V2__runbook_version.yaml", migrations);
  write_file(file,
             "- add_column: {table: runbook_executions, if_missing: true,\n"
             "    column: {name: runbook_version, type: integer, nullable: false, default: 1}}\n");

  CHECK(strata_abi_version() == STRATA_C_ABI_VERSION);

  strata_options* options = NULL;
  CHECK(strata_options_new(&options) == 0);
  CHECK(options != NULL);
  CHECK(strcmp(strata_options_error(options), "") == 0);

  /* Bad keys and values: exit code 2, a message naming them, nothing kept. */
  CHECK(strata_options_set(options, "lock-timeot", "1") == 2);
  CHECK(strstr(strata_options_error(options), "unknown setting 'lock-timeot'") != NULL);
  CHECK(strata_options_set(options, "lock-timeout", "postgres://u:s3cret@h/db") == 2);
  CHECK(strstr(strata_options_error(options), "s3cret") == NULL);
  CHECK(strata_options_set(options, "steps", "0") == 2);

  CHECK(strata_options_set(options, "url", database) == 0);
  CHECK(strata_options_set(options, "dir", migrations) == 0);
  CHECK(strata_options_set(options, "lock_timeout", "5") == 0); /* strata.toml's spelling too */
  CHECK(strcmp(strata_options_error(options), "") == 0);

  struct events seen = {0, 0, ""};
  CHECK(strata_options_set_events(options, on_event, &seen) == 0);

  char* json = NULL;
  /* A read-only command never creates the database: exit 5, naming it. */
  CHECK(strata_run(options, "status", &json) == 5);
  CHECK(json && strstr(json, "\"exit_code\": 5"));
  strata_free(json);

  CHECK(strata_run(options, "migrate", &json) == 0);
  CHECK(json && strstr(json, "\"command\": \"migrate\"") && strstr(json, "V2__runbook_version.yaml"));
  CHECK(seen.applied == 2);
  strata_free(json);

  CHECK(strata_options_set(options, "check", "true") == 0);
  CHECK(strata_run(options, "status", &json) == 0); /* nothing pending */
  CHECK(json && strstr(json, "\"current_version\": \"2\""));
  strata_free(json);

  CHECK(strata_run(options, "validate", &json) == 0);
  strata_free(json);

  CHECK(strata_run(options, "schema", &json) == 0);
  CHECK(json && strstr(json, "runbook_version"));
  strata_free(json);

  CHECK(strata_options_set(options, "steps", "1") == 0);
  CHECK(strata_run(options, "rollback", &json) == 0);
  CHECK(json && strstr(json, "\"current_version\": \"1\""));
  strata_free(json);
  CHECK(strata_run(options, "status", &json) == 6); /* the undone version is pending again */
  strata_free(json);

  CHECK(strata_run(options, "repair", &json) == 0);
  strata_free(json);

  CHECK(strata_run(options, "baseline", &json) == 2); /* no version given */
  CHECK(json && strstr(json, "\"exit_code\": 2"));
  strata_free(json);
  CHECK(strata_options_set(options, "version", "1") == 0);
  CHECK(strata_options_set(options, "description", "from C") == 0);
  CHECK(strata_run(options, "baseline", &json) == 3); /* the ledger already records versions */
  CHECK(json && strstr(json, "already records versioned migrations"));
  strata_free(json);

  /* A broken migration: exit 1 and the error document naming the file and line. */
  snprintf(file, sizeof file, "%s/V3__broken.sql", migrations);
  write_file(file, "CREATE TABLE ok_table (id INTEGER);\nINSERT INTO no_such_table VALUES (1);\n");
  CHECK(strata_run(options, "migrate", &json) == 1);
  CHECK(json && strstr(json, "\"file\"") && strstr(json, "V3__broken.sql") && strstr(json, "\"line\": 2"));
  strata_free(json);

  CHECK(strata_run(options, "dance", &json) == 2);
  CHECK(json && strstr(json, "unknown command 'dance'"));
  strata_free(json);
  CHECK(strata_run(NULL, "status", NULL) == 2);
  CHECK(strata_run(options, "status", NULL) == 6); /* V3 rolled back whole: still pending */

  CHECK(seen.count > seen.applied);
  strata_options_set_events(options, NULL, NULL);
  strata_options_free(options);

  /* diff and generate: the database (at version 2) against a declared schema with one more column. */
  strata_options* diff = NULL;
  CHECK(strata_options_new(&diff) == 0);
  snprintf(file, sizeof file, "%s/schema.yaml", dir);
  write_file(file,
             "tables:\n  - name: runbook_executions\n    columns:\n"
             "      - {name: id, type: integer, primary_key: true}\n"
             "      - {name: status, type: text, nullable: false}\n"
             "      - {name: runbook_version, type: integer, nullable: false, default: 1}\n"
             "      - {name: note, type: string(40)}\n");
  CHECK(strata_options_set(diff, "dir", migrations) == 0);
  CHECK(strata_options_set(diff, "from", database) == 0);
  CHECK(strata_options_set(diff, "to", file) == 0);
  CHECK(strata_options_set(diff, "check", "true") == 0);
  CHECK(strata_run(diff, "diff", &json) == 6);
  CHECK(json && strstr(json, "\"differs\": true") && strstr(json, "add_column runbook_executions.note"));
  strata_free(json);
  CHECK(strata_run(diff, "generate", &json) == 2); /* no description */
  strata_free(json);
  CHECK(strata_options_set(diff, "description", "add note") == 0);
  CHECK(strata_run(diff, "generate", &json) == 0); /* from the database; numbered after the broken V3 */
  CHECK(json && strstr(json, "V4__add_note.yaml"));
  strata_free(json);
  strata_options_free(diff);

  /* A fleet: three SQLite files by @glob and a canary by its label, migrated by "migrate" with
   * "fleet"; each target's line as an event as it ends, the report file, the summary's counts. */
  char fleet_dir[600], targets[700], report[700];
  snprintf(fleet_dir, sizeof fleet_dir, "%s/fleet", dir);
  snprintf(file, sizeof file, "mkdir -p %s/migrations", fleet_dir);
  if (system(file) != 0) return 2;
  snprintf(file, sizeof file, "%s/migrations/V1__tenants.sql", fleet_dir);
  write_file(file, "CREATE TABLE tenant_settings (id INTEGER PRIMARY KEY);\n");
  for (int i = 1; i <= 3; ++i) {
    snprintf(file, sizeof file, "%s/tenant%d.db", fleet_dir, i);
    write_file(file, "");
  }
  snprintf(targets, sizeof targets, "%s/targets.txt", fleet_dir);
  snprintf(report, sizeof report, "%s/report.jsonl", fleet_dir);
  char lines[2000];
  snprintf(lines, sizeof lines, "sqlite:%s/canary.db wave=canary\n@glob sqlite:%s/tenant*.db\n", fleet_dir, fleet_dir);
  write_file(targets, lines);
  strata_options* fleet = NULL;
  CHECK(strata_options_new(&fleet) == 0);
  snprintf(file, sizeof file, "%s/migrations", fleet_dir);
  CHECK(strata_options_set(fleet, "dir", file) == 0);
  CHECK(strata_options_set(fleet, "parallel", "0") == 2);
  CHECK(strstr(strata_options_error(fleet), "--parallel takes") != NULL);
  CHECK(strata_options_set(fleet, "on-error", "sometimes") == 2);
  CHECK(strata_options_set(fleet, "shard", "postgres://u:s3cret@h/db") == 2);
  CHECK(strstr(strata_options_error(fleet), "--shard") && !strstr(strata_options_error(fleet), "s3cret"));
  CHECK(strata_options_set(fleet, "parallel", "2") == 0);
  CHECK(strata_run(fleet, "migrate", &json) == 2); /* a fleet option without the targets file */
  CHECK(json && strstr(json, "parallel is an option of a fleet: set fleet to the targets file"));
  strata_free(json);
  CHECK(strata_options_set(fleet, "fleet", targets) == 0);
  CHECK(strata_run(fleet, "status", &json) == 2);
  CHECK(json && strstr(json, "fleet is an option of migrate, not of status"));
  strata_free(json);
  CHECK(strata_options_set(fleet, "canary-label", "wave=canary") == 0);
  CHECK(strata_options_set(fleet, "on_error", "continue") == 0);
  CHECK(strata_options_set(fleet, "report", report) == 0);
  int ended = 0;
  CHECK(strata_options_set_events(fleet, on_target, &ended) == 0);
  CHECK(strata_run(fleet, "migrate", &json) == 0);
  CHECK(json && strstr(json, "\"summary\":{") && strstr(json, "\"applied\":4,") && strstr(json, "\"targets\":["));
  CHECK(json && strstr(json, "\"canary\":true") && strstr(json, "tenant3.db"));
  strata_free(json);
  CHECK(ended == 4);
  CHECK(lines_in(report) == 5); /* a line per target, and the summary */
  CHECK(strata_run(fleet, "migrate", &json) == 0);
  CHECK(json && strstr(json, "\"up_to_date\":4,"));
  strata_free(json);
  /* Stopped from the events callback once the canary has ended: no other target starts. */
  CHECK(strata_options_set_events(fleet, stop_at_first, fleet) == 0);
  CHECK(strata_run(fleet, "migrate", &json) == 7);
  CHECK(json && strstr(json, "\"stopped\":true") && strstr(json, "\"not_attempted\":3,"));
  strata_free(json);
  CHECK(strata_stop_fleet(NULL) == 2);
  CHECK(strata_options_set_events(fleet, NULL, NULL) == 0);
  /* A target that cannot be opened: the others are up to date, the fleet is incomplete (exit 7). */
  snprintf(lines, sizeof lines, "sqlite:%s/canary.db wave=canary\n@glob sqlite:%s/tenant*.db\nsqlite:%s/no/such.db\n",
           fleet_dir, fleet_dir, fleet_dir);
  write_file(targets, lines);
  CHECK(strata_run(fleet, "migrate", &json) == 7);
  CHECK(json && strstr(json, "\"failed\":1,") && strstr(json, "\"up_to_date\":4,") && strstr(json, "\"exit_code\":7"));
  strata_free(json);
  strata_options_free(fleet);
  strata_options_free(NULL);
  strata_free(NULL);

  snprintf(file, sizeof file, "rm -rf %s", dir);
  if (system(file) != 0) return 2;
  if (failures) fprintf(stderr, "%d checks failed\n", failures);
  return failures ? 1 : 0;
}
