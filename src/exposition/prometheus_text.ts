/**
 * The Prometheus text format 0.0.4 serializer, writing what prom-client 15 writes for
 * the same metrics, byte for byte, so that what Prometheus stores does not change when
 * an app swaps prom-client for this package:
 *
 * - a counter under the name as given: `jobs` is written `jobs`, `jobs_total` stays
 *   `jobs_total` (`givenName`); no `_created`, no exemplars (the format has none);
 * - `le` and `quantile` values as JavaScript writes the numbers (`le="1"`, `le="+Inf"`),
 *   not OpenMetrics' canonical `1.0` (which the OpenMetrics serializer writes);
 * - labels in the order the series was created with; a histogram's `le` first, then
 *   the registry's default labels, then the series' own labels (prom-client keeps a
 *   bucket's series labels apart and appends them); a summary's `quantile` first;
 * - `_sum` before `_count`; an empty summary's quantiles are 0; `# HELP` then `# TYPE`
 *   per family; a blank line between families; an empty body is one newline.
 *
 * Where prom-client writes what the format forbids, this writes the format:
 * NaN is `NaN` (prom-client: `Nan`). An empty help has no HELP line (prom-client
 * refuses an empty help).
 *
 * Types prom-client lacks are mapped the way client_python maps them: info is a gauge
 * `name_info` with value 1; a state set a gauge `name` with one sample per state,
 * labelled `name="<state>"`, value 0 or 1; unknown is untyped; a gauge histogram is
 * `# TYPE name histogram` with only `_bucket` samples, then gauges `name_gcount` and
 * `name_gsum`.
 *
 * @module
 */

import { familyName, infoSampleLines, labelBody, sample, stateSetSampleLines } from "./_labels.ts";
import { escapeHelpText } from "./escape.ts";
import { formatSampleValue } from "./format_number.ts";
import { isLegacyMetricName, quoteName } from "./name_escaping.ts";
import type { TextSerializerOptions } from "./openmetrics.ts";
import type { FamilySnapshot, HistogramSeries, LabelPairs } from "./snapshot.ts";

/**
 * The Content-Type of a {@linkcode serializePrometheusText} body.
 *
 * @example
 * ```ts
 * response.headers.set("content-type", PROMETHEUS_CONTENT_TYPE);
 * ```
 */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/**
 * Serializes metric families as Prometheus text format 0.0.4, as prom-client writes it.
 *
 * @example
 * ```ts
 * serializePrometheusText([
 *   { name: "jobs", type: "counter", help: "Jobs done.", series: [{ labels: [["queue", "mail"]], value: 3 }] },
 * ]);
 * // # HELP jobs Jobs done.
 * // # TYPE jobs counter
 * // jobs{queue="mail"} 3
 * ```
 */
export function serializePrometheusText(families: readonly FamilySnapshot[], options: TextSerializerOptions = {}): string {
  const quote = options.quoteNames === true;
  const blocks: string[] = [];
  for (const family of families) serializeFamily(family, blocks, quote);
  // prom-client joins families with a blank line and ends the body with a newline.
  return blocks.length === 0 ? "\n" : blocks.join("\n");
}

function header(name: string, help: string, type: string, quote: boolean): string {
  const written = familyName(name, quote);
  const helpLine = help === "" ? "" : `# HELP ${written} ${escapeHelpText(help)}\n`;
  return `${helpLine}# TYPE ${written} ${type}\n`;
}

function sampleLine(name: string, labels: LabelPairs, value: number, quote: boolean): string {
  return `${sample(name, labelBody(labels, quote), quote)} ${formatSampleValue(value)}\n`;
}

/** Appends the family's blocks (one per text family) to `blocks`; each ends with a newline. */
function serializeFamily(family: FamilySnapshot, blocks: string[], quote: boolean): void {
  const { name, help } = family;
  switch (family.type) {
    case "counter": {
      const written = family.givenName ?? name;
      let out = header(written, help, "counter", quote);
      for (const s of family.series) out += sampleLine(written, s.labels, s.value, quote);
      blocks.push(out);
      return;
    }
    case "gauge":
    case "unknown": {
      let out = header(name, help, family.type === "gauge" ? "gauge" : "untyped", quote);
      for (const s of family.series) out += sampleLine(name, s.labels, s.value, quote);
      blocks.push(out);
      return;
    }
    case "histogram": {
      let out = header(name, help, "histogram", quote);
      for (const s of family.series) {
        const body = histogramLabelBody(s, quote);
        out += bucketLines(name, body, s, quote);
        out += `${sample(`${name}_sum`, body, quote)} ${formatSampleValue(s.sum)}\n`;
        out += `${sample(`${name}_count`, body, quote)} ${formatSampleValue(s.count)}\n`;
      }
      blocks.push(out);
      return;
    }
    case "gaugehistogram": {
      let out = header(name, help, "histogram", quote);
      for (const s of family.series) out += bucketLines(name, histogramLabelBody(s, quote), s, quote);
      blocks.push(out);
      out = header(`${name}_gcount`, help, "gauge", quote);
      for (const s of family.series) out += sampleLine(`${name}_gcount`, s.labels, s.count, quote);
      blocks.push(out);
      out = header(`${name}_gsum`, help, "gauge", quote);
      for (const s of family.series) out += sampleLine(`${name}_gsum`, s.labels, s.sum, quote);
      blocks.push(out);
      return;
    }
    case "summary": {
      let out = header(name, help, "summary", quote);
      for (const s of family.series) {
        const body = labelBody(s.labels, quote);
        for (const q of s.quantiles) {
          // prom-client writes 0 for a quantile it has no value for (an empty window).
          const value = Number.isNaN(q.value) ? 0 : q.value;
          out += `${sampleFirst(name, "quantile", formatSampleValue(q.quantile), body, quote)} ${formatSampleValue(value)}\n`;
        }
        out += `${sample(`${name}_sum`, body, quote)} ${formatSampleValue(s.sum)}\n`;
        out += `${sample(`${name}_count`, body, quote)} ${formatSampleValue(s.count)}\n`;
      }
      blocks.push(out);
      return;
    }
    case "info":
      blocks.push(header(`${name}_info`, help, "gauge", quote) + infoSampleLines(family, quote));
      return;
    case "stateset":
      blocks.push(header(name, help, "gauge", quote) + stateSetSampleLines(family, quote));
      return;
    default: {
      const unexpected: never = family;
      throw new TypeError(`Cannot serialize a family of type "${(unexpected as { type: string }).type}"`);
    }
  }
}

/** A histogram series' labels as prom-client orders them: default labels, then its own. */
function histogramLabelBody(s: HistogramSeries, quote: boolean): string {
  const added = s.defaultLabelCount ?? 0;
  if (added === 0) return labelBody(s.labels, quote);
  const own = s.labels.length - added;
  return labelBody([...s.labels.slice(own), ...s.labels.slice(0, own)], quote);
}

/**
 * `name{first="value",rest}`: the label prom-client puts first (`le`, `quantile`);
 * `{"name",first="value",rest}` for a quoted name.
 */
function sampleFirst(name: string, label: string, escapedValue: string, body: string, quote: boolean): string {
  const inner = `${label}="${escapedValue}"${body === "" ? "" : ","}${body}`;
  if (quote && !isLegacyMetricName(name)) return `{${quoteName(name, isLegacyMetricName)},${inner}}`;
  return `${name}{${inner}}`;
}

function bucketLines(name: string, body: string, s: HistogramSeries, quote: boolean): string {
  let out = "";
  const bucketName = `${name}_bucket`;
  for (const bucket of s.buckets) {
    out += `${sampleFirst(bucketName, "le", formatSampleValue(bucket.le), body, quote)} ${formatSampleValue(bucket.count)}\n`;
  }
  // A native-only histogram (no classic buckets): the +Inf bucket alone, as client_golang writes it.
  if (s.buckets.length === 0) out += `${sampleFirst(bucketName, "le", "+Inf", body, quote)} ${formatSampleValue(s.count)}\n`;
  return out;
}
