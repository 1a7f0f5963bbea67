/**
 * The Prometheus protobuf exposition: `io.prometheus.client.MetricFamily` messages
 * (prometheus/client_model's metrics.proto), each prefixed by its varint length
 * (`encoding=delimited`), the only format besides OpenMetrics 2.0 that carries native
 * histograms.
 *
 * A hand-written encoder of the few messages, with no dependency: bench/protobuf.bench.ts
 * measures it against protobufjs's reflection encoder on the same snapshots (tests
 * decode its output with protobufjs on the published metrics.proto, and a real
 * Prometheus 3 scrapes it). Mapping of the snapshot types:
 *
 * - counter: `COUNTER`, family named `<name>_total` (as client_golang names it, so
 *   Prometheus stores the series OpenMetrics gives it), value, exemplar, created timestamp;
 * - gauge: `GAUGE`; unknown: `UNTYPED`;
 * - histogram / gauge histogram: `HISTOGRAM` / `GAUGE_HISTOGRAM`, cumulative classic
 *   buckets with their exemplars (the +Inf bucket included), sum, count, created
 *   timestamp, and, from `native`, schema, zero threshold and count, positive and
 *   negative spans with delta counts, and native exemplars (which carry timestamps). A
 *   native histogram with no populated bucket gets the no-op span `{offset: 0, length: 0}`
 *   that metrics.proto asks for, so that it is not read as a classic histogram;
 * - summary: `SUMMARY` with count, sum, quantiles (NaN for an empty window) and created
 *   timestamp;
 * - info: a `GAUGE` family `<name>_info` with value 1, and a state set a `GAUGE` with one
 *   series per state labelled `<name>="<state>"`, as the text format writes them (the
 *   protobuf format has neither type).
 *
 * Names are written as given; escape them first (name_escaping.ts) for a scraper that
 * did not ask for UTF-8 names.
 *
 * @module
 */

import { ProtobufWriter } from "./_protobuf_writer.ts";
import type {
  ExemplarSnapshot,
  FamilySnapshot,
  HistogramSeries,
  LabelPairs,
  NativeHistogramSnapshot,
  SummarySeries,
} from "./snapshot.ts";

/**
 * The Content-Type of a {@linkcode serializeProtobuf} body.
 *
 * @example
 * ```ts
 * response.headers.set("content-type", PROMETHEUS_PROTOBUF_CONTENT_TYPE);
 * ```
 */
export const PROMETHEUS_PROTOBUF_CONTENT_TYPE =
  "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

// metrics.proto's MetricType enum.
const COUNTER = 0;
const GAUGE = 1;
const SUMMARY = 2;
const UNTYPED = 3;
const HISTOGRAM = 4;
const GAUGE_HISTOGRAM = 5;

/**
 * Serializes metric families as length-delimited `MetricFamily` messages.
 *
 * @example
 * ```ts
 * const bytes = serializeProtobuf([
 *   { name: "jobs", type: "counter", help: "Jobs done.", series: [{ labels: [["queue", "mail"]], value: 3 }] },
 * ]);
 * bytes instanceof Uint8Array; // true
 * ```
 */
export function serializeProtobuf(families: readonly FamilySnapshot[]): Uint8Array<ArrayBuffer> {
  const w = new ProtobufWriter();
  for (const family of families) writeFamily(w, family);
  return w.finish();
}

function familyHeader(w: ProtobufWriter, name: string, help: string, type: number, unit: string | undefined): number {
  const mark = w.beginDelimited();
  w.string(1, name);
  if (help !== "") w.string(2, help);
  w.uint(3, type);
  if (unit !== undefined && unit !== "") w.string(5, unit);
  return mark;
}

function writeFamily(w: ProtobufWriter, family: FamilySnapshot): void {
  const { name, help, unit } = family;
  switch (family.type) {
    case "counter": {
      const mark = familyHeader(w, `${name}_total`, help, COUNTER, unit);
      for (const s of family.series) {
        const metric = beginMetric(w, s.labels);
        const counter = w.begin(3);
        w.double(1, s.value);
        if (s.exemplar !== undefined) writeExemplar(w, 2, s.exemplar);
        if (s.created !== undefined) writeTimestamp(w, 3, s.created);
        w.end(counter);
        w.end(metric);
      }
      w.end(mark);
      return;
    }
    case "gauge":
    case "unknown": {
      const gauge = family.type === "gauge";
      const mark = familyHeader(w, name, help, gauge ? GAUGE : UNTYPED, unit);
      for (const s of family.series) writeValueMetric(w, s.labels, gauge ? 2 : 5, s.value);
      w.end(mark);
      return;
    }
    case "histogram":
    case "gaugehistogram": {
      const mark = familyHeader(w, name, help, family.type === "histogram" ? HISTOGRAM : GAUGE_HISTOGRAM, unit);
      for (const s of family.series) writeHistogram(w, s);
      w.end(mark);
      return;
    }
    case "summary": {
      const mark = familyHeader(w, name, help, SUMMARY, unit);
      for (const s of family.series) writeSummary(w, s);
      w.end(mark);
      return;
    }
    case "info": {
      const mark = familyHeader(w, `${name}_info`, help, GAUGE, unit);
      for (const s of family.series) writeValueMetric(w, s.labels, 2, 1);
      w.end(mark);
      return;
    }
    case "stateset": {
      const mark = familyHeader(w, name, help, GAUGE, unit);
      for (const s of family.series) {
        for (const state of s.states) {
          writeValueMetric(w, [...s.labels, [name, state.name]], 2, state.enabled ? 1 : 0);
        }
      }
      w.end(mark);
      return;
    }
    default: {
      const unexpected: never = family;
      throw new TypeError(`Cannot serialize a family of type "${(unexpected as { type: string }).type}"`);
    }
  }
}

/** Starts a `Metric` (field 4 of `MetricFamily`) and writes its labels. */
function beginMetric(w: ProtobufWriter, labels: LabelPairs): number {
  const metric = w.begin(4);
  writeLabels(w, 1, labels);
  return metric;
}

function writeLabels(w: ProtobufWriter, field: number, labels: LabelPairs): void {
  for (let i = 0; i < labels.length; i++) {
    const pair = w.begin(field);
    w.string(1, labels[i][0]);
    w.string(2, labels[i][1]);
    w.end(pair);
  }
}

/** A `Metric` whose value is a `Gauge` (field 2) or an `Untyped` (field 5). */
function writeValueMetric(w: ProtobufWriter, labels: LabelPairs, field: number, value: number): void {
  const metric = beginMetric(w, labels);
  const inner = w.begin(field);
  w.double(1, value);
  w.end(inner);
  w.end(metric);
}

/** A `google.protobuf.Timestamp` from Unix seconds. */
function writeTimestamp(w: ProtobufWriter, field: number, unixSeconds: number): void {
  if (!Number.isFinite(unixSeconds) || unixSeconds < 0) {
    throw new RangeError(`Cannot encode the timestamp ${unixSeconds}: timestamps must be finite Unix seconds, not before 1970`);
  }
  let seconds = Math.floor(unixSeconds);
  let nanos = Math.round((unixSeconds - seconds) * 1e9);
  if (nanos >= 1e9) {
    seconds += 1;
    nanos -= 1e9;
  }
  const mark = w.begin(field);
  if (seconds !== 0) w.uint(1, seconds);
  if (nanos !== 0) w.uint(2, nanos);
  w.end(mark);
}

function writeExemplar(w: ProtobufWriter, field: number, exemplar: ExemplarSnapshot): void {
  const mark = w.begin(field);
  writeLabels(w, 1, exemplar.labels);
  w.double(2, exemplar.value);
  if (exemplar.timestamp !== undefined) writeTimestamp(w, 3, exemplar.timestamp);
  w.end(mark);
}

function writeHistogram(w: ProtobufWriter, s: HistogramSeries): void {
  const metric = beginMetric(w, s.labels);
  const h = w.begin(7);
  w.uint(1, s.count);
  w.double(2, s.sum);
  for (const bucket of s.buckets) {
    const b = w.begin(3);
    w.uint(1, bucket.count);
    w.double(2, bucket.le);
    if (bucket.exemplar !== undefined) writeExemplar(w, 3, bucket.exemplar);
    w.end(b);
  }
  if (s.native !== undefined) writeNative(w, s.native);
  if (s.created !== undefined) writeTimestamp(w, 15, s.created);
  w.end(h);
  w.end(metric);
}

/** The native half of a `Histogram` message: fields 5 to 14 and 16. */
function writeNative(w: ProtobufWriter, n: NativeHistogramSnapshot): void {
  w.sint(5, n.schema);
  w.double(6, n.zeroThreshold);
  w.uint(7, n.zeroCount);
  const empty = n.positiveIndexes.length === 0 && n.negativeIndexes.length === 0;
  writeSpans(w, 9, n.negativeIndexes);
  if (n.negativeCounts.length > 0) w.packedSint(10, deltas(n.negativeCounts));
  if (empty) {
    const noop = w.begin(12);
    w.end(noop); // offset 0, length 0: both fields at their defaults
  } else {
    writeSpans(w, 12, n.positiveIndexes);
  }
  if (n.positiveCounts.length > 0) w.packedSint(13, deltas(n.positiveCounts));
  for (const exemplar of n.exemplars ?? []) writeExemplar(w, 16, exemplar);
}

/**
 * Bucket indexes (ascending) as `BucketSpan`s: the first span's offset is the first
 * index, each later one's the gap after the previous span; a run of consecutive indexes
 * is one span.
 */
function writeSpans(w: ProtobufWriter, field: number, indexes: readonly number[]): void {
  let i = 0;
  let next = 0; // the index just after the previous span
  while (i < indexes.length) {
    const start = indexes[i];
    let length = 1;
    while (i + length < indexes.length && indexes[i + length] === start + length) length++;
    const span = w.begin(field);
    const offset = i === 0 ? start : start - next;
    if (offset !== 0) w.sint(1, offset);
    w.uint(2, length);
    w.end(span);
    next = start + length;
    i += length;
  }
}

/** Per-bucket counts as deltas, each to the previous bucket's count (the first to 0). */
function deltas(counts: readonly number[]): number[] {
  const out = new Array<number>(counts.length);
  let previous = 0;
  for (let i = 0; i < counts.length; i++) {
    out[i] = counts[i] - previous;
    previous = counts[i];
  }
  return out;
}

function writeSummary(w: ProtobufWriter, s: SummarySeries): void {
  const metric = beginMetric(w, s.labels);
  const summary = w.begin(4);
  w.uint(1, s.count);
  w.double(2, s.sum);
  for (const q of s.quantiles) {
    const quantile = w.begin(3);
    w.double(1, q.quantile);
    w.double(2, q.value);
    w.end(quantile);
  }
  if (s.created !== undefined) writeTimestamp(w, 4, s.created);
  w.end(summary);
  w.end(metric);
}
