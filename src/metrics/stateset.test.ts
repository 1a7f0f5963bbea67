import { test } from "node:test";
import assert from "node:assert/strict";
import { Heap } from "../heap/heap.ts";
import { parseSamples } from "../../test/support/parse_text.ts";
import { StateSet } from "./stateset.ts";
import { Registry } from "./registry.ts";
import { withHeap } from "../../test/support/heap.ts";
import { strictParse } from "../../test/support/strict_parser.ts";


/** The samples of family `name`, keyed as parseSamples keys them. */
async function samplesOf(registry: Registry, name: string): Promise<[string, number][]> {
  return [...parseSamples(await registry.metrics())].filter(([key]) => key.startsWith(`${name}{`));
}

test("state() enables exactly one state; one 0/1 sample per state with a label named after the family", withHeap(async (heap, registry) => {
  const phase = new StateSet({ name: "phase", help: "Phase.", states: ["idle", "running", "done"], heap, registers: [registry] });
  assert.deepEqual(await samplesOf(registry, "phase"), [['phase{phase="idle"}', 0], ['phase{phase="running"}', 0], ['phase{phase="done"}', 0]]);
  phase.state("running");
  assert.deepEqual(await samplesOf(registry, "phase"), [['phase{phase="idle"}', 0], ['phase{phase="running"}', 1], ['phase{phase="done"}', 0]]);
  phase.set({ done: true }); // states left out keep their value
  assert.deepEqual(await samplesOf(registry, "phase"), [['phase{phase="idle"}', 0], ['phase{phase="running"}', 1], ['phase{phase="done"}', 1]]);
  phase.state("idle");
  assert.deepEqual(phase.labels().get(), { idle: true, running: false, done: false });
  assert.deepEqual(phase.states, ["idle", "running", "done"]);
}));

test("labelled series: labels(...).state(), state(labels, name), set(labels, states)", withHeap(async (heap, registry, path) => {
  const raid = new StateSet({ name: "raid", help: "RAID.", labelNames: ["disk"], states: ["ok", "degraded", "failed"], heap, registers: [registry] });
  raid.labels("sda").state("ok");
  raid.state({ disk: "sdb" }, "degraded");
  raid.set({ disk: "sdc" }, { failed: true, degraded: true });
  raid.labels({ disk: "sdc" }).set({ degraded: false, ok: false });
  const other = Heap.open({ path, mode: "attach" }); // another isolate's view
  try {
    const view = new StateSet({ name: "raid", help: "RAID.", labelNames: ["disk"], states: ["ok", "degraded", "failed"], heap: other, registers: [] });
    view.labels("sda").set({ degraded: true }); // kept together with this isolate's "ok"
  } finally {
    other.close(false);
  }
  const samples = parseSamples(await registry.metrics());
  const expected: [string, number][] = [
    ['raid{disk="sda",raid="ok"}', 1], ['raid{disk="sda",raid="degraded"}', 1], ['raid{disk="sda",raid="failed"}', 0],
    ['raid{disk="sdb",raid="ok"}', 0], ['raid{disk="sdb",raid="degraded"}', 1], ['raid{disk="sdb",raid="failed"}', 0],
    ['raid{disk="sdc",raid="ok"}', 0], ['raid{disk="sdc",raid="degraded"}', 0], ['raid{disk="sdc",raid="failed"}', 1],
  ];
  for (const [key, value] of expected) assert.equal(samples.get(key), value, key);
  assert.equal([...samples.keys()].filter((key) => key.startsWith("raid{")).length, 9);
  const { values, type } = await raid.get();
  assert.equal(type, "stateset");
  assert.deepEqual(values.slice(0, 3), [
    { value: 1, labels: { disk: "sda", raid: "ok" } },
    { value: 1, labels: { disk: "sda", raid: "degraded" } },
    { value: 0, labels: { disk: "sda", raid: "failed" } },
  ]);
}));

test("32 states fit in the word; the 32nd bit works like the others", withHeap(async (heap, registry) => {
  const states = Array.from({ length: 32 }, (_, i) => `s${i}`);
  const wide = new StateSet({ name: "wide", help: "Wide.", states, heap, registers: [registry] });
  wide.state("s31");
  let samples = parseSamples(await registry.metrics());
  assert.equal(samples.get('wide{wide="s31"}'), 1);
  assert.equal(states.filter((s) => samples.get(`wide{wide="${s}"}`) === 1).length, 1);
  wide.set({ s0: true, s30: true, s31: false });
  samples = parseSamples(await registry.metrics());
  assert.deepEqual(states.filter((s) => samples.get(`wide{wide="${s}"}`) === 1), ["s0", "s30"]);
}));

test("bad configuration and input: a clear TypeError or RangeError, and nothing made", withHeap(async (heap, registry) => {
  const make = (states: unknown, labelNames?: string[], name = "bad_set") =>
    new StateSet({ name, help: "B.", states: states as string[], labelNames, heap, registers: [] });
  assert.throws(() => make(undefined), { name: "TypeError", message: 'states of state set "bad_set" must be an array of state names, got undefined' });
  assert.throws(() => make([]), { name: "RangeError", message: 'State set "bad_set" must have 1 to 32 states (one bit each in a 32-bit word), got 0' });
  assert.throws(() => make(Array.from({ length: 33 }, (_, i) => `s${i}`)), { name: "RangeError", message: /must have 1 to 32 states .* got 33/ });
  assert.throws(() => make(["a", "a"]), { name: "TypeError", message: 'State "a" appears twice in the states of state set "bad_set"' });
  assert.throws(() => make(["a", 1]), { name: "TypeError", message: 'States of state set "bad_set" must be non-empty strings, got 1' });
  assert.throws(() => make(["a", ""]), { name: "TypeError", message: 'States of state set "bad_set" must be non-empty strings, got ""' });
  assert.throws(() => make(["a"], ["bad_set"]), {
    name: "TypeError",
    message: 'Invalid label name "bad_set" for state set "bad_set": its samples carry a label named after the family, which holds the state',
  });
  const good = make(["a", "b"], ["k"]); // none of the above published "bad_set"
  assert.throws(() => make(["b", "a"], ["k"]), /another definition/);

  good.state({ k: "x" }, "a");
  const before = await good.get();
  const registered = await registry.metrics();
  assert.throws(() => good.state({ k: "y" }, "c" as never), { name: "TypeError", message: '"c" is not a state of state set "bad_set" (its states: a, b)' });
  assert.throws(() => good.set({ k: "y" }, { a: 1 } as never), { name: "TypeError", message: 'State "a" of state set "bad_set" must be set to true or false, got 1' });
  assert.throws(() => good.set({ k: "y" }, null as never), { name: "TypeError", message: 'set() of state set "bad_set" takes an object of state names to booleans, got null' });
  assert.throws(() => good.labels("x").set({ a: false, nope: true } as never), { name: "TypeError", message: /"nope" is not a state/ });
  assert.throws(() => good.labels("x").set({ b: true, a: "no" } as never), TypeError);
  assert.throws(() => good.labels("x").state(undefined as never), TypeError);
  assert.deepEqual(await good.get(), before, "no new series, no change to x");
  assert.equal(await registry.metrics(), registered);
}));

test("reset() disables every state; remove() drops the series until a write, from any isolate", withHeap(async (heap, registry, path) => {
  const s = new StateSet({ name: "mode", help: "M.", labelNames: ["k"], states: ["on", "off"], heap, registers: [registry] });
  s.state({ k: "x" }, "on");
  s.state({ k: "y" }, "off");
  s.reset();
  assert.deepEqual(await samplesOf(registry, "mode"), [], "reset() drops every labelled series, as prom-client's");
  s.labels("y").set({ on: false, off: false }); // back, all disabled
  const held = s.labels("x");
  held.state("on");
  s.remove("x");
  assert.deepEqual(await samplesOf(registry, "mode"), [['mode{k="y",mode="on"}', 0], ['mode{k="y",mode="off"}', 0]]);
  held.set({ off: true });
  assert.deepEqual(await samplesOf(registry, "mode"), [
    ['mode{k="x",mode="on"}', 0], ['mode{k="x",mode="off"}', 1], // back from all-disabled
    ['mode{k="y",mode="on"}', 0], ['mode{k="y",mode="off"}', 0],
  ]);
  s.remove({ k: "y" });
  const other = Heap.open({ path, mode: "attach" });
  try { // a view that binds the series only after its removal brings it back too
    new StateSet({ name: "mode", help: "M.", labelNames: ["k"], states: ["on", "off"], heap: other, registers: [] }).labels("y").state("on");
  } finally {
    other.close(false);
  }
  assert.deepEqual(await samplesOf(registry, "mode"), [
    ['mode{k="x",mode="on"}', 0], ['mode{k="x",mode="off"}', 1],
    ['mode{k="y",mode="on"}', 1], ['mode{k="y",mode="off"}', 0],
  ]);
}));

test("OpenMetrics output passes Python's strict parser as type stateset; text 0.0.4 has a gauge", withHeap(async (heap) => {
  const registry = new Registry(Registry.OPENMETRICS_CONTENT_TYPE, { heap });
  const s = new StateSet({ name: "feature", help: "Flags.", labelNames: ["env"], states: ["on", 'we"ird\\', "off"], heap, registers: [registry] });
  s.set({ env: "prod" }, { on: true, 'we"ird\\': true });
  assert.deepEqual(strictParse(await registry.metrics()), [{
    name: "feature",
    type: "stateset",
    samples: [
      ["feature", { env: "prod", feature: "on" }, 1],
      ["feature", { env: "prod", feature: 'we"ird\\' }, 1],
      ["feature", { env: "prod", feature: "off" }, 0],
    ],
  }]);
  registry.setContentType(Registry.PROMETHEUS_CONTENT_TYPE);
  assert.match(await registry.metrics(), /# TYPE feature gauge\n/);
}));


