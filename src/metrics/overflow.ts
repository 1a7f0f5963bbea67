/**
 * Cardinality overflow: what a metric does with a label set past its `maxSeries`.
 *
 * By default such a label set is counted in the metric's one **overflow series**, as
 * OpenTelemetry's metrics SDKs do (its specification, "Cardinality limits"): a series
 * whose only label is `otel_metric_overflow="true"` (OpenTelemetry's attribute
 * `otel.metric.overflow=true`, spelled as its Prometheus exporter writes it). Label sets
 * that got a series before the limit keep it; every later one is folded into the
 * overflow series, so no update is dropped or counted twice and totals stay right, and
 * the first time it happens in a process a warning names the metric, its limit and
 * what to do. The overflow series does not count against `maxSeries` (up to `maxSeries`
 * distinct label sets never overflow), and it is one series in the heap, found by the
 * same key from every process: all processes fold into the same series.
 *
 * `onCardinalityOverflow: "throw"` (per metric, or {@link setCardinalityOverflowDefault}
 * for every metric that does not say) restores the RangeError of earlier versions.
 *
 * The overflow series' key is a JSON object, where every other series key is a JSON
 * array of label values: no label set can ever name it.
 *
 * @module
 */

import type { LabelPairs } from "../exposition/snapshot.ts";

/**
 * What a metric does with a label set past its `maxSeries`: `"overflow"` counts it in
 * the metric's overflow series (the default); `"throw"` throws a RangeError.
 */
export type CardinalityOverflow = "overflow" | "throw";

/**
 * The label of the overflow series (OpenTelemetry's `otel.metric.overflow`); reserved in every metric.
 *
 * @example
 * ```ts
 * const overflowed = samples.filter((s) => s.labels[overflowLabel] === "true");
 * ```
 */
export const overflowLabel = "otel_metric_overflow";

/**
 * The overflow series' labels, as every format writes them.
 *
 * @example
 * ```ts
 * const family = { type: "counter", name: "x", help: "X.", series: [{ labels: overflowLabelPairs, value: 3 }] };
 * ```
 */
export const overflowLabelPairs: LabelPairs = [[overflowLabel, "true"]];

/**
 * The overflow series' key in the shared directory (see the module comment).
 *
 * @example
 * ```ts
 * const record = directory.find(RecordKind.series, metricRecord, overflowKeyBytes);
 * ```
 */
export const overflowKeyBytes: Uint8Array = new TextEncoder().encode(JSON.stringify({ [overflowLabel]: "true" }));

/**
 * The code of the overflow warning (`process.on("warning")` listeners can filter on it).
 *
 * @example
 * ```ts
 * process.on("warning", (w) => { if ((w as { code?: string }).code === overflowWarningCode) page(w.message); });
 * ```
 */
export const overflowWarningCode = "MPMETRICS_CARDINALITY_OVERFLOW";

let defaultMode: CardinalityOverflow = "overflow";

/**
 * Checks an `onCardinalityOverflow` value; `undefined` stays undefined (follow the default).
 *
 * @example
 * ```ts
 * checkOverflowMode("jobs", "throw"); // "throw"
 * ```
 */
export function checkOverflowMode(metric: string, mode: unknown): CardinalityOverflow | undefined {
  if (mode === undefined || mode === "overflow" || mode === "throw") return mode;
  throw new TypeError(`onCardinalityOverflow of "${metric}" must be "overflow" or "throw", got ${JSON.stringify(mode)}`);
}

/**
 * Sets what metrics without their own `onCardinalityOverflow` do past `maxSeries`, in
 * this process (existing metrics included). Default `"overflow"`.
 *
 * @example
 * ```ts
 * import { setCardinalityOverflowDefault } from "mpmetrics";
 * setCardinalityOverflowDefault("throw"); // tests that must fail on an unbounded label
 * ```
 */
export function setCardinalityOverflowDefault(mode: CardinalityOverflow): void {
  defaultMode = checkOverflowMode("the default", mode) ?? "overflow";
}

/**
 * What metrics without their own `onCardinalityOverflow` do past `maxSeries` now.
 *
 * @example
 * ```ts
 * if (cardinalityOverflowDefault() === "throw") console.log("strict");
 * ```
 */
export function cardinalityOverflowDefault(): CardinalityOverflow {
  return defaultMode;
}

/**
 * Whether a series record's key bytes are the overflow series' key.
 *
 * @example
 * ```ts
 * isOverflowKey(directory.key(record));
 * ```
 */
export function isOverflowKey(key: Uint8Array): boolean {
  if (key.byteLength !== overflowKeyBytes.byteLength) return false;
  for (let i = 0; i < key.byteLength; i++) if (key[i] !== overflowKeyBytes[i]) return false;
  return true;
}

/**
 * The error of `"throw"` mode, saying what to do.
 *
 * @example
 * ```ts
 * throw overflowError("http_requests", ["/users/42"], 10000);
 * ```
 */
export function overflowError(metric: string, values: readonly string[], maxSeries: number): RangeError {
  return new RangeError(
    `Cannot add label set ${JSON.stringify(values)} to "${metric}": it already has ${maxSeries} series, the most allowed (maxSeries ${maxSeries}). ` +
      `Check for unbounded label values such as ids or paths, raise maxSeries, or set onCardinalityOverflow: "overflow" to count such label sets in one ${overflowLabel}="true" series.`,
  );
}

/**
 * The text of the one warning a metric gives per process when it starts to overflow.
 *
 * @example
 * ```ts
 * overflowWarningText("http_requests", 10000);
 * ```
 */
export function overflowWarningText(metric: string, maxSeries: number): string {
  return `mpmetrics: "${metric}" reached its limit of ${maxSeries} label sets (maxSeries); label sets beyond it are counted in its series ` +
    `${metric}{${overflowLabel}="true"}. Check for unbounded label values such as ids or paths (use a route template, not the path), ` +
    `or raise maxSeries if the label sets are bounded; onCardinalityOverflow: "throw" makes this an error instead.`;
}

/** Metrics (by heap path and name) that warned in this process: one warning per metric per process, however many objects it has. */
const warned = new Set<string>();

/** The slice of Node's, Bun's and Deno's `process` that the warning uses. */
interface WarningProcess {
  emitWarning(warning: string, options: { readonly type: string; readonly code: string }): void;
}

/**
 * Emits the overflow warning of a metric, once per process, through `process.emitWarning` where the runtime has it
 * (Node, Bun, Deno): unlike console.warn it reaches `process.on("warning")` listeners
 * (loggers, tests), carries a code to filter on, obeys `--no-warnings`, and by default
 * still prints one line to stderr. Elsewhere console.warn.
 *
 * @example
 * ```ts
 * emitOverflowWarning(heap.path, "http_requests", 10000);
 * ```
 */
export function emitOverflowWarning(heapPath: string, metric: string, maxSeries: number): void {
  const warnedKey = `${heapPath}\0${metric}`;
  if (warned.has(warnedKey)) return;
  warned.add(warnedKey);
  const text = overflowWarningText(metric, maxSeries);
  const host = (globalThis as { process?: Partial<WarningProcess> }).process;
  if (typeof host?.emitWarning === "function") host.emitWarning(text, { type: "MpmetricsCardinalityWarning", code: overflowWarningCode });
  else console.warn(text);
}
