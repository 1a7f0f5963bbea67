/**
 * Reading a series' copies (the readers' side of the algorithm in cells.ts): one slot's
 * copy read consistently under its seqlock, or from the undo log when its writer stopped
 * in an update ({@link readSlot}), and every copy of an epoch summed ({@link sumSlots}).
 *
 * @module
 */

import { type CellBlock, controlCells } from "./cells.ts";
import { loadBarrier } from "./barriers.ts";
import { checkCopy, findCopy, linkBytes } from "./copies.ts";
import type { Heap } from "./heap.ts";
import { HeapError } from "../native/index.ts";
import { heapStats } from "./stats.ts";
import { readUndone, Undone } from "./undo_log.ts";

/** Seqlock reads of one copy before checking whether its writer is alive. */
const seqRetriesMax = 1000;
/** Reads finding the same odd sequence before the reader takes the copy's state before that update from the undo log. */
const oddReadsMax = 200;
/** Liveness checks of a live writer mid-update whose undo log does not describe the update, 1 ms apart, before the heap is called damaged. */
const liveWaitsMax = 1000;
/** What readers sleep on (nothing ever wakes it: `Atomics.wait` with a timeout is a sleep). */
const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Reads one slot's copy of a series into `scratch` (data cell `i` into `scratch[i]`),
 * consistently: never in the middle of one of its writer's updates. A cell whose
 * `intCells` entry is 1 is read as the int32 in its first word, others as doubles.
 * Returns false, leaving `scratch` undefined, when the slot has no copy of the series or
 * its copy belongs to another epoch (it holds nothing of the series' current values).
 */
export function readSlot(
  heap: Heap,
  block: CellBlock,
  slot: number,
  epoch: number,
  scratch: Float64Array,
  intCells?: Uint8Array,
): boolean {
  const copy = findCopy(heap, block.head, slot);
  if (copy === 0) return false;
  const base = copy + linkBytes;
  heap.ensure(base + block.count * 8);
  const dataCells = block.count - controlCells;
  for (let waits = 0; waits <= liveWaitsMax; waits++) {
    let odd = 0;
    let oddReads = 0;
    for (let attempt = 0; attempt < seqRetriesMax; attempt++) {
      const i32 = heap.i32;
      const f64 = heap.f64;
      const control = base / 4;
      if (Atomics.load(i32, control) !== epoch) return false;
      const before = Atomics.load(i32, control + 1);
      if ((before & 1) !== 0) {
        if (before !== odd) {
          odd = before;
          oddReads = 0;
        }
        if (++oddReads < oddReadsMax) continue;
        // The writer is stopped, descheduled or dead in this update: its state before it.
        oddReads = 0;
        const found = readUndone(heap, slot, base, block.count, before, epoch, scratch, intCells);
        if (found === Undone.unknown) continue;
        heapStats.staleSlotReads++;
        return found === Undone.values;
      }
      loadBarrier(); // the data after the sequence word and before it again, whatever the JIT makes of Atomics on a non-shared buffer
      for (let i = 0; i < dataCells; i++) {
        const cell = base / 8 + controlCells + i;
        scratch[i] = intCells !== undefined && intCells[i] === 1 ? i32[cell * 2] : f64[cell];
      }
      loadBarrier();
      if (Atomics.load(i32, control + 1) === before && Atomics.load(i32, control) === epoch) return true;
    }
    if (!heap.slotIsLive(slot)) {
      readRaw(heap, base, dataCells, scratch, intCells); // a dead writer: at most its last update is partial
      return Atomics.load(heap.i32, base / 4) === epoch;
    }
    Atomics.wait(pause, 0, 0, 1); // alive, and its undo log says nothing of this update (it is being adopted?)
  }
  throw new HeapError(
    "corrupt",
    `Writer slot ${slot} of heap ${heap.path} stayed mid-update for ${liveWaitsMax} ms while alive, and its undo log does not describe the update of the copy at byte ${base}: the heap is damaged`,
  );
}

function readRaw(heap: Heap, base: number, dataCells: number, scratch: Float64Array, intCells?: Uint8Array): void {
  for (let i = 0; i < dataCells; i++) {
    const cell = base / 8 + controlCells + i;
    scratch[i] = intCells !== undefined && intCells[i] === 1 ? heap.i32[cell * 2] : heap.f64[cell];
  }
}

/**
 * Sums each data cell of a block over every slot whose copy belongs to `epoch`, into
 * `totals` (data cell `i` into `totals[i]`); `scratch` must hold the data cells too.
 *
 * @example
 * ```ts
 * const totals = new Float64Array(2);
 * sumSlots(heap, block, epoch, totals, new Float64Array(2), new Uint8Array([0, 1]));
 * ```
 */
export function sumSlots(
  heap: Heap,
  block: CellBlock,
  epoch: number,
  totals: Float64Array,
  scratch: Float64Array,
  intCells?: Uint8Array,
): void {
  totals.fill(0);
  const dataCells = block.count - controlCells;
  // Walk the list once; each copy is read through readSlot from the link that names it,
  // so readSlot's own walk stops at its first step.
  let link = block.head;
  for (let steps = 0; ; steps++) {
    const copy = Atomics.load(heap.i32, link / 4) >>> 0;
    if (copy === 0) return;
    checkCopy(heap, copy, block.head, steps);
    const slot = heap.u32[copy / 4 + 1];
    if (readSlot(heap, { head: link, count: block.count }, slot, epoch, scratch, intCells)) {
      for (let i = 0; i < dataCells; i++) totals[i] += scratch[i];
    }
    link = copy; // the copy's next word
  }
}
