/**
 * Gauge: a value that goes up and down, combined over processes in one of seven modes.
 *
 * Storage and algorithm, by mode (the mode is part of the descriptor, so every process
 * agrees on it):
 *
 * - `"shared"` (the default): one shared f64 per series. `set` is an atomic store and
 *   `inc`/`dec` an atomic add (a compare-and-swap loop in the native core), so updates
 *   from many processes are never lost and a reader never sees a torn value.
 *
 * - Per-process modes (`"sum"`, `"livesum"`, `"min"`, `"max"`, `"mostrecent"`, `"pid"`):
 *   a per-writer cell block per series (see heap/cells.ts) with three data cells:
 *   `value` (f64), `updatedMs` (f64, `Date.now()` of the copy's last update; written in
 *   `"mostrecent"` only) and `claim` (int32: the writer slot's claims count, from the slot
 *   table, when this copy was last written). An isolate updates only its own copy with
 *   plain stores: no atomics, no FFI call. Where two cells must agree (value and
 *   `updatedMs`; a copy being taken over) the update goes inside the copy's seqlock.
 *
 *   Slot adoption. The native core bumps a slot's claims count each time an isolate
 *   claims it, so a copy whose `claim` differs from its slot's count was written by an
 *   earlier holder of the slot, now dead. The new holder takes the copy over on its first
 *   update of that series (inside the seqlock): in `"sum"` it first adds the inherited
 *   value to the series' shared `departed` f64 (an atomic add), then it zeroes the copy
 *   and stamps it with its own claims count. Readers never count a copy for a live mode
 *   unless its `claim` equals its slot's count and the slot is live, so a slot's new
 *   holder never inherits the dead holder's value, and nothing has to be cleared when a
 *   slot is claimed. (A claim takes the kernel lock just before it bumps the count: a
 *   scrape in those few instructions may still count the dead holder's value once.)
 *
 *   The scrape reads every claimed slot's copy of the current epoch, consistently
 *   (`readSlot`), and combines them:
 *   - `"sum"`: `departed` + every copy, dead holders included. The reader loads
 *     `departed` before and after reading the copies and reads again if it changed, so a
 *     take-over that moves a value between the two is never counted twice or missed.
 *   - `"livesum"`, `"min"`, `"max"`, `"pid"`: the copies of live holders only.
 *   - `"mostrecent"`: the copy with the newest `updatedMs`, dead holders included.
 *
 * @module
 */

import { reserveCellsLocked, readSlot, type WriterCells } from "../heap/cells.ts";
import { doubleTarget } from "../heap/undo_log.ts";
import { RecordField, type RecordStorage, SeriesFlag } from "../heap/directory.ts";
import type { Heap } from "../heap/heap.ts";
import { slotEntryBytes, slotTableOffsetBytes } from "../heap/layout.ts";
import type { SharedDirectory } from "../heap/shared_directory.ts";
import { check, native } from "../native/index.ts";
import type { GaugeFamily, GaugeSeries, LabelPairs } from "../exposition/snapshot.ts";
import {
  type FamilySource,
  type LabelValues,
  Metric,
  type MetricConfiguration,
  type MetricDescriptor,
  registerFamilyReader,
  seriesCells,
  seriesEpoch,
  seriesLabels,
} from "./metric.ts";
import { checkNumber } from "./validate.ts";

/**
 * How a gauge combines the values of several processes (isolates: processes and worker
 * threads).
 *
 * - `"shared"` (default): one value for everyone. `set` from any process replaces it,
 *   `inc`/`dec` from any process add to it, atomically.
 * - `"sum"`: every process has its own value; the scrape shows their sum over every
 *   process that ever wrote, dead ones included (a dead process's last value stays).
 * - `"livesum"`: the sum over live processes; a dead process's value drops out.
 * - `"min"` / `"max"`: the smallest / largest value of the live processes that have
 *   updated the series (NaN if one of them is NaN); when there are none, the series is
 *   left out of the scrape.
 * - `"mostrecent"`: the value of the latest update, by any process, dead ones included.
 *   Each update stamps the writer's own value with `Date.now()`; on a tie (two processes
 *   in the same millisecond) the writer in the lower writer slot wins. `inc`/`dec` move
 *   the writer's own value (which starts at 0), not the value shown. A series no process
 *   has updated is left out.
 * - `"pid"`: one series per live process that has updated the series, with a label
 *   `pid="<process id>"` added at scrape time and that process's value (its worker
 *   threads' values add up into it). `pid` is then a reserved label name.
 *
 * @example
 * ```ts
 * const mode: GaugeMode = "livesum";
 * new Gauge({ name: "busy_workers", help: "Busy workers.", mode });
 * ```
 */
export type GaugeMode = "shared" | "sum" | "livesum" | "min" | "max" | "mostrecent" | "pid";

/**
 * Every gauge mode, in the order error messages list them.
 *
 * @example
 * ```ts
 * if (!gaugeModes.includes(process.env.GAUGE_MODE as GaugeMode)) throw new Error("unknown mode");
 * ```
 */
export const gaugeModes: readonly GaugeMode[] = ["shared", "sum", "livesum", "min", "max", "mostrecent", "pid"];

/**
 * prom-client's `aggregator` values that have an equivalent mode. prom-client's cluster
 * mode sums the values of the workers that answer, so a dead worker's value drops out:
 * `"sum"` is mode `"livesum"`. `"min"` and `"max"` are the modes of the same names.
 * prom-client's `"first"`, `"average"` and `"omit"` have none and are refused.
 *
 * @example
 * ```ts
 * new Gauge({ name: "queue_depth", help: "Jobs queued.", aggregator: "max" }); // mode "max"
 * ```
 */
export type GaugeAggregator = "sum" | "min" | "max";

const aggregatorModes: Readonly<Record<string, GaugeMode>> = { sum: "livesum", min: "min", max: "max" };

/**
 * Options of a {@link Gauge}: prom-client's, plus `mode`.
 *
 * @example
 * ```ts
 * const config: GaugeConfiguration<"queue"> = { name: "depth", help: "Depth.", labelNames: ["queue"], mode: "max" };
 * ```
 */
export interface GaugeConfiguration<T extends string> extends MetricConfiguration<T> {
  /** How the values of several processes combine; default `"shared"`. See {@link GaugeMode}. */
  readonly mode?: GaugeMode;
  /** prom-client's name for the mode (see {@link GaugeAggregator}); may be given instead of `mode`. */
  readonly aggregator?: GaugeAggregator;
}

function quoted(values: readonly string[]): string {
  return values.map((value) => `"${value}"`).join(", ");
}

/** The mode a configuration asks for; throws before anything is made when it is not one. */
function gaugeModeOf(config: Pick<GaugeConfiguration<string>, "name" | "mode" | "aggregator"> | undefined): GaugeMode {
  if (config === null || typeof config !== "object") return "shared"; // the base class reports it
  const name = String(config.name);
  const { mode, aggregator } = config;
  if (mode !== undefined && !gaugeModes.includes(mode)) {
    throw new TypeError(`mode of gauge "${name}" must be one of ${quoted(gaugeModes)}, got ${JSON.stringify(mode)}`);
  }
  if (aggregator === undefined) return mode ?? "shared";
  const fromAggregator = Object.hasOwn(aggregatorModes, aggregator) ? aggregatorModes[aggregator] : undefined;
  if (fromAggregator === undefined) {
    throw new TypeError(
      `aggregator of gauge "${name}" must be "sum" (mode "livesum"), "min" or "max", got ${JSON.stringify(aggregator)}; ` +
        `prom-client's "first", "average" and "omit" have no equivalent here: give a mode instead, one of ${quoted(gaugeModes)}`,
    );
  }
  if (mode !== undefined && mode !== fromAggregator) {
    throw new TypeError(`gauge "${name}" got mode "${mode}" and aggregator "${aggregator}", which means mode "${fromAggregator}": give one of them`);
  }
  return fromAggregator;
}

/** The mode of a descriptor (a shared gauge's settings are empty, as before modes existed). */
function modeOf(descriptor: MetricDescriptor): GaugeMode {
  return (descriptor.settings.mode as GaugeMode | undefined) ?? "shared";
}

// The per-process cell block: data cells value, updatedMs, claim (see the module comment).
const dataCells = 3;
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
 * One label set of a gauge.
 *
 * @example
 * ```ts
 * const busy = workers.labels("mail");
 * busy.inc();
 * busy.dec();
 * ```
 */
export abstract class GaugeChild {
  /** Sets the value; any number, NaN and infinities included. */
  abstract set(value: number): void;
  /** Adds `value` (default 1); it must be finite. */
  abstract inc(value?: number): void;
  /** Subtracts `value` (default 1); it must be finite. */
  abstract dec(value?: number): void;
  /**
   * The value the scrape shows for this series now (all processes). In mode `"pid"`, the
   * value of this process's series. NaN when the scrape shows none (`"min"`, `"max"`,
   * `"mostrecent"`, `"pid"` before any update).
   */
  abstract get(): number;

  /** Sets the value to the current Unix time in seconds. */
  setToCurrentTime(): void {
    this.set(Date.now() / 1000);
  }

  /**
   * Starts a timer; the returned function sets the gauge to the seconds elapsed and returns them.
   *
   * @example
   * ```ts
   * const end = lastRun.startTimer();
   * await run();
   * end();
   * ```
   */
  startTimer(): () => number {
    const start = performance.now();
    return () => {
      const seconds = (performance.now() - start) / 1000;
      this.set(seconds);
      return seconds;
    };
  }
}

/** A series of a `"shared"` gauge: one f64 that every process updates atomically. */
class SharedGaugeChild extends GaugeChild {
  readonly #name: string;
  readonly #heap: Heap;
  readonly #handle: number;
  readonly #offset: number;
  /** The series' epoch word, and the epoch this handle last saw: a change means a reset or removal. */
  readonly #epoch: Int32Array;
  #seenEpoch: number;
  readonly #revive: () => void;

  constructor(name: string, heap: Heap, offset: number, epoch: Int32Array, revive: () => void) {
    super();
    this.#name = name;
    this.#heap = heap;
    this.#handle = heap.handle;
    this.#offset = offset;
    this.#epoch = epoch;
    this.#seenEpoch = NaN; // unseen: the first update revives a series another process removed
    this.#revive = revive;
  }

  set(value: number): void {
    checkNumber(this.#name, "set gauge", value, false);
    if (this.#epoch[0] !== this.#seenEpoch) this.#renew();
    this.#status(native.f64Store(this.#handle, this.#offset, value));
  }

  inc(value = 1): void {
    checkNumber(this.#name, "increment gauge", value, true);
    if (this.#epoch[0] !== this.#seenEpoch) this.#renew();
    this.#status(native.f64Add(this.#handle, this.#offset, value));
  }

  dec(value = 1): void {
    checkNumber(this.#name, "decrement gauge", value, true);
    if (this.#epoch[0] !== this.#seenEpoch) this.#renew();
    this.#status(native.f64Add(this.#handle, this.#offset, -value));
  }

  get(): number {
    this.#heap.ensure(this.#offset + 8);
    return this.#heap.f64[this.#offset / 8];
  }

  /** After a reset or removal: an update brings a removed series back. */
  #renew(): void {
    this.#seenEpoch = this.#epoch[0];
    this.#revive();
  }

  #status(result: number): void {
    if (result !== 0) check(result, `update gauge "${this.#name}"`);
  }
}

/** A series of a per-process gauge: this isolate's own copy of its cells. */
class ProcessGaugeChild extends GaugeChild {
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
    checkNumber(this.#name, "set gauge", value, false);
    const i32 = this.#i32;
    if (i32[0] !== this.#epoch[0]) this.#cells.renew();
    if (i32[claimWord] !== this.#claims || this.#stamped) this.#writeLocked(value, false);
    else this.#f64[valueCell] = value;
  }

  inc(value = 1): void {
    checkNumber(this.#name, "increment gauge", value, true);
    this.#add(value);
  }

  dec(value = 1): void {
    checkNumber(this.#name, "decrement gauge", value, true);
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
 */
class SlotTable {
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
 */
function processValue(shared: SharedDirectory, record: number, mode: GaugeMode, slots: SlotTable): number | undefined {
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

/** A `"pid"` series: each live process's value (the sum of its isolates'), by pid, ascending. */
function valuesByPid(shared: SharedDirectory, record: number, slots: SlotTable): Map<number, number> {
  const byPid = new Map<number, number>();
  eachCopy(shared, record, (slot, value, _updatedMs, claim) => {
    if (!slots.holds(slot, claim)) return;
    const pid = slots.pid(slot);
    byPid.set(pid, (byPid.get(pid) ?? 0) + value);
  });
  return new Map([...byPid].sort(([a], [b]) => a - b));
}

function readGaugeFamily(source: FamilySource): GaugeFamily {
  const { shared, descriptor } = source;
  const { heap, directory } = shared;
  const mode = modeOf(descriptor);
  const series: GaugeSeries[] = [];
  const slots = new SlotTable(heap);
  for (const record of source.series) {
    const labels = seriesLabels(shared, record, descriptor.labelNames);
    if (mode === "shared") {
      const offset = directory.field(record, RecordField.sharedOffset);
      heap.ensure(offset + 8);
      series.push({ labels, value: heap.f64[offset / 8] });
    } else if (mode === "pid") {
      for (const [pid, value] of valuesByPid(shared, record, slots)) {
        series.push({ labels: [...labels, ["pid", String(pid)]] as LabelPairs, value });
      }
    } else {
      const value = processValue(shared, record, mode, slots);
      if (value !== undefined) series.push({ labels, value });
    }
  }
  return { type: "gauge", name: descriptor.name, help: descriptor.help, series };
}

registerFamilyReader("gauge", readGaugeFamily);

/**
 * A gauge shared by every process attached to the heap; `mode` chooses how the values
 * of several processes combine (see {@link GaugeMode}).
 *
 * @example
 * ```ts
 * import { Gauge } from "mpmetrics";
 * const inFlight = new Gauge({ name: "jobs_in_flight", help: "Jobs running now.", labelNames: ["queue"] });
 * inFlight.inc({ queue: "mail" });
 * inFlight.dec({ queue: "mail" });
 * inFlight.set({ queue: "sms" }, 0);
 * const rss = new Gauge({ name: "worker_rss_bytes", help: "Resident memory per worker.", mode: "pid" });
 * rss.set(process.memoryUsage().rss);
 * ```
 */
export class Gauge<T extends string = string> extends Metric<T, GaugeChild> {
  /** How the values of several processes combine. */
  readonly mode: GaugeMode;

  constructor(config: GaugeConfiguration<T>) {
    const mode = gaugeModeOf(config);
    super({ type: "gauge", reservedLabels: mode === "pid" ? ["pid"] : [], settings: mode === "shared" ? {} : { mode } }, config);
    this.mode = mode;
    if (this.labelNames.length === 0) this.#plain = this.unlabelledChild();
  }

  /** The unlabelled series' child once made (the hot path of set(v), inc(), dec() checks nothing else here). */
  #plain: GaugeChild | undefined;

  /** The unlabelled series of a labelled gauge, made only after its value passed (the argument). */
  #plainChecked(_validatedValue: number): GaugeChild {
    return this.#plain = this.unlabelledChild();
  }

  /** Sets the value. */
  set(value: number): void;
  /** Sets the value of the series with these labels. */
  set(labels: LabelValues<T>, value: number): void;
  set(labelsOrValue: LabelValues<T> | number, value?: number): void {
    if (typeof labelsOrValue === "object" && labelsOrValue !== null) {
      this.childFor(labelsOrValue, checkNumber(this.name, "set gauge", value, false)).set(value as number);
    } else (this.#plain ?? this.#plainChecked(checkNumber(this.name, "set gauge", labelsOrValue, false))).set(labelsOrValue);
  }

  /** Adds 1, or `value`. */
  inc(value?: number): void;
  /** Adds `value` (default 1) to the series with these labels. */
  inc(labels: LabelValues<T>, value?: number): void;
  inc(labelsOrValue?: LabelValues<T> | number, value?: number): void {
    if (typeof labelsOrValue === "object" && labelsOrValue !== null) {
      this.childFor(labelsOrValue, checkNumber(this.name, "increment gauge", value ?? 1, true)).inc(value ?? 1);
    } else (this.#plain ?? this.#plainChecked(checkNumber(this.name, "increment gauge", labelsOrValue ?? 1, true))).inc(labelsOrValue ?? 1);
  }

  /** Subtracts 1, or `value`. */
  dec(value?: number): void;
  /** Subtracts `value` (default 1) from the series with these labels. */
  dec(labels: LabelValues<T>, value?: number): void;
  dec(labelsOrValue?: LabelValues<T> | number, value?: number): void {
    if (typeof labelsOrValue === "object" && labelsOrValue !== null) {
      this.childFor(labelsOrValue, checkNumber(this.name, "decrement gauge", value ?? 1, true)).dec(value ?? 1);
    } else (this.#plain ?? this.#plainChecked(checkNumber(this.name, "decrement gauge", labelsOrValue ?? 1, true))).dec(labelsOrValue ?? 1);
  }

  /** Sets the value to the current Unix time in seconds. */
  setToCurrentTime(labels?: LabelValues<T>): void {
    (labels === undefined ? this.unlabelledChild() : this.childFor(labels)).setToCurrentTime();
  }

  /**
   * Starts a timer; the returned function sets the gauge to the elapsed seconds. Labels
   * given to the end function are added to those given here.
   */
  startTimer(labels?: LabelValues<T>): (endLabels?: LabelValues<T>) => number {
    this.checkLabels(labels); // unknown labels fail here, not at the end
    const start = performance.now();
    return (endLabels?: LabelValues<T>) => {
      const seconds = (performance.now() - start) / 1000;
      this.set({ ...labels, ...endLabels } as LabelValues<T>, seconds);
      return seconds;
    };
  }

  /**
   * How the values of several processes combine, in prom-client's words as `get()` and
   * `getMetricsAsJSON()` report it: `"sum"` for the default mode (prom-client's default)
   * and for `"sum"`/`"livesum"`, `"min"`, `"max"`; the mode's own name for the modes
   * prom-client has no word for (`"mostrecent"`, `"pid"`).
   *
   * @example
   * ```ts
   * const { values, aggregator } = await depth.get(); // aggregator: "max"
   * ```
   */
  override get aggregator(): string {
    return this.mode === "shared" || this.mode === "livesum" ? "sum" : this.mode;
  }

  protected allocateSeriesLocked(): RecordStorage {
    if (this.mode === "shared") return { sharedOffset: this.heap.allocLocked(8, 8) };
    return {
      ...reserveCellsLocked(this.heap, dataCells),
      sharedOffset: this.mode === "sum" ? this.heap.allocLocked(8, 8) : 0,
    };
  }

  protected bindChild(record: number): GaugeChild {
    const { directory } = this.shared;
    if (this.mode === "shared") {
      return new SharedGaugeChild(
        this.name,
        this.heap,
        directory.field(record, RecordField.sharedOffset),
        directory.int32Field(record, RecordField.epoch),
        () => directory.clearFlags(record, SeriesFlag.removed),
      );
    }
    const read = this.mode === "pid"
      ? () => {
        const slots = new SlotTable(this.heap);
        return valuesByPid(this.shared, record, slots).get(slots.pid(this.heap.slot)) ?? NaN;
      }
      : () => processValue(this.shared, record, this.mode, new SlotTable(this.heap)) ?? NaN;
    return new ProcessGaugeChild(this.name, this.heap, this.writerCells(record), this.mode, directory.field(record, RecordField.sharedOffset), read);
  }

  /** Zeroes the shared value (`"shared"`) or the departed total (`"sum"`), then moves the series to a new epoch. */
  protected override resetSeries(record: number, unixMs: number): void {
    const offset = this.shared.directory.field(record, RecordField.sharedOffset);
    if (offset !== 0) check(native.f64Store(this.heap.handle, offset, 0), `reset gauge "${this.name}"`);
    super.resetSeries(record, unixMs);
  }
}
