/**
 * The `"shared"` gauge mode (the default): one value for every process, where `set` from
 * any process replaces it and `inc`/`dec` from any process add to it. No FFI call, no
 * atomic read-modify-write and no undo-log entry on the hot path: each writer updates
 * only its own copy.
 *
 * Storage. Per series, one shared f64 `stamp` word (its `sharedOffset`) and a per-writer
 * cell block (heap/cells.ts) with eleven data cells in each writer's copy:
 * - `delta` (f64) and `count` (int32): what this writer's `inc`/`dec` added since `tag`
 *   (`count` takes the unit steps, an Int32Array add; everything else goes to `delta`);
 * - `tag` (f64): the stamp the delta is accumulated under;
 * - two set slots, each four f64 cells: the `setStamp` of the set that wrote it (0 in a
 *   slot never set), the `value`, the `setStamp` again, and a `base` (below).
 *
 * The algorithm.
 * - `set(v)`: `s = stamp + 0.5` (a plain load; see `stampStep`); into the slot the
 *   copy's latest set did not use (the parity of its count of sets names it), write the
 *   first stamp `s`, then `v`, then the second stamp `s`; then `stamp = s`. Plain stores
 *   in that order, with a full barrier (heap/barriers.ts) between them where the runtime
 *   does not promise that plain stores reach other processes in program order. A slot whose two stamps differ is being
 *   written (or its writer stopped or died in it), and the other slot holds this
 *   writer's previous set, whole: a reader reads a slot in reverse order (second stamp,
 *   value, first stamp) and takes the newer of the two only when both are whole, or the
 *   whole one when the other stays broken (`readLatestSet` in shared_read.ts, the reader). So a set needs no
 *   seqlock, no undo log and no repair on adoption, and a writer stopped anywhere in a
 *   set leaves its previous set readable as it was. A set touches neither `delta`,
 *   `count` nor `tag`: its stamp is above this writer's `tag`, which puts what the writer
 *   accumulated before it out of the count (below). Every set has a stamp above that of
 *   every set it could have seen. Two sets racing in the few instructions between the
 *   load and the store can take the same stamp: the lower writer slot wins the tie. The
 *   stamp is written after the copy, so a writer that sees stamp `s` sees the set's copy
 *   too. (A set preempted between its load and its store can move `stamp` back below a
 *   later set's: incs and decs that saw only the older stamp are then not counted until
 *   the next set. That takes a preemption in that window and a second set meanwhile; an
 *   atomic increment would close it, at the price of an FFI call or a locked
 *   instruction on every set.)
 * - `inc(d)` / `dec(d)`: if `tag` equals `stamp` (a plain load), add to `count` (d = 1)
 *   or `delta` with one plain store, no seqlock: each cell has one writer, an aligned
 *   8-byte store is never torn, and `tag` does not change. Else a set happened since this
 *   writer's last update. If it was this writer's own latest set (its slot's `setStamp`
 *   is `stamp`), the copy is retagged in two plain stores: the slot's `base` = `delta +
 *   count`, then `tag = stamp`; the add then goes on as above. So an app that sets and
 *   then increments a gauge stays on the fast path. Otherwise another writer's set
 *   overwrote whatever this copy accumulated: inside the copy's seqlock (logged,
 *   heap/undo_log.ts), `tag = stamp`, `delta = d`, `count = 0`. A `count` about to leave
 *   the int32 range is moved into `delta` inside the seqlock.
 * - The reader reads every writer slot's copy of the current epoch: `delta`, `count` and
 *   `tag` consistently (the seqlock, `readSlot`, until two reads agree), then the latest
 *   set from the two slots (fenced loads, `readSetSlot`). It takes the newest set (highest
 *   `setStamp`, ties to the lower slot; none: 0) and adds, for every copy whose `tag` >=
 *   that set's stamp, `delta + count`, less the `base` of the copy's latest set when its
 *   `tag` is that set's own stamp: the incs and decs that came after the newest set. A
 *   reader that sees a retagged `tag` sees the `base` stored before it. It reads `stamp`
 *   before and after the copies and reads again if it moved, so a set landing between
 *   two copies' reads does not pair one copy's old state with another's new one.
 *
 * Hence: with only `inc`/`dec`, no set ever moves `stamp`, every tag is the same, and the
 * value is the exact sum over every writer (integers exact up to 2^53). After a set, the
 * value is that set plus the incs and decs that saw it. A reader never sees a torn value:
 * multi-cell changes of the delta are inside the seqlock, a set is read from a whole
 * slot, a retag publishes its base first, the others are single aligned stores. A dead writer's
 * copy keeps counting, as an atomic on shared memory would; the next isolate to claim its
 * slot continues it. `reset()`/`remove()` raise the series' epoch (heap/cells.ts): every
 * copy starts again from zero on its writer's next update; `stamp` is left as it is (it
 * only has to grow).
 *
 * Cost, counted in stores: `inc()` is an epoch check (its copy's word 0 against the
 * epoch the child kept, heap/epochs.ts), a stamp check and one Int32Array store; `set(v)`
 * an epoch check, four loads and four stores; the first inc or dec after a writer's own
 * set two more stores.
 *
 * @module
 */

import { fullBarrier } from "../../heap/barriers.ts";
import type { WriterCells } from "../../heap/cells.ts";
import { RecordField } from "../../heap/directory.ts";
import type { SharedDirectory } from "../../heap/shared_directory.ts";
import { host } from "../../native/index.ts";
import { badGaugeValue, GaugeChild } from "./child.ts";

/** Whether the seqlock's writer side may use plain stores (heap/cells.ts). */
const plainStoresOrdered = host.plainStoresOrdered;

/** Data cells of a shared gauge's copy (see the module comment). */
export const sharedDataCells = 11;
// The copy's layout. Module-local constants, not exports: V8 reads an exported binding
// through its module cell at every use, where it folds a local one into the code. Three
// exported indexes cost `set(v)` a third of its time (4.2 against 3.1 ns on Deno 2.9, a
// set in a loop). The reader and the tests get the layout as `sharedLayout`.
// Indexes in a writer's copy: f64 cells (cell 0 is the control cell) and int32 words.
const deltaCell = 1;
const tagCell = 2;
const countWord = 6;
/**
 * The int32 word after `count`: this copy's number of sets, whose parity names the slot
 * of the latest (only the writer reads it, to choose a slot: an int add, where comparing
 * the slots' stamps put a load, a compare and a select between one set and the next).
 */
const setsWord = 7;
/**
 * Set slot `k` (0 or 1) is four f64 cells from `firstSetCell + 4k`: `setStamp` as written
 * first, `value`, `setStamp` as written last, and `base`.
 */
const firstSetCell = 4;
const otherSetCell = firstSetCell + 4;
const stampFirst = 0;
const valueAt = 1;
const stampLast = 2;
const baseAt = 3;
/**
 * What each set adds to the stamp. Not 1: V8 15 (Deno 2.9) compiles the add of a positive
 * integer constant to a Float64Array load into code twice as slow (7.0 against 3.3 ns a
 * set in a loop, /work probes of `x[0] + 1` against `x[0] + 0.5`). Stamps stay exact
 * multiples of 0.5 below 2^52.
 */
const stampStep = 0.5;

/**
 * The layout of a shared gauge's copy, for its reader (shared_read.ts) and tests: the
 * indexes above, how `readSlot` reads the data cells (`intCells`: `count` as an int32, the
 * others as doubles) and how many it reads consistently (`seqlockedCells`: delta, tag,
 * count; the set slots are read whole, `readLatestSet`).
 *
 * @example
 * ```ts
 * const { firstSetCell, valueAt } = sharedLayout;
 * const firstSlotValue = copyF64[firstSetCell + valueAt];
 * ```
 */
export const sharedLayout = Object.freeze({
  deltaCell,
  tagCell,
  countWord,
  firstSetCell,
  otherSetCell,
  stampFirst,
  valueAt,
  stampLast,
  baseAt,
  stampStep,
  intCells: new Uint8Array([0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]),
  seqlockedCells: 3,
});
/** `count` stays strictly inside +-countLimit (the int32 range). */
const countLimit = 2 ** 31 - 1;
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
  /** The epoch this child last made its copy current at: its copy's word 0 is compared with it (heap/epochs.ts). */
  #kept: number;
  /** The series' stamp word. */
  readonly #stamp: Float64Array;
  readonly #read: () => number;

  constructor(name: string, cells: WriterCells, stamp: Float64Array, read: () => number) {
    super();
    this.#name = name;
    this.#cells = cells;
    this.#f64 = cells.f64;
    this.#i32 = cells.i32;
    this.#kept = cells.firstKept();
    this.#stamp = stamp;
    this.#read = read;
  }

  set(value: number): void {
    if (typeof value !== "number") throw badGaugeValue(this.#name, "set gauge", value, false);
    const i32 = this.#i32;
    if (i32[0] !== this.#kept) this.#kept = this.#cells.current();
    const f64 = this.#f64;
    const stampWord = this.#stamp;
    const stamp = stampWord[0] + stampStep;
    const sets = (i32[setsWord] + 1) | 0;
    const cell = firstSetCell + ((sets & 1) << 2); // the slot the latest set did not use
    f64[cell + stampFirst] = stamp; // readers refuse the slot from here...
    if (!plainStoresOrdered) fullBarrier();
    f64[cell + valueAt] = value;
    if (!plainStoresOrdered) fullBarrier();
    f64[cell + stampLast] = stamp; // ...to here, where its two stamps agree again
    i32[setsWord] = sets; // after the slot: a writer killed in a set leaves the next set the same broken slot
    stampWord[0] = stamp;
  }

  inc(value = 1): void {
    const i32 = this.#i32;
    const f64 = this.#f64;
    if (i32[0] === this.#kept && (f64[tagCell] === this.#stamp[0] || this.#retagAfterOwnSet())) {
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
    if (i32[0] === this.#kept && (f64[tagCell] === this.#stamp[0] || this.#retagAfterOwnSet())) {
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

  /**
   * Moves this copy's `tag` to the stamp of its own latest set when that set is still the
   * newest (nobody set since): what the first inc or dec after a set of this writer does,
   * so that it stays on the fast path. The cells the copy accumulated before the set stay
   * as they are, and the set's slot records their sum as its `base`, before the tag moves
   * (the module comment). Returns false when another writer has set since.
   */
  #retagAfterOwnSet(): boolean {
    const i32 = this.#i32;
    const f64 = this.#f64;
    const stamp = this.#stamp[0];
    const cell = firstSetCell + ((i32[setsWord] & 1) << 2); // its latest set
    if (f64[cell + stampLast] !== stamp) return false;
    f64[cell + baseAt] = f64[deltaCell] + i32[countWord];
    if (!plainStoresOrdered) fullBarrier(); // the base before the tag
    f64[tagCell] = stamp;
    return true;
  }

  /** An inc or dec off the fast path: a bad value, a new epoch, a new stamp, or `count` at its limit. */
  #addSlow(value: number, sign: 1 | -1, action: string): void {
    if (!Number.isFinite(value)) throw badGaugeValue(this.#name, action, value, true);
    const i32 = this.#i32;
    const f64 = this.#f64;
    const cells = this.#cells;
    if (i32[0] !== this.#kept) this.#kept = cells.current();
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
