/**
 * Label-set and sample-name rendering shared by the text serializers (private to this
 * folder).
 *
 * A series' labels are escaped and joined once ({@linkcode labelBody}); each of its
 * samples then wraps that body, with or without one more label (`le`, `quantile`, a
 * state-set's state), so a histogram does not escape its labels once per bucket.
 *
 * `quote` (a scraper that asked for `escaping=allow-utf-8`, and a snapshot holding a
 * name outside the legacy set): names outside the legacy set are written in double
 * quotes, a metric name as the first item inside the braces (`{"my.metric",a="x"} 1`),
 * as Prometheus 3's text parsers read them. Without it nothing is checked, and the
 * output is what it always was.
 *
 * @module
 */

import { escapeLabelValue } from "./escape.ts";
import { isLegacyLabelName, isLegacyMetricName, quoteName } from "./name_escaping.ts";
import { formatSampleValue } from "./format_number.ts";
import type { ExemplarSnapshot, InfoFamily, LabelPairs, StateSetFamily } from "./snapshot.ts";

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
 * A family name as the `# TYPE`, `# UNIT` and `# HELP` lines write it.
 *
 * @example
 * ```ts
 * familyName("my.metric", true); // '"my.metric"'
 * familyName("jobs", true); // "jobs"
 * ```
 */
export function familyName(name: string, quote: boolean): string {
  return quote ? quoteName(name, isLegacyMetricName) : name;
}

/**
 * A sample's name and label set: `name{body}`, or `{"name",body}` for a quoted name.
 *
 * @example
 * ```ts
 * sample("jobs_total", 'a="x"', false); // 'jobs_total{a="x"}'
 * sample("my.jobs_total", "", true); // '{"my.jobs_total"}'
 * ```
 */
export function sample(name: string, body: string, quote: boolean): string {
  if (quote && !isLegacyMetricName(name)) return `{${quoteName(name, isLegacyMetricName)}${body === "" ? "" : ","}${body}}`;
  return `${name}${braces(body)}`;
}

/**
 * A sample's name and label set with one more label last (`le`, `quantile`); its value
 * must already be escaped.
 *
 * @example
 * ```ts
 * sampleWith("h_bucket", 'a="x"', "le", "1.0", false); // 'h_bucket{a="x",le="1.0"}'
 * ```
 */
export function sampleWith(name: string, body: string, label: string, escapedValue: string, quote: boolean): string {
  if (quote && !isLegacyMetricName(name)) {
    return `{${quoteName(name, isLegacyMetricName)},${body}${body === "" ? "" : ","}${label}="${escapedValue}"}`;
  }
  return `${name}${bracesWith(body, label, escapedValue)}`;
}

/**
 * An exemplar as the OpenMetrics formats append it to a sample: ` # {labels} value [timestamp]`.
 *
 * @throws {RangeError} when its label names and values exceed 128 code points, or its
 *   timestamp is not finite.
 *
 * @example
 * ```ts
 * exemplarText({ labels: [["trace_id", "abc"]], value: 0.5, timestamp: 1700000000 }, "h_bucket");
 * // ' # {trace_id="abc"} 0.5 1700000000'
 * ```
 */
export function exemplarText(exemplar: ExemplarSnapshot | undefined, sampleName: string, quote = false): string {
  if (exemplar === undefined) return "";
  let length = 0;
  for (const [name, value] of exemplar.labels) length += codePointLength(name) + codePointLength(value);
  if (length > EXEMPLAR_LABELS_MAX_CODE_POINTS) {
    throw new RangeError(
      `Cannot expose the exemplar of ${sampleName}: its label names and values hold ${length} code points, ` +
        `at most ${EXEMPLAR_LABELS_MAX_CODE_POINTS} are allowed`,
    );
  }
  // An exemplar without labels still writes `{}`.
  let out = ` # {${labelBody(exemplar.labels, quote)}} ${formatSampleValue(exemplar.value)}`;
  if (exemplar.timestamp !== undefined) {
    if (!Number.isFinite(exemplar.timestamp)) {
      throw new RangeError(
        `Cannot expose the exemplar of ${sampleName}: its timestamp must be finite Unix seconds, got ${exemplar.timestamp}`,
      );
    }
    out += ` ${formatSampleValue(exemplar.timestamp)}`;
  }
  return out;
}

/**
 * The inside of a label set, values escaped: `a="x",b="y"`, or `""` for no labels.
 *
 * @example
 * ```ts
 * labelBody([["a", "x"], ["b", 'say "y"']]); // 'a="x",b="say \\"y\\""'
 * ```
 */
export function labelBody(labels: LabelPairs, quote = false): string {
  let out = "";
  for (let i = 0; i < labels.length; i++) {
    const [name, value] = labels[i];
    out += `${i === 0 ? "" : ","}${quote ? quoteName(name, isLegacyLabelName) : name}="${escapeLabelValue(value)}"`;
  }
  return out;
}

/**
 * A sample's label set: `{body}`, or nothing when there are no labels.
 *
 * @example
 * ```ts
 * braces('a="x"'); // '{a="x"}'
 * braces(""); // ""
 * ```
 */
export function braces(body: string): string {
  return body === "" ? "" : `{${body}}`;
}

/**
 * A sample's label set with one more label, whose value must already be escaped.
 *
 * @example
 * ```ts
 * bracesWith('a="x"', "le", "0.5"); // '{a="x",le="0.5"}'
 * bracesWith("", "le", "+Inf"); // '{le="+Inf"}'
 * ```
 */
export function bracesWith(body: string, name: string, escapedValue: string): string {
  return `{${body}${body === "" ? "" : ","}${name}="${escapedValue}"}`;
}

/**
 * The number of Unicode code points in `text` (a surrogate pair counts once).
 *
 * @example
 * ```ts
 * codePointLength("a😀"); // 2, though "a😀".length is 3
 * ```
 */
export function codePointLength(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    // A high surrogate followed by a low one is a single code point.
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}

/**
 * The sample lines of an info family: `name_info{...} 1` per series. Both formats write
 * them alike (text 0.0.4 types the family as a gauge).
 *
 * @example
 * ```ts
 * infoSampleLines({ type: "info", name: "build", help: "", series: [{ labels: [["v", "1"]] }] });
 * // 'build_info{v="1"} 1\n'
 * ```
 */
export function infoSampleLines(family: InfoFamily, quote = false): string {
  let out = "";
  for (const s of family.series) out += `${sample(`${family.name}_info`, labelBody(s.labels, quote), quote)} 1\n`;
  return out;
}

/**
 * The sample lines of a state set: one per state, with a label named after the family
 * and value 0 or 1. Both formats write them alike (text 0.0.4 types the family as a gauge).
 *
 * @example
 * ```ts
 * stateSetSampleLines({ type: "stateset", name: "mode", help: "", series: [{ labels: [], states: [{ name: "a", enabled: true }] }] });
 * // 'mode{mode="a"} 1\n'
 * ```
 */
export function stateSetSampleLines(family: StateSetFamily, quote = false): string {
  let out = "";
  const stateLabel = quote ? quoteName(family.name, isLegacyLabelName) : family.name;
  for (const s of family.series) {
    const body = labelBody(s.labels, quote);
    for (const state of s.states) {
      out += `${sampleWith(family.name, body, stateLabel, escapeLabelValue(state.name), quote)} ${state.enabled ? 1 : 0}\n`;
    }
  }
  return out;
}
