/**
 * Snapshots: the plain data a scrape hands to the serializers.
 *
 * The metric classes read shared memory and produce these; the serializers in this
 * folder turn them into text. Nothing here knows where the numbers came from, so the
 * serializers are pure functions that can be tested with hand-written snapshots.
 *
 * Conventions:
 * - A family `name` is the metric name as the user gave it (a counter's without
 *   `_total`, which `givenName` then keeps); the serializer adds sample suffixes
 *   (`_total`, `_bucket`, `_created`...).
 * - Labels are ordered `[name, value]` pairs, already validated by the metric layer, in
 *   the order the series was created with; default labels come last.
 * - Series come in creation order, families in registration order.
 * - Timestamps (`created`, exemplar `timestamp`) are Unix seconds as a float.
 * - Histogram `buckets` are cumulative, ascending by `le`, and end with `le: Infinity`.
 *
 * @module
 */

/** The OpenMetrics metric types. */
export type MetricType =
  | "counter"
  | "gauge"
  | "histogram"
  | "gaugehistogram"
  | "summary"
  | "info"
  | "stateset"
  | "unknown";

/** Ordered label pairs, for example `[["method", "GET"], ["code", "200"]]`. */
export type LabelPairs = ReadonlyArray<readonly [name: string, value: string]>;

/** An OpenMetrics exemplar: a sample that illustrates a counter or bucket value. */
export interface ExemplarSnapshot {
  readonly labels: LabelPairs;
  readonly value: number;
  /** Unix seconds; omitted when unknown. */
  readonly timestamp?: number;
}

/** One counter series. `value` is finite and >= 0. */
export interface CounterSeries {
  readonly labels: LabelPairs;
  readonly value: number;
  /** Unix seconds when the series was created. */
  readonly created?: number;
  readonly exemplar?: ExemplarSnapshot;
}

/** One gauge or unknown series. `value` may be any double, NaN and infinities included. */
export interface GaugeSeries {
  readonly labels: LabelPairs;
  readonly value: number;
}

/** One histogram bucket: the cumulative count of observations <= `le`. */
export interface BucketSnapshot {
  readonly le: number;
  readonly count: number;
  readonly exemplar?: ExemplarSnapshot;
}

/** One histogram or gauge-histogram series. The last bucket has `le: Infinity` and `count === count`. */
export interface HistogramSeries {
  readonly labels: LabelPairs;
  /**
   * How many of the last `labels` a registry added as its default labels (default 0).
   * Prometheus text writes those before the series' own labels, as prom-client does.
   */
  readonly defaultLabelCount?: number;
  /** Classic buckets; empty for a native-only histogram (`buckets: []`). */
  readonly buckets: readonly BucketSnapshot[];
  readonly count: number;
  readonly sum: number;
  readonly created?: number;
  /** The native (exponential) histogram of the same observations, when enabled. */
  readonly native?: NativeHistogramSnapshot;
}

/**
 * A native (exponential, sparse) histogram, merged over every writer, in Prometheus's
 * model: bucket `i` of schema `s` holds observations in `(base^(i-1), base^i]` with
 * `base = 2^(2^-s)` (positive side; the negative side mirrors it for `-x`), and the zero
 * bucket holds those with `|x| <= zeroThreshold`. Counts are per bucket, not cumulative;
 * encoders turn the index lists into spans and deltas.
 *
 * @example
 * ```ts
 * const native: NativeHistogramSnapshot = {
 *   schema: 3, zeroThreshold: 2.938735877055719e-39, zeroCount: 0, count: 2, sum: 3,
 *   positiveIndexes: [0, 5], positiveCounts: [1, 1], negativeIndexes: [], negativeCounts: [],
 * };
 * ```
 */
export interface NativeHistogramSnapshot {
  /** -4 to 8. */
  readonly schema: number;
  readonly zeroThreshold: number;
  readonly zeroCount: number;
  /** Every observation, the zero bucket's included (equal to the classic `count`). */
  readonly count: number;
  readonly sum: number;
  /** Indexes of the populated positive buckets, ascending. */
  readonly positiveIndexes: readonly number[];
  /** Counts of those buckets (same length, each > 0). */
  readonly positiveCounts: readonly number[];
  readonly negativeIndexes: readonly number[];
  readonly negativeCounts: readonly number[];
  /** Exemplars of the native histogram; each has a `timestamp`, as the formats require. */
  readonly exemplars?: readonly ExemplarSnapshot[];
}

/** One quantile of a summary; `value` is NaN when the window holds no observations. */
export interface QuantileSnapshot {
  readonly quantile: number;
  readonly value: number;
}

/** One summary series. */
export interface SummarySeries {
  readonly labels: LabelPairs;
  readonly quantiles: readonly QuantileSnapshot[];
  readonly count: number;
  readonly sum: number;
  readonly created?: number;
}

/** One info series: its labels are the information; the value is always 1. */
export interface InfoSeries {
  readonly labels: LabelPairs;
}

/** One state of a state set. */
export interface StateSnapshot {
  readonly name: string;
  readonly enabled: boolean;
}

/** One state-set series: every state with whether it is enabled. */
export interface StateSetSeries {
  readonly labels: LabelPairs;
  readonly states: readonly StateSnapshot[];
}

interface FamilyBase {
  /** Family name, for example `http_requests` for samples `http_requests_total`. */
  readonly name: string;
  /**
   * The name as the user gave it, when it differs from `name` (a counter named
   * `jobs_total`). Prometheus text writes the family under it, as prom-client does.
   */
  readonly givenName?: string;
  readonly help: string;
  /** OpenMetrics unit; when set, `name` ends with `_<unit>`. */
  readonly unit?: string;
}

/** A counter family. */
export interface CounterFamily extends FamilyBase {
  readonly type: "counter";
  readonly series: readonly CounterSeries[];
}
/** A gauge family. */
export interface GaugeFamily extends FamilyBase {
  readonly type: "gauge";
  readonly series: readonly GaugeSeries[];
}
/** An unknown (untyped) family. */
export interface UnknownFamily extends FamilyBase {
  readonly type: "unknown";
  readonly series: readonly GaugeSeries[];
}
/** A histogram family. */
export interface HistogramFamily extends FamilyBase {
  readonly type: "histogram";
  readonly series: readonly HistogramSeries[];
}
/** A gauge-histogram family (OpenMetrics `_gcount`/`_gsum`). */
export interface GaugeHistogramFamily extends FamilyBase {
  readonly type: "gaugehistogram";
  readonly series: readonly HistogramSeries[];
}
/** A summary family. */
export interface SummaryFamily extends FamilyBase {
  readonly type: "summary";
  readonly series: readonly SummarySeries[];
}
/** An info family; `name` is without the `_info` suffix. */
export interface InfoFamily extends FamilyBase {
  readonly type: "info";
  readonly series: readonly InfoSeries[];
}
/** A state-set family; each sample carries a label named after the family. */
export interface StateSetFamily extends FamilyBase {
  readonly type: "stateset";
  readonly series: readonly StateSetSeries[];
}

/**
 * A metric family as of one scrape.
 *
 * @example
 * ```ts
 * const family: FamilySnapshot = {
 *   name: "jobs", type: "counter", help: "Jobs done.",
 *   series: [{ labels: [["queue", "mail"]], value: 3, created: 1700000000 }],
 * };
 * ```
 */
export type FamilySnapshot =
  | CounterFamily
  | GaugeFamily
  | UnknownFamily
  | HistogramFamily
  | GaugeHistogramFamily
  | SummaryFamily
  | InfoFamily
  | StateSetFamily;
