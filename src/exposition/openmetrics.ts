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

import { braces, bracesWith, codePointLength, infoSampleLines, labelBody, stateSetSampleLines } from "./_labels.ts";
import { escapeHelpOpenMetrics } from "./escape.ts";
import { formatLabelNumber, formatSampleValue } from "./format_number.ts";
import type {
  CounterFamily,
  ExemplarSnapshot,
  FamilySnapshot,
  HistogramSeries,
  LabelPairs,
  SummaryFamily,
} from "./snapshot.ts";

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
 * OpenMetrics' limit on an exemplar's label names and values together, in code points.
 *
 * @example
 * ```ts
 * const room = EXEMPLAR_LABELS_MAX_CODE_POINTS - "trace_id".length; // 120 for the id itself
 * ```
 */
export const EXEMPLAR_LABELS_MAX_CODE_POINTS = 128;

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
export function serializeOpenMetrics(families: readonly FamilySnapshot[]): string {
  let out = "";
  for (const family of families) out += serializeFamily(family);
  return `${out}# EOF\n`;
}

function serializeFamily(family: FamilySnapshot): string {
  const name = family.name;
  let out = `# TYPE ${name} ${family.type}\n`;
  if (family.unit !== undefined && family.unit !== "") out += `# UNIT ${name} ${family.unit}\n`;
  if (family.help !== "") out += `# HELP ${name} ${escapeHelpOpenMetrics(family.help)}\n`;
  switch (family.type) {
    case "counter":
      return out + counterSamples(family);
    case "gauge":
    case "unknown":
      for (const s of family.series) out += `${name}${braces(labelBody(s.labels))} ${formatSampleValue(s.value)}\n`;
      return out;
    case "histogram":
      for (const s of family.series) out += histogramSamples(name, s, false);
      return out;
    case "gaugehistogram":
      for (const s of family.series) out += histogramSamples(name, s, true);
      return out;
    case "summary":
      return out + summarySamples(family);
    case "info":
      return out + infoSampleLines(family);
    case "stateset":
      return out + stateSetSampleLines(family);
    default: {
      const unexpected: never = family;
      throw new TypeError(`Cannot serialize a family of type "${(unexpected as { type: string }).type}"`);
    }
  }
}

function counterSamples(family: CounterFamily): string {
  let out = "";
  for (const s of family.series) {
    const labels = braces(labelBody(s.labels));
    const sample = `${family.name}_total${labels}`;
    out += `${sample} ${formatSampleValue(s.value)}${exemplarText(s.exemplar, sample)}\n`;
    if (s.created !== undefined) out += `${family.name}_created${labels} ${formatSampleValue(s.created)}\n`;
  }
  return out;
}

function histogramSamples(name: string, s: HistogramSeries, gauge: boolean): string {
  let out = "";
  let negativeBuckets = false;
  const body = labelBody(s.labels);
  for (const bucket of s.buckets) {
    if (bucket.le < 0) negativeBuckets = true;
    const sample = `${name}_bucket${bracesWith(body, "le", formatLabelNumber(bucket.le))}`;
    out += `${sample} ${formatSampleValue(bucket.count)}${exemplarText(bucket.exemplar, sample)}\n`;
  }
  // A native-only histogram (no classic buckets): the +Inf bucket alone, as client_golang writes it.
  if (s.buckets.length === 0) out += `${name}_bucket${bracesWith(body, "le", "+Inf")} ${formatSampleValue(s.count)}\n`;
  const labels = braces(body);
  if (gauge) {
    if (!Number.isNaN(s.sum) && (s.sum >= 0 || negativeBuckets)) {
      out += `${name}_gcount${labels} ${formatSampleValue(s.count)}\n`;
      out += `${name}_gsum${labels} ${formatSampleValue(s.sum)}\n`;
    }
    return out;
  }
  if (!negativeBuckets && s.sum >= 0) {
    out += `${name}_count${labels} ${formatSampleValue(s.count)}\n`;
    out += `${name}_sum${labels} ${formatSampleValue(s.sum)}\n`;
  }
  if (s.created !== undefined) out += `${name}_created${labels} ${formatSampleValue(s.created)}\n`;
  return out;
}

function summarySamples(family: SummaryFamily): string {
  const name = family.name;
  let out = "";
  for (const s of family.series) {
    const body = labelBody(s.labels);
    for (const q of s.quantiles) {
      // NaN (an empty window) passes; a negative quantile value may not be exposed.
      if (q.value < 0) continue;
      out += `${name}${bracesWith(body, "quantile", formatLabelNumber(q.quantile))} ${formatSampleValue(q.value)}\n`;
    }
    const labels = braces(body);
    out += `${name}_count${labels} ${formatSampleValue(s.count)}\n`;
    if (s.sum >= 0) out += `${name}_sum${labels} ${formatSampleValue(s.sum)}\n`;
    if (s.created !== undefined) out += `${name}_created${labels} ${formatSampleValue(s.created)}\n`;
  }
  return out;
}

function exemplarText(exemplar: ExemplarSnapshot | undefined, sample: string): string {
  if (exemplar === undefined) return "";
  const length = exemplarLabelsLength(exemplar.labels);
  if (length > EXEMPLAR_LABELS_MAX_CODE_POINTS) {
    throw new RangeError(
      `Cannot expose the exemplar of ${sample}: its label names and values hold ${length} code points, ` +
        `at most ${EXEMPLAR_LABELS_MAX_CODE_POINTS} are allowed`,
    );
  }
  // An exemplar without labels still writes `{}`.
  let out = ` # {${labelBody(exemplar.labels)}} ${formatSampleValue(exemplar.value)}`;
  if (exemplar.timestamp !== undefined) {
    if (!Number.isFinite(exemplar.timestamp)) {
      throw new RangeError(
        `Cannot expose the exemplar of ${sample}: its timestamp must be finite Unix seconds, got ${exemplar.timestamp}`,
      );
    }
    out += ` ${formatSampleValue(exemplar.timestamp)}`;
  }
  return out;
}

function exemplarLabelsLength(labels: LabelPairs): number {
  let length = 0;
  for (const [name, value] of labels) length += codePointLength(name) + codePointLength(value);
  return length;
}
