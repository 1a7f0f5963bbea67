/**
 * Counter: a value that only goes up, summed over every process.
 *
 * Storage: a per-writer cell block per series (see heap/cells.ts), two data cells: an
 * f64 `total` and an int32 `count`. The algorithm:
 * - `inc()` by exactly 1 adds to `count` while it stays below 2^31 - 1: an Int32Array
 *   add, which every runtime's JIT compiles to a store with no reload (Deno's V8 takes
 *   7 ns for a Float64Array add but 1.4 ns for this: bench/counter_inc.bench.ts).
 * - Every other increment, and every increment once `count` is full, adds to `total`.
 * - A slot's value is `total + count`. Each half is written by one writer with one
 *   aligned store and only grows, so a reader that loads them one after the other gets
 *   a value between the two states it straddled: never torn, never going backwards.
 *   There is no carry, hence nothing to repair when a writer dies mid-update.
 * A scrape sums the values of all writer slots. A dead process's counts stay in its
 * slot and are carried on by the next process to claim it.
 *
 * Exemplars (with `enableExemplars: true`): one shared slot per series holding the latest
 * exemplar, recorded by `inc({ labels, value, exemplarLabels })` only, so `inc()` and a
 * child's `inc()` stay exactly as they are (see exemplar.ts).
 *
 * @module
 */

import { reserveCellsLocked, type WriterCells } from "../heap/cells.ts";
import { sumSlots } from "../heap/cells_read.ts";
import { RecordField, type RecordStorage } from "../heap/directory.ts";
import type { CounterFamily, CounterSeries } from "../exposition/snapshot.ts";
import { allocExemplarsLocked, encodeExemplarLabels, ExemplarWriter, isExemplarForm, readExemplar } from "./exemplar.ts";
import {
  type FamilySource,
  type LabelValues,
  Metric,
  type MetricConfiguration,
  registerFamilyReader,
  seriesCells,
  seriesCreatedSeconds,
  seriesEpoch,
  seriesLabels,
} from "./metric.ts";
import type { LabelHits } from "./label_hits.ts";
import { badIncrement } from "./validate.ts";

/**
 * Options of a {@link Counter} (prom-client's).
 *
 * @example
 * ```ts
 * const config: CounterConfiguration<"queue"> = { name: "jobs", help: "Jobs done.", labelNames: ["queue"], enableExemplars: true };
 * ```
 */
export interface CounterConfiguration<T extends string> extends MetricConfiguration<T> {
  /** Keep the latest exemplar of each series, recorded with `inc({ labels, value, exemplarLabels })`. */
  readonly enableExemplars?: boolean;
}

/**
 * An increment with an exemplar, prom-client's form of `inc` for exemplar-enabled counters.
 *
 * @example
 * ```ts
 * jobs.inc({ labels: { queue: "mail" }, value: 1, exemplarLabels: { trace_id: "abc" } });
 * ```
 */
export interface CounterIncrement<T extends string> {
  readonly labels?: LabelValues<T>;
  /** Default 1. */
  readonly value?: number;
  readonly exemplarLabels?: Readonly<Record<string, string | number>>;
}

/**
 * One label set of a counter: the handle to keep for the hot path.
 *
 * @example
 * ```ts
 * const sent = emails.labels("welcome");
 * sent.inc();
 * ```
 */
export class CounterChild {
  /** This isolate's cells of the series. */
  readonly cells: WriterCells;
  /** Offset of the series' exemplar slot, 0 without exemplars. */
  readonly exemplarOffset: number;
  readonly #name: string;
  readonly #f64: Float64Array;
  readonly #i32: Int32Array;
  /**
   * The epoch this child last made its copy current at (`cells.current()`): the fast path
   * compares the copy's word 0 with it, where the series' epoch word is a second typed
   * array to load (heap/epochs.ts: a reset retires the copy, which then differs).
   */
  #kept: number;

  constructor(name: string, cells: WriterCells, exemplarOffset = 0) {
    this.#name = name;
    this.cells = cells;
    this.exemplarOffset = exemplarOffset;
    this.#f64 = cells.f64;
    this.#i32 = cells.i32;
    this.#kept = cells.firstKept();
  }

  /** Adds `value` (default 1); it must be finite and >= 0. */
  inc(value = 1): void {
    const i32 = this.#i32;
    if (value === 1 && i32[0] === this.#kept) { // the unit step of a current copy: one Int32Array add
      const next = i32[countWord] + 1;
      if (next !== countMax) {
        i32[countWord] = next;
        return;
      }
    }
    this.#incSlow(value);
  }

  /** {@link inc} of another value, in a new epoch, or with `count` at its limit. */
  #incSlow(value: number): void {
    if (value !== 1 && (typeof value !== "number" || !(value >= 0 && value < Infinity))) throw badIncrement(this.#name, value);
    const i32 = this.#i32;
    if (i32[0] !== this.#kept) this.#kept = this.cells.current();
    if (value === 1) {
      const next = i32[countWord] + 1;
      if (next < countMax) {
        i32[countWord] = next;
        return;
      }
    }
    this.#f64[totalCell] += value;
  }

  /** This isolate's share of the value (the scrape sums every process's). */
  get ownValue(): number {
    return this.#i32[0] === this.cells.seriesEpoch[0] ? this.#f64[totalCell] + this.#i32[countWord] : 0;
  }
}

/** Unit increments go to the int32 `count` cell below this bound, then to `total`. */
const countMax = 2 ** 31 - 1;
/** The `total` cell (f64 index in a writer's copy) and the `count` word (int32 index). */
const totalCell = 1;
const countWord = 4;
/** Data cells: `total` as a double, `count` as an int32. */
const intCells = new Uint8Array([0, 1]);
const totals = new Float64Array(2);
const scratch = new Float64Array(2);

function readCounterFamily(source: FamilySource): CounterFamily {
  const { shared, descriptor } = source;
  const series: CounterSeries[] = source.series.map((record) => {
    const labels = seriesLabels(shared, record, descriptor.labelNames);
    const value = counterValue(source, record);
    const created = seriesCreatedSeconds(shared, record);
    const exemplarOffset = shared.directory.field(record, RecordField.sharedOffset);
    const exemplar = exemplarOffset === 0 ? undefined : readExemplar(shared.heap, exemplarOffset, seriesEpoch(shared, record));
    return exemplar === undefined ? { labels, value, created } : { labels, value, created, exemplar };
  });
  const { givenName } = descriptor.settings;
  return typeof givenName === "string"
    ? { type: "counter", name: descriptor.name, givenName, help: descriptor.help, series }
    : { type: "counter", name: descriptor.name, help: descriptor.help, series };
}

registerFamilyReader("counter", readCounterFamily);

/** A counter series' value: `total + count` summed over every writer slot of its epoch. */
function counterValue(source: FamilySource, record: number): number {
  const { shared } = source;
  sumSlots(shared.heap, seriesCells(shared, record), seriesEpoch(shared, record), totals, scratch, intCells);
  return totals[0] + totals[1];
}

/**
 * A counter shared by every process attached to the heap.
 *
 * @example
 * ```ts
 * import { Counter } from "mpmetrics";
 * const requests = new Counter({ name: "http_requests", help: "Requests served.", labelNames: ["method"] });
 * requests.inc({ method: "GET" });
 * requests.labels("POST").inc(2);
 * ```
 */
export class Counter<T extends string = string> extends Metric<T, CounterChild> {
  /** Whether this counter keeps exemplars. */
  readonly enableExemplars: boolean;
  readonly #exemplars: ExemplarWriter | undefined;
  /** The label hit cache, in a field of this class (see `labelHits` in metric.ts). */
  readonly #hits: LabelHits<CounterChild> | undefined;

  constructor(config: CounterConfiguration<T>) {
    super(
      { type: "counter", reservedLabels: [], settings: counterSettings(config as { name?: unknown; enableExemplars?: unknown }), givenName: config?.name },
      { ...config, name: typeof config?.name === "string" ? config.name.replace(/_total$/, "") : config?.name },
    );
    this.enableExemplars = config.enableExemplars === true;
    this.#exemplars = this.enableExemplars ? new ExemplarWriter(this.heap) : undefined;
    this.#hits = this.labelHits;
    if (this.labelNames.length === 0) this.unlabelledChild();
  }

  /** Adds 1, or `value`. */
  inc(value?: number): void;
  /** Adds `value` (default 1) to the series with these labels. */
  inc(labels: LabelValues<T>, value?: number): void;
  /**
   * prom-client's exemplar form (needs `enableExemplars: true`): adds `value` (default 1)
   * and keeps the exemplar, whose label names and values hold at most 128 code points.
   */
  inc(increment: CounterIncrement<T>): void;
  inc(labelsOrValue?: LabelValues<T> | number | CounterIncrement<T>, value?: number): void {
    if (labelsOrValue === undefined) this.unlabelledChild().inc(1);
    else if (typeof labelsOrValue === "number") {
      // before a labelled counter's unlabelled series is made
      if (!(labelsOrValue >= 0 && labelsOrValue < Infinity)) throw badIncrement(this.name, labelsOrValue);
      this.unlabelledChild().inc(labelsOrValue);
    }
    else if (typeof labelsOrValue === "object" && labelsOrValue !== null) {
      if (value === undefined && this.#exemplars !== undefined && isExemplarForm(labelsOrValue)) {
        this.#incWithExemplar(labelsOrValue as CounterIncrement<T>);
        return;
      }
      const by = value ?? 1;
      if (typeof by !== "number" || !(by >= 0 && by < Infinity)) throw badIncrement(this.name, by); // before a series is made
      const labels = labelsOrValue as LabelValues<T>;
      (this.#hits?.byObject(labels) ?? this.childFor(labels)).inc(by);
    } else throw badIncrement(this.name, labelsOrValue);
  }

  #incWithExemplar(increment: CounterIncrement<T>): void {
    const { labels, value = 1, exemplarLabels } = increment;
    if (typeof value !== "number" || !(value >= 0 && value < Infinity)) throw badIncrement(this.name, value);
    const writer = this.#exemplars!;
    const used = exemplarLabels === undefined ? 0 : encodeExemplarLabels(this.name, exemplarLabels, writer.labels); // before a series is made
    const child = labels === undefined ? this.unlabelledChild() : this.childFor(labels);
    child.inc(value);
    if (used > 0) writer.record(child.exemplarOffset, child.cells.seriesEpoch[0], value, Date.now() / 1000, used);
  }

  protected allocateSeriesLocked(): RecordStorage {
    const sharedOffset = this.#exemplars === undefined ? 0 : allocExemplarsLocked(this.heap, 1);
    return { ...reserveCellsLocked(this.heap, 2), sharedOffset };
  }

  protected bindChild(record: number): CounterChild {
    return new CounterChild(this.name, this.writerCells(record), this.shared.directory.field(record, RecordField.sharedOffset));
  }
}

function counterSettings(config: { name?: unknown; enableExemplars?: unknown }): Readonly<Record<string, unknown>> {
  const enable = config?.enableExemplars;
  if (enable !== undefined && typeof enable !== "boolean") throw new TypeError(`enableExemplars of counter "${String(config.name)}" must be a boolean, got ${typeof enable}`);
  // The name as given, when it differs from the family name: Prometheus text writes it.
  const given = typeof config?.name === "string" && config.name.endsWith("_total") ? { givenName: config.name } : {};
  return enable === true ? { exemplars: true, ...given } : given;
}
