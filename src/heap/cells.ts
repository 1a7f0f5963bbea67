/**
 * Per-writer cells: the storage behind every hot-path update.
 *
 * The algorithm. A series needs `count` 8-byte cells (its cell count, in its directory
 * record). They exist only for the writer slots that touched the series: each such slot
 * has its own **copy** of them, and an isolate writes only its own slot's copy, so an
 * update is a plain typed-array store: no atomics, no FFI call, no cache line shared
 * with another writer. A reader combines the copies; the copy of a dead isolate keeps
 * its values, and the next isolate to claim that slot continues from them, so counters
 * never go backwards. A series written by 2 of 1,024 slots costs 2 copies.
 *
 * - First touch: when an isolate first binds a series (a new label set in this
 *   isolate), it looks for its slot's copy on the series' list; finding none, it
 *   allocates one from its slot's arena (arena.ts: per-slot chunks, a lock only for a
 *   new chunk, so copies of different writers are in different pages) and pushes it on
 *   the list with a CAS on the list head, the record's `copies` word (copies.ts has the
 *   layout). A heap that cannot grow fails there, with a `no_space` HeapError, before
 *   anything is published: existing copies are untouched.
 * - The list is append-only (copies are never removed), its links written before the
 *   CAS that publishes a copy, so a reader loading the head atomically and walking it
 *   without a lock sees each copy whole or not at all. Each copy records its slot, so
 *   the liveness and seqlock logic below stays per slot.
 * - Adoption: an isolate that claims a dead isolate's slot finds that slot's copies on
 *   the lists and continues them, and repairs their sequence words first
 *   ({@link repairAdoptedSlot}, run by the heap when the slot is claimed).
 *
 * Cell 0 of every copy is the control cell, two int32 words:
 * - word 0, the epoch the copy's data belongs to. Each series has an epoch word in its
 *   directory record; `reset()` and `remove()` raise it. A reader counts a copy only if
 *   its epoch equals the series'. A writer compares the two before each update and, when
 *   they differ, zeroes its own data cells and then publishes the new epoch
 *   ({@link WriterCells.renew}). A reset also retires the copies it left behind, so that
 *   a writer may compare its copy's word 0 with the epoch it last published instead
 *   (epochs.ts has that algorithm). No process ever writes another's data cells. A new
 *   copy is published one epoch behind the series (it holds nothing yet, and readers
 *   skip it): its first update renews it like any copy after a reset, at the epoch
 *   current then, which also revives a removed series. So a writer that first touches a
 *   series after a reset counts from zero in the current epoch.
 * - word 1, a sequence number for types whose update spans several cells (a seqlock):
 *   odd while the writer is mid-update. Readers (cells_read.ts) retry until they read
 *   the same even value before and after. A reader that keeps finding the same odd value (the writer
 *   was stopped, descheduled, traced or killed in that update) does not wait for it: it
 *   reads the copy's state before that update from the slot's undo log (undo_log.ts has
 *   that algorithm: the writer logs each cell's old value before its store), exactly,
 *   and counts a stale read in `heapStats.staleSlotReads`. Only when the log does not
 *   describe the update does it check that the writer is alive: a dead writer's cells
 *   are read as they are; a live one gets `liveWaitsMax` waits of 1 ms, and then the
 *   heap is damaged (a HeapError). A writer makes the word odd by
 *   `(seq + 1) | 1`, and an isolate that adopts a dead writer's slot rolls back the
 *   update the log describes and makes every odd
 *   word of its copies even before it writes anything ({@link repairAdoptedSlot}), so a
 *   word left odd by a writer killed mid-update neither stalls readers of a live slot
 *   nor inverts the parity. Where the runtime says plain stores reach
 *   other processes in program order (`host.plainStoresOrdered`: V8 and JSC on x86-64,
 *   where `Atomics.store` costs 2.5-8 ns, bench/histogram_observe.bench.ts), the sequence
 *   is written with plain stores; elsewhere with `Atomics.store`.
 *
 * @module
 */

import { arenaReserve } from "./arena.ts";
import { findCopy, linkBytes, pushCopy } from "./copies.ts";
import { Directory, RecordField } from "./directory.ts";
import { raiseEpoch } from "./epochs.ts";
import { type Heap, onSlotAdopted } from "./heap.ts";
import { HeapError, host } from "../native/index.ts";
import { rollBackAdopted, type UndoLog, undoLogOf } from "./undo_log.ts";

/** Whether the seqlock's writer side may use plain stores (see the module comment). */
const plainStoresOrdered = host.plainStoresOrdered;

/** Where a series' cells are: the list of its writers' copies. */
export interface CellBlock {
  /** Byte offset of the word holding the list's head (the series record's `copies` field). */
  readonly head: number;
  /** 8-byte cells per copy, the control cell included. */
  readonly count: number;
}

/** Cells every block starts with (the control cell). Data cell `i` is cell `i + 1`. */
export const controlCells = 1;

/**
 * The record storage of a new series with `dataCells` data cells per writer copy; the
 * caller holds the heap lock and publishes the record next. Nothing is allocated for the
 * copies (each writer allocates its own when it first touches the series), but room for
 * this isolate's copy is reserved in its arena now, so a heap that cannot grow fails
 * here, before the series is published, and never leaves a series without its
 * creator's copy.
 *
 * @example
 * ```ts
 * heap.withLock(() => directory.insertLocked(RecordKind.series, metric, key, value, { ...reserveCellsLocked(heap, 2), sharedOffset: 0 }));
 * ```
 */
export function reserveCellsLocked(heap: Heap, dataCells: number): { readonly cellsCount: number } {
  if (!Number.isInteger(dataCells) || dataCells < 1 || dataCells > dataCellsMax) {
    throw new RangeError(`A series needs from 1 to ${dataCellsMax} data cells, got ${dataCells}`);
  }
  const cellsCount = dataCells + controlCells;
  arenaReserve(heap, linkBytes + cellsCount * 8);
  return { cellsCount };
}

/** The most data cells a series may have (a copy of 128 KiB). */
export const dataCellsMax = 16383;

/**
 * This isolate's copy of a series' cells: what its hot path writes.
 *
 * @example
 * ```ts
 * const cells = new WriterCells(heap, block, seriesEpoch);
 * if (cells.i32[0] !== cells.seriesEpoch[0]) cells.renew();
 * cells.f64[1] += 1;
 * ```
 */
export class WriterCells {
  /** The copy as doubles: `f64[0]` is the control cell, data from `f64[1]`. */
  readonly f64: Float64Array;
  /** The same memory as int32 words: `i32[0]` epoch, `i32[1]` sequence, data cell `i` word 0 at `i32[2 * (i + 1)]`. */
  readonly i32: Int32Array;
  /** The series' epoch word (in its directory record). */
  readonly seriesEpoch: Int32Array;
  /** This slot's undo log: every store inside `beginWrite()`/`endWrite()` is logged in it first (undo_log.ts). */
  readonly undo: UndoLog;
  /** Byte offset of this copy. */
  readonly offset: number;
  readonly #onRenew: () => void;
  readonly #heap: Heap;
  readonly #head: number;

  constructor(heap: Heap, block: CellBlock, seriesEpoch: Int32Array, onRenew: () => void = () => {}) {
    if (!(block.count > controlCells && block.count <= dataCellsMax + controlCells)) {
      throw new HeapError("corrupt", `A series record at byte ${block.head} of heap ${heap.path} gives ${block.count} cells: the file is damaged`);
    }
    let copy = findCopy(heap, block.head, heap.slot); // an adopted slot continues its predecessor's copy
    if (copy === 0) copy = pushCopy(heap, block.head, block.count, (Atomics.load(seriesEpoch, 0) - 1) | 0);
    const offset = copy + linkBytes;
    this.offset = offset;
    this.undo = undoLogOf(heap);
    this.undo.reserve(block.count * 8);
    this.f64 = heap.float64View(offset, block.count);
    this.i32 = heap.int32View(offset, block.count * 2);
    this.seriesEpoch = seriesEpoch;
    this.#onRenew = onRenew;
    this.#heap = heap;
    this.#head = block.head;
  }

  /**
   * Moves this copy to the series' current epoch: zeroes the data cells, then publishes
   * the epoch, so a reader that sees the new epoch sees the zeroes too. The publication is
   * a CAS from the word read before, retried when a reset retired the copy in between
   * (epochs.ts), so a renew never publishes an epoch a reset has left. Returns the epoch.
   */
  renew(): number {
    if ((this.i32[1] & 1) === 1) this.undo.saveAll(this.i32); // inside a write: readers of the interrupted update need the whole copy
    const i32 = this.i32;
    for (;;) {
      const held = Atomics.load(i32, 0);
      const epoch = Atomics.load(this.seriesEpoch, 0);
      this.f64.fill(0, controlCells);
      if (Atomics.compareExchange(i32, 0, held, epoch) === held) {
        this.#onRenew();
        return epoch;
      }
    }
  }

  /**
   * Makes this copy current (renews it when a reset or removal left it behind) and
   * returns its epoch: what a child may compare word 0 of the copy with, instead of the
   * series' epoch word, until a reset retires the copy (epochs.ts).
   *
   * @example
   * ```ts
   * let kept = cells.current();
   * if (cells.i32[0] !== kept) kept = cells.current(); // before each update
   * ```
   */
  current(): number {
    const held = Atomics.load(this.i32, 0);
    return held === Atomics.load(this.seriesEpoch, 0) ? held : this.renew();
  }

  /**
   * The epoch a new child keeps before its first update (which then makes the copy
   * current, as {@link current} does): the copy's own when it is current, else a value
   * its word 0 does not hold and that is not `retiredEpoch`. Unlike `current()` it
   * changes nothing, so binding a child does not revive a removed series.
   *
   * @example
   * ```ts
   * let kept = cells.firstKept();
   * ```
   */
  firstKept(): number {
    const held = Atomics.load(this.i32, 0);
    if (held === Atomics.load(this.seriesEpoch, 0)) return held;
    return held === 0 ? 1 : 0;
  }

  /**
   * Raises the series' epoch from `from` to the next and retires its copies left behind,
   * unless another process raised it first (epochs.ts); returns whether this call raised it.
   *
   * @example
   * ```ts
   * if (cells.raiseEpochFrom(cells.i32[0])) resetCreated();
   * ```
   */
  raiseEpochFrom(from: number): boolean {
    return raiseEpoch(this.#heap, this.#head, this.seriesEpoch, from);
  }

  /**
   * Marks the start of a multi-cell update (the sequence becomes odd). Every store until
   * {@link endWrite} must be logged first in {@link undo} (`saveDouble`, `saveInt`, or
   * `saveAll`); up to two cells the update will change can be logged here instead,
   * cheaper (`target` from undo_log.ts `intTarget`/`doubleTarget`, `old` its value now).
   */
  beginWrite(targetA = -1, oldA = 0, targetB = -1, oldB = 0): void {
    const odd = (this.i32[1] + 1) | 1;
    this.undo.beginWith(this.offset, odd, targetA, oldA, targetB, oldB);
    if (plainStoresOrdered) this.i32[1] = odd;
    else Atomics.store(this.i32, 1, odd);
  }

  /**
   * Starts logging the next multi-cell update and returns the log, for an update that
   * logs more cells before the sequence turns odd than {@link beginWrite} takes: it
   * saves them (plain stores), then calls {@link beginLoggedWrite}.
   *
   * @example
   * ```ts
   * const undo = cells.prepareWrite();
   * undo.saveDouble(cells.f64, 2);
   * cells.beginLoggedWrite();
   * cells.f64[2] += 1;
   * cells.endWrite();
   * ```
   */
  prepareWrite(): UndoLog {
    const undo = this.undo;
    undo.begin(this.offset, (this.i32[1] + 1) | 1);
    return undo;
  }

  /** The sequence becomes odd after {@link prepareWrite}. */
  beginLoggedWrite(): void {
    this.undo.goLive();
    const odd = (this.i32[1] + 1) | 1;
    if (plainStoresOrdered) this.i32[1] = odd;
    else Atomics.store(this.i32, 1, odd);
  }

  /** Marks the end of a multi-cell update (the sequence becomes even again). */
  endWrite(): void {
    const even = this.i32[1] + 1;
    if (plainStoresOrdered) this.i32[1] = even;
    else Atomics.store(this.i32, 1, even);
  }
}

/**
 * Makes even every odd sequence word in this isolate's copies: what a writer killed
 * mid-update left in the slot this isolate has just adopted, after undoing that update
 * where the slot's undo log describes it (undo_log.ts). Called once, when the slot
 * is claimed, before this isolate writes anything, so an odd word in a live slot always
 * means an update in progress. Returns how many words it repaired.
 *
 * @example
 * ```ts
 * if (slotWasAdopted) repairAdoptedSlot(heap);
 * ```
 */
export function repairAdoptedSlot(heap: Heap): number {
  const directory = new Directory(heap);
  let repaired = 0;
  for (const records of directory.list().seriesByMetric.values()) {
    for (const record of records) {
      const block = cellBlockOf(directory, record);
      if (block.count === 0) continue; // shared storage only (gauges)
      const copy = findCopy(heap, block.head, heap.slot);
      if (copy === 0) continue;
      const word = (copy + linkBytes) / 4 + 1;
      const sequence = Atomics.load(heap.i32, word);
      if ((sequence & 1) === 0) continue;
      rollBackAdopted(heap, copy + linkBytes, block.count, sequence); // the interrupted update undone, when logged
      Atomics.store(heap.i32, word, sequence + 1);
      repaired++;
    }
  }
  return repaired;
}

onSlotAdopted(repairAdoptedSlot);

/** Where the cells of the series at directory record `record` are. */
export function cellBlockOf(directory: Directory, record: number): CellBlock {
  return { head: record + RecordField.copies, count: directory.field(record, RecordField.cellsCount) };
}
