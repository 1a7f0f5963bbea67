import { test } from "node:test";
import assert from "node:assert/strict";
import { Heap } from "./heap.ts";
import { firstSeriesRecord, withHeap } from "../../test/support/heap.ts";
import { Counter } from "../metrics/counter.ts";
import { Gauge } from "../metrics/gauge.ts";
import { Histogram } from "../metrics/histogram.ts";
import { sharedDirectory } from "./shared_directory.ts";
import { findCopy, linkBytes } from "./copies.ts";
import { RecordField } from "./directory.ts";
import { nextEpoch, raiseEpoch, retireCopies, retiredEpoch } from "./epochs.ts";

/** Word 0 of writer slot `slot`'s copy of the first series of `name` (the copy's epoch), and the series' epoch word. */
function epochs(heap: Heap, name: string, slot: number): { copyWord: number; series: Int32Array; head: number } {
  const shared = sharedDirectory(heap);
  const record = firstSeriesRecord(shared, name);
  const head = record + RecordField.copies;
  const copy = findCopy(heap, head, slot);
  assert.notEqual(copy, 0, `slot ${slot} has a copy of ${name}`);
  return { copyWord: (copy + linkBytes) / 4, series: shared.directory.int32Field(record, RecordField.epoch), head };
}

test("nextEpoch counts up, wraps as an int32, and never gives the retired value", () => {
  assert.equal(nextEpoch(0), 1);
  assert.equal(nextEpoch(-1), 0);
  assert.equal(nextEpoch(0x7ffffffe), 0x7fffffff);
  assert.equal(nextEpoch(0x7fffffff), retiredEpoch + 1, "past the int32 range: the retired value is skipped");
  assert.equal(nextEpoch(retiredEpoch), retiredEpoch + 1);
});

test("a reset retires every copy left behind; the writer's next update makes its copy current from zero", withHeap(async (heap, registry, path) => {
  const other = Heap.open({ path, mode: "attach" });
  try {
    const mine = new Counter({ name: "ep_jobs", help: "E.", labelNames: ["k"], heap, registers: [registry] });
    const theirs = new Counter({ name: "ep_jobs", help: "E.", labelNames: ["k"], heap: other, registers: [] });
    const held = theirs.labels("a");
    held.inc(); // unit steps: the path that compares the copy's word 0 with the epoch the child kept
    mine.labels("a").inc(2);
    const before = epochs(heap, "ep_jobs", other.slot);
    const epoch = before.series[0];
    assert.equal(heap.i32[before.copyWord], epoch, "a written copy is on the series' epoch");

    mine.reset();
    assert.equal(before.series[0], nextEpoch(epoch));
    assert.equal(heap.i32[before.copyWord], retiredEpoch, "the other writer's copy is retired by the reset");
    assert.equal(heap.i32[epochs(heap, "ep_jobs", heap.slot).copyWord], retiredEpoch, "and so is this writer's");

    held.inc();
    held.inc();
    assert.equal(heap.i32[before.copyWord], nextEpoch(epoch), "renewed at the series' epoch");
    const { values } = await mine.get();
    assert.deepEqual(values.map((v) => v.value), [2], "only the increments after the reset count");
  } finally {
    other.close();
  }
}));

test("a shared gauge writer holding its child across a reset elsewhere counts again from zero", withHeap((heap, _registry, path) => {
  const other = Heap.open({ path, mode: "attach" });
  try {
    const mine = new Gauge({ name: "ep_depth", help: "E.", labelNames: ["q"], heap, registers: [] });
    const theirs = new Gauge({ name: "ep_depth", help: "E.", labelNames: ["q"], heap: other, registers: [] });
    const held = theirs.labels("a");
    held.inc();
    held.inc(2);
    assert.equal(mine.labels("a").get(), 3);
    mine.reset();
    assert.equal(heap.i32[epochs(heap, "ep_depth", other.slot).copyWord], retiredEpoch);
    held.inc(); // the unit step's fast path finds the copy retired
    assert.equal(mine.labels("a").get(), 1);
    mine.reset();
    held.set(7);
    held.dec();
    assert.equal(mine.labels("a").get(), 6);
  } finally {
    other.close();
  }
}));

test("retiring leaves a copy already on the current epoch alone, and raiseEpoch from a stale epoch raises nothing", withHeap(async (heap, _registry, path) => {
  const other = Heap.open({ path, mode: "attach" });
  try {
    const mine = new Counter({ name: "ep_race", help: "E.", labelNames: ["k"], heap, registers: [] });
    const theirs = new Counter({ name: "ep_race", help: "E.", labelNames: ["k"], heap: other, registers: [] });
    mine.labels("a").inc();
    const held = theirs.labels("a");
    held.inc();
    const { series, head, copyWord } = epochs(heap, "ep_race", other.slot);
    const epoch = series[0];

    // A reset whose raise happened, and a writer that renewed its copy before the
    // retirement reached it (as one comparing with the series' epoch word does).
    Atomics.store(series, 0, nextEpoch(epoch));
    assert.equal(held.cells.renew(), nextEpoch(epoch));
    held.inc(5); // the child's kept epoch differs from its copy's word 0: it takes the copy's, current
    retireCopies(heap, head, series);
    assert.equal(heap.i32[copyWord], nextEpoch(epoch), "a copy on the current epoch is not retired");
    assert.equal(heap.i32[epochs(heap, "ep_race", heap.slot).copyWord], retiredEpoch, "a copy behind it is");
    assert.equal((await mine.get()).values[0].value, 5);

    assert.equal(raiseEpoch(heap, head, series, epoch), false, "another process raised it from there already");
    assert.equal(series[0], nextEpoch(epoch));
    assert.equal(raiseEpoch(heap, head, series, series[0]), true);
    assert.equal(heap.i32[copyWord], retiredEpoch);
    held.inc();
    assert.equal((await mine.get()).values[0].value, 1);
  } finally {
    other.close();
  }
}));

test("binding a child of a removed series does not bring it back; its first update does", withHeap(async (heap, registry, path) => {
  const other = Heap.open({ path, mode: "attach" });
  try {
    const mine = new Counter({ name: "ep_removed", help: "E.", labelNames: ["k"], heap, registers: [registry] });
    const theirs = new Counter({ name: "ep_removed", help: "E.", labelNames: ["k"], heap: other, registers: [] });
    mine.labels("a").inc(3);
    mine.remove("a");
    const child = theirs.labels("a"); // a new child in the other writer, of a removed series
    assert.equal((await registry.metrics()).includes('ep_removed{k="a"}'), false, "still removed after binding");
    child.inc();
    assert.equal((await mine.get()).values[0].value, 1, "back from zero with its first increment");
  } finally {
    other.close();
  }
}));

test("a native histogram's budget reset retires the other writers' copies", withHeap(async (heap, _registry, path) => {
  const other = Heap.open({ path, mode: "attach" });
  try {
    const config = { name: "ep_native", help: "E.", buckets: [], nativeHistogramBucketFactor: 1.2, nativeHistogramMaxBucketNumber: 4, nativeHistogramMinResetDuration: 20, heap, registers: [] };
    const mine = new Histogram(config);
    const theirs = new Histogram({ ...config, heap: other });
    theirs.observe(1);
    const { copyWord, series } = epochs(heap, "ep_native", other.slot);
    const epoch = series[0];
    await new Promise((resolve) => setTimeout(resolve, 50)); // past the minimum reset duration
    for (const v of [0, 1, 1.1, 1.2, 1.4, 1.8, 2, 3, 4]) mine.observe(v); // past the bucket budget: a reset
    assert.notEqual(series[0], epoch, "the budget reset raised the epoch");
    assert.equal(heap.i32[copyWord], retiredEpoch, "the other writer's copy is retired");
  } finally {
    other.close();
  }
}));
