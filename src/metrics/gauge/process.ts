/**
 * The per-process gauge modes (`"sum"`, `"livesum"`, `"min"`, `"max"`, `"mostrecent"`,
 * `"pid"`): each isolate has its own value per series, and the scrape combines them.
 *
 * Storage and algorithm: a per-writer cell block per series (see heap/cells.ts) with three
 * data cells: `value` (f64), `updatedMs` (f64, `Date.now()` of the copy's last update;
 * written in `"mostrecent"` only) and `claim` (int32: the writer slot's claims count, from
 * the slot table, when this copy was last written). An isolate updates only its own copy
 * with plain stores: no atomics, no FFI call. Where two cells must agree (value and
 * `updatedMs`; a copy being taken over) the update goes inside the copy's seqlock.
 *
 * Slot adoption. The native core bumps a slot's claims count each time an isolate
 * claims it, so a copy whose `claim` differs from its slot's count was written by an
 * earlier holder of the slot, now dead. The new holder takes the copy over on its first
 * update of that series (inside the seqlock): in `"sum"` it first adds the inherited
 * value to the series' shared `departed` f64 (an atomic add), then it zeroes the copy
 * and stamps it with its own claims count. Readers never count a copy for a live mode
 * unless its `claim` equals its slot's count and the slot is live, so a slot's new
 * holder never inherits the dead holder's value, and nothing has to be cleared when a
 * slot is claimed. (A claim takes the kernel lock just before it bumps the count: a
 * scrape in those few instructions may still count the dead holder's value once.)
 *
 * The scrape reads every claimed slot's copy of the current epoch, consistently
 * (`readSlot`), and combines them:
 * - `"sum"`: `departed` + every copy, dead holders included. The reader loads
 *   `departed` before and after reading the copies and reads again if it changed, so a
 *   take-over that moves a value between the two is never counted twice or missed.
 * - `"livesum"`, `"min"`, `"max"`, `"pid"`: the copies of live holders only.
 * - `"mostrecent"`: the copy with the newest `updatedMs`, dead holders included.
 *
 * @module
 */

import type { WriterCells } from "../../heap/cells.ts";
import { readSlot } from "../../heap/cells_read.ts";
import { doubleTarget } from "../../heap/undo_log.ts";
import { RecordField } from "../../heap/directory.ts";
import type { Heap } from "../../heap/heap.ts";
import { slotEntryBytes, slotTableOffsetBytes } from "../../heap/layout.ts";
import type { SharedDirectory } from "../../heap/shared_directory.ts";
import { check, native } from "../../native/index.ts";
import { seriesCells, seriesEpoch } from "../metric.ts";
import { badGaugeValue, GaugeChild } from "./child.ts";
import type { GaugeMode } from "./modes.ts";

// The per-process cell block: data cells value, updatedMs, claim (see the module comment).
/**
 * Data cells of a per-process gauge's copy.
 *
 * @example
 * ```ts
 * heap.withLock(() => reserveCellsLocked(heap, processDataCells));
 * ```
 */
export const processDataCells = 3;
const dataCells = processDataCells;
const valueCell = 1;
const updatedCell = 2;
/** The int32 word of the `claim` cell (data cell 3) in a writer's copy. */
const claimWord = 6;
/** How `readSlot` reads the data cells: value and updatedMs as doubles, claim as an int32. */
const intCells = new Uint8Array([0, 0, 1]);
const scratch = new Float64Array(dataCells);
/** Reads of a `"sum"` series while take-overs keep moving values into `departed`. */
const departedRetriesMax = 100;

/**
 * A series of a per-process gauge: this isolate's own copy of its cells.
 *
 * @example
 * ```ts
 * const busy = new Gauge({ name: "busy", help: "Busy.", mode: "livesum" }).labels(); // a ProcessGaugeChild
 * busy.set(1);
 * ```
 */
export class ProcessGaugeChild extends GaugeChild {
  readonly #name: string;
  readonly #cells: WriterCells;
  readonly #f64: Float64Array;
  readonly #i32: Int32Array;
  readonly #epoch: Int32Array;
  /** This isolate's slot's claims count: what `claim` holds once this isolate owns the copy. */
  readonly #claims: number;
  /** Whether updates stamp `updatedMs` (mode `"mostrecent"`). */
  readonly #stamped: boolean;
  /** Offset of the series' `departed` f64 (mode `"sum"`), else 0. */
  readonly #departed: number;
  readonly #handle: number;
  readonly #read: () => number;

  constructor(name: string, heap: Heap, cells: WriterCells, mode: GaugeMode, departed: number, read: () => number) {
    super();
    this.#name = name;
    this.#cells = cells;
    this.#f64 = cells.f64;
    this.#i32 = cells.i32;
    this.#epoch = cells.seriesEpoch;
    this.#claims = slotClaims(heap, heap.slot);
    this.#stamped = mode === "mostrecent";
    this.#departed = departed;
    this.#handle = heap.handle;
    this.#read = read;
  }

  set(value: number): void {
    if (typeof value !== "number") throw badGaugeValue(this.#name, "set gauge", value, false);
    const i32 = this.#i32;
    if (i32[0] !== this.#epoch[0]) this.#cells.renew();
    if (i32[claimWord] !== this.#claims || this.#stamped) this.#writeLocked(value, false);
    else this.#f64[valueCell] = value;
  }

  inc(value = 1): void {
    if (!Number.isFinite(value)) throw badGaugeValue(this.#name, "increment gauge", value, true);
    this.#add(value);
  }

  dec(value = 1): void {
    if (!Number.isFinite(value)) throw badGaugeValue(this.#name, "decrement gauge", value, true);
    this.#add(-value);
  }

  get(): number {
    return this.#read();
  }

  #add(value: number): void {
    const i32 = this.#i32;
    if (i32[0] !== this.#epoch[0]) this.#cells.renew();
    if (i32[claimWord] !== this.#claims || this.#stamped) this.#writeLocked(value, true);
    else this.#f64[valueCell] += value;
  }

  /** An update inside the seqlock: the first one after a slot adoption, and every stamped one. */
  #writeLocked(value: number, add: boolean): void {
    const f64 = this.#f64;
    const cells = this.#cells;
    if (this.#i32[claimWord] !== this.#claims) {
      cells.beginWrite();
      try {
        this.#takeOver();
      } finally {
        cells.endWrite();
      }
    }
    cells.beginWrite(doubleTarget(valueCell), f64[valueCell], this.#stamped ? doubleTarget(updatedCell) : -1, f64[updatedCell]); // the cells it changes, logged
    try {
      f64[valueCell] = add ? f64[valueCell] + value : value;
      if (this.#stamped) f64[updatedCell] = Date.now();
    } finally {
      cells.endWrite();
    }
  }

  /**
   * Takes over a copy a dead holder of this slot wrote (see the module comment), in a
   * write of its own: the copy is zeroed and claimed (logged), then its value moves to
   * `departed`, then the log says the copy holds the result (a reader of a writer
   * stopped before the move sees the copy as it was and `departed` without it; after,
   * the zeroed copy and `departed` with it).
   */
  #takeOver(): void {
    const f64 = this.#f64;
    const undo = this.#cells.undo;
    const inherited = f64[valueCell];
    const keep = this.#departed !== 0 && inherited !== 0 && this.#i32[0] === Atomics.load(this.#epoch, 0);
    undo.saveDouble(f64, valueCell);
    f64[valueCell] = 0;
    undo.saveDouble(f64, updatedCell);
    f64[updatedCell] = 0;
    undo.saveInt(this.#i32, claimWord >> 1);
    this.#i32[claimWord] = this.#claims;
    if (keep) check(native.f64Add(this.#handle, this.#departed, inherited), `keep the departed value of gauge "${this.#name}"`);
    undo.commit();
  }
}

/** A slot's claims count (the slot table, heap/layout.ts), as the int32 a copy's `claim` holds. */
function slotClaims(heap: Heap, slot: number): number {
  return Atomics.load(heap.i32, (slotTableOffsetBytes + slot * slotEntryBytes) / 4 + 1);
}

/**
 * What one read knows about the writer slots: for each, whether a live isolate holds it
 * and under which claim, looked up once (a liveness check asks the kernel).
 *
 * @example
 * ```ts
 * const slots = new SlotTable(heap);
 * if (slots.holds(slot, claim)) total += value;
 * ```
 */
export class SlotTable {
  readonly #heap: Heap;
  /** 0 not looked up yet, 1 live, 2 not live (or being claimed right now). */
  readonly #state: Int8Array;
  readonly #claims: Int32Array;

  constructor(heap: Heap) {
    this.#heap = heap;
    this.#state = new Int8Array(heap.writerSlotsMax);
    this.#claims = new Int32Array(heap.writerSlotsMax);
  }

  /** Whether a live isolate holds `slot` under claim `claim` (the one that wrote a copy). */
  holds(slot: number, claim: number): boolean {
    if (claim === 0) return false; // the copy was never written by a holder
    if (this.#state[slot] === 0) {
      const before = slotClaims(this.#heap, slot);
      const live = this.#heap.slotIsLive(slot);
      this.#state[slot] = live && slotClaims(this.#heap, slot) === before ? 1 : 2;
      this.#claims[slot] = before;
    }
    return this.#state[slot] === 1 && this.#claims[slot] === claim;
  }

  /** The pid of the isolate that claimed `slot` last. */
  pid(slot: number): number {
    return Atomics.load(this.#heap.i32, (slotTableOffsetBytes + slot * slotEntryBytes) / 4) >>> 0;
  }
}

/**
 * Calls `visit(slot, value, updatedMs, claim)` for each writer slot whose copy of the
 * series belongs to its current epoch.
 */
function eachCopy(
  shared: SharedDirectory,
  record: number,
  visit: (slot: number, value: number, updatedMs: number, claim: number) => void,
): void {
  const { heap } = shared;
  const block = seriesCells(shared, record);
  const epoch = seriesEpoch(shared, record);
  const slots = heap.slotsHighWater();
  for (let slot = 0; slot < slots; slot++) {
    if (readSlot(heap, block, slot, epoch, scratch, intCells)) visit(slot, scratch[0], scratch[1], scratch[2]);
  }
}

/** A `"sum"` series: `departed` plus every copy, read until `departed` held still around the copies. */
function sumValue(shared: SharedDirectory, record: number): number {
  const { heap, directory } = shared;
  const departed = directory.field(record, RecordField.sharedOffset);
  heap.ensure(departed + 8);
  let total = 0;
  for (let attempt = 0; attempt < departedRetriesMax; attempt++) {
    const before = heap.f64[departed / 8];
    total = 0;
    eachCopy(shared, record, (_slot, value) => {
      total += value;
    });
    const after = heap.f64[departed / 8];
    total += after;
    if (Object.is(before, after)) break;
  }
  return total;
}

/**
 * The value the scrape shows for a series of a per-process mode other than `"pid"`;
 * undefined when it shows none.
 *
 * @example
 * ```ts
 * const value = processValue(shared, record, "max", new SlotTable(shared.heap)) ?? NaN;
 * ```
 */
export function processValue(shared: SharedDirectory, record: number, mode: GaugeMode, slots: SlotTable): number | undefined {
  switch (mode) {
    case "sum":
      return sumValue(shared, record);
    case "livesum": {
      let total = 0;
      eachCopy(shared, record, (slot, value, _updatedMs, claim) => {
        if (slots.holds(slot, claim)) total += value;
      });
      return total;
    }
    case "min":
    case "max": {
      let result: number | undefined;
      const pick = mode === "min" ? Math.min : Math.max;
      eachCopy(shared, record, (slot, value, _updatedMs, claim) => {
        if (slots.holds(slot, claim)) result = result === undefined ? value : pick(result, value);
      });
      return result;
    }
    case "mostrecent": {
      let result: number | undefined;
      let newestMs = 0;
      eachCopy(shared, record, (_slot, value, updatedMs) => {
        if (updatedMs > newestMs) { // strictly newer: on a tie the lower slot, visited first, stays
          newestMs = updatedMs;
          result = value;
        }
      });
      return result;
    }
    default:
      throw new TypeError(`Gauge mode "${mode}" has no single value per series`);
  }
}

/**
 * A `"pid"` series: each live process's value (the sum of its isolates'), by pid, ascending.
 *
 * @example
 * ```ts
 * for (const [pid, value] of valuesByPid(shared, record, new SlotTable(shared.heap))) console.log(pid, value);
 * ```
 */
export function valuesByPid(shared: SharedDirectory, record: number, slots: SlotTable): Map<number, number> {
  const byPid = new Map<number, number>();
  eachCopy(shared, record, (slot, value, _updatedMs, claim) => {
    if (!slots.holds(slot, claim)) return;
    const pid = slots.pid(slot);
    byPid.set(pid, (byPid.get(pid) ?? 0) + value);
  });
  return new Map([...byPid].sort(([a], [b]) => a - b));
}
