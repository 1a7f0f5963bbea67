import { test } from "node:test";
import assert from "node:assert/strict";
import { withHeap } from "../../test/support/heap.ts";
import { HeapError } from "../native/index.ts";
import { type CellBlock, reserveCellsLocked, WriterCells } from "./cells.ts";
import { readSlot } from "./cells_read.ts";
import type { Heap } from "./heap.ts";
import { heapStats } from "./stats.ts";
import { entriesMax } from "./undo_log.ts";

/** A block of `dataCells` and this isolate's copy, in epoch 0. */
function makeCells(heap: Heap, dataCells: number): { block: CellBlock; cells: WriterCells; epoch: Int32Array } {
  // A list head word of its own, as a series record's `copies` field would be.
  const block = heap.withLock(() => ({ head: heap.allocLocked(8, 8), count: reserveCellsLocked(heap, dataCells).cellsCount }));
  const epoch = new Int32Array(new SharedArrayBuffer(4));
  const cells = new WriterCells(heap, block, epoch);
  cells.renew(); // a new copy is published an epoch behind; its first update renews it
  return { block, cells, epoch };
}

function read(heap: Heap, block: CellBlock, epoch = 0): number[] | undefined {
  const scratch = new Float64Array(block.count - 1);
  return readSlot(heap, block, heap.slot, epoch, scratch) ? [...scratch] : undefined;
}

/** One finished update storing `values` in data cells 1... */
function write(cells: WriterCells, values: number[]): void {
  cells.beginWrite();
  values.forEach((v, i) => {
    cells.undo.saveDouble(cells.f64, i + 1);
    cells.f64[i + 1] = v;
  });
  cells.endWrite();
}

test("a writer stopped mid-update: the reader gets the copy's values before the update, exactly, and counts a stale read", withHeap((heap) => {
  const { block, cells } = makeCells(heap, 4);
  write(cells, [1, 2, 3, 4]);
  assert.deepEqual(read(heap, block), [1, 2, 3, 4]);
  const stale = heapStats.staleSlotReads;
  cells.beginWrite(); // never ended while the reader reads: as if stopped here
  cells.undo.saveDouble(cells.f64, 1);
  cells.f64[1] = 10;
  cells.undo.saveDouble(cells.f64, 3);
  cells.f64[3] = 30;
  cells.undo.saveDouble(cells.f64, 1); // a cell stored twice ends at its value before the first store
  cells.f64[1] = 11;
  assert.deepEqual(read(heap, block), [1, 2, 3, 4], "the last consistent values, not a mix");
  assert.equal(heapStats.staleSlotReads, stale + 1);
  cells.endWrite();
  assert.deepEqual(read(heap, block), [11, 2, 30, 4], "the finished update");
  assert.equal(heapStats.staleSlotReads, stale + 1, "no stale read of a finished update");
}));

test("cells logged before the sequence turns odd (prepareWrite), int32 cells, and commit", withHeap((heap) => {
  const { block, cells } = makeCells(heap, 2);
  const scratch = new Float64Array(2);
  const ints = new Uint8Array([1, 0]);
  const undo = cells.prepareWrite();
  undo.saveInt(cells.i32, 1);
  undo.saveDouble(cells.f64, 2);
  cells.beginLoggedWrite();
  cells.i32[2] += 7;
  cells.f64[2] += 0.5;
  assert.equal(readSlot(heap, block, heap.slot, 0, scratch, ints), true);
  assert.deepEqual([...scratch], [0, 0]);
  cells.endWrite();
  cells.beginWrite();
  cells.undo.saveInt(cells.i32, 1);
  cells.i32[2] = 9;
  cells.undo.commit(); // the copy holds the update's result from here on
  assert.equal(readSlot(heap, block, heap.slot, 0, scratch, ints), true);
  assert.deepEqual([...scratch], [9, 0.5]);
  cells.endWrite();
}));

test(`an update of more than ${entriesMax} cells falls back to a pre-image of the whole copy`, withHeap((heap) => {
  const cellsCount = entriesMax + 10;
  const { block, cells } = makeCells(heap, cellsCount);
  const before = Array.from({ length: cellsCount }, (_, i) => i * 1.5);
  write(cells, before);
  cells.beginWrite();
  for (let i = 1; i <= cellsCount; i++) {
    cells.undo.saveDouble(cells.f64, i);
    cells.f64[i] = -i;
  }
  assert.deepEqual(read(heap, block), before);
  cells.endWrite();
  assert.deepEqual(read(heap, block), before.map((_, i) => -(i + 1)));
}));

test("a renew inside an update (a reset seen mid-write): readers of the new epoch get nothing until it ends", withHeap((heap) => {
  const { block, cells, epoch } = makeCells(heap, 3);
  write(cells, [5, 6, 7]);
  Atomics.add(epoch, 0, 1); // a reset
  cells.beginWrite();
  cells.renew(); // zeroes the copy and takes epoch 1: logs the whole copy first
  cells.undo.saveDouble(cells.f64, 1);
  cells.f64[1] = 1;
  assert.equal(read(heap, block, 1), undefined, "before the update the copy held nothing of epoch 1 (its pre-image is of epoch 0)");
  cells.endWrite();
  assert.deepEqual(read(heap, block, 1), [1, 0, 0]);
  assert.equal(read(heap, block, 0), undefined);
}));

test("a live writer mid-update whose undo log does not describe the update: a HeapError, not a hang", withHeap((heap) => {
  const { block, cells } = makeCells(heap, 2);
  cells.beginWrite();
  cells.undo.saveDouble(cells.f64, 1);
  cells.f64[1] = 3;
  const odd = cells.i32[1];
  cells.i32[1] = odd + 2; // damage: an odd sequence no update published
  assert.throws(() => read(heap, block), (error: unknown) => error instanceof HeapError && error.code === "corrupt" && /undo log does not describe/.test(error.message));
  cells.i32[1] = odd;
  cells.endWrite();
}));
