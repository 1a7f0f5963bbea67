import { test } from "node:test";
import assert from "node:assert/strict";
import { Heap } from "../heap/heap.ts";
import { parseSamples } from "../../test/support/parse_text.ts";
import { Gauge, type GaugeMode } from "./gauge.ts";
import { Registry } from "./registry.ts";
import { withHeap } from "../../test/support/heap.ts";
import { strictParse } from "../../test/support/strict_parser.ts";

/**
 * A heap file with `writers` extra attachments: each `Heap.open` claims its own writer
 * slot, so in this one process they behave as that many isolates (same pid).
 */

/** Another isolate's view of gauge `name` in mode `mode`: its own heap attachment (slot). */
function writer(path: string, name: string, help: string, mode: GaugeMode, labelNames: string[] = []): { heap: Heap; gauge: Gauge } {
  const heap = Heap.open({ path, mode: "attach" });
  return { heap, gauge: new Gauge({ name, help, labelNames, mode, heap, registers: [] }) };
}

async function scrape(registry: Registry): Promise<Map<string, number>> {
  return parseSamples(await registry.metrics());
}

test("set, inc, dec, setToCurrentTime and startTimer as prom-client", withHeap(async (heap, registry) => {
  const g = new Gauge({ name: "level", help: "Level.", heap, registers: [registry] });
  g.set(10);
  g.inc();
  g.inc(2.5);
  g.dec(0.5);
  const lg = new Gauge({ name: "queue", help: "Queue.", labelNames: ["q"], heap, registers: [registry] });
  lg.set({ q: "a" }, 5);
  lg.inc({ q: "a" });
  lg.dec({ q: "b" }, 2);
  lg.labels("c").set(NaN);
  lg.labels("d").set(-Infinity);
  const before = Date.now() / 1000;
  lg.setToCurrentTime({ q: "t" });
  const end = lg.startTimer({ q: "timer" });
  await new Promise((resolve) => setTimeout(resolve, 20));
  const seconds = end();
  const samples = await scrape(registry);
  assert.equal(samples.get("level{}"), 13);
  assert.equal(samples.get('queue{q="a"}'), 6);
  assert.equal(samples.get('queue{q="b"}'), -2);
  assert.ok(Number.isNaN(samples.get('queue{q="c"}')));
  assert.equal(samples.get('queue{q="d"}'), -Infinity);
  assert.ok(samples.get('queue{q="t"}')! >= Math.floor(before));
  assert.ok(seconds >= 0.015 && seconds < 5, `timer measured ${seconds}`);
  assert.equal(samples.get('queue{q="timer"}'), seconds);
  assert.equal(lg.labels("a").get(), 6);
  assert.equal(g.mode, "shared");

  const text = await registry.metrics();
  assert.throws(() => g.inc(NaN), { name: "RangeError", message: /must be finite/ });
  assert.throws(() => g.set("3" as unknown as number), TypeError);
  assert.throws(() => lg.inc({ q: "a" }, Infinity), RangeError);
  assert.throws(() => lg.set({ q: "new" }, "x" as unknown as number), TypeError);
  assert.throws(() => lg.dec({ q: "new2" }, NaN), RangeError);
  assert.equal(await registry.metrics(), text, "bad input changed nothing");
}));

test("the default mode: one value that every isolate moves, atomically", withHeap(async (heap, registry, path) => {
  const g = new Gauge({ name: "shared_level", help: "Shared.", heap, registers: [registry] });
  const other = writer(path, "shared_level", "Shared.", "shared");
  try {
    g.set(5);
    other.gauge.inc(3);
    g.dec(1);
    other.gauge.set(other.gauge.labels().get() * 2); // a set from any isolate replaces it
    assert.equal((await scrape(registry)).get("shared_level{}"), 14);
    assert.deepEqual(await g.get(), { name: "shared_level", help: "Shared.", type: "gauge", values: [{ value: 14, labels: {} }], aggregator: "sum" });
  } finally {
    other.heap.close(false);
  }
}));

test("a removed series comes back with an update from a view bound after the removal", withHeap(async (heap, registry, path) => {
  for (const mode of ["shared", "livesum"] as const) {
    const g = new Gauge({ name: `back_${mode}`, help: "B.", labelNames: ["k"], mode, heap, registers: [registry] });
    g.set({ k: "x" }, 3);
    g.remove("x");
    const other = writer(path, `back_${mode}`, "B.", mode, ["k"]);
    try {
      other.gauge.inc({ k: "x" }, 2); // its child is made after the removal
      assert.equal((await scrape(registry)).get(`back_${mode}{k="x"}`), 2, mode);
    } finally {
      other.heap.close(false);
    }
  }
}));

test("mode and aggregator: validated before anything is made, part of the definition", withHeap(async (heap, registry) => {
  const make = (extra: object) => new Gauge({ name: "moded", help: "M.", heap, registers: [], ...extra } as never);
  assert.throws(() => make({ mode: "average" }), {
    name: "TypeError",
    message: 'mode of gauge "moded" must be one of "shared", "sum", "livesum", "min", "max", "mostrecent", "pid", got "average"',
  });
  assert.throws(() => make({ aggregator: "first" }), {
    name: "TypeError",
    message: 'aggregator of gauge "moded" must be "sum" (mode "livesum"), "min" or "max", got "first"; prom-client\'s "first", "average" and "omit" have no equivalent here: give a mode instead, one of "shared", "sum", "livesum", "min", "max", "mostrecent", "pid"',
  });
  assert.throws(() => make({ aggregator: "omit" }), TypeError);
  assert.throws(() => make({ aggregator: "toString" }), TypeError);
  assert.throws(() => make({ mode: "sum", aggregator: "sum" }), {
    name: "TypeError",
    message: 'gauge "moded" got mode "sum" and aggregator "sum", which means mode "livesum": give one of them',
  });
  assert.throws(() => new Gauge({ name: "pid_labelled", help: "P.", labelNames: ["pid"], mode: "pid", heap, registers: [] }), {
    name: "TypeError",
    message: 'Invalid label name "pid" for "pid_labelled": it is reserved for this metric type',
  });
  new Gauge({ name: "pid_labelled", help: "P.", labelNames: ["pid"], heap, registers: [] }); // only mode "pid" reserves it

  const max = make({ aggregator: "max" }); // nothing above published "moded"
  assert.equal(max.mode, "max");
  assert.equal(make({ mode: "max", aggregator: "max" }).mode, "max");
  assert.equal(new Gauge({ name: "summed", help: "S.", aggregator: "sum", heap, registers: [] }).mode, "livesum");
  assert.throws(() => make({ mode: "min" }), { name: "TypeError", message: /already exists .* with another definition/ });
  assert.throws(() => make({}), /another definition/);
  assert.equal(max.descriptor.settings.mode, "max");
  assert.equal((await registry.metrics()), "\n", "refused gauges registered nothing");
}));

test('"sum" keeps every isolate that ever wrote; "livesum" only live ones; an adopted slot inherits nothing', withHeap(async (heap, registry, path) => {
  const sum = new Gauge({ name: "g_sum", help: "Sum.", labelNames: ["k"], mode: "sum", heap, registers: [registry] });
  const live = new Gauge({ name: "g_livesum", help: "Live sum.", labelNames: ["k"], mode: "livesum", heap, registers: [registry] });
  const a = { heap: Heap.open({ path, mode: "attach" }) };
  const b = { heap: Heap.open({ path, mode: "attach" }) };
  const views = [a, b].map(({ heap: h }) => ({
    sum: new Gauge({ name: "g_sum", help: "Sum.", labelNames: ["k"], mode: "sum", heap: h, registers: [] }),
    live: new Gauge({ name: "g_livesum", help: "Live sum.", labelNames: ["k"], mode: "livesum", heap: h, registers: [] }),
  }));
  let c: Heap | undefined;
  try {
    sum.set({ k: "x" }, 1);
    live.set({ k: "x" }, 1);
    views[0].sum.set({ k: "x" }, 2);
    views[0].live.set({ k: "x" }, 2);
    views[1].sum.inc({ k: "x" }, 4);
    views[1].live.labels("x").inc(5);
    views[1].live.labels("x").dec(1);
    let samples = await scrape(registry);
    assert.equal(samples.get('g_sum{k="x"}'), 7);
    assert.equal(samples.get('g_livesum{k="x"}'), 7);
    assert.equal(sum.labels("x").get(), 7);

    const slotOfB = b.heap.slot;
    b.heap.close(false); // isolate b is gone: its slot is no longer live
    samples = await scrape(registry);
    assert.equal(samples.get('g_sum{k="x"}'), 7, "sum keeps the departed isolate's value");
    assert.equal(samples.get('g_livesum{k="x"}'), 3, "livesum drops it");

    c = Heap.open({ path, mode: "attach" });
    assert.equal(c.slot, slotOfB, "the new isolate adopts b's slot");
    const cSum = new Gauge({ name: "g_sum", help: "Sum.", labelNames: ["k"], mode: "sum", heap: c, registers: [] });
    const cLive = new Gauge({ name: "g_livesum", help: "Live sum.", labelNames: ["k"], mode: "livesum", heap: c, registers: [] });
    samples = await scrape(registry);
    assert.equal(samples.get('g_livesum{k="x"}'), 3, "the adopted copy is not counted as the new isolate's");
    assert.equal(samples.get('g_sum{k="x"}'), 7);
    cLive.inc({ k: "x" }, 10);
    cSum.inc({ k: "x" }, 10);
    samples = await scrape(registry);
    assert.equal(samples.get('g_livesum{k="x"}'), 13, "the new isolate starts from 0, not from b's 4");
    assert.equal(samples.get('g_sum{k="x"}'), 17, "b's 4 moved to the departed total, the new isolate counts from 0");
    cSum.set({ k: "x" }, 1);
    assert.equal((await scrape(registry)).get('g_sum{k="x"}'), 8);

    a.heap.close(false);
    samples = await scrape(registry);
    assert.equal(samples.get('g_livesum{k="x"}'), 11);
    assert.equal(samples.get('g_sum{k="x"}'), 8);
    assert.equal(live.labels("x").get(), 11);
    assert.deepEqual((await live.get()).aggregator, "sum", "prom-client's word for it");
  } finally {
    for (const h of [a.heap, b.heap, c]) h?.close(false);
  }
}));

test('"min" and "max" over live isolates that have written; none left: the series is left out', withHeap(async (heap, registry, path) => {
  const min = new Gauge({ name: "g_min", help: "Min.", mode: "min", heap, registers: [registry] });
  const max = new Gauge({ name: "g_max", help: "Max.", aggregator: "max", heap, registers: [registry] });
  const a = Heap.open({ path, mode: "attach" });
  const b = Heap.open({ path, mode: "attach" });
  try {
    const [aMin, aMax, bMin, bMax] = [a, a, b, b].map((h, i) =>
      new Gauge({ name: i % 2 === 0 ? "g_min" : "g_max", help: i % 2 === 0 ? "Min." : "Max.", mode: i % 2 === 0 ? "min" : "max", heap: h, registers: [] })
    );
    let samples = await scrape(registry);
    assert.equal(samples.has("g_min{}"), false, "nobody has written: no value");
    assert.ok(Number.isNaN(min.labels().get()));
    aMin.set(5);
    aMax.set(5);
    bMin.set(-2);
    bMax.set(-2);
    bMin.inc(1); // -1
    bMax.dec(1); // -3
    samples = await scrape(registry);
    assert.equal(samples.get("g_min{}"), -1);
    assert.equal(samples.get("g_max{}"), 5);
    b.close(false);
    samples = await scrape(registry);
    assert.equal(samples.get("g_min{}"), 5, "the dead isolate's -1 drops out");
    assert.equal(samples.get("g_max{}"), 5);
    max.set(9);
    min.set(9);
    samples = await scrape(registry);
    assert.equal(samples.get("g_min{}"), 5);
    assert.equal(samples.get("g_max{}"), 9);
    a.close(false);
    max.reset();
    samples = await scrape(registry);
    assert.equal(samples.get("g_min{}"), 9);
    assert.equal(samples.has("g_max{}"), false, "after a reset no live isolate has a value");
    assert.deepEqual(await max.get(), { name: "g_max", help: "Max.", type: "gauge", values: [], aggregator: "max" });
  } finally {
    a.close(false);
    b.close(false);
  }
}));

test('"mostrecent": the latest update wins, dead writers included; a tie goes to the lower slot', withHeap(async (heap, registry, path) => {
  const recent = new Gauge({ name: "g_recent", help: "Recent.", labelNames: ["k"], mode: "mostrecent", heap, registers: [registry] });
  const a = writer(path, "g_recent", "Recent.", "mostrecent", ["k"]);
  const b = writer(path, "g_recent", "Recent.", "mostrecent", ["k"]);
  const realNow = Date.now;
  let now = 1_000_000;
  Date.now = () => now; // a clock the test moves: the order of updates is exact
  try {
    assert.equal((await scrape(registry)).has('g_recent{k="x"}'), false);
    a.gauge.set({ k: "x" }, 1);
    b.gauge.set({ k: "x" }, 2); // the same millisecond: a's slot is lower
    assert.ok(a.heap.slot < b.heap.slot);
    assert.equal((await scrape(registry)).get('g_recent{k="x"}'), 1, "a tie goes to the lower slot");
    now++;
    b.gauge.set({ k: "x" }, 2);
    assert.equal((await scrape(registry)).get('g_recent{k="x"}'), 2);
    now++;
    a.gauge.inc({ k: "x" }, 10); // a's own value: 1 + 10
    assert.equal((await scrape(registry)).get('g_recent{k="x"}'), 11);
    now++;
    b.gauge.dec({ k: "x" });
    assert.equal(recent.labels("x").get(), 1);
    b.heap.close(false);
    assert.equal((await scrape(registry)).get('g_recent{k="x"}'), 1, "the latest value outlives its writer");
    const c = writer(path, "g_recent", "Recent.", "mostrecent", ["k"]); // adopts b's slot
    try {
      assert.equal((await scrape(registry)).get('g_recent{k="x"}'), 1);
      now++;
      c.gauge.inc({ k: "x" }, 3);
      assert.equal((await scrape(registry)).get('g_recent{k="x"}'), 3, "the adopter starts from 0, not from b's 1");
    } finally {
      c.heap.close(false);
    }
  } finally {
    Date.now = realNow;
    a.heap.close(false);
    b.heap.close(false);
  }
}));

test('"pid": one series per live process with a pid label; isolates of one process add up', withHeap(async (heap, registry, path) => {
  const perPid = new Gauge({ name: "g_pid", help: "Per pid.", labelNames: ["k"], mode: "pid", heap, registers: [registry] });
  const a = writer(path, "g_pid", "Per pid.", "pid", ["k"]);
  try {
    assert.equal((await registry.metrics()).includes("g_pid{"), false, "nobody has written");
    perPid.set({ k: "x" }, 3);
    a.gauge.labels("x").set(4);
    a.gauge.set({ k: "y" }, 1);
    let samples = await scrape(registry);
    assert.equal(samples.get(`g_pid{k="x",pid="${process.pid}"}`), 7);
    assert.equal(samples.get(`g_pid{k="y",pid="${process.pid}"}`), 1);
    assert.equal([...samples.keys()].filter((key) => key.startsWith("g_pid")).length, 2);
    assert.equal(perPid.labels("x").get(), 7);
    assert.deepEqual(await perPid.get(), {
      name: "g_pid",
      help: "Per pid.",
      type: "gauge",
      values: [{ value: 7, labels: { k: "x", pid: String(process.pid) } }, { value: 1, labels: { k: "y", pid: String(process.pid) } }],
      aggregator: "pid",
    });
    a.heap.close(false);
    samples = await scrape(registry);
    assert.equal(samples.get(`g_pid{k="x",pid="${process.pid}"}`), 3);
    assert.equal(samples.has(`g_pid{k="y",pid="${process.pid}"}`), false, "no live writer of y is left");
    perPid.remove("x");
    assert.equal((await registry.metrics()).includes("g_pid{"), false);
    perPid.inc({ k: "x" });
    assert.equal((await scrape(registry)).get(`g_pid{k="x",pid="${process.pid}"}`), 1, "a removed series comes back from zero");
  } finally {
    a.heap.close(false);
  }
}));

test("reset() and remove() in per-process modes: every isolate starts again from zero", withHeap(async (heap, registry, path) => {
  const sum = new Gauge({ name: "r_sum", help: "R.", labelNames: ["k"], mode: "sum", heap, registers: [registry] });
  const a = writer(path, "r_sum", "R.", "sum", ["k"]);
  const b = writer(path, "r_sum", "R.", "sum", ["k"]);
  let c: ReturnType<typeof writer> | undefined;
  try {
    sum.set({ k: "x" }, 1);
    a.gauge.set({ k: "x" }, 2);
    b.gauge.set({ k: "x" }, 4);
    b.heap.close(false);
    c = writer(path, "r_sum", "R.", "sum", ["k"]);
    c.gauge.set({ k: "x" }, 8); // b's 4 moves to the departed total
    assert.equal((await scrape(registry)).get('r_sum{k="x"}'), 15);
    sum.reset();
    assert.equal((await scrape(registry)).get('r_sum{k="x"}'), undefined, "reset() drops a labelled series, as prom-client's");
    a.gauge.inc({ k: "x" });
    c.gauge.inc({ k: "x" }, 2);
    assert.equal((await scrape(registry)).get('r_sum{k="x"}'), 3, "back from zero: the departed total was reset too");
    a.gauge.remove({ k: "x" });
    assert.equal((await scrape(registry)).has('r_sum{k="x"}'), false);
    c.gauge.dec({ k: "x" }, 5);
    assert.equal((await scrape(registry)).get('r_sum{k="x"}'), -5);
  } finally {
    for (const h of [a.heap, b.heap, c?.heap]) h?.close(false);
  }
}));

test("bad input in a per-process mode changes nothing", withHeap(async (heap, registry) => {
  const g = new Gauge({ name: "careful_live", help: "C.", labelNames: ["k"], mode: "livesum", heap, registers: [registry] });
  g.set({ k: "a" }, 1);
  const text = await registry.metrics();
  assert.throws(() => g.inc({ k: "a" }, NaN), { name: "RangeError", message: 'Delta is not a valid number: NaN. Cannot increment gauge "careful_live" with NaN: the value must be finite' });
  assert.throws(() => g.labels("a").dec(Infinity), RangeError);
  assert.throws(() => g.set({ k: "b" }, "1" as unknown as number), { name: "TypeError", message: 'Value is not a valid number: 1. Cannot set gauge "careful_live" with 1: the value must be a number' });
  assert.throws(() => g.inc({ k: "c" }, -Infinity), RangeError);
  assert.equal(await registry.metrics(), text);
  g.labels("a").set(NaN); // set takes any number
  assert.ok(Number.isNaN((await scrape(registry)).get('careful_live{k="a"}')));
}));

test("the default mode: bad input to a series seen before (the label hit path) changes nothing, with the messages of a first use", withHeap(async (heap, registry) => {
  const g = new Gauge({ name: "careful_shared", help: "C.", labelNames: ["k"], heap, registers: [registry] });
  g.set({ k: "a" }, 1);
  const text = await registry.metrics();
  assert.throws(() => g.inc({ k: "a" }, NaN), { name: "RangeError", message: 'Delta is not a valid number: NaN. Cannot increment gauge "careful_shared" with NaN: the value must be finite' });
  assert.throws(() => g.dec({ k: "a" }, "2" as unknown as number), TypeError);
  assert.throws(() => g.set({ k: "a" }, "1" as unknown as number), { name: "TypeError", message: 'Value is not a valid number: 1. Cannot set gauge "careful_shared" with 1: the value must be a number' });
  assert.throws(() => g.inc({ k: "a", other: "x" } as { k: string }), /other/, "a label that is not a label name is refused on a hit too");
  assert.equal(await registry.metrics(), text);
  g.inc({ k: "a" }, null as unknown as number); // null is the default step, as on a first use
  g.dec({ k: "a" }, undefined);
  g.inc({ k: "a" }, 0.5);
  assert.equal((await scrape(registry)).get('careful_shared{k="a"}'), 1.5);
}));

test("OpenMetrics output of every mode passes Python's strict parser", withHeap(async (heap) => {
  const registry = new Registry(Registry.OPENMETRICS_CONTENT_TYPE, { heap });
  for (const mode of ["shared", "sum", "livesum", "min", "max", "mostrecent", "pid"] as const) {
    const g = new Gauge({ name: `om_${mode}`, help: `Mode ${mode}.`, labelNames: ["k"], mode, heap, registers: [registry] });
    g.set({ k: "a" }, 1.5);
    g.dec({ k: "b" });
  }
  const families = strictParse(await registry.metrics());
  const pid = String(process.pid);
  assert.deepEqual(families.find((f) => f.name === "om_pid"), {
    name: "om_pid",
    type: "gauge",
    samples: [["om_pid", { k: "a", pid }, 1.5], ["om_pid", { k: "b", pid }, -1]],
  });
  assert.equal(families.length, 7);
  for (const family of families) assert.deepEqual(family.samples.map((s) => s[2]), [1.5, -1], family.name);
}));


