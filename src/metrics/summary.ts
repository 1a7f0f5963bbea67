/**
 * Summary: quantiles, count and sum of observations, over every process together.
 *
 * Storage, per series:
 * - `_count` and `_sum`, over all time (as prom-client): a per-writer cell block (see
 *   heap/cells.ts), so each process writes only its own copy, holding the pair twice,
 *   `(countA, sumA, countB, sumB)`: a double buffer under the block's sequence word.
 *   The newer copy is the one with the larger count. An observation writes the older
 *   copy from the newer one, its sum first and then its count (the store that makes
 *   it the newer copy), then raises the sequence word by 2. A reader reads a slot with
 *   `readSlot` (epoch, bounded retries, dead writers) and takes the copy with the larger
 *   count: the sequence word changes with every finished update, so a read that spans
 *   one is retried; a read during one sees the older copy half written but takes the
 *   newer, untouched one (it sees the older copy's new count only after its new sum).
 *   So every scrape reads each writer's pair from one state, count and sum always
 *   agree, and a writer killed mid-update leaves a consistent pair behind. Against the
 *   seqlock's `beginWrite()`/`endWrite()` this is one sequence store instead of two
 *   (each an 8 ns call on V8 where it must be `Atomics.store`) and no partial update
 *   after a SIGKILL. The sequence word stays even, so readers never wait for a writer.
 *   Stores are plain where heap/cells.ts says they reach other processes in program
 *   order (`host.plainStoresOrdered`), else `Atomics.store`.
 * - the quantiles: one shared sketch (quantile_sketch.ts), a log-bucketed histogram with
 *   relative accuracy 1% into which every process adds with `Atomics.add`; a scrape
 *   computes each quantile from the merged counts of the window's age buckets, so it is
 *   a quantile of all processes' observations, not a sum of per-process quantiles.
 *   Without `maxAgeSeconds` the window is all time; with it, the last `maxAgeSeconds`
 *   in `ageBuckets` rotating age buckets (as prom-client).
 *
 * `observe(v)`: validate, renew this writer's cells after a reset, one `Atomics.add` to
 * the sketch, then the double-buffered `count`/`sum` update. No allocation, no lock, no
 * FFI call (a page of the sketch is allocated, under the heap lock, by the first
 * observation that lands in it). About 17-35 ns (bench/summary_observe.bench.ts).
 *
 * Memory per series: 40 bytes per writer slot (control cell and the two copies), plus
 * the sketch: `16 A + 512` bytes and `A` x 512 bytes per 1.1 decades of magnitude the
 * values span (`A` = ageBuckets, 1 without maxAgeSeconds); see quantile_sketch.ts.
 *
 * @module
 */

import { raiseSeriesEpoch } from "../heap/epochs.ts";
import { type CellBlock, reserveCellsLocked, type WriterCells } from "../heap/cells.ts";
import { readSlot } from "../heap/cells_read.ts";
import type { Heap } from "../heap/heap.ts";
import { host } from "../native/index.ts";
import { RecordField, type RecordStorage, SeriesFlag } from "../heap/directory.ts";
import type { SummaryFamily, SummarySeries } from "../exposition/snapshot.ts";
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
import {
  ageBucketsMax,
  allocSketchLocked,
  clearSketch,
  readQuantiles,
  type SketchShape,
  SketchWriter,
  sketchLayout,
  sketchNow,
} from "./quantile_sketch.ts";
import type { LabelHits } from "./label_hits.ts";
import { checkNumber } from "./validate.ts";

/** prom-client's default percentiles. */
const defaultPercentiles: readonly number[] = [0.01, 0.05, 0.5, 0.9, 0.95, 0.99, 0.999];
/** Age buckets when `maxAgeSeconds` is given without `ageBuckets` (client_golang's default). */
const defaultAgeBuckets = 5;

/**
 * Options of a {@link Summary} (prom-client's).
 *
 * @example
 * ```ts
 * const config: SummaryConfiguration<"route"> = {
 *   name: "render_seconds", help: "Render time.", labelNames: ["route"],
 *   percentiles: [0.5, 0.99], maxAgeSeconds: 300, ageBuckets: 5,
 * };
 * ```
 */
export interface SummaryConfiguration<T extends string> extends MetricConfiguration<T> {
  /** Quantiles to report, each in [0, 1]; default `[0.01, 0.05, 0.5, 0.9, 0.95, 0.99, 0.999]`. */
  readonly percentiles?: readonly number[];
  /** Length of the sliding window in seconds (a positive integer); default: all time. */
  readonly maxAgeSeconds?: number;
  /**
   * Age buckets the window rotates through (a positive integer, at most 100); default 5
   * with `maxAgeSeconds`. Without `maxAgeSeconds` the window is all time and this is
   * ignored, as in prom-client.
   */
  readonly ageBuckets?: number;
  /** Leave out (and restart from zero) a series whose window is empty, as prom-client. */
  readonly pruneAgedBuckets?: boolean;
  /** Accepted for prom-client compatibility and ignored: the sketch needs no compression. */
  readonly compressCount?: number;
}

/** The per-type settings stored in a summary's descriptor (compared between processes). */
interface SummarySettings {
  readonly percentiles: readonly number[];
  /** 0: all time. */
  readonly maxAgeSeconds: number;
  /** 1 for an all-time window. */
  readonly ageBuckets: number;
  readonly pruneAgedBuckets: boolean;
  readonly sketch: string;
}

function summarySettings(config: SummaryConfiguration<string>): SummarySettings {
  if (config === null || typeof config !== "object") return {} as SummarySettings; // the base class reports it
  const name = String(config.name);
  const percentiles = config.percentiles ?? defaultPercentiles;
  if (!Array.isArray(percentiles)) throw new TypeError(`percentiles of summary "${name}" must be an array of numbers in [0, 1], got ${typeof percentiles}`);
  for (const q of percentiles) {
    if (typeof q !== "number") throw new TypeError(`percentiles of summary "${name}" must be numbers in [0, 1], got ${typeof q} ${String(q)}`);
    if (!(q >= 0 && q <= 1)) throw new RangeError(`percentiles of summary "${name}" must be in [0, 1], got ${q}`);
  }
  if (new Set(percentiles).size !== percentiles.length) throw new RangeError(`percentiles of summary "${name}" must be distinct, got ${JSON.stringify(percentiles)}`);
  const maxAgeSeconds = positiveInteger(name, "maxAgeSeconds", config.maxAgeSeconds, Number.MAX_SAFE_INTEGER);
  const ageBuckets = positiveInteger(name, "ageBuckets", config.ageBuckets, ageBucketsMax);
  const prune = config.pruneAgedBuckets ?? false;
  if (typeof prune !== "boolean") throw new TypeError(`pruneAgedBuckets of summary "${name}" must be a boolean, got ${typeof prune}`);
  return {
    percentiles: [...percentiles],
    maxAgeSeconds: maxAgeSeconds ?? 0,
    ageBuckets: maxAgeSeconds === undefined ? 1 : ageBuckets ?? defaultAgeBuckets,
    pruneAgedBuckets: prune,
    sketch: sketchLayout,
  };
}

function positiveInteger(name: string, option: string, value: unknown, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number") throw new TypeError(`${option} of summary "${name}" must be a positive integer, got ${typeof value}`);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new RangeError(`${option} of summary "${name}" must be an integer from 1 to ${max}, got ${value}`);
  }
  return value;
}

/** A series' sketch: where it lives and how its window is cut. */
function shapeOf(settings: SummarySettings, offset: number): SketchShape {
  return { offset, ageBuckets: settings.ageBuckets, periodMs: (settings.maxAgeSeconds * 1000) / settings.ageBuckets };
}

/**
 * The two copies of `(count, sum)` in a writer's cells (f64 indexes; the control cell
 * is 0). Count first: a reader reads a copy's count before its sum.
 */
const countA = 1;
const sumA = 2;
const countB = 3;
const sumB = 4;
/** Data cells of a series' block. */
const dataCells = 4;
/** Whether the sequence word may be raised with a plain store (as heap/cells.ts does). */
const plainStoresOrdered = host.plainStoresOrdered;
/** The timers' clock (ms, arbitrary origin): the cheaper of performance.now() and the FFI one on this runtime. */
const monotonicMs = host.monotonicMs;

/**
 * One label set of a summary: the handle to keep for the hot path.
 *
 * @example
 * ```ts
 * const get = latency.labels("GET");
 * get.observe(0.012);
 * const end = get.startTimer();
 * end(); // observes the seconds since startTimer()
 * ```
 */
export class SummaryChild {
  /** This isolate's cells of the series (sum and count). */
  readonly cells: WriterCells;
  readonly #name: string;
  readonly #f64: Float64Array;
  readonly #i32: Int32Array;
  readonly #epoch: Int32Array;
  readonly #sketch: SketchWriter;
  readonly #observeWith: (labels: LabelValues<string>, value: number) => void;

  constructor(name: string, cells: WriterCells, sketch: SketchWriter, observeWith: (labels: LabelValues<string>, value: number) => void) {
    this.#name = name;
    this.cells = cells;
    this.#f64 = cells.f64;
    this.#i32 = cells.i32;
    this.#epoch = cells.seriesEpoch;
    this.#sketch = sketch;
    this.#observeWith = observeWith;
  }

  /** Observes `value`; it must be a finite number. */
  observe(value: number): void {
    if (typeof value !== "number" || value - value !== 0) throw badObservation(this.#name, value);
    const i32 = this.#i32;
    if (i32[0] !== this.#epoch[0]) this.cells.renew();
    this.#sketch.add(value);
    // Write the older copy from the newer one, sum before count, then raise the sequence
    // word by 2 (see the module comment).
    const f64 = this.#f64;
    const a = f64[countA];
    const b = f64[countB];
    if (a >= b) {
      f64[sumB] = f64[sumA] + value;
      f64[countB] = a + 1;
    } else {
      f64[sumA] = f64[sumB] + value;
      f64[countA] = b + 1;
    }
    if (plainStoresOrdered) i32[1] += 2;
    else Atomics.store(i32, 1, i32[1] + 2);
  }

  /**
   * Starts a timer; the returned function observes the seconds elapsed and returns them.
   * Labels given to it are added to this child's (the observation then goes to that
   * label set).
   */
  startTimer(): (labels?: LabelValues<string>) => number {
    const start = monotonicMs();
    return (labels?: LabelValues<string>) => {
      const seconds = (monotonicMs() - start) / 1000;
      if (labels === undefined || Object.keys(labels).length === 0) this.observe(seconds);
      else this.#observeWith(labels, seconds);
      return seconds;
    };
  }
}

function badObservation(name: string, value: unknown): Error {
  checkNumber(name, "observe summary", value, true);
  return new TypeError(`Cannot observe summary "${name}" with ${String(value)}`); // unreachable
}

const scratch = new Float64Array(dataCells);
const countAndSum = new Float64Array(2);

/**
 * A series' count and sum over every writer slot of its epoch, into `countAndSum`: from
 * each slot, a consistent read of its cells (readSlot: bounded retries, dead writers),
 * then its newer copy, the one with the larger count.
 */
function readCountAndSum(heap: Heap, block: CellBlock, epoch: number): void {
  let count = 0;
  let sum = 0;
  const slots = heap.slotsHighWater();
  for (let slot = 0; slot < slots; slot++) {
    if (!readSlot(heap, block, slot, epoch, scratch)) continue;
    const newer = scratch[countB - 1] > scratch[countA - 1] ? countB - 1 : countA - 1;
    count += scratch[newer];
    sum += scratch[newer + 1];
  }
  countAndSum[0] = count;
  countAndSum[1] = sum;
}
const quantileValues: number[] = [];

function readSummaryFamily(source: FamilySource): SummaryFamily {
  const { shared, descriptor } = source;
  const { heap, directory } = shared;
  const settings = descriptor.settings as unknown as SummarySettings;
  const now = sketchNow();
  const series: SummarySeries[] = [];
  for (const record of source.series) {
    const windowCount = readQuantiles(heap, shapeOf(settings, directory.field(record, RecordField.sharedOffset)), now, settings.percentiles, quantileValues);
    if (settings.pruneAgedBuckets && windowCount === 0) {
      // prom-client drops such a series, and its count starts again: remove it (see metric.ts).
      directory.setFlags(record, SeriesFlag.removed);
      raiseSeriesEpoch(directory, record);
      directory.setCreatedMs(record, Date.now());
      continue;
    }
    readCountAndSum(heap, seriesCells(shared, record), seriesEpoch(shared, record));
    series.push({
      labels: seriesLabels(shared, record, descriptor.labelNames),
      quantiles: settings.percentiles.map((quantile, i) => ({ quantile, value: quantileValues[i] })),
      count: countAndSum[0],
      sum: countAndSum[1],
      created: seriesCreatedSeconds(shared, record),
    });
  }
  return { type: "summary", name: descriptor.name, help: descriptor.help, series };
}

registerFamilyReader("summary", readSummaryFamily);

/**
 * A summary shared by every process attached to the heap: its quantiles are those of
 * all processes' observations together, within 1% (relative) of the exact ones.
 *
 * @example
 * ```ts
 * import { Summary } from "mpmetrics";
 * const latency = new Summary({
 *   name: "http_request_duration_seconds", help: "Request latency.", labelNames: ["method"],
 *   percentiles: [0.5, 0.9, 0.99], maxAgeSeconds: 600, ageBuckets: 5,
 * });
 * latency.observe({ method: "GET" }, 0.012);
 * latency.labels("POST").observe(0.3);
 * const end = latency.startTimer({ method: "GET" });
 * end(); // observes the seconds since startTimer()
 * ```
 */
export class Summary<T extends string = string> extends Metric<T, SummaryChild> {
  /** The quantiles reported, in order. */
  readonly percentiles: readonly number[];
  /** The window in seconds; 0 for all time. */
  readonly maxAgeSeconds: number;
  /** Age buckets the window rotates through (1 for all time). */
  readonly ageBuckets: number;
  readonly #settings: SummarySettings;
  /** The unlabelled series' child, when the summary has no labels (the hot path of observe(v)). */
  #plain: SummaryChild | undefined;
  /** The label hit cache, in a field of this class (see `labelHits` in metric.ts). */
  readonly #hits: LabelHits<SummaryChild> | undefined;

  constructor(config: SummaryConfiguration<T>) {
    const settings = summarySettings(config as SummaryConfiguration<string>);
    super({ type: "summary", reservedLabels: ["quantile"], settings: settings as unknown as Record<string, unknown> }, config);
    this.#settings = settings;
    this.percentiles = settings.percentiles;
    this.maxAgeSeconds = settings.maxAgeSeconds;
    this.ageBuckets = settings.ageBuckets;
    this.#hits = this.labelHits;
    if (this.labelNames.length === 0) this.#plain = this.unlabelledChild();
  }

  /** Observes `value` (a finite number). */
  observe(value: number): void;
  /** Observes `value` in the series with these labels. */
  observe(labels: LabelValues<T>, value: number): void;
  observe(labelsOrValue: LabelValues<T> | number, value?: number): void {
    if (typeof labelsOrValue === "number") {
      if (this.#plain !== undefined) this.#plain.observe(labelsOrValue);
      else if (labelsOrValue - labelsOrValue !== 0) throw badObservation(this.name, labelsOrValue); // before a labelled summary's unlabelled series is made
      else this.unlabelledChild().observe(labelsOrValue);
    }
    else if (typeof labelsOrValue === "object" && labelsOrValue !== null) {
      if (typeof value !== "number" || value - value !== 0) throw badObservation(this.name, value); // before a series is made
      (this.#hits?.byObject(labelsOrValue) ?? this.childFor(labelsOrValue, value)).observe(value);
    } else throw badObservation(this.name, labelsOrValue);
  }

  /**
   * Starts a timer; the returned function observes the seconds elapsed (with these
   * labels and any given to it) and returns them.
   *
   * @example
   * ```ts
   * const end = latency.startTimer({ method: "GET" });
   * await handle(request);
   * end({ code: "200" });
   * ```
   */
  startTimer(labels?: LabelValues<T>): (endLabels?: LabelValues<T>) => number {
    this.checkLabels(labels); // unknown labels fail here, not at the end
    const start = monotonicMs();
    return (endLabels?: LabelValues<T>) => {
      const seconds = (monotonicMs() - start) / 1000;
      if (endLabels === undefined) {
        if (labels === undefined) this.observe(seconds);
        else this.observe(labels, seconds); // no copy on the common path
      } else this.observe((labels === undefined ? endLabels : { ...labels, ...endLabels }) as LabelValues<T>, seconds);
      return seconds;
    };
  }

  protected allocateSeriesLocked(): RecordStorage {
    const cells = reserveCellsLocked(this.heap, dataCells);
    const sketch = allocSketchLocked(this.heap, this.#settings.ageBuckets);
    return { ...cells, sharedOffset: sketch };
  }

  protected bindChild(record: number): SummaryChild {
    const offset = this.shared.directory.field(record, RecordField.sharedOffset);
    const observeWith = (extra: LabelValues<string>, value: number): void => {
      const own: Record<string, string> = {};
      for (const [label, labelValue] of seriesLabels(this.shared, record, this.labelNames)) own[label] = labelValue;
      this.observe({ ...own, ...extra } as LabelValues<T>, value);
    };
    return new SummaryChild(this.name, this.writerCells(record), new SketchWriter(this.heap, shapeOf(this.#settings, offset)), observeWith);
  }

  /** Zeroes the shared sketch, then moves the series to a new epoch (count and sum restart). */
  protected override resetSeries(record: number, unixMs: number): void {
    clearSketch(this.heap, shapeOf(this.#settings, this.shared.directory.field(record, RecordField.sharedOffset)));
    super.resetSeries(record, unixMs);
  }
}
