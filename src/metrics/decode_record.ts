/**
 * Turns directory records into what the metric layer reads: a metric record's value into
 * its descriptor, a series record's key into its label values and its value into its
 * label order. The directory has checked each record's bounds and checksum already
 * (heap/record_check.ts); this checks that the bytes decode to what this library writes
 * (UTF-8 JSON of the right shape, settings a reader can use), so a damaged or foreign
 * file is a {@link HeapError} with `code` and `offset`, never a `SyntaxError`, an engine
 * error or a reader looping on a nonsense setting.
 *
 * @module
 */

import { damaged } from "../heap/bounds.ts";
import type { SharedDirectory } from "../heap/shared_directory.ts";
import type { MetricDescriptor } from "./metric.ts";
import { nativeBucketsMax } from "./native_buckets.ts";
import { ageBucketsMax } from "./quantile_sketch.ts";

const decoder = new TextDecoder("utf-8", { fatal: true });
const metricNamePattern = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelNamePattern = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** The types this library stores (each has a family reader). */
const metricTypes = new Set(["counter", "gauge", "histogram", "summary", "info", "stateset"]);
const gaugeModes = new Set([undefined, "shared", "sum", "livesum", "min", "max", "mostrecent", "pid"]);
/** Most buckets, percentiles or states a descriptor may list (more only comes from damage). */
const settingsListMax = 4096;

function parseJson(shared: SharedDirectory, record: number, bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(decoder.decode(bytes));
  } catch {
    throw damaged(shared.heap, record, `${what} is not the UTF-8 JSON this library writes`);
  }
}

function isStringArray(value: unknown, max: number): value is string[] {
  return Array.isArray(value) && value.length <= max && value.every((item) => typeof item === "string");
}

function isNumberList(value: unknown, ascending: boolean): value is number[] {
  if (!Array.isArray(value) || value.length > settingsListMax) return false;
  for (let i = 0; i < value.length; i++) {
    const item = value[i];
    if (typeof item !== "number" || Number.isNaN(item)) return false;
    if (ascending && i > 0 && !(item > value[i - 1])) return false;
  }
  return true;
}

function isPositiveInteger(value: unknown, max: number): boolean {
  return typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= max;
}

/** What is wrong with a type's settings, or undefined when a reader can use them. */
function settingsProblem(type: string, settings: Record<string, unknown>): string | undefined {
  switch (type) {
    case "histogram": {
      if (!isNumberList(settings.buckets, true)) return "its bucket bounds are not an ascending list of numbers";
      const native = settings.native as Record<string, unknown> | undefined;
      if (native === undefined) return undefined;
      if (typeof native !== "object" || native === null) return "its native settings are not an object";
      const { schema, zeroThreshold, maxBuckets, minResetMs } = native;
      if (typeof schema !== "number" || !Number.isInteger(schema) || schema < -4 || schema > 8) return "its native schema is not from -4 to 8";
      if (typeof zeroThreshold !== "number" || !(zeroThreshold >= 0) || !Number.isFinite(zeroThreshold)) return "its native zero threshold is not a finite number >= 0";
      if (!isPositiveInteger(maxBuckets, nativeBucketsMax)) return `its native bucket budget is not from 1 to ${nativeBucketsMax}`;
      if (typeof minResetMs !== "number" || !(minResetMs >= 0) || !Number.isFinite(minResetMs)) return "its native reset interval is not a finite number >= 0";
      return undefined;
    }
    case "summary": {
      if (!isNumberList(settings.percentiles, false) || settings.percentiles.some((q) => !(q >= 0 && q <= 1))) return "its percentiles are not numbers from 0 to 1";
      if (!isPositiveInteger(settings.ageBuckets, ageBucketsMax)) return `its age buckets are not from 1 to ${ageBucketsMax}`;
      if (typeof settings.maxAgeSeconds !== "number" || !(settings.maxAgeSeconds >= 0) || !Number.isFinite(settings.maxAgeSeconds)) return "its window is not a finite number of seconds";
      return undefined;
    }
    case "stateset":
      return isStringArray(settings.states, settingsListMax) && settings.states.every((state) => state.length > 0) ? undefined : "its states are not a list of names";
    case "gauge":
      return gaugeModes.has(settings.mode as string | undefined) ? undefined : `its mode ${JSON.stringify(settings.mode)} is unknown`;
    default:
      return undefined;
  }
}

/**
 * The descriptor a metric record holds. Throws a {@link HeapError} (`corrupt`, the
 * record's offset) when the bytes are not one this library writes.
 *
 * @example
 * ```ts
 * const descriptor = decodeDescriptor(shared, record, shared.directory.value(record));
 * ```
 */
export function decodeDescriptor(shared: SharedDirectory, record: number, bytes: Uint8Array): MetricDescriptor {
  const value = parseJson(shared, record, bytes, "a metric descriptor");
  const problem = descriptorProblem(value);
  if (problem !== undefined) throw damaged(shared.heap, record, `a metric descriptor ${problem}`);
  return value as MetricDescriptor;
}

function descriptorProblem(value: unknown): string | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return "is not an object";
  const { type, name, help, labelNames, settings } = value as Record<string, unknown>;
  if (typeof type !== "string" || !metricTypes.has(type)) return `has the unknown type ${JSON.stringify(type)}`;
  if (typeof name !== "string" || !metricNamePattern.test(name)) return "has no valid metric name";
  if (typeof help !== "string") return "has no help string";
  if (!isStringArray(labelNames, settingsListMax) || labelNames.some((label) => !labelNamePattern.test(label))) return "has invalid label names";
  if (new Set(labelNames).size !== labelNames.length) return "repeats a label name";
  if (settings === null || typeof settings !== "object" || Array.isArray(settings)) return "has no settings object";
  const problem = settingsProblem(type, settings as Record<string, unknown>);
  return problem === undefined ? undefined : `of ${name}: ${problem}`;
}

/**
 * The label values a series record's key holds: one string per label name.
 *
 * @example
 * ```ts
 * const values = decodeLabelValues(shared, record, shared.directory.key(record), labelNames.length);
 * ```
 */
export function decodeLabelValues(shared: SharedDirectory, record: number, bytes: Uint8Array, labelCount: number): string[] {
  const values = parseJson(shared, record, bytes, "a series' label values");
  if (!isStringArray(values, labelCount) || values.length !== labelCount) {
    throw damaged(shared.heap, record, `a series' label values are not ${labelCount} strings`);
  }
  return values;
}

/**
 * The label order a series record's value holds (empty bytes: `labelNames` order):
 * label names of its metric, each at most once.
 *
 * @example
 * ```ts
 * const order = decodeLabelOrder(shared, record, shared.directory.value(record), labelNames);
 * ```
 */
export function decodeLabelOrder(shared: SharedDirectory, record: number, bytes: Uint8Array, labelNames: readonly string[]): readonly string[] {
  if (bytes.byteLength === 0) return labelNames;
  const order = parseJson(shared, record, bytes, "a series' label order");
  if (!isStringArray(order, labelNames.length) || order.some((name) => !labelNames.includes(name)) || new Set(order).size !== order.length) {
    throw damaged(shared.heap, record, "a series' label order is not a list of its metric's label names");
  }
  return order;
}
