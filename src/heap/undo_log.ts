/**
 * The undo log: how a reader gets a writer's last consistent values while that writer is
 * stopped (SIGSTOP, a debugger, a frozen container), descheduled or killed in the middle
 * of a multi-cell update, instead of waiting for it.
 *
 * The algorithm. Each writer slot owns one undo area in the heap (allocated under the
 * heap lock when its isolate binds its first cells, published in a per-slot table named
 * by root word {@link Root.undoLogs}; an isolate that adopts the slot inherits it). An
 * isolate updates one copy at a time, so one area per slot is enough. A multi-cell update
 * of a copy (cells.ts, between `beginWrite()` and `endWrite()`) goes:
 * 1. `begin`: the area's header gets the copy's offset and the odd sequence value the
 *    update will publish. An update that knows some of the cells it will change (a
 *    histogram's bucket and sum) saves them now (step 2, without publishing each).
 *    `goLive` writes the entry count to the state word; only then does the copy's
 *    sequence word become that odd value (which publishes all of this).
 * 2. Before each store to a cell, `saveDouble`/`saveInt` appends `(cell, old value)` to
 *    the area and then, once live, raises the entry count in the state word (append,
 *    then publish), so an entry is visible before the store it undoes.
 * 3. An update that changes more cells than {@link entriesMax}, or the whole copy (a
 *    renew after a reset, a native re-bucketing), calls `saveAll` first: the copy as it
 *    was before the update (the copy as it is, with the entries so far undone) goes to
 *    the area's shadow, and then the state word says "pre-image"; later stores are not
 *    logged.
 * 4. An update whose effect outside the copy cannot be undone (a gauge take-over moves a
 *    value to a shared cell) calls `commit` after its last store: the state word says
 *    "the copy holds the update's result"; later stores are not logged.
 * The sequence word becomes even again as before (`endWrite`).
 *
 * A reader that finds a copy's sequence odd and unchanged for a short while
 * ({@link readUndone}) reads the area's offset and sequence (they must name this copy and
 * this odd value, or the log is about another update), then the copy's data cells, then
 * the state word, and then: with "pre-image", the shadow's cells (and its epoch word)
 * instead; with "commit", the copy's cells again; otherwise the entries, applied newest
 * first onto what it read (a cell saved twice ends at its value before the first store).
 * Finally it checks that the copy's sequence word and the area's offset and sequence are
 * unchanged: then it holds exactly the copy's state before the interrupted update (or its
 * result, after "commit"), and otherwise it reads again. Why this is exact even while the
 * writer runs: stores reach the reader in program order (plain stores where the runtime
 * says so, as in cells.ts; `Atomics.store` for the header and state elsewhere), an entry
 * is published before the store it undoes, and the reader reads the cells before the
 * entries, so every new value it read has its entry among those it reads; a cell it read
 * before its store is restored to the value it read.
 *
 * An isolate that adopts the slot of a writer killed mid-update rolls that update back
 * the same way ({@link rollBackAdopted}), in the copy itself, before its sequence word is
 * made even: nothing of a killed writer's interrupted update survives.
 *
 * Area layout (int32 words, then 16-byte entries, then the shadow):
 * | byte | holds |
 * | ---- | ----- |
 * | 0    | copy offset (bytes) of the update in progress, or last made |
 * | 4    | its odd sequence value |
 * | 8    | state: entries in use (bits 0-15), {@link stateFlags} above |
 * | 12   | shadow capacity, bytes |
 * | 16   | magic {@link areaMagic} |
 * | 32   | entries: int32 target (`2 * cell + 1` for an int32 cell, `2 * cell` for a double), pad, f64 old value |
 * | 32 + 16 * entriesMax | the shadow: a copy's bytes before the update |
 *
 * @module
 */

import type { Heap } from "./heap.ts";
import { checkSpan } from "./bounds.ts";
import { Root } from "./layout.ts";
import { HeapError } from "../native/index.ts";
import { host } from "../native/index.ts";

/** Whether header stores may be plain (see cells.ts). */
const plainStoresOrdered = host.plainStoresOrdered;

/** Entries one update may log before it falls back to a pre-image: a histogram observe with native buckets logs at most 6. */
export const entriesMax = 16;
/** Bytes before the entries. */
const headerBytes = 32;
/** The first entry's f64 index in the area. */
const entriesCell = headerBytes / 8;
/** Bytes of one entry. */
const entryBytes = 16;
/** Bytes before the shadow. */
const shadowStartBytes = headerBytes + entriesMax * entryBytes;
/** Shadow capacity of a new area at least: the area is then one page. */
const shadowMinBytes = 4096 - shadowStartBytes;
/** Largest shadow an area may have: the largest copy a series can have (native histograms at their maximum budget are 44 KiB). */
const shadowMaxBytes = 1 << 20;
/** "UNDO": an area's magic word. */
export const areaMagic = 0x4f444e55;

const wordCopy = 0;
const wordSeq = 1;
const wordState = 2;
const wordShadowBytes = 3;
const wordMagic = 4;
const countMask = 0xffff;

/** Flags of the state word. */
export const stateFlags = {
  /** The shadow holds the copy before the update. */
  preImage: 1 << 16,
  /** The copy holds the update's result. */
  committed: 1 << 17,
} as const;

/** An `entries` value past {@link entriesMax}: the update is no longer logged (pre-image or commit). */
const notLogging = entriesMax + 1;

/**
 * This isolate's undo area: what its writer cells call around and inside each
 * multi-cell update (see the module comment).
 *
 * @example
 * ```ts
 * const undo = undoLogOf(heap);
 * undo.reserve(copyBytes);
 * undo.begin(copyOffset, odd);
 * undo.goLive(); // then the copy's sequence word := odd
 * undo.saveDouble(copyF64, 3);
 * copyF64[3] += 1;
 * ```
 */
export class UndoLog {
  readonly #heap: Heap;
  #area = 0;
  #shadowBytes = 0;
  #i32: Int32Array = new Int32Array(0);
  #f64: Float64Array = new Float64Array(0);
  #entries = notLogging;
  /** 1 once the copy's sequence word is odd: entries from here on must be published before the store they undo. */
  #live = 0;

  constructor(heap: Heap) {
    this.#heap = heap;
  }

  /**
   * Makes sure this slot's area can hold a pre-image of a copy of `copyBytes`; cold path
   * (takes the heap lock when it must allocate). Not inside an update.
   */
  reserve(copyBytes: number): void {
    if (copyBytes <= this.#shadowBytes) return;
    if (copyBytes > shadowMaxBytes) throw new RangeError(`A copy of ${copyBytes} bytes is larger than an undo area holds (${shadowMaxBytes})`);
    const heap = this.#heap;
    heap.withLock(() => {
      let table = heap.root(Root.undoLogs);
      if (table === 0) {
        table = heap.allocLocked(heap.writerSlotsMax * 4, 8);
        heap.setRoot(Root.undoLogs, table);
      } else checkSpan(heap, table, heap.writerSlotsMax * 4, 8, "the table of undo areas");
      const word = table / 4 + heap.slot;
      let area = Atomics.load(heap.i32, word) >>> 0;
      let shadow = area === 0 ? 0 : areaShadowBytes(heap, area);
      if (shadow < copyBytes) {
        shadow = Math.max(shadowMinBytes, Math.ceil((shadowStartBytes + copyBytes) / 4096) * 4096 - shadowStartBytes);
        area = heap.allocLocked(shadowStartBytes + shadow, 4096);
        heap.i32[area / 4 + wordShadowBytes] = shadow;
        Atomics.store(heap.i32, area / 4 + wordMagic, areaMagic);
        Atomics.store(heap.i32, word, area); // between updates: a reader of an earlier update still finds its own area's words unchanged
      }
      this.#area = area;
      this.#shadowBytes = shadow;
      this.#i32 = heap.int32View(area, (shadowStartBytes + shadow) / 4);
      this.#f64 = heap.float64View(area, (shadowStartBytes + shadow) / 8);
    });
  }

  /**
   * Starts logging an update of the copy at `copyOffset` that publishes `oddSequence`;
   * before the copy's sequence word changes. Entries saved before {@link goLive} need
   * no ordering of their own: the store of the odd sequence that follows publishes them
   * (it is an `Atomics.store` where plain stores are not ordered), so an update whose
   * cells are known in advance logs them first with plain stores only.
   */
  begin(copyOffset: number, oddSequence: number): void {
    this.#entries = 0;
    this.#live = 0;
    const i32 = this.#i32;
    i32[wordCopy] = copyOffset;
    i32[wordSeq] = oddSequence;
  }

  /**
   * {@link begin}, the first entries and {@link goLive} in one call, for updates that
   * know the cells they change (at most two; `target` from {@link intTarget} or
   * {@link doubleTarget}, -1 for none, `old` the cell's value now): the hot path of a
   * histogram observation, all plain stores.
   */
  beginWith(copyOffset: number, oddSequence: number, targetA: number, oldA: number, targetB: number, oldB: number): void {
    const i32 = this.#i32;
    const f64 = this.#f64;
    i32[wordCopy] = copyOffset;
    i32[wordSeq] = oddSequence;
    let n = 0;
    if (targetA >= 0) {
      i32[entriesCell << 1] = targetA;
      f64[entriesCell + 1] = oldA;
      n = 1;
      if (targetB >= 0) {
        i32[(entriesCell + 2) << 1] = targetB;
        f64[entriesCell + 3] = oldB;
        n = 2;
      }
    }
    i32[wordState] = n;
    this.#entries = n;
    this.#live = 1;
  }

  /** Publishes the entries saved since {@link begin}; the caller then makes the copy's sequence word odd. */
  goLive(): void {
    this.#live = 1;
    this.#i32[wordState] = this.#entries;
  }

  /** Logs double cell `cell` of the copy `copy` (cell 0 the control cell) before a store to it. */
  saveDouble(copy: Float64Array, cell: number): void {
    const n = this.#entries;
    if (n >= entriesMax) {
      if (n === entriesMax) this.saveAll(new Int32Array(copy.buffer, copy.byteOffset, copy.length * 2));
      return;
    }
    const entry = entriesCell + (n << 1);
    this.#i32[entry << 1] = cell << 1;
    this.#f64[entry + 1] = copy[cell];
    this.#publish(n + 1);
  }

  /** Logs the int32 in the first word of cell `cell` of the copy `copy` (as int32 words) before a store to it. */
  saveInt(copy: Int32Array, cell: number): void {
    const n = this.#entries;
    if (n >= entriesMax) {
      if (n === entriesMax) this.saveAll(copy);
      return;
    }
    const entry = entriesCell + (n << 1);
    this.#i32[entry << 1] = (cell << 1) | 1;
    this.#f64[entry + 1] = copy[cell << 1];
    this.#publish(n + 1);
  }

  /**
   * Logs the whole copy (its state before this update) before a store to many of its
   * cells or to its epoch word. Rare: a renew after a reset, a native re-bucketing.
   */
  saveAll(copy: Int32Array): void {
    const n = this.#entries;
    if (n > entriesMax) return;
    const words = copy.length;
    if (words * 4 > this.#shadowBytes) throw new RangeError(`The undo area holds ${this.#shadowBytes} bytes, a copy of ${words * 4} was not reserved`);
    const shadow = shadowStartBytes / 4;
    const i32 = this.#i32;
    const f64 = this.#f64;
    for (let w = 0; w < words; w++) i32[shadow + w] = copy[w];
    for (let k = n - 1; k >= 0; k--) { // the entries undone newest first, in the shadow
      const entry = (headerBytes + k * entryBytes) / 8;
      const target = i32[entry * 2];
      if ((target & 1) === 1) i32[shadow + (target >> 1) * 2] = f64[entry + 1];
      else f64[shadow / 2 + (target >> 1)] = f64[entry + 1];
    }
    this.#entries = notLogging;
    Atomics.store(i32, wordState, stateFlags.preImage | n); // after the shadow: publish
  }

  /** Says the copy now holds the update's result (its last store is done); later stores are not logged. */
  commit(): void {
    this.#entries = notLogging;
    Atomics.store(this.#i32, wordState, stateFlags.committed);
  }

  #publish(entries: number): void {
    this.#entries = entries;
    if (!this.#live) return; // goLive publishes it
    if (plainStoresOrdered) this.#i32[wordState] = entries;
    else Atomics.store(this.#i32, wordState, entries);
  }
}

/** An entry's target for the int32 in the first word of cell `cell`.
 *
 * @example
 * ```ts
 * cells.beginWrite(intTarget(1), cells.i32[2]);
 * ```
 */
export function intTarget(cell: number): number {
  return (cell << 1) | 1;
}

/** An entry's target for double cell `cell`.
 *
 * @example
 * ```ts
 * cells.beginWrite(doubleTarget(3), cells.f64[3]);
 * ```
 */
export function doubleTarget(cell: number): number {
  return cell << 1;
}

const logs = new WeakMap<Heap, UndoLog>();

/**
 * This isolate's undo log on `heap` (one per heap handle, shared by all its writer cells).
 *
 * @example
 * ```ts
 * const undo = undoLogOf(heap);
 * ```
 */
export function undoLogOf(heap: Heap): UndoLog {
  let log = logs.get(heap);
  if (log === undefined) {
    log = new UndoLog(heap);
    logs.set(heap, log);
  }
  return log;
}

/** Shadow capacity of the area at `area`, validated (a damaged area is a HeapError). */
function areaShadowBytes(heap: Heap, area: number): number {
  if (area % 8 !== 0) throw damaged(heap, area, "is not aligned");
  heap.ensure(area + shadowStartBytes);
  checkSpan(heap, area, shadowStartBytes, 4096, "an undo area");
  if (Atomics.load(heap.i32, area / 4 + wordMagic) !== areaMagic) throw damaged(heap, area, "has no undo-area magic");
  const shadow = Atomics.load(heap.i32, area / 4 + wordShadowBytes);
  if (shadow < shadowMinBytes || shadow > shadowMaxBytes || shadow % 8 !== 0) throw damaged(heap, area, `has a shadow of ${shadow} bytes`);
  checkSpan(heap, area, shadowStartBytes + shadow, 4096, "an undo area");
  return shadow;
}

function damaged(heap: Heap, area: number, what: string): HeapError {
  return new HeapError("corrupt", `The undo area at byte ${area} of heap ${heap.path} ${what}: the file is damaged; remove it`);
}

/** The undo area of writer slot `slot`, validated; 0 when it has none. */
function areaOf(heap: Heap, slot: number): number {
  const table = heap.root(Root.undoLogs);
  if (table === 0) return 0;
  checkSpan(heap, table, heap.writerSlotsMax * 4, 8, "the table of undo areas");
  const area = Atomics.load(heap.i32, table / 4 + slot) >>> 0;
  if (area === 0) return 0;
  areaShadowBytes(heap, area);
  return area;
}

/** What {@link readUndone} found. */
export const Undone = {
  /** `scratch` holds the copy's consistent values. */
  values: 1,
  /** The consistent state holds nothing of the asked epoch (a pre-image of another epoch). */
  otherEpoch: 0,
  /** The log is not about this update (or changed while read): read again, or treat the copy another way. */
  unknown: -1,
} as const;

/**
 * Reads the copy at `base` (`count` cells, control cell included) of a writer in the
 * middle of the update that published odd `sequence`, as it was before that update (see
 * the module comment), into `scratch` (data cell `i` into `scratch[i]`; `intCells` as in
 * cells_read.ts readSlot).
 *
 * @example
 * ```ts
 * if (readUndone(heap, slot, base, count, odd, epoch, scratch) === Undone.values) heapStats.staleSlotReads++;
 * ```
 */
export function readUndone(
  heap: Heap,
  slot: number,
  base: number,
  count: number,
  sequence: number,
  epoch: number,
  scratch: Float64Array,
  intCells?: Uint8Array,
): number {
  const area = areaOf(heap, slot);
  if (area === 0) return Undone.unknown;
  const header = area / 4;
  const i32 = heap.i32;
  const f64 = heap.f64;
  if ((Atomics.load(i32, header + wordCopy) >>> 0) !== base || Atomics.load(i32, header + wordSeq) !== sequence) return Undone.unknown;
  const dataCells = count - 1;
  readCells(f64, i32, base / 8 + 1, dataCells, scratch, intCells);
  const state = Atomics.load(i32, header + wordState);
  let found: number = Undone.values;
  if ((state & stateFlags.committed) !== 0) {
    readCells(f64, i32, base / 8 + 1, dataCells, scratch, intCells);
  } else if ((state & stateFlags.preImage) !== 0) {
    const shadow = area + shadowStartBytes;
    if (count * 8 > areaShadowBytes(heap, area)) return Undone.unknown;
    if (Atomics.load(i32, shadow / 4) !== epoch) found = Undone.otherEpoch;
    else readCells(f64, i32, shadow / 8 + 1, dataCells, scratch, intCells);
  } else {
    const entries = state & countMask;
    if (entries > entriesMax) return Undone.unknown;
    for (let k = entries - 1; k >= 0; k--) {
      const entry = (area + headerBytes + k * entryBytes) / 8;
      const cell = i32[entry * 2] >> 1;
      if (cell < 1 || cell >= count) return Undone.unknown; // not this copy's: damaged, or overwritten meanwhile
      scratch[cell - 1] = f64[entry + 1];
    }
  }
  if (Atomics.load(i32, base / 4 + 1) !== sequence) return Undone.unknown;
  if ((Atomics.load(i32, header + wordCopy) >>> 0) !== base || Atomics.load(i32, header + wordSeq) !== sequence) return Undone.unknown;
  return found;
}

function readCells(f64: Float64Array, i32: Int32Array, first: number, cells: number, scratch: Float64Array, intCells?: Uint8Array): void {
  for (let i = 0; i < cells; i++) {
    const cell = first + i;
    scratch[i] = intCells !== undefined && intCells[i] === 1 ? i32[cell * 2] : f64[cell];
  }
}

/**
 * Undoes, in the copy at `base` of the slot this isolate has just adopted, the update
 * its dead predecessor left half done (sequence word odd), when the slot's log is about
 * that update. Returns whether it did; the caller then makes the sequence word even.
 * Idempotent, so an adopter killed while rolling back leaves work the next one redoes.
 *
 * @example
 * ```ts
 * rollBackAdopted(heap, base, count, sequence);
 * Atomics.store(heap.i32, base / 4 + 1, sequence + 1);
 * ```
 */
export function rollBackAdopted(heap: Heap, base: number, count: number, sequence: number): boolean {
  const area = areaOf(heap, heap.slot);
  if (area === 0) return false;
  const header = area / 4;
  const i32 = heap.i32;
  const f64 = heap.f64;
  if ((Atomics.load(i32, header + wordCopy) >>> 0) !== base || Atomics.load(i32, header + wordSeq) !== sequence) return false;
  const state = Atomics.load(i32, header + wordState);
  if ((state & stateFlags.committed) !== 0) return true; // the copy holds the update's result
  if ((state & stateFlags.preImage) !== 0) {
    if (count * 8 > areaShadowBytes(heap, area)) return false;
    const shadow = (area + shadowStartBytes) / 4;
    i32[base / 4] = i32[shadow]; // the epoch word; word 1 (the sequence) stays odd until the caller is done
    for (let w = 2; w < count * 2; w++) i32[base / 4 + w] = i32[shadow + w];
    return true;
  }
  const entries = state & countMask;
  if (entries > entriesMax) return false;
  for (let k = entries - 1; k >= 0; k--) {
    const entry = (area + headerBytes + k * entryBytes) / 8;
    const target = i32[entry * 2];
    const cell = target >> 1;
    if (cell < 1 || cell >= count) throw damaged(heap, area, `names cell ${cell} of a copy of ${count}`);
    if ((target & 1) === 1) i32[(base / 8 + cell) * 2] = f64[entry + 1];
    else f64[base / 8 + cell] = f64[entry + 1];
  }
  return true;
}
