/**
 * The OpenMetrics 2.0 text serializer (`application/openmetrics-text; version=2.0.0`),
 * as Prometheus 3.16 reads it behind `--enable-feature=openmetrics2`
 * (model/textparse/openmetrics2parse.go, and the OpenMetrics 2.0 draft).
 *
 * What differs from OpenMetrics 1.0 (openmetrics.ts):
 * - A sample is named as its family: counters are families `<name>_total`, info
 *   families `<name>_info`, so Prometheus stores the same series as over 1.0.
 * - Histograms, gauge histograms and summaries are one line per series with a composite
 *   value: `h{a="x"} {count:3,sum:6.5,bucket:[0.1:1,1.0:2,+Inf:3]}`,
 *   `g {gcount:..,gsum:..,bucket:[..]}`, `s {count:2,sum:3.0,quantile:[0.5:1.5,0.9:2.0]}`.
 *   Classic buckets are cumulative, with canonical `le` spellings (`1.0`).
 * - A native histogram adds `schema`, `zero_threshold`, `zero_count` and the sparse
 *   buckets as `positive_spans:[offset:length,...]` with absolute per-bucket counts in
 *   `positive_buckets:[...]` (negative alike); a native-only histogram has no `bucket`.
 *   Counts are integers without a point: Prometheus reads an integer histogram only then.
 * - No `_created` samples: the created time is a start timestamp `st@<seconds>` after
 *   the value.
 * - Any number of exemplars after the value (` # {labels} value timestamp`): a
 *   histogram carries its native exemplars, or else its classic buckets' exemplars.
 * - Names outside the legacy set are quoted when `quoteNames` is set, as in 1.0.
 *
 * Every composite field that Prometheus requires is written (`sum` included, even
 * negative or NaN, where 1.0 leaves `_sum` out), and a summary without quantiles writes
 * `quantile:[]`.
 *
 * @module
 */

import { exemplarText, familyName, infoSampleLines, labelBody, sample, stateSetSampleLines } from "./_labels.ts";
import { escapeHelpOpenMetrics } from "./escape.ts";
import { formatLabelNumber, formatSampleValue } from "./format_number.ts";
import type { TextSerializerOptions } from "./openmetrics.ts";
import type {
  ExemplarSnapshot,
  FamilySnapshot,
  HistogramSeries,
  NativeHistogramSnapshot,
  SummarySeries,
} from "./snapshot.ts";

/**
 * The Content-Type of a {@linkcode serializeOpenMetrics2} body.
 *
 * @example
 * ```ts
 * response.headers.set("content-type", OPENMETRICS2_CONTENT_TYPE);
 * ```
 */
export const OPENMETRICS2_CONTENT_TYPE = "application/openmetrics-text; version=2.0.0; charset=utf-8";

/**
 * Serializes metric families as OpenMetrics 2.0 text, ending with `# EOF\n`.
 *
 * @throws {RangeError} when an exemplar's label names and values exceed 128 code points,
 *   or a timestamp is not finite.
 *
 * @example
 * ```ts
 * serializeOpenMetrics2([
 *   { name: "jobs", type: "counter", help: "Jobs done.", series: [{ labels: [], value: 3, created: 1700000000 }] },
 * ]);
 * // # TYPE jobs_total counter
 * // # HELP jobs_total Jobs done.
 * // jobs_total 3 st@1700000000
 * // # EOF
 * ```
 */
export function serializeOpenMetrics2(families: readonly FamilySnapshot[], options: TextSerializerOptions = {}): string {
  const quote = options.quoteNames === true;
  let out = "";
  for (const family of families) out += serializeFamily(family, quote);
  return `${out}# EOF\n`;
}

/** The OpenMetrics 2.0 family name: a counter's ends with `_total`, an info's with `_info`. */
function om2Name(family: FamilySnapshot): string {
  if (family.type === "counter") return `${family.name}_total`;
  if (family.type === "info") return `${family.name}_info`;
  return family.name;
}

function serializeFamily(family: FamilySnapshot, quote: boolean): string {
  const name = om2Name(family);
  const written = familyName(name, quote);
  let out = `# TYPE ${written} ${family.type}\n`;
  if (family.unit !== undefined && family.unit !== "") out += `# UNIT ${written} ${family.unit}\n`;
  if (family.help !== "") out += `# HELP ${written} ${escapeHelpOpenMetrics(family.help)}\n`;
  switch (family.type) {
    case "counter":
      for (const s of family.series) {
        const line = sample(name, labelBody(s.labels, quote), quote);
        out += `${line} ${formatSampleValue(s.value)}${startTimestamp(s.created)}${exemplarText(s.exemplar, line, quote)}\n`;
      }
      return out;
    case "gauge":
    case "unknown":
      for (const s of family.series) out += `${sample(name, labelBody(s.labels, quote), quote)} ${formatSampleValue(s.value)}\n`;
      return out;
    case "histogram":
    case "gaugehistogram":
      for (const s of family.series) out += histogramLine(name, s, family.type === "gaugehistogram", quote);
      return out;
    case "summary":
      for (const s of family.series) out += summaryLine(name, s, quote);
      return out;
    case "info":
      return out + infoSampleLines(family, quote);
    case "stateset":
      return out + stateSetSampleLines(family, quote);
    default: {
      const unexpected: never = family;
      throw new TypeError(`Cannot serialize a family of type "${(unexpected as { type: string }).type}"`);
    }
  }
}

function startTimestamp(created: number | undefined): string {
  if (created === undefined) return "";
  if (!Number.isFinite(created)) throw new RangeError(`Cannot expose the start timestamp ${created}: it must be finite Unix seconds`);
  return ` st@${formatSampleValue(created)}`;
}

function histogramLine(name: string, s: HistogramSeries, gauge: boolean, quote: boolean): string {
  const line = sample(name, labelBody(s.labels, quote), quote);
  let value = gauge
    ? `{gcount:${formatSampleValue(s.count)},gsum:${formatSampleValue(s.sum)}`
    : `{count:${formatSampleValue(s.count)},sum:${formatSampleValue(s.sum)}`;
  if (s.native !== undefined) value += nativeFields(s.native);
  if (s.buckets.length > 0 || s.native === undefined) {
    value += ",bucket:[";
    for (let i = 0; i < s.buckets.length; i++) {
      const bucket = s.buckets[i];
      value += `${i === 0 ? "" : ","}${formatLabelNumber(bucket.le)}:${formatSampleValue(bucket.count)}`;
    }
    value += "]";
  }
  value += "}";
  const exemplars: readonly (ExemplarSnapshot | undefined)[] = s.native?.exemplars !== undefined && s.native.exemplars.length > 0
    ? s.native.exemplars
    : s.buckets.map((bucket) => bucket.exemplar);
  let tail = startTimestamp(s.created);
  for (const exemplar of exemplars) tail += exemplarText(exemplar, line, quote);
  return `${line} ${value}${tail}\n`;
}

/** `,schema:..,zero_threshold:..,zero_count:..[,negative_spans..][,positive_spans..]`. */
function nativeFields(n: NativeHistogramSnapshot): string {
  let out = `,schema:${n.schema},zero_threshold:${formatSampleValue(n.zeroThreshold)},zero_count:${formatSampleValue(n.zeroCount)}`;
  if (n.negativeIndexes.length > 0) {
    out += `,negative_spans:[${spans(n.negativeIndexes)}],negative_buckets:[${n.negativeCounts.map(formatSampleValue).join(",")}]`;
  }
  if (n.positiveIndexes.length > 0) {
    out += `,positive_spans:[${spans(n.positiveIndexes)}],positive_buckets:[${n.positiveCounts.map(formatSampleValue).join(",")}]`;
  }
  return out;
}

/** Ascending bucket indexes as `offset:length` spans, each offset the gap after the previous span. */
function spans(indexes: readonly number[]): string {
  let out = "";
  let i = 0;
  let next = 0;
  while (i < indexes.length) {
    const start = indexes[i];
    let length = 1;
    while (i + length < indexes.length && indexes[i + length] === start + length) length++;
    out += `${i === 0 ? "" : ","}${i === 0 ? start : start - next}:${length}`;
    next = start + length;
    i += length;
  }
  return out;
}

function summaryLine(name: string, s: SummarySeries, quote: boolean): string {
  const line = sample(name, labelBody(s.labels, quote), quote);
  let value = `{count:${formatSampleValue(s.count)},sum:${formatSampleValue(s.sum)},quantile:[`;
  for (let i = 0; i < s.quantiles.length; i++) {
    const q = s.quantiles[i];
    value += `${i === 0 ? "" : ","}${formatLabelNumber(q.quantile)}:${formatSampleValue(q.value)}`;
  }
  return `${line} ${value}]}${startTimestamp(s.created)}\n`;
}
