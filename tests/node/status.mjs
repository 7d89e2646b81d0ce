// strata's C ABI from Node.js through koffi (an FFI package from npm): the ABI is not
// Python-shaped. Migrates the example project into a new SQLite file, its events delivered to a
// JavaScript callback on the calling thread, then asks `status`.
//
//   node status.mjs <libstrata-c.so> <example migrations> <work dir>
import assert from "node:assert/strict";
import koffi from "koffi";

const [library, migrations, work] = process.argv.slice(2);
const lib = koffi.load(library);
koffi.opaque("strata_options");
const EventCallback = koffi.proto("void strata_event_callback(const char* event_json, void* payload)");
const abiVersion = lib.func("int strata_abi_version(void)");
const optionsNew = lib.func("int strata_options_new(_Out_ strata_options** out)");
const optionsFree = lib.func("void strata_options_free(strata_options* options)");
const optionsSet = lib.func("int strata_options_set(strata_options* options, const char* key, const char* value)");
const optionsError = lib.func("const char* strata_options_error(const strata_options* options)");
const setEvents = lib.func(
  "int strata_options_set_events(strata_options* options, strata_event_callback* callback, void* payload)");
const run = lib.func("int strata_run(const strata_options* options, const char* command, _Out_ void** json)");
const free = lib.func("void strata_free(void* text)");

assert.equal(abiVersion(), 1);

// Runs `command` with `settings`; returns [exit code, the JSON document, the events].
function strata(command, settings) {
  const out = [null];
  assert.equal(optionsNew(out), 0);
  const options = out[0];
  const events = [];
  const callback = koffi.register((json) => events.push(JSON.parse(json)), koffi.pointer(EventCallback));
  try {
    for (const [key, value] of Object.entries(settings)) {
      const code = optionsSet(options, key, value);
      if (code !== 0) return [code, { error: { message: optionsError(options) } }, events];
    }
    assert.equal(setEvents(options, callback, null), 0);
    const json = [null];
    const code = run(options, command, json);
    const document = JSON.parse(koffi.decode(json[0], "char", -1));
    free(json[0]);
    return [code, document, events];
  } finally {
    koffi.unregister(callback);
    optionsFree(options);
  }
}

const url = `sqlite:${work}/node.db`;
const [migrated, applied, events] = strata("migrate", { url, dir: migrations });
assert.equal(migrated, 0, JSON.stringify(applied));
assert.ok(applied.applied.length > 0);
assert.equal(events.filter((e) => e.type === "applied").length, applied.applied.length);

const [code, status] = strata("status", { url, dir: migrations });
assert.equal(code, 0);
assert.equal(status.command, "status");
assert.equal(status.current_version, applied.current_version);
assert.equal(status.pending, 0);
assert.ok(status.migrations.every((m) => m.state !== "pending"));

// A bad value is exit code 2 with a message, as on the command line.
const [bad, refusal] = strata("status", { "lock-timeout": "soon" });
assert.equal(bad, 2);
assert.match(refusal.error.message, /lock-timeout/);

console.log(`node: migrated to version ${status.current_version}, ${status.migrations.length} migrations, ` +
  `${events.length} events; status over the C ABI from Node.js`);
