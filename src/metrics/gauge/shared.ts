/**
 * The `"shared"` gauge mode (the default): one value for every process, where `set` from
 * any process replaces it and `inc`/`dec` from any process add to it. No FFI call and no
 * atomic read-modify-write on the hot path: each writer updates only its own copy.
 *
 * Storage. Per series, one shared f64 `stamp` word (its `sharedOffset`) and a per-writer
 * cell block (heap/cells.ts) with five data cells in each writer's copy:
 * - `value` (f64): the value of this writer's latest `set`;
 * - `setStamp` (f64): the stamp of that `set`, 0 when this copy was never set;
 * - `delta` (f64) and `count` (int32): what this writer's `inc`/`dec` added since `tag`
 *   (`count` takes the unit steps, an Int32Array add; everything else goes to `delta`);
 * - `tag` (f64): the stamp the delta is accumulated under.
 *
 * The algorithm.
 * - `set(v)`: `s = stamp + 1` (a plain load), then, inside the copy's seqlock, `value = v`,
 *   `setStamp = s`, `delta = -count` (so `delta + count` = 0); then `stamp = s` (a plain
 *   store). A copy's delta counts under the stamp `max(tag, setStamp)`, so the set needs
 *   no store of `tag`; its `tag` is now below `stamp`, so this writer's next inc or dec
 *   takes the slow path once and retags. Every set has a stamp above that of every set
 *   it could have seen. Two sets racing in the few instructions between the load and the
 *   store can take the same stamp: the lower writer slot wins the tie. The stamp is
 *   written after the copy, so on x86-64 (stores reach other cores in program order) a
 *   writer that sees stamp `s` sees the set's copy too. (A set preempted between its load
 *   and its store can move `stamp` back below a later set's: incs and decs that saw only
 *   the older stamp are then not counted until the next set. That takes a preemption in
 *   that window and a second set meanwhile; an atomic increment would close it, at the
 *   price of an FFI call or a locked instruction on every set.)
 * - `inc(d)` / `dec(d)`: if `tag` equals `stamp` (a plain load), add to `count` (d = 1)
 *   or `delta` with one plain store, no seqlock: each cell has one writer, an aligned
 *   8-byte store is never torn, and `tag` does not change. Else a set happened since this
 *   writer's last update, and whatever it accumulated before was overwritten by that set:
 *   inside the seqlock, `tag = stamp`, `delta = d`, `count = 0`. A `count` about to leave
 *   the int32 range is moved into `delta` inside the seqlock.
 * - The reader reads every writer slot's copy of the current epoch consistently (the
 *   seqlock, `readSlot`), takes the newest set (highest `setStamp`, ties to the lower
 *   slot; none: 0), and adds the `delta + count` of every copy whose `max(tag, setStamp)`
 *   >= that set's stamp: the incs and decs that came after it. It reads `stamp` before and after the
 *   copies and reads again if it moved, so a set landing between two copies' reads does
 *   not pair one copy's old state with another's new one.
 *
 * Hence: with only `inc`/`dec`, no set ever moves `stamp`, every tag is the same, and the
 * value is the exact sum over every writer (integers exact up to 2^53). After a set, the
 * value is that set plus the incs and decs that saw it. A reader never sees a torn value:
 * multi-cell changes are inside the seqlock, the others are single aligned stores. A dead
 * writer's copy keeps counting, as an atomic on shared memory would; the next isolate to
 * claim its slot continues it. `reset()`/`remove()` raise the series' epoch (heap/cells.ts):
 * every copy starts again from zero on its writer's next update; `stamp` is left as it is
 * (it only has to grow).
 *
 * Cost, counted in stores: `inc()` is an epoch check and a stamp check (four loads) and one
 * Int32Array store; `set(v)` an epoch check and six stores (the two sequence words and
 * the stamp included).
 *
 * @module
 */

import { type CellBlock, readSlot, type WriterCells } from "../../heap/cells.ts";
import type { Heap } from "../../heap/heap.ts";
import { RecordField } from "../../heap/directory.ts";
import type { SharedDirectory } from "../../heap/shared_directory.ts";
import { host } from "../../native/index.ts";
import { seriesCells, seriesEpoch } from "../metric.ts";
import { badGaugeValue, GaugeChild } from "./child.ts";

/** Whether the seqlock's writer side may use plain stores (heap/cells.ts). */
const plainStoresOrdered = host.plainStoresOrdered;

/** Data cells of a shared gauge's copy (see the module comment). */
export const sharedDataCells = 5;
// Indexes in a writer's copy: f64 cells (cell 0 is the control cell), and the int32 word of `count`.
const valueCell = 1;
const setStampCell = 2;
const deltaCell = 3;
const tagCell = 4;
const countWord = 10;
/** How `readSlot` reads the data cells: `count` as an int32, the others as doubles. */
const intCells = new Uint8Array([0, 0, 0, 0, 1]);
/** `count` stays strictly inside +-countLimit (the int32 range). */
const countLimit = 2 ** 31 - 1;
/** Reads of a series while sets keep moving its stamp, before taking the last one. */
const stampRetriesMax = 100;

/**
 * A series of a `"shared"` gauge: this isolate's copy of its cells and the series' stamp.
 *
 * @example
 * ```ts
 * const level = gauge.labels("main"); // a SharedGaugeChild in the default mode
 * level.set(3);
 * level.inc();
 * ```
 */
export class SharedGaugeChild extends GaugeChild {
  readonly #name: string;
  readonly #cells: WriterCells;
  readonly #f64: Float64Array;
  readonly #i32: Int32Array;
  readonly #epoch: Int32Array;
  /** The series' stamp word. */
  readonly #stamp: Float64Array;
  readonly #read: () => number;

  constructor(name: string, cells: WriterCells, stamp: Float64Array, read: () => number) {
    super();
    this.#name = name;
    this.#cells = cells;
    this.#f64 = cells.f64;
    this.#i32 = cells.i32;
    this.#epoch = cells.seriesEpoch;
    this.#stamp = stamp;
    this.#read = read;
  }

  set(value: number): void {
    if (typeof value !== "number") throw badGaugeValue(this.#name, "set gauge", value, false);
    const i32 = this.#i32;
    const cells = this.#cells;
    if (i32[0] !== this.#epoch[0]) cells.renew();
    const f64 = this.#f64;
    const stampWord = this.#stamp;
    const stamp = stampWord[0] + 1;
    // The seqlock written here rather than with cells.beginWrite()/endWrite(): the even
    // word is the odd one + 1, not a reload of it (a store-to-load round trip on every set).
    const odd = (i32[1] + 1) | 1;
    // The three cells it changes logged first (heap/undo_log.ts), so a reader of a writer
    // stopped here gets the copy as it was before this set.
    cells.undo.beginWith3(cells.offset, odd, valueCell, f64[valueCell], setStampCell, f64[setStampCell], deltaCell, f64[deltaCell]);
    if (plainStoresOrdered) i32[1] = odd;
    else Atomics.store(i32, 1, odd);
    f64[valueCell] = value;
    f64[setStampCell] = stamp;
    f64[deltaCell] = 0 - i32[countWord]; // delta + count = 0 (never -0: an int32 negation that yields -0 leaves the int32 path), under the set's stamp (the module comment)
    if (plainStoresOrdered) i32[1] = odd + 1;
    else Atomics.store(i32, 1, odd + 1);
    stampWord[0] = stamp;
  }

  inc(value = 1): void {
    const i32 = this.#i32;
    const f64 = this.#f64;
    if (i32[0] === this.#epoch[0] && f64[tagCell] === this.#stamp[0]) {
      if (value === 1) {
        const next = i32[countWord] + 1;
        if (next !== countLimit) {
          i32[countWord] = next;
          return;
        }
      } else if (Number.isFinite(value)) {
        f64[deltaCell] += value;
        return;
      }
    }
    this.#addSlow(value, 1, "increment gauge");
  }

  dec(value = 1): void {
    const i32 = this.#i32;
    const f64 = this.#f64;
    if (i32[0] === this.#epoch[0] && f64[tagCell] === this.#stamp[0]) {
      if (value === 1) {
        const next = i32[countWord] - 1;
        if (next !== -countLimit) {
          i32[countWord] = next;
          return;
        }
      } else if (Number.isFinite(value)) {
        f64[deltaCell] -= value;
        return;
      }
    }
    this.#addSlow(value, -1, "decrement gauge");
  }

  get(): number {
    return this.#read();
  }

  /** An inc or dec off the fast path: a bad value, a new epoch, a new stamp, or `count` at its limit. */
  #addSlow(value: number, sign: 1 | -1, action: string): void {
    if (!Number.isFinite(value)) throw badGaugeValue(this.#name, action, value, true);
    const i32 = this.#i32;
    const f64 = this.#f64;
    const cells = this.#cells;
    if (i32[0] !== this.#epoch[0]) cells.renew();
    const stamp = this.#stamp[0];
    const undo = cells.prepareWrite(); // the cells it changes logged first (heap/undo_log.ts)
    undo.saveDouble(f64, tagCell);
    undo.saveDouble(f64, deltaCell);
    undo.saveInt(i32, countWord >> 1);
    cells.beginLoggedWrite();
    if (f64[tagCell] !== stamp) { // a set came since: what this copy accumulated is overwritten
      f64[tagCell] = stamp;
      f64[deltaCell] = 0;
      i32[countWord] = 0;
    }
    f64[deltaCell] += i32[countWord] + sign * value;
    i32[countWord] = 0;
    cells.endWrite();
  }
}

/** Per-slot tags and deltas of one read (grown to the slot count; reads are not reentrant). */
let tags = new Float64Array(64);
let deltas = new Float64Array(64);
const scratch = new Float64Array(sharedDataCells);

/**
 * The value of a `"shared"` gauge series, over every writer (see the module comment).
 *
 * @example
 * ```ts
 * const value = sharedGaugeValue(shared, record);
 * ```
 */
/** Reads of one copy, each compared with the one before, until two agree (see {@link readCopySteady}). */
const steadyReadsMax = 64;
const again = new Float64Array(sharedDataCells);

/**
 * Reads one slot's copy into `scratch` so that its cells belong together. The inc/dec
 * fast paths store `count` and `delta` without the seqlock (one plain store each), and a
 * read takes `delta` before `count`: a reader descheduled between the two would pair a
 * `delta` with a `count` thousands of steps later, a value the gauge never had (seen:
 * 11,518 below the value before, on a loaded 2-core machine). So the copy is read again
 * until two reads in a row agree on every cell; the `count` of the first was then read
 * between two equal reads of `delta`. After `steadyReadsMax` reads that all differ (a
 * writer changing it faster than it can be read twice) the last read is taken as it is.
 * Returns false when the copy holds nothing of `epoch`.
 */
function readCopySteady(heap: Heap, block: CellBlock, slot: number, epoch: number): boolean {
  if (!readSlot(heap, block, slot, epoch, scratch, intCells)) return false;
  for (let read = 1; read < steadyReadsMax; read++) {
    if (!readSlot(heap, block, slot, epoch, again, intCells)) return false;
    let same = true;
    for (let i = 0; i < sharedDataCells; i++) {
      if (again[i] !== scratch[i] && !(again[i] !== again[i] && scratch[i] !== scratch[i])) same = false;
    }
    if (same) return true;
    scratch.set(again);
  }
  return true;
}

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
      if (scratch[setStampCell - 1] > newest) { // strictly newer: on a tie the lower slot, read first, stays
        newest = scratch[setStampCell - 1];
        value = scratch[valueCell - 1];
      }
      tags[copies] = Math.max(scratch[tagCell - 1], scratch[setStampCell - 1]);
      deltas[copies] = scratch[deltaCell - 1] + scratch[countWord / 2 - 1];
      copies++;
    }
    for (let i = 0; i < copies; i++) if (tags[i] >= newest) value += deltas[i];
    if (heap.f64[stampOffset / 8] === before) break;
  }
  return value;
}

/**
 * This isolate's view of a series' stamp word.
 *
 * @example
 * ```ts
 * const stamp = stampView(shared, record);
 * ```
 */
export function stampView(shared: SharedDirectory, record: number): Float64Array {
  return shared.heap.float64View(shared.directory.field(record, RecordField.sharedOffset), 1);
}
