/* strata's C ABI: the engine from any language (Python, Go, Rust, Node, C).
 *
 *   strata_options* options;
 *   char* report;
 *   strata_options_new(&options);
 *   strata_options_set(options, "url", "sqlite:app.db");
 *   strata_options_set(options, "dir", "migrations");
 *   int code = strata_run(options, "migrate", &report);   // the exit code of `strata migrate`
 *   puts(report);                                          // the document `--json` prints
 *   strata_free(report);
 *   strata_options_free(options);
 *
 * Conventions (libgit2's): opaque handles; int results (0 for success, else the command line's
 * exit code: 2 usage, 3 validation, ... 70 internal); every allocation freed by this library's
 * own function; callbacks take a trailing `void* payload`, given back as it was set.
 *
 * Options are key/value strings named as the command line's long options and strata.toml's keys
 * ("url", "dir", "lock-timeout" or "lock_timeout", ...; see strata::Settings), plus the commands'
 * own: "to" and "steps" (rollback), "version" and "description" (baseline), "check" (status:
 * exit 6 when something is pending; diff: exit 6 when the schemas differ), "from", "to",
 * "dev-url", "rename" (each call adds one) and "no-renames" (diff and generate, whose
 * "description" names the migration written; "schema" is the declared schema's path), "allow"
 * (generate and lint; each call adds one lint code), "file" (lint; each call adds one migration)
 * and "latest" (lint).
 *
 * Fleets: "migrate" with "fleet" (a targets file, as `strata migrate --fleet` reads it) migrates
 * every target of it; "parallel", "per-server", "canary", "canary-label", "canaries-only",
 * "on-error", "shard", "skip-done", "retry-failed" and "report" (a file for the JSON Lines report)
 * are as the command line's flags of those names (see strata::set_fleet_option), refused with any
 * other command or without "fleet". Its document is {"summary": {...}, "targets": [...]}, the
 * report's summary and a line per target; the exit code is 7 when a target failed or was not
 * attempted. Each target's line also reaches the events callback as it ends, as an event of type
 * "target" whose member "target" is that line, from the fleet's threads, one at a time.
 *
 * Results are JSON documents, the very ones `--json` prints, so this ABI does not change when a
 * report gains a field. No C++ exception crosses it: an unexpected one is an error document with
 * exit code 70. No string it returns holds a password.
 *
 * Threads: calls on different option objects may run at once on different threads; one option
 * object is used by one thread at a time. Events reach the callback during strata_run, on the
 * calling thread (a fleet's "target" events: on its threads, never two at once).
 *
 * Stability: this header and the `strata_*` symbols of libstrata-c (exported through a linker
 * version script, node STRATA_C_1; nothing of the C++ API is exported from it) change
 * compatibly; STRATA_C_ABI_VERSION is raised for any incompatible change. Compare it with
 * strata_abi_version() at run time.
 */
#ifndef STRATA_STRATA_H
#define STRATA_STRATA_H

#ifdef __cplusplus
extern "C" {
#endif

#define STRATA_C_ABI_VERSION 1

#if defined(__GNUC__)
#define STRATA_C_API __attribute__((visibility("default")))
#else
#define STRATA_C_API
#endif

/* The C ABI version of the loaded library: STRATA_C_ABI_VERSION as it was built. */
STRATA_C_API int strata_abi_version(void);

/* The settings of one run, and where its events go. */
typedef struct strata_options strata_options;

/* A new option object, every setting at its default, into *out. Returns 0, or 70 when out of
 * memory (then *out is NULL). Free it with strata_options_free. */
STRATA_C_API int strata_options_new(strata_options** out);

/* Frees an option object; NULL is ignored. */
STRATA_C_API void strata_options_free(strata_options* options);

/* Sets `key` to `value` (UTF-8, NUL-terminated). Returns 0, or 2 for an unknown key or a value
 * it does not take; strata_options_error then says which. */
STRATA_C_API int strata_options_set(strata_options* options, const char* key, const char* value);

/* The message of the last strata_options_set that failed on `options`, or "" when none did.
 * Valid until the next call with `options`. */
STRATA_C_API const char* strata_options_error(const strata_options* options);

/* Called with each event of a run as a JSON document ({"type": ..., "message": ..., ...}),
 * valid during the call only, and the payload given to strata_options_set_events. */
typedef void (*strata_event_callback)(const char* event_json, void* payload);

/* Events of the runs of `options` go to `callback` (NULL: none). Returns 0. */
STRATA_C_API int strata_options_set_events(strata_options* options, strata_event_callback callback, void* payload);

/* Runs `command` ("migrate", "status", "validate", "rollback", "baseline", "repair", "schema",
 * "diff", "generate", "lint" (exit 3 for a finding that refuses), "drift" (exit 3 when drifted))
 * with `options`. Returns the exit code the command line gives, and puts into *json (when json
 * is not NULL) the document `--json` prints: the report, or {"error": {...}}. Free *json with
 * strata_free. */
STRATA_C_API int strata_run(const strata_options* options, const char* command, char** json);

/* Stops the fleet that strata_run is running with `options` as a first SIGINT stops
 * `strata migrate --fleet`: no target starts after it, those running finish, and the run
 * returns 7 with the others "not_attempted" ("stopped": true in its summary). The one call that
 * may come from another thread than strata_run's (or from its events callback); a call while no
 * fleet runs stops the next one at once. Each fleet run clears it as it returns. Returns 0, or 2
 * for NULL. */
STRATA_C_API int strata_stop_fleet(strata_options* options);

/* Frees a string this library returned; NULL is ignored. */
STRATA_C_API void strata_free(char* text);

#ifdef __cplusplus
}
#endif

#endif /* STRATA_STRATA_H */
