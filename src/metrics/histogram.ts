/**
 * Histogram: observations counted in buckets, summed over every process.
 *
 * Storage: a per-writer cell block per series (see heap/cells.ts). With `n` finite bucket
 * bounds a writer's copy holds `2n + 3` data cells:
 *
 * - cells `0..n`: one count per bucket, `+Inf` last, not cumulative, each an int32 in its
 *   cell's first word (an Int32Array add: Deno's V8 takes 7 ns for a Float64Array add but
 *   1.4 ns for this, see counter.ts);
 * - cell `n + 1`: the sum of the observations, a double;
 * - cells `n + 2..2n + 2`: overflow counts, doubles: a bucket's int32 count stops below
 *   2^31 - 1 and further observations of that writer go here, so counts stay exact up to
 *   2^53 per writer. A bucket's count is `int + overflow`.
 *
 * The algorithm. `observe(v)` finds the bucket (linear search up to
 * {@link linearSearchMax} bounds, binary above: bench/histogram_observe.bench.ts, "bucket
 * search"), then, between `beginWrite()` and `endWrite()` (the seqlock of the copy), adds 1
 * to that bucket's count and `v` to the sum. A reader sums the copies of every writer
 * slot, each read consistently (never in the middle of one of its writer's updates), then:
 * - `_count` is the sum of the bucket counts, so it always equals the `+Inf` bucket;
 * - cumulative buckets are computed at read time, so they never decrease: every cell only
 *   grows, and a later scrape reads a later consistent state of each copy;
 * - `_sum` is read in the same consistent state as the counts, so it matches them.
 * Each store of an update is logged in the slot's undo log first (heap/undo_log.ts), so a
 * reader that finds a writer stopped, descheduled or killed mid-update reads that copy as
 * it was before the update, and the isolate that adopts a killed writer's slot rolls the
 * update back: no update is ever seen or left half done.
 *
 * Observations (client_golang's practice; OpenMetrics: "the +Inf bucket counts all
 * requests" and NaN is not less than or equal to any bound): `v` goes in the first bucket
 * with `v <= le`, so a value equal to a bound goes in that bound's bucket; `-Inf` goes in
 * the first bucket and `+Inf` in the `+Inf` bucket; NaN goes in the `+Inf` bucket only
 * and makes the sum NaN until the series is reset. OpenMetrics forbids a NaN or negative
 * `_sum`, so the OpenMetrics serializer then leaves `_sum` and `_count` out (the buckets
 * remain); Prometheus text shows `_sum NaN`. prom-client throws on non-finite values; we
 * count them, as the Go and Python clients do.
 *
 * Native buckets (with `nativeHistogramBucketFactor`): the same observations are also
 * counted in exponential buckets, in a native region after these cells in each writer's
 * copy, inside the same write, so a reader sees the classic and native parts of an update
 * together (native_buckets.ts has that algorithm: schema agreement, resolution reduction,
 * zero bucket). `buckets: []` makes a native-only histogram: its copy keeps the `+Inf`
 * count (so `_count`), the sum and the native region; its snapshot has no classic buckets.
 *
 * Exemplars (with `enableExemplars: true`): one shared slot per bucket of each series,
 * holding the latest exemplar observed in that bucket (see exemplar.ts). A NaN
 * observation records no exemplar: its value lies in no bucket's range. With native
 * buckets, every exemplar also goes to a ring of the {@link nativeExemplarsMax} most
 * recent per series (shared by all writers; a native histogram's exemplars need no bucket).
 *
 * @module
 */

import { reserveCellsLocked, type WriterCells } from "../heap/cells.ts";
import { sumSlots } from "../heap/cells_read.ts";
import { RecordField, type RecordStorage, SeriesFlag } from "../heap/directory.ts";
import type { BucketSnapshot, ExemplarSnapshot, HistogramFamily, HistogramSeries } from "../exposition/snapshot.ts";
import { allocExemplarsLocked, encodeExemplarLabels, ExemplarWriter, exemplarSlotBytes, isExemplarForm, readExemplar } from "./exemplar.ts";
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
import { host } from "../native/index.ts";
import type { LabelHits } from "./label_hits.ts";
import { nativeCells, nativeExemplarsMax, NativeOutcome, type NativeSettings } from "./native_buckets.ts";
import { bindNative, type NativeBinding, NativeSeriesReader, sharedAreaBytes } from "./native_series.ts";
import { type NativeHistogramOptions, nativeSettingsOf } from "./native_options.ts";

/**
 * prom-client's default buckets, in seconds: 5 ms to 10 s.
 *
 * @example
 * ```ts
 * new Histogram({ name: "job_seconds", help: "Job time.", buckets: [...defaultBuckets, 30, 60] });
 * ```
 */
export const defaultBuckets: readonly number[] = Object.freeze([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);

/** {@link linearSearchMax}, module-local for the hot paths (V8 reads an exported binding through its module cell at every use). */
const linearSearch = 24;
/**
 * Up to this many finite bounds the bucket is found by a linear scan, above it by binary
 * search. Backed by bench/histogram_observe.bench.ts ("bucket search", random values over
 * every bucket; binary / linear time, two runs): at 11 bounds 0.95-1.10 (Bun), 1.28-1.29
 * (Deno), 1.19 (Node); at 16: 0.70-0.93, 1.15-1.24, 0.91-1.03; at 24: 0.64-0.76,
 * 1.07-1.11, 0.89-1.04; at 32: 0.50-0.61, 1.06-1.09, 0.78-0.82; at 64: 0.36-0.40, 0.69-0.70,
 * 0.49-0.50. On V8 the scan wins or ties up to about 24 bounds (default: 11); Bun prefers
 * binary search earlier, but its observe() is the fastest of the three anyway.
 *
 * @example
 * ```ts
 * const search = bounds.length <= linearSearchMax ? "linear" : "binary";
 * ```
 */
export const linearSearchMax = linearSearch;
/**
 * Most finite bucket bounds a histogram may have (its descriptor must fit a directory record).
 *
 * @example
 * ```ts
 * linearBuckets(0, 1, bucketsMax + 1); // RangeError
 * ```
 */
export const bucketsMax = 512;

/**
 * Exemplar labels, by name (prom-client's `exemplarLabels`).
 *
 * @example
 * ```ts
 * const exemplarLabels: ExemplarLabels = { trace_id: "4bf92f3577b34da6a3ce929d0e0e4736" };
 * ```
 */
export type ExemplarLabels = Readonly<Record<string, string | number>>;

/**
 * Options of a {@link Histogram} (prom-client's).
 *
 * @example
 * ```ts
 * const config: HistogramConfiguration<"route"> = { name: "latency_seconds", help: "Latency.", labelNames: ["route"], buckets: [0.1, 1] };
 * ```
 */
export interface HistogramConfiguration<T extends string> extends MetricConfiguration<T>, NativeHistogramOptions {
  /**
   * Upper bounds of the buckets, strictly increasing; default {@link defaultBuckets}. A
   * trailing `+Inf` is implied (and may be given). `[]` with native buckets
   * (`nativeHistogramBucketFactor`): a native-only histogram.
   */
  readonly buckets?: readonly number[];
  /** Keep the latest exemplar of each bucket, recorded with `observe({ labels, value, exemplarLabels })`. */
  readonly enableExemplars?: boolean;
}

/**
 * An observation with an exemplar, prom-client's form of `observe` for exemplar-enabled histograms.
 *
 * @example
 * ```ts
 * latency.observe({ labels: { route: "/" }, value: 0.042, exemplarLabels: { trace_id: "abc" } });
 * ```
 */
export interface HistogramObservation<T extends string> {
  readonly labels?: LabelValues<T>;
  readonly value: number;
  readonly exemplarLabels?: ExemplarLabels;
}

/**
 * `count` bounds from `start`, `width` apart (prom-client's `linearBuckets`).
 *
 * @example
 * ```ts
 * linearBuckets(0.1, 0.1, 5); // [0.1, 0.2, 0.30000000000000004, 0.4, 0.5]
 * ```
 */
export function linearBuckets(start: number, width: number, count: number): number[] {
  checkGeneratorNumber("Linear", "start", start);
  checkGeneratorNumber("Linear", "width", width);
  checkGeneratorCount("Linear", count);
  if (count > 1 && !(width > 0)) throw new RangeError(`Linear buckets need a width > 0 to increase, got ${width}`);
  const buckets = new Array<number>(count);
  for (let i = 0; i < count; i++) buckets[i] = start + i * width;
  return buckets;
}

/**
 * `count` bounds from `start`, each `factor` times the one before (prom-client's
 * `exponentialBuckets`).
 *
 * @example
 * ```ts
 * exponentialBuckets(0.001, 10, 4); // [0.001, 0.01, 0.1, 1]
 * ```
 */
export function exponentialBuckets(start: number, factor: number, count: number): number[] {
  checkGeneratorNumber("Exponential", "start", start);
  checkGeneratorNumber("Exponential", "factor", factor);
  checkGeneratorCount("Exponential", count);
  if (!(start > 0)) throw new RangeError(`Exponential buckets need a positive start, got ${start}`);
  if (!(factor > 1)) throw new RangeError(`Exponential buckets need a factor greater than 1, got ${factor}`);
  const buckets = new Array<number>(count);
  let bound = start;
  for (let i = 0; i < count; i++) {
    buckets[i] = bound;
    bound *= factor;
  }
  if (!Number.isFinite(buckets[count - 1])) throw new RangeError(`Exponential buckets from ${start} by ${factor} overflow to Infinity within ${count} buckets`);
  return buckets;
}

function checkGeneratorNumber(kind: string, what: string, value: unknown): void {
  if (typeof value !== "number") throw new TypeError(`${kind} buckets need a number ${what}, got ${typeof value}`);
  if (!Number.isFinite(value)) throw new RangeError(`${kind} buckets need a finite ${what}, got ${value}`);
}

function checkGeneratorCount(kind: string, count: unknown): void {
  if (typeof count !== "number") throw new TypeError(`${kind} buckets need a number count, got ${typeof count}`);
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`${kind} buckets need a positive integer count, got ${count}`);
  if (count > bucketsMax) throw new RangeError(`${kind} buckets: at most ${bucketsMax} buckets are allowed, got ${count}`);
}

/** The finite bounds of a bucket list: numbers, finite, strictly increasing, at least one; a trailing +Inf is dropped. */
function checkBuckets(name: string, buckets: unknown, nativeOnlyAllowed: boolean): number[] {
  if (!Array.isArray(buckets)) throw new TypeError(`buckets of "${name}" must be an array of numbers, got ${buckets === null ? "null" : typeof buckets}`);
  const bounds = buckets.length > 0 && buckets[buckets.length - 1] === Infinity ? buckets.slice(0, -1) : [...buckets];
  if (bounds.length === 0 && !nativeOnlyAllowed) throw new RangeError(`buckets of "${name}" must hold at least one finite bound (+Inf is implied), or be [] with nativeHistogramBucketFactor for a native-only histogram, got ${JSON.stringify(buckets)}`);
  if (bounds.length > bucketsMax) throw new RangeError(`buckets of "${name}": at most ${bucketsMax} bounds are allowed, got ${bounds.length}`);
  for (let i = 0; i < bounds.length; i++) {
    const bound: unknown = bounds[i];
    if (typeof bound !== "number") throw new TypeError(`buckets of "${name}" must be numbers, got ${JSON.stringify(bound)} at index ${i}`);
    if (!Number.isFinite(bound)) throw new RangeError(`buckets of "${name}" must be finite (+Inf only last), got ${bound} at index ${i}`);
    if (i > 0 && !(bound > bounds[i - 1])) {
      throw new RangeError(`buckets of "${name}" must be strictly increasing, got ${bounds[i - 1]} then ${bound} at index ${i}`);
    }
  }
  return bounds.map((b) => (Object.is(b, -0) ? 0 : b));
}

/** Index of the bucket `value` goes in: the first with `value <= bound`, else `bounds.length` (+Inf; NaN lands there). */
function bucketIndex(bounds: Float64Array, value: number): number {
  const n = bounds.length;
  if (n <= linearSearch) {
    let b = 0;
    while (b < n && !(value <= bounds[b])) b++;
    return b;
  }
  let low = 0;
  let high = n;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (value <= bounds[mid]) high = mid;
    else low = mid + 1;
  }
  return low;
}

function badObservation(name: string, value: unknown): TypeError {
  return new TypeError(`Value is not a valid number: ${String(value)}. Cannot observe ${value === null ? "null" : typeof value === "string" ? JSON.stringify(value) : String(value)} in histogram "${name}": the value must be a number`);
}

/** Unit observations go to a bucket's int32 count below this bound, then to its overflow cell. */
const countMax = 2 ** 31 - 1;
/** The timers' clock (ms, arbitrary origin): the cheaper of performance.now() and the FFI one on this runtime. */
const monotonicMs = host.monotonicMs;

/**
 * One label set of a histogram: the handle to keep for the hot path.
 *
 * @example
 * ```ts
 * const getLatency = latency.labels("GET");
 * getLatency.observe(0.042);
 * const end = getLatency.startTimer();
 * end();
 * ```
 */
export class HistogramChild {
  /** This isolate's cells of the series. */
  readonly cells: WriterCells;
  /** The series' directory record. */
  readonly record: number;
  readonly #name: string;
  readonly #bounds: Float64Array;
  readonly #f64: Float64Array;
  readonly #i32: Int32Array;
  readonly #epoch: Int32Array;
  /** f64 index of the sum cell and of bucket 0's overflow cell in this copy. */
  readonly #sumCell: number;
  readonly #overflowCell: number;
  readonly #exemplars: ExemplarWriter | undefined;
  readonly #exemplarsOffset: number;
  readonly #native: NativeBinding | undefined;

  constructor(
    name: string,
    record: number,
    cells: WriterCells,
    bounds: Float64Array,
    exemplars: ExemplarWriter | undefined,
    exemplarsOffset: number,
    native?: NativeBinding,
  ) {
    this.#name = name;
    this.record = record;
    this.cells = cells;
    this.#bounds = bounds;
    this.#f64 = cells.f64;
    this.#i32 = cells.i32;
    this.#epoch = cells.seriesEpoch;
    this.#sumCell = 1 + bounds.length + 1;
    this.#overflowCell = this.#sumCell + 1;
    this.#exemplars = exemplars;
    this.#exemplarsOffset = exemplarsOffset;
    this.#native = native;
  }

  /**
   * Counts `value` in its bucket and adds it to the sum. Any number: NaN counts in the
   * `+Inf` bucket and makes the sum NaN (see the module comment).
   */
  observe(value: number): void {
    if (typeof value !== "number") throw badObservation(this.#name, value);
    const bounds = this.#bounds;
    const n = bounds.length;
    let bucket = 0;
    if (n <= linearSearch) {
      while (bucket < n && !(value <= bounds[bucket])) bucket++;
    } else bucket = bucketIndex(bounds, value);
    const cells = this.cells;
    const i32 = this.#i32;
    // Each store is logged first (heap/undo_log.ts): a reader of a stopped writer undoes
    // them. The two this update makes are logged before the sequence word turns odd.
    const f64 = this.#f64;
    const word = (bucket + 1) * 2;
    const inInt = i32[word] + 1 < countMax;
    const overflow = this.#overflowCell + bucket;
    const sum = this.#sumCell;
    // Entry targets as undo_log.ts's intTarget and doubleTarget make them, written out.
    if (inInt) cells.beginWrite(word | 1, i32[word], sum << 1, f64[sum]);
    else cells.beginWrite(overflow << 1, f64[overflow], sum << 1, f64[sum]);
    if (i32[0] !== this.#epoch[0]) cells.renew(); // inside the write: readers see the zeroing and this update at once
    if (inInt) i32[word] += 1; // (after a renew: from 0, still below countMax)
    else f64[overflow] += 1;
    f64[sum] += value;
    const native = this.#native;
    if (native !== undefined && native.writer.observe(value) !== NativeOutcome.counted) this.#resetThenCount(bucket, value, native);
    cells.endWrite();
  }

  /**
   * The native budget asked for a reset of the series (native_buckets.ts): raises its
   * epoch from this copy's (one compare-and-swap, so writers deciding at once reset it
   * once), zeroes this copy and counts `value` again from zero. Inside the copy's write.
   */
  #resetThenCount(bucket: number, value: number, native: NativeBinding): void {
    const cells = this.cells;
    const mine = this.#i32[0];
    if (cells.raiseEpochFrom(mine)) native.resetCreated(Date.now()); // and retires the other copies (heap/epochs.ts)
    cells.renew(); // logs the whole copy first (a pre-image): the stores below need no entries
    const word = (bucket + 1) * 2;
    this.#i32[word] += 1;
    this.#f64[this.#sumCell] += value;
    native.writer.observe(value);
  }

  /**
   * Observes `value` and keeps it as its bucket's exemplar with these labels (at most
   * 128 code points of names and values). Needs `enableExemplars: true`.
   *
   * @example
   * ```ts
   * latency.labels("GET").observeWithExemplar(0.042, { trace_id: "4bf92f3577b34da6" });
   * ```
   */
  observeWithExemplar(value: number, exemplarLabels: ExemplarLabels): void {
    const writer = this.#exemplarWriter();
    if (typeof value !== "number") throw badObservation(this.#name, value);
    const used = encodeExemplarLabels(this.#name, exemplarLabels, writer.labels);
    this.observe(value);
    if (used > 0) this.recordEncodedExemplar(value, used);
  }

  /**
   * Stores the exemplar whose labels {@link encodeExemplarLabels} put in the metric's
   * exemplar writer; `value` has just been observed. Internal: for {@link Histogram.observe},
   * which validates the exemplar before it makes the series.
   *
   * @example
   * ```ts
   * const used = encodeExemplarLabels(name, { trace_id: "abc" }, writer.labels);
   * child.observe(0.5);
   * child.recordEncodedExemplar(0.5, used);
   * ```
   */
  recordEncodedExemplar(value: number, labelBytes: number): void {
    if (Number.isNaN(value)) return; // in no bucket's range: no exemplar
    const seconds = Date.now() / 1000;
    const native = this.#native;
    if (native !== undefined) { // the most recent ones, in a ring shared by every writer
      const at = (Atomics.add(native.shared, 1, 1) >>> 0) % nativeExemplarsMax;
      this.#exemplarWriter().record(native.exemplarsOffset + at * exemplarSlotBytes, this.#epoch[0], value, seconds, labelBytes);
      if (this.#bounds.length === 0) return; // native-only: no classic buckets to illustrate
    }
    const slot = this.#exemplarsOffset + bucketIndex(this.#bounds, value) * exemplarSlotBytes;
    this.#exemplarWriter().record(slot, this.#epoch[0], value, seconds, labelBytes);
  }

  #exemplarWriter(): ExemplarWriter {
    if (this.#exemplars === undefined) throw new TypeError(`Histogram "${this.#name}" records exemplars only when created with enableExemplars: true`);
    return this.#exemplars;
  }

  /**
   * Starts a timer; the returned function observes the seconds elapsed and returns them.
   *
   * @example
   * ```ts
   * const end = latency.labels("GET").startTimer();
   * await handle();
   * end();
   * ```
   */
  startTimer(): () => number {
    const start = monotonicMs();
    return () => {
      const seconds = (monotonicMs() - start) / 1000;
      this.observe(seconds);
      return seconds;
    };
  }
}

function readHistogramFamily(source: FamilySource): HistogramFamily {
  const { shared, descriptor } = source;
  const { heap, directory } = shared;
  const bounds = descriptor.settings.buckets as readonly number[];
  const native = descriptor.settings.native as NativeSettings | undefined;
  const exemplars = descriptor.settings.exemplars === true;
  const buckets = bounds.length + 1;
  const classicCells = 2 * buckets + 1;
  const dataCells = classicCells + (native === undefined ? 0 : nativeCells(native));
  const totals = new Float64Array(dataCells);
  const scratch = new Float64Array(dataCells);
  const intCells = new Uint8Array(dataCells);
  intCells.fill(1, 0, buckets);
  if (native !== undefined) intCells.fill(1, classicCells, classicCells + 3); // state and entries in use
  const reader = native === undefined ? undefined : new NativeSeriesReader(heap, native, classicCells, exemplars);
  const area = sharedAreaBytes(bounds.length, exemplars, native !== undefined);
  const series: HistogramSeries[] = source.series.map((record) => {
    const epoch = seriesEpoch(shared, record);
    const block = seriesCells(shared, record);
    if (reader === undefined) sumSlots(heap, block, epoch, totals, scratch, intCells);
    else reader.sumCopies(block, epoch, totals, scratch, intCells);
    const sharedOffset = directory.field(record, RecordField.sharedOffset);
    const exemplarsOffset = area.classic === 0 ? 0 : sharedOffset;
    const snapshots: BucketSnapshot[] = new Array(buckets);
    let cumulative = 0;
    for (let i = 0; i < buckets; i++) {
      cumulative += totals[i] + totals[buckets + 1 + i];
      const le = i < bounds.length ? bounds[i] : Infinity;
      const exemplar: ExemplarSnapshot | undefined = exemplarsOffset === 0 ? undefined : readExemplar(heap, exemplarsOffset + i * exemplarSlotBytes, epoch);
      snapshots[i] = exemplar === undefined ? { le, count: cumulative } : { le, count: cumulative, exemplar };
    }
    const sum = totals[buckets];
    const value = {
      labels: seriesLabels(shared, record, descriptor.labelNames),
      buckets: native !== undefined && bounds.length === 0 ? [] : snapshots,
      count: cumulative,
      sum,
      created: seriesCreatedSeconds(shared, record),
    };
    if (reader === undefined) return value;
    return { ...value, native: reader.finish(sharedOffset + area.classic, epoch, cumulative, sum) };
  });
  return { type: "histogram", name: descriptor.name, help: descriptor.help, series };
}

registerFamilyReader("histogram", readHistogramFamily);

function histogramKind(config: HistogramConfiguration<string>) {
  const name = typeof config?.name === "string" ? config.name : String(config?.name);
  const native = config === null || typeof config !== "object" ? undefined : nativeSettingsOf(name, config);
  const buckets = checkBuckets(name, config?.buckets ?? defaultBuckets, native !== undefined);
  if (config?.enableExemplars !== undefined && typeof config.enableExemplars !== "boolean") {
    throw new TypeError(`enableExemplars of "${name}" must be a boolean, got ${typeof config.enableExemplars}`);
  }
  const settings: { buckets: number[]; exemplars?: true; native?: NativeSettings } = config?.enableExemplars === true ? { buckets, exemplars: true } : { buckets };
  if (native !== undefined) settings.native = native;
  return { type: "histogram" as const, reservedLabels: ["le"], settings };
}

/**
 * A histogram shared by every process attached to the heap.
 *
 * @example
 * ```ts
 * import { Histogram } from "mpmetrics";
 * const latency = new Histogram({ name: "http_request_duration_seconds", help: "Latency.", labelNames: ["method"] });
 * latency.observe({ method: "GET" }, 0.042);
 * const end = latency.startTimer({ method: "POST" });
 * end();
 * ```
 */
export class Histogram<T extends string = string> extends Metric<T, HistogramChild> {
  /** The finite bucket bounds, ascending (`+Inf` is implied). */
  readonly buckets: readonly number[];
  /** Whether this histogram keeps exemplars. */
  readonly enableExemplars: boolean;
  /** Its native buckets' settings (schema -4..8, zero threshold, budget, reset age), when enabled. */
  readonly native: NativeSettings | undefined;
  readonly #bounds: Float64Array;
  readonly #exemplars: ExemplarWriter | undefined;
  /** The series without labels, once used (`observe(v)`'s hot path skips the base class's lookup). */
  #plain: HistogramChild | undefined;
  /** The label hit cache, in a field of this class (see `labelHits` in metric.ts). */
  readonly #hits: LabelHits<HistogramChild> | undefined;

  constructor(config: HistogramConfiguration<T>) {
    const kind = histogramKind(config as HistogramConfiguration<string>);
    super(kind, config);
    this.buckets = Object.freeze(kind.settings.buckets);
    this.#bounds = Float64Array.from(kind.settings.buckets);
    this.enableExemplars = config.enableExemplars === true;
    this.native = kind.settings.native;
    this.#exemplars = this.enableExemplars ? new ExemplarWriter(this.heap) : undefined;
    this.#hits = this.labelHits;
    if (this.labelNames.length === 0) this.#plain = this.unlabelledChild();
  }

  /** Observes `value` in the series without labels. */
  observe(value: number): void;
  /** Observes `value` in the series with these labels. */
  observe(labels: LabelValues<T>, value: number): void;
  /** prom-client's exemplar form (needs `enableExemplars: true`). */
  observe(observation: HistogramObservation<T>): void;
  observe(labelsOrValue: number | LabelValues<T> | HistogramObservation<T>, value?: number): void {
    const plain = this.#plain;
    if (plain !== undefined && typeof labelsOrValue === "number") plain.observe(labelsOrValue);
    else this.#observeOther(labelsOrValue, value);
  }

  #observeOther(labelsOrValue: number | LabelValues<T> | HistogramObservation<T>, value?: number): void {
    if (typeof labelsOrValue === "number") (this.#plain = this.unlabelledChild()).observe(labelsOrValue);
    else if (typeof labelsOrValue === "object" && labelsOrValue !== null) {
      if (value === undefined && this.#exemplars !== undefined && isExemplarForm(labelsOrValue)) this.#observeWithExemplar(labelsOrValue as HistogramObservation<T>);
      else {
        if (typeof value !== "number") throw badObservation(this.name, value); // before a series is made
        const labels = labelsOrValue as LabelValues<T>;
        (this.#hits?.byObject(labels) ?? this.childFor(labels)).observe(value);
      }
    } else throw badObservation(this.name, labelsOrValue);
  }

  #observeWithExemplar(observation: HistogramObservation<T>): void {
    const { labels, value, exemplarLabels } = observation;
    if (typeof value !== "number") throw badObservation(this.name, value);
    const used = exemplarLabels === undefined ? 0 : encodeExemplarLabels(this.name, exemplarLabels, this.#exemplars!.labels);
    const child = labels === undefined ? this.unlabelledChild() : this.childFor(labels);
    child.observe(value);
    if (used > 0) child.recordEncodedExemplar(value, used);
  }

  /**
   * Starts a timer; the returned function observes the seconds elapsed, with the labels
   * given here and to it, and returns them. With exemplars enabled, exemplar labels given
   * here and to it record an exemplar.
   *
   * @example
   * ```ts
   * const end = latency.startTimer({ method: "GET" });
   * const seconds = end({ code: "200" });
   * ```
   */
  startTimer(labels?: LabelValues<T>, exemplarLabels?: ExemplarLabels): (endLabels?: LabelValues<T>, endExemplarLabels?: ExemplarLabels) => number {
    this.checkLabels(labels); // unknown labels fail here, not at the end
    const start = monotonicMs();
    return (endLabels?: LabelValues<T>, endExemplarLabels?: ExemplarLabels) => {
      const seconds = (monotonicMs() - start) / 1000;
      // one labels object as it is (no copy on the common path), both merged
      const all = endLabels === undefined ? labels : labels === undefined ? endLabels : ({ ...labels, ...endLabels } as LabelValues<T>);
      if (this.#exemplars !== undefined && (exemplarLabels !== undefined || endExemplarLabels !== undefined)) {
        this.#observeWithExemplar({ labels: all, value: seconds, exemplarLabels: { ...exemplarLabels, ...endExemplarLabels } });
      } else if (all === undefined) this.unlabelledChild().observe(seconds);
      else this.childFor(all).observe(seconds);
      return seconds;
    };
  }

  /**
   * Makes the series with these labels exist, with zero counts, so that it is scraped
   * before its first observation (a removed series comes back). Unlike prom-client's, an
   * existing series keeps its counts: other processes may be counting in it.
   *
   * @example
   * ```ts
   * for (const method of ["GET", "POST"]) latency.zero({ method });
   * ```
   */
  zero(labels: LabelValues<T>): void {
    if (labels === null || typeof labels !== "object") throw new TypeError(`zero() of "${this.name}" takes an object of label values`);
    const child = this.childFor(labels);
    this.shared.directory.clearFlags(child.record, SeriesFlag.removed);
  }

  protected allocateSeriesLocked(): RecordStorage {
    const buckets = this.#bounds.length + 1;
    const native = this.native;
    const cells = reserveCellsLocked(this.heap, 2 * buckets + 1 + (native === undefined ? 0 : nativeCells(native)));
    const area = sharedAreaBytes(this.#bounds.length, this.#exemplars !== undefined, native !== undefined);
    const sharedOffset = native === undefined
      ? (area.classic === 0 ? 0 : allocExemplarsLocked(this.heap, buckets))
      : this.heap.allocLocked(area.classic + area.native, 8); // zeroed: schema word 0 is "as configured"
    return { ...cells, sharedOffset };
  }

  protected bindChild(record: number): HistogramChild {
    const { directory } = this.shared;
    const sharedOffset = directory.field(record, RecordField.sharedOffset);
    const cells = this.writerCells(record);
    const settings = this.native;
    if (settings === undefined) return new HistogramChild(this.name, record, cells, this.#bounds, this.#exemplars, sharedOffset);
    const area = sharedAreaBytes(this.#bounds.length, this.#exemplars !== undefined, true);
    const native = bindNative(this.heap, directory, record, cells, 2 * (this.#bounds.length + 1) + 1, settings, sharedOffset, area.classic);
    return new HistogramChild(this.name, record, cells, this.#bounds, this.#exemplars, sharedOffset, native);
  }
}
