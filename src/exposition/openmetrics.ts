/**
 * The OpenMetrics 1.0.0 text serializer.
 *
 * A pure function from snapshots to text. It trusts the snapshot's contract (valid
 * names, label sets without reserved names, cumulative buckets ending at +Inf, counter
 * values finite and >= 0) and enforces the rules that depend on the values themselves:
 *
 * - Exemplar label names and values hold at most 128 code points; a longer exemplar is a
 *   `RangeError`, never a silently invalid exposition.
 * - A histogram's `_sum` is a counter and must not be negative or NaN, and must be left
 *   out when there are negative buckets; `_count` appears if and only if `_sum` does.
 *   So both are written only while the sum is >= 0 and no bucket bound is negative
 *   (the +Inf bucket still carries the count).
 * - A gauge histogram's `_gsum` must not be NaN, and may be negative only with negative
 *   buckets; `_gcount` and `_gsum` are written together or not at all.
 * - A summary's quantile values and `_sum` must not be negative (or NaN, for the sum):
 *   such samples are left out. A quantile with no observations is NaN, which is allowed.
 *
 * @module
 */

import {
  EXEMPLAR_LABELS_MAX_CODE_POINTS,
  exemplarText,
  familyName,
  infoSampleLines,
  labelBody,
  sample,
  sampleWith,
  stateSetSampleLines,
} from "./_labels.ts";
import { escapeHelpOpenMetrics } from "./escape.ts";
import { formatLabelNumber, formatSampleValue } from "./format_number.ts";
import type { CounterFamily, FamilySnapshot, HistogramSeries, SummaryFamily } from "./snapshot.ts";

export { EXEMPLAR_LABELS_MAX_CODE_POINTS };

/**
 * Options of the text serializers.
 *
 * @example
 * ```ts
 * const options: TextSerializerOptions = { quoteNames: true };
 * ```
 */
export interface TextSerializerOptions {
  /**
   * Write names outside the legacy character set in double quotes (for a scraper that
   * asked for `escaping=allow-utf-8`). Default false: names are written as they are,
   * which is right when they are all legacy names (escape them first otherwise).
   */
  readonly quoteNames?: boolean;
}

/**
 * The Content-Type of a {@linkcode serializeOpenMetrics} body.
 *
 * @example
 * ```ts
 * response.headers.set("content-type", OPENMETRICS_CONTENT_TYPE);
 * ```
 */
export const OPENMETRICS_CONTENT_TYPE = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/**
 * Serializes metric families as OpenMetrics 1.0.0 text, ending with `# EOF\n`.
 *
 * Each family gets `# TYPE`, then `# UNIT` and `# HELP` when they are not empty, then its
 * samples, series by series, even when it has no series at all.
 *
 * @throws {RangeError} when an exemplar's label names and values exceed 128 code points,
 *   or an exemplar timestamp is not finite.
 *
 * @example
 * ```ts
 * serializeOpenMetrics([
 *   { name: "jobs", type: "counter", help: "Jobs done.", series: [{ labels: [["queue", "mail"]], value: 3 }] },
 * ]);
 * // # TYPE jobs counter
 * // # HELP jobs Jobs done.
 * // jobs_total{queue="mail"} 3
 * // # EOF
 * ```
 */
export function serializeOpenMetrics(families: readonly FamilySnapshot[], options: TextSerializerOptions = {}): string {
  const quote = options.quoteNames === true;
  let out = "";
  for (const family of families) out += serializeFamily(family, quote);
  return `${out}# EOF\n`;
}

function serializeFamily(family: FamilySnapshot, quote: boolean): string {
  const name = family.name;
  const written = familyName(name, quote);
  let out = `# TYPE ${written} ${family.type}\n`;
  if (family.unit !== undefined && family.unit !== "") out += `# UNIT ${written} ${family.unit}\n`;
  if (family.help !== "") out += `# HELP ${written} ${escapeHelpOpenMetrics(family.help)}\n`;
  switch (family.type) {
    case "counter":
      return out + counterSamples(family, quote);
    case "gauge":
    case "unknown":
      for (const s of family.series) out += `${sample(name, labelBody(s.labels, quote), quote)} ${formatSampleValue(s.value)}\n`;
      return out;
    case "histogram":
      for (const s of family.series) out += histogramSamples(name, s, false, quote);
      return out;
    case "gaugehistogram":
      for (const s of family.series) out += histogramSamples(name, s, true, quote);
      return out;
    case "summary":
      return out + summarySamples(family, quote);
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

function counterSamples(family: CounterFamily, quote: boolean): string {
  let out = "";
  for (const s of family.series) {
    const body = labelBody(s.labels, quote);
    const total = sample(`${family.name}_total`, body, quote);
    out += `${total} ${formatSampleValue(s.value)}${exemplarText(s.exemplar, total, quote)}\n`;
    if (s.created !== undefined) out += `${sample(`${family.name}_created`, body, quote)} ${formatSampleValue(s.created)}\n`;
  }
  return out;
}

function histogramSamples(name: string, s: HistogramSeries, gauge: boolean, quote: boolean): string {
  let out = "";
  let negativeBuckets = false;
  const body = labelBody(s.labels, quote);
  const bucketName = `${name}_bucket`;
  for (const bucket of s.buckets) {
    if (bucket.le < 0) negativeBuckets = true;
    const bucketSample = sampleWith(bucketName, body, "le", formatLabelNumber(bucket.le), quote);
    out += `${bucketSample} ${formatSampleValue(bucket.count)}${exemplarText(bucket.exemplar, bucketSample, quote)}\n`;
  }
  // A native-only histogram (no classic buckets): the +Inf bucket alone, as client_golang writes it.
  if (s.buckets.length === 0) out += `${sampleWith(bucketName, body, "le", "+Inf", quote)} ${formatSampleValue(s.count)}\n`;
  const labelled = (suffix: string) => sample(`${name}${suffix}`, body, quote);
  if (gauge) {
    if (!Number.isNaN(s.sum) && (s.sum >= 0 || negativeBuckets)) {
      out += `${labelled("_gcount")} ${formatSampleValue(s.count)}\n`;
      out += `${labelled("_gsum")} ${formatSampleValue(s.sum)}\n`;
    }
    return out;
  }
  if (!negativeBuckets && s.sum >= 0) {
    out += `${labelled("_count")} ${formatSampleValue(s.count)}\n`;
    out += `${labelled("_sum")} ${formatSampleValue(s.sum)}\n`;
  }
  if (s.created !== undefined) out += `${labelled("_created")} ${formatSampleValue(s.created)}\n`;
  return out;
}

function summarySamples(family: SummaryFamily, quote: boolean): string {
  const name = family.name;
  let out = "";
  for (const s of family.series) {
    const body = labelBody(s.labels, quote);
    for (const q of s.quantiles) {
      // NaN (an empty window) passes; a negative quantile value may not be exposed.
      if (q.value < 0) continue;
      out += `${sampleWith(name, body, "quantile", formatLabelNumber(q.quantile), quote)} ${formatSampleValue(q.value)}\n`;
    }
    out += `${sample(`${name}_count`, body, quote)} ${formatSampleValue(s.count)}\n`;
    if (s.sum >= 0) out += `${sample(`${name}_sum`, body, quote)} ${formatSampleValue(s.sum)}\n`;
    if (s.created !== undefined) out += `${sample(`${name}_created`, body, quote)} ${formatSampleValue(s.created)}\n`;
  }
  return out;
}
