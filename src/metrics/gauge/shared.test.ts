import { test } from "node:test";
import assert from "node:assert/strict";
import { Heap } from "../../heap/heap.ts";
import { firstSeriesRecord, withHeap } from "../../../test/support/heap.ts";
import { Gauge } from "./gauge.ts";
import { sharedDirectory } from "../../heap/shared_directory.ts";
import { cellBlockOf } from "../../heap/cells.ts";
import { findCopy, linkBytes } from "../../heap/copies.ts";
import { heapStats } from "../../heap/stats.ts";
import { sharedLayout } from "./shared.ts";
import { latestSets } from "./shared_read.ts";

const { firstSetCell, stampFirst, valueAt } = sharedLayout;

/** Another isolate's view of a shared gauge: its own heap attachment, hence its own writer slot. */
function writer(path: string, name: string, labelNames: string[] = []): { heap: Heap; gauge: Gauge } {
  const heap = Heap.open({ path, mode: "attach" });
  return { heap, gauge: new Gauge({ name, help: "S.", labelNames, heap, registers: [] }) };
}

test("shared gauge: incs before a set are overwritten by it, incs after it add to it, from any writer", withHeap((heap, _registry, path) => {
  const g = new Gauge({ name: "sg_order", help: "S.", heap, registers: [] });
  const b = writer(path, "sg_order");
  const c = writer(path, "sg_order");
  try {
    g.inc(5);
    b.gauge.inc(); // unit steps (the int32 count) and others (the f64 delta) both count
    c.gauge.dec(0.25);
    assert.equal(g.labels().get(), 5.75);
    b.gauge.set(100); // overwrites every writer's earlier steps
    assert.equal(g.labels().get(), 100);
    g.inc();
    c.gauge.dec(2);
    b.gauge.inc(0.5);
    assert.equal(c.gauge.labels().get(), 99.5);
    g.set(-3); // a later set from another writer wins
    assert.equal(b.gauge.labels().get(), -3);
    b.gauge.set(NaN);
    assert.ok(Number.isNaN(g.labels().get()));
    c.gauge.set(Infinity);
    g.dec();
    assert.equal(g.labels().get(), Infinity);
    g.set(1);
    g.set(2); // a writer's own second set replaces its first
    c.gauge.inc();
    assert.equal(g.labels().get(), 3);
  } finally {
    b.heap.close(false);
    c.heap.close(false);
  }
}));

test("shared gauge: a writer's incs right after its own set add to it, those before it do not, and another's set still wins", withHeap((heap, _registry, path) => {
  const g = new Gauge({ name: "sg_own_set", help: "S.", heap, registers: [] });
  const b = writer(path, "sg_own_set");
  try {
    g.inc(5);
    g.inc();
    g.set(100); // what g accumulated before is not counted from here
    g.inc(); // retagged to its own set (the base is 6): stays on the fast path
    g.dec(0.5);
    b.gauge.inc(2);
    assert.equal(g.labels().get(), 102.5);
    g.set(7);
    g.set(8); // a second own set: the base moves up with it
    g.inc();
    assert.equal(b.gauge.labels().get(), 9);
    b.gauge.set(50); // another writer's set: g's next inc retags the slow way
    g.inc();
    g.inc();
    assert.equal(g.labels().get(), 52);
    b.gauge.inc();
    g.set(-1);
    b.gauge.dec();
    assert.equal(g.labels().get(), -2);
  } finally {
    b.heap.close(false);
  }
}));

test("shared gauge: a set cut off after its first stamp (a killed writer) leaves the set before readable, and the next set takes the same slot", withHeap((heap) => {
  const g = new Gauge({ name: "sg_cut_set", help: "S.", heap, registers: [] });
  g.set(5); // this copy's first set: slot 1
  const shared = sharedDirectory(heap);
  const record = firstSeriesRecord(shared, "sg_cut_set");
  const copy = findCopy(heap, cellBlockOf(shared.directory, record).head, heap.slot) + linkBytes;
  const slot0 = copy / 8 + firstSetCell;
  heap.f64[slot0 + stampFirst] = 1e6; // the second set began in slot 0 and went no further
  heap.f64[slot0 + valueAt] = 666;
  const stale = heapStats.staleSlotReads;
  assert.equal(g.labels().get(), 5);
  assert.equal(heapStats.staleSlotReads, stale + 1);
  g.set(7); // overwrites the broken slot 0, never slot 1 (the last whole set)
  assert.deepEqual(latestSets(shared, record).map(([, value]) => value), [7]);
  assert.equal(g.labels().get(), 7);
  g.inc();
  assert.equal(g.labels().get(), 8);
}));

test("shared gauge: the int32 count spills into the delta at its limit, exactly", withHeap((heap) => {
  const g = new Gauge({ name: "sg_spill", help: "S.", heap, registers: [] });
  g.inc(2 ** 31 - 10); // the f64 delta
  for (let i = 0; i < 20; i++) g.inc();
  assert.equal(g.labels().get(), 2 ** 31 + 10);
  const d = new Gauge({ name: "sg_spill_down", help: "S.", heap, registers: [] });
  for (let i = 0; i < 3; i++) d.dec();
  d.dec(2 ** 40);
  assert.equal(d.labels().get(), -(2 ** 40) - 3);
}));

test("shared gauge: reset and remove start every writer from zero; a set or inc revives a removed series", withHeap(async (heap, registry, path) => {
  const g = new Gauge({ name: "sg_reset", help: "S.", labelNames: ["k"], heap, registers: [registry] });
  const b = writer(path, "sg_reset", ["k"]);
  try {
    g.set({ k: "x" }, 10);
    b.gauge.inc({ k: "x" }, 4);
    assert.equal(g.labels("x").get(), 14);
    g.reset();
    assert.doesNotMatch(await registry.metrics(), /^sg_reset\{/m);
    b.gauge.inc({ k: "x" }); // the stamp stayed: this copy retags, starting from zero
    assert.equal(g.labels("x").get(), 1);
    g.remove("x");
    b.gauge.set({ k: "x" }, 6);
    g.inc({ k: "x" }, 2);
    assert.match(await registry.metrics(), /^sg_reset\{k="x"\} 8$/m);
    const u = new Gauge({ name: "sg_reset_plain", help: "S.", heap, registers: [] });
    u.set(5);
    u.reset();
    assert.equal(u.labels().get(), 0);
    u.dec();
    assert.equal(u.labels().get(), -1);
  } finally {
    b.heap.close(false);
  }
}));

test("shared gauge: bad values throw before anything changes, on the unlabelled and labelled paths", withHeap(async (heap, registry) => {
  const g = new Gauge({ name: "sg_bad", help: "S.", heap, registers: [registry] });
  const l = new Gauge({ name: "sg_bad_l", help: "S.", labelNames: ["k"], heap, registers: [registry] });
  g.set(3);
  const before = await registry.metrics();
  assert.throws(() => g.inc(NaN), { name: "RangeError", message: /must be finite/ });
  assert.throws(() => g.dec(-Infinity), { name: "RangeError", message: /decrement gauge "sg_bad"/ });
  assert.throws(() => g.inc("1" as unknown as number), { name: "TypeError", message: /Delta is not a valid number/ });
  assert.throws(() => g.set(undefined as unknown as number), { name: "TypeError", message: /Value is not a valid number/ });
  assert.throws(() => l.set({ k: "new" }, "x" as unknown as number), TypeError);
  assert.throws(() => l.inc({ k: "new" }, NaN), RangeError);
  assert.equal(await registry.metrics(), before);
  const child = l.labels("y");
  child.set(2);
  assert.throws(() => child.dec(Infinity), RangeError);
  assert.equal(child.get(), 2);
}));

test("shared gauge: a writer slot adopted after its holder closed continues the holder's copy", withHeap((heap, _registry, path) => {
  const g = new Gauge({ name: "sg_adopt", help: "S.", heap, registers: [] });
  const b = writer(path, "sg_adopt");
  b.gauge.inc(7);
  b.heap.close(false); // its copy keeps counting, as an atomic on shared memory would
  assert.equal(g.labels().get(), 7);
  const c = writer(path, "sg_adopt"); // claims the freed slot
  try {
    c.gauge.inc();
    assert.equal(g.labels().get(), 8);
    g.set(1);
    c.gauge.inc();
    assert.equal(g.labels().get(), 2);
  } finally {
    c.heap.close(false);
  }
}));
