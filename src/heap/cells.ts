/**
 * Per-writer cells: the storage behind every hot-path update.
 *
 * The algorithm. A cell block is `count` 8-byte cells that one series needs. It is
 * allocated once, but exists in every writer slot: slot `s` owns the copy at
 * `offset + s * strideBytes`. An isolate writes only the copy of its own slot, so an
 * update is a plain typed-array store: no atomics, no FFI call, no cache line shared with
 * another writer (stripes are whole 4 KiB pages apart). A reader combines the copies of
 * every slot ever claimed; the copy of a dead isolate keeps its values, and the next
 * isolate to claim that slot continues from them, so counters never go backwards.
 *
 * Cell 0 of every copy is the control cell, two int32 words:
 * - word 0, the epoch the copy's data belongs to. Each series has an epoch word in its
 *   directory record; `reset()` and `remove()` raise it. A reader counts a copy only if
 *   its epoch equals the series'. A writer compares the two before each update and, when
 *   they differ, zeroes its own data cells and then publishes the new epoch
 *   ({@link WriterCells.renew}). So a reset is one atomic add, and no process ever writes
 *   another's cells.
 * - word 1, a sequence number for types whose update spans several cells (a seqlock):
 *   odd while the writer is mid-update. Readers retry until they read the same even
 *   value before and after. A reader that keeps finding the same odd value (the writer
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
 *   other processes in program order (`host.plainStoresOrdered`: V8 on x86-64, where
 *   `Atomics.store` is an 8 ns call, bench/histogram_observe.bench.ts), the sequence is
 *   written with plain stores; elsewhere with `Atomics.store`.
 *
 * Blocks are carved from chunks of `stripeBytes * writerSlotsMax` bytes; a block larger
 * than one stripe gets a chunk of its own with a wider stride.
 *
 * @module
 */

import { Directory, RecordField } from "./directory.ts";
import type { Heap } from "./heap.ts";
import { Root } from "./layout.ts";
import { HeapError, host } from "../native/index.ts";
import { heapStats } from "./stats.ts";
import { readUndone, rollBackAdopted, Undone, type UndoLog, undoLogOf } from "./undo_log.ts";

/** Whether the seqlock's writer side may use plain stores (see the module comment). */
const plainStoresOrdered = host.plainStoresOrdered;

/** Bytes of one slot's stripe in a shared chunk: one page, so writers never share a line. */
export const stripeBytes = 4096;

/** Where a cell block lives. */
export interface CellBlock {
  /** Offset of slot 0's copy. */
  readonly offset: number;
  /** Bytes between the copies of consecutive slots. */
  readonly strideBytes: number;
  /** 8-byte cells per copy, the control cell included. */
  readonly count: number;
}

/** Cells every block starts with (the control cell). Data cell `i` is cell `i + 1`. */
export const controlCells = 1;
/** Seqlock reads of one copy before checking whether its writer is alive. */
const seqRetriesMax = 1000;
/** Reads finding the same odd sequence before the reader takes the copy's state before that update from the undo log. */
const oddReadsMax = 200;
/** Liveness checks of a live writer mid-update whose undo log does not describe the update, 1 ms apart, before the heap is called damaged. */
const liveWaitsMax = 1000;
/** What readers sleep on (nothing ever wakes it: `Atomics.wait` with a timeout is a sleep). */
const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Allocates a cell block; the caller holds the heap lock. Crash-safe: the chunk is
 * allocated before the roots name it, and a block is handed out before the used-bytes
 * root is raised, so a crash can only leak bytes.
 */
export function allocCellsLocked(heap: Heap, dataCells: number): CellBlock {
  if (!Number.isInteger(dataCells) || dataCells < 1) throw new RangeError(`A cell block needs at least one data cell, got ${dataCells}`);
  const count = dataCells + controlCells;
  const bytes = count * 8;
  if (bytes > stripeBytes) {
    const strideBytes = Math.ceil(bytes / stripeBytes) * stripeBytes;
    return { offset: heap.allocLocked(strideBytes * heap.writerSlotsMax, stripeBytes), strideBytes, count };
  }
  let chunk = heap.root(Root.cellChunk);
  let used = heap.root(Root.cellChunkUsedBytes);
  if (chunk === 0 || used + bytes > stripeBytes) {
    chunk = heap.allocLocked(stripeBytes * heap.writerSlotsMax, stripeBytes);
    used = 0;
    heap.setRoot(Root.cellChunkUsedBytes, 0);
    heap.setRoot(Root.cellChunk, chunk);
  }
  heap.setRoot(Root.cellChunkUsedBytes, used + bytes);
  return { offset: chunk + used, strideBytes: stripeBytes, count };
}

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

  constructor(heap: Heap, block: CellBlock, seriesEpoch: Int32Array, onRenew: () => void = () => {}) {
    heap.ensure(block.offset + block.strideBytes * heap.writerSlotsMax);
    const offset = block.offset + heap.slot * block.strideBytes;
    this.offset = offset;
    this.undo = undoLogOf(heap);
    this.undo.reserve(block.count * 8);
    this.f64 = heap.float64View(offset, block.count);
    this.i32 = heap.int32View(offset, block.count * 2);
    this.seriesEpoch = seriesEpoch;
    this.#onRenew = onRenew;
  }

  /**
   * Moves this copy to the series' current epoch: zeroes the data cells, then publishes
   * the epoch, so a reader that sees the new epoch sees the zeroes too.
   */
  renew(): void {
    if ((this.i32[1] & 1) === 1) this.undo.saveAll(this.i32); // inside a write: readers of the interrupted update need the whole copy
    this.f64.fill(0, controlCells);
    Atomics.store(this.i32, 0, Atomics.load(this.seriesEpoch, 0));
    this.#onRenew();
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
 * Reads one slot's copy of a block into `scratch` (data cell `i` into `scratch[i]`),
 * consistently: never in the middle of one of its writer's updates. A cell whose
 * `intCells` entry is 1 is read as the int32 in its first word, others as doubles.
 * Returns false, leaving `scratch` undefined, when the copy belongs to another epoch
 * (it holds nothing of the series' current values).
 */
export function readSlot(
  heap: Heap,
  block: CellBlock,
  slot: number,
  epoch: number,
  scratch: Float64Array,
  intCells?: Uint8Array,
): boolean {
  const base = block.offset + slot * block.strideBytes;
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
      for (let i = 0; i < dataCells; i++) {
        const cell = base / 8 + controlCells + i;
        scratch[i] = intCells !== undefined && intCells[i] === 1 ? i32[cell * 2] : f64[cell];
      }
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
  const slots = heap.slotsHighWater();
  heap.ensure(block.offset + block.strideBytes * slots);
  const dataCells = block.count - controlCells;
  for (let slot = 0; slot < slots; slot++) {
    if (!readSlot(heap, block, slot, epoch, scratch, intCells)) continue;
    for (let i = 0; i < dataCells; i++) totals[i] += scratch[i];
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
      const word = (block.offset + heap.slot * block.strideBytes) / 4 + 1;
      heap.ensure(word * 4 + 4);
      const sequence = Atomics.load(heap.i32, word);
      if ((sequence & 1) === 0) continue;
      rollBackAdopted(heap, block.offset + heap.slot * block.strideBytes, block.count, sequence); // the interrupted update undone, when logged
      Atomics.store(heap.i32, word, sequence + 1);
      repaired++;
    }
  }
  return repaired;
}

/** The cell block a directory record points at. */
export function cellBlockOf(directory: Directory, record: number): CellBlock {
  return {
    offset: directory.field(record, RecordField.cellsOffset),
    strideBytes: directory.field(record, RecordField.cellsStrideBytes),
    count: directory.field(record, RecordField.cellsCount),
  };
}
