/**
 * The reader of `"shared"` gauges: a series' value over every writer's copy, read while
 * they write (the algorithm and the copy's layout are in shared.ts).
 *
 * @module
 */

import { loadBarrier } from "../../heap/barriers.ts";
import type { CellBlock } from "../../heap/cells.ts";
import { readSlot } from "../../heap/cells_read.ts";
import { findCopy, linkBytes } from "../../heap/copies.ts";
import type { Heap } from "../../heap/heap.ts";
import { heapStats } from "../../heap/stats.ts";
import { RecordField } from "../../heap/directory.ts";
import type { SharedDirectory } from "../../heap/shared_directory.ts";
import { seriesCells, seriesEpoch } from "../metric.ts";
import { sharedDataCells, sharedLayout } from "./shared.ts";

// Local constants, as the writer keeps them (shared.ts).
const { baseAt, countWord, deltaCell, firstSetCell, intCells, otherSetCell, seqlockedCells, stampFirst, stampLast, tagCell, valueAt } = sharedLayout;

/** Per-slot tags and deltas of one read (grown to the slot count; reads are not reentrant). */
let tags = new Float64Array(64);
let deltas = new Float64Array(64);
const scratch = new Float64Array(sharedDataCells);
const again = new Float64Array(sharedDataCells);
/** Reads of one copy's seqlocked cells, each compared with the one before, until two agree (see {@link readCopySteady}). */
const steadyReadsMax = 64;
/** Reads of a copy's latest set while its writer keeps setting, before taking the last one (see {@link readLatestSet}). */
const setReadsMax = 10_000;
/** Reads of a series while sets keep moving its stamp, before taking the last one. */
const stampRetriesMax = 100;
/** What {@link readLatestSet} read: the value and stamp of a copy's latest set. */
let setValue = 0;
let setStamp = 0;
let setBase = 0;

/**
 * Reads one slot's `delta`, `tag` and `count` into `scratch` so that they belong
 * together. The inc/dec fast paths store `count` and `delta` without the seqlock (one
 * plain store each), and a read takes `delta` before `count`: a reader descheduled
 * between the two would pair a `delta` with a `count` thousands of steps later, a value
 * the gauge never had (seen: 11,518 below the value before, on a loaded 2-core machine).
 * So the copy is read again until two reads in a row agree on those cells; the `count`
 * of the first was then read between two equal reads of `delta`. After `steadyReadsMax`
 * reads that all differ (a writer changing it faster than it can be read twice) the last
 * read is taken as it is. Returns false when the copy holds nothing of `epoch`.
 */
function readCopySteady(heap: Heap, block: CellBlock, slot: number, epoch: number): boolean {
  if (!readSlot(heap, block, slot, epoch, scratch, intCells)) return false;
  for (let read = 1; read < steadyReadsMax; read++) {
    if (!readSlot(heap, block, slot, epoch, again, intCells)) return false;
    let same = true;
    for (let i = 0; i < seqlockedCells; i++) {
      if (again[i] !== scratch[i] && !(again[i] !== again[i] && scratch[i] !== scratch[i])) same = false;
    }
    if (same) return true;
    scratch.set(again);
  }
  return true;
}


/**
 * Reads set slot `cell` (an f64 index) into `setValue`, `setStamp` and `setBase`, in the
 * reverse of the order the writer writes it (module comment): the slot is whole when its
 * first-written stamp, loaded last, equals its last-written stamp, loaded first. Each
 * double is one 8-byte load (never torn); barriers (heap/barriers.ts) keep them in that
 * order and keep a JIT from merging them with the loads of an earlier try. Returns
 * whether the slot was whole.
 */
function readSetSlot(f64: Float64Array, cell: number): boolean {
  const last = f64[cell + stampLast];
  loadBarrier();
  setValue = f64[cell + valueAt];
  setBase = f64[cell + baseAt];
  loadBarrier();
  setStamp = f64[cell + stampFirst];
  loadBarrier();
  return setStamp === last;
}

/**
 * Reads the latest set of the copy at byte `base` into `setValue`, `setStamp` and
 * `setBase`: of its two slots, the one with the higher stamp, from a read that found both
 * whole. Both, because a slot read whole early and the other read mid-write later could
 * be two sets behind: the writer may have finished a set in the first meanwhile. The
 * writer writes one slot at a time, and a read is a few loads, so a live writer lets
 * both be whole at once within a few tries; a writer stopped or killed in a set leaves
 * one slot that is never whole, and after `setReadsMax` tries the other is taken: its
 * previous set. Returns false when the copy left `epoch` meanwhile.
 */
function readLatestSet(heap: Heap, base: number, epoch: number): boolean {
  const f64 = heap.f64;
  const first = base / 8 + firstSetCell;
  const other = base / 8 + otherSetCell;
  for (let read = 0; read < setReadsMax; read++) {
    const firstWhole = readSetSlot(f64, first);
    const value = setValue;
    const stamp = setStamp;
    const baseValue = setBase;
    const otherWhole = readSetSlot(f64, other);
    const last = read === setReadsMax - 1;
    if (last && firstWhole !== otherWhole) heapStats.staleSlotReads++; // a writer stopped in a set: the set before it
    if (firstWhole && (!otherWhole || stamp > setStamp) && (otherWhole || last)) {
      setValue = value;
      setStamp = stamp;
      setBase = baseValue;
      break;
    }
    if (otherWhole && (firstWhole || last)) break;
    if (last) setValue = setStamp = setBase = 0; // neither whole in any try: a damaged copy
  }
  return Atomics.load(heap.i32, base / 4) === epoch;
}

/**
 * The latest set of each writer's copy of a `"shared"` gauge series, read through the
 * slots as a scrape reads them: `[slot, value, setStamp]` per copy of the current epoch
 * (`setStamp` 0: never set). For diagnostics and the set slots' tests; allocates.
 *
 * @example
 * ```ts
 * for (const [slot, value, stamp] of latestSets(shared, record)) console.log(slot, value, stamp);
 * ```
 */
export function latestSets(shared: SharedDirectory, record: number): [number, number, number][] {
  const { heap } = shared;
  const block = seriesCells(shared, record);
  const epoch = seriesEpoch(shared, record);
  const sets: [number, number, number][] = [];
  for (let slot = 0; slot < heap.slotsHighWater(); slot++) {
    if (!readCopySteady(heap, block, slot, epoch)) continue;
    if (readLatestSet(heap, findCopy(heap, block.head, slot) + linkBytes, epoch)) sets.push([slot, setValue, setStamp]);
  }
  return sets;
}

/**
 * The value of a `"shared"` gauge series, over every writer (see the module comment).
 *
 * @example
 * ```ts
 * const value = sharedGaugeValue(shared, record);
 * ```
 */
export function sharedGaugeValue(shared: SharedDirectory, record: number): number {
  const { heap, directory } = shared;
  const stampOffset = directory.field(record, RecordField.sharedOffset);
  heap.ensure(stampOffset + 8);
  const block = seriesCells(shared, record);
  const epoch = seriesEpoch(shared, record);
  const slots = heap.slotsHighWater();
  if (tags.length < slots) {
    tags = new Float64Array(slots);
    deltas = new Float64Array(slots);
  }
  let value = 0;
  for (let attempt = 0; attempt < stampRetriesMax; attempt++) {
    const before = heap.f64[stampOffset / 8];
    let newest = 0;
    let copies = 0;
    value = 0;
    for (let slot = 0; slot < slots; slot++) {
      if (!readCopySteady(heap, block, slot, epoch)) continue;
      if (!readLatestSet(heap, findCopy(heap, block.head, slot) + linkBytes, epoch)) continue;
      if (setStamp > newest) { // strictly newer: on a tie the lower slot, read first, stays
        newest = setStamp;
        value = setValue;
      }
      const tag = scratch[tagCell - 1];
      tags[copies] = tag;
      // Retagged by its own latest set: only what came after that set, above its base.
      deltas[copies] = scratch[deltaCell - 1] + scratch[countWord / 2 - 1] - (tag === setStamp ? setBase : 0);
      copies++;
    }
    for (let i = 0; i < copies; i++) if (tags[i] >= newest) value += deltas[i];
    if (heap.f64[stampOffset / 8] === before) break;
  }
  return value;
}
