/**
 * The native-histogram options of a Histogram (client_js pull request #856's and
 * client_golang's names), checked and turned into the settings every process shares.
 *
 * @module
 */

import { nativeBucketsMax, type NativeSettings } from "./native_buckets.ts";
import { defaultZeroThreshold, pickSchema } from "./native_schema.ts";

/**
 * Native-histogram options of {@link Histogram}.
 *
 * @example
 * ```ts
 * const options: NativeHistogramOptions = { nativeHistogramBucketFactor: 1.1, nativeHistogramMaxBucketNumber: 100 };
 * ```
 */
export interface NativeHistogramOptions {
  /**
   * Enables native buckets: the largest growth factor from one bucket to the next
   * (> 1; the schema is the largest whose factor `2^(2^-schema)` is at most this, -4..8:
   * 1.1 gives schema 3, 8 buckets per power of two).
   */
  readonly nativeHistogramBucketFactor?: number;
  /** Observations with `|v|` at most this go in the zero bucket; default 2^-128 (0: only zeros). */
  readonly nativeHistogramZeroThreshold?: number;
  /** Populated native buckets a writer may hold before the resolution is halved; default 160, at most 2048. */
  readonly nativeHistogramMaxBucketNumber?: number;
  /**
   * Milliseconds: when the bucket budget is exceeded and the series was last reset at
   * least this long ago, reset it instead of lowering the resolution (and, after a
   * reduction, reset it at the first update past this age). Default 0: never.
   */
  readonly nativeHistogramMinResetDuration?: number;
}

/** Default bucket budget (client_js #856's; client_golang's default is unlimited).
 *
 * @example
 * ```ts
 * new Histogram({ name: "x", help: "x", nativeHistogramBucketFactor: 1.1 }).native?.maxBuckets; // defaultNativeMaxBuckets
 * ```
 */
export const defaultNativeMaxBuckets = 160;

/**
 * The native settings of a histogram's options, or undefined when native buckets are
 * off. Throws a TypeError or RangeError that names the option.
 *
 * @example
 * ```ts
 * nativeSettingsOf("latency_seconds", { nativeHistogramBucketFactor: 1.1 }); // { schema: 3, ... }
 * ```
 */
export function nativeSettingsOf(name: string, options: NativeHistogramOptions): NativeSettings | undefined {
  const factor = numberOption(name, "nativeHistogramBucketFactor", options.nativeHistogramBucketFactor);
  const zero = numberOption(name, "nativeHistogramZeroThreshold", options.nativeHistogramZeroThreshold);
  const maxBuckets = numberOption(name, "nativeHistogramMaxBucketNumber", options.nativeHistogramMaxBucketNumber);
  const minReset = numberOption(name, "nativeHistogramMinResetDuration", options.nativeHistogramMinResetDuration);
  if (factor === undefined) {
    const stray = [zero, maxBuckets, minReset].some((v) => v !== undefined);
    if (stray) throw new TypeError(`Native histogram options of "${name}" need nativeHistogramBucketFactor (> 1) to enable native buckets`);
    return undefined;
  }
  if (!(factor > 1) || !Number.isFinite(factor)) throw new RangeError(`nativeHistogramBucketFactor of "${name}" must be a finite number greater than 1, got ${factor}`);
  if (zero !== undefined && !(zero >= 0 && Number.isFinite(zero))) throw new RangeError(`nativeHistogramZeroThreshold of "${name}" must be a finite number >= 0, got ${zero}`);
  if (maxBuckets !== undefined && !(Number.isInteger(maxBuckets) && maxBuckets >= 1 && maxBuckets <= nativeBucketsMax)) {
    throw new RangeError(`nativeHistogramMaxBucketNumber of "${name}" must be an integer from 1 to ${nativeBucketsMax} (each writer's buckets live in a fixed block), got ${maxBuckets}`);
  }
  if (minReset !== undefined && !(minReset >= 0 && Number.isFinite(minReset))) {
    throw new RangeError(`nativeHistogramMinResetDuration of "${name}" must be a finite number of milliseconds >= 0, got ${minReset}`);
  }
  return {
    schema: pickSchema(factor),
    zeroThreshold: zero ?? defaultZeroThreshold,
    maxBuckets: maxBuckets ?? defaultNativeMaxBuckets,
    minResetMs: minReset ?? 0,
  };
}

function numberOption(name: string, option: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number") throw new TypeError(`${option} of "${name}" must be a number, got ${value === null ? "null" : typeof value}`);
  return value;
}
