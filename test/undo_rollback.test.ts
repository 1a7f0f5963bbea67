/**
 * The undo log (src/heap/undo_log.ts) under the metrics that use it: a native histogram's
 * re-bucketing interrupted mid-write, and a histogram writer process killed mid-update
 * (readers get its state before the update; the isolate adopting its slot rolls it back
 * in the copy).
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { withHeap } from "./support/heap.ts";
import { currentRuntime, spawnFixture } from "./support/runtimes.ts";
import type { HistogramFamily } from "../src/exposition/snapshot.ts";
import { type CellBlock, reserveCellsLocked, WriterCells } from "../src/heap/cells.ts";
import { readSlot } from "../src/heap/cells_read.ts";
import { Heap } from "../src/heap/heap.ts";
import { Histogram } from "../src/metrics/histogram.ts";
import { NativeWriter, tableCapacity } from "../src/metrics/native_buckets.ts";

function makeCells(heap: Heap, dataCells: number): { block: CellBlock; cells: WriterCells } {
  // A list head word of its own, as a series record's `copies` field would be.
  const block = heap.withLock(() => ({ head: heap.allocLocked(8, 8), count: reserveCellsLocked(heap, dataCells).cellsCount }));
  const cells = new WriterCells(heap, block, new Int32Array(new SharedArrayBuffer(4)));
  cells.renew(); // a new copy is published an epoch behind; its first update renews it
  return { block, cells };
}

function read(heap: Heap, block: CellBlock, epoch = 0): number[] | undefined {
  const scratch = new Float64Array(block.count - 1);
  return readSlot(heap, block, heap.slot, epoch, scratch) ? [...scratch] : undefined;
}

test("a native re-bucketing interrupted mid-write: the reader gets the copy before it", withHeap((heap) => {
  const settings = { schema: 3, zeroThreshold: 0, maxBuckets: 4, minResetMs: 0 };
  const first = 0;
  const { block, cells } = makeCells(heap, 4 + 2 * tableCapacity(4));
  const shared = heap.int32View(heap.withLock(() => heap.allocLocked(8, 8)), 2);
  const created = new Float64Array(1);
  const writer = new NativeWriter(cells.f64, cells.i32, first, settings, shared, created, cells.undo);
  for (const v of [1, 2, 4, 8]) {
    cells.beginWrite();
    writer.observe(v);
    cells.endWrite();
  }
  const before = read(heap, block)!;
  cells.beginWrite();
  writer.observe(1024); // a fifth bucket: lowers the schema and re-buckets the table
  assert.notDeepEqual(read(heap, block, 0), undefined);
  assert.deepEqual(read(heap, block), before);
  cells.endWrite();
  const after = read(heap, block)!;
  assert.notDeepEqual(after, before, "the update itself went through");
  assert.ok((after[0] >> 1) - 16 < 3, "the schema was lowered");
}));

test("a writer killed mid-update: readers get its state before the update, and the isolate adopting its slot rolls it back", withHeap(async (heap, registry, path) => {
  const histogram = new Histogram({ name: "mp_undo_killed", help: "Killed mid-update.", labelNames: ["k"], buckets: [1], heap, registers: [registry] });
  const child = spawnFixture(currentRuntime(), "undo_killed", { MPMETRICS_HEAP: path });
  const base = Number((await child.waitForLine("mid-update")).split(" ")[1]);
  const scrape = async () => {
    const family = (await registry.collect()).find((f) => f.name === histogram.name) as HistogramFamily;
    const s = family.series[0];
    return [s.buckets[0].count, s.count, s.sum];
  };
  assert.deepEqual(await scrape(), [3, 3, 1.5], "alive and stopped mid-update: the state before it");
  assert.equal(heap.i32[base / 4 + 2], 9, "the copy itself holds the half-done update");
  child.process.kill("SIGKILL");
  await child.exited;
  assert.deepEqual(await scrape(), [3, 3, 1.5], "dead mid-update: the state before it");
  const adopter = Heap.open({ path, mode: "attach" });
  try {
    assert.equal(heap.i32[base / 4 + 2], 3, "the adopter rolled the bucket count back in the copy");
    assert.equal(heap.f64[base / 8 + 3], 1.5, "and the sum");
    assert.equal(heap.i32[base / 4 + 1] & 1, 0, "the sequence is even again");
    assert.deepEqual(await scrape(), [3, 3, 1.5]);
  } finally {
    adopter.close(false);
  }
}));
