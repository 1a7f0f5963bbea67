/**
 * `nodejs_gc_duration_seconds`: a histogram of garbage-collection pauses by `kind`
 * (major, minor, incremental, weakcb), summed over every process, where the runtime
 * reports them (Node; Bun and Deno do not).
 *
 * @module
 */

import { processStats } from "../../native/process_stats.ts";
import { allProcessesHistogram, type DefaultMetricsContext, seriesLabels } from "./_context.ts";

/** prom-client's default buckets for GC pauses, in seconds. */
export const defaultGcDurationBuckets: readonly number[] = [0.001, 0.01, 0.1, 1, 2, 5];

/**
 * Creates the histogram and observes every collection from now on; returns the stop
 * function, or undefined where the runtime reports no collections.
 *
 * @example
 * ```ts
 * const stop = gcDuration(context);
 * ```
 */
export function gcDuration(context: DefaultMetricsContext): (() => void) | undefined {
  const observeGc = processStats().observeGc;
  if (observeGc === undefined) return undefined;
  const histogram = allProcessesHistogram(
    context,
    "nodejs_gc_duration_seconds",
    "Garbage collection duration by kind, one of major, minor, incremental or weakcb.",
    ["kind"],
    context.gcDurationBuckets ?? defaultGcDurationBuckets,
  );
  return observeGc((kind, seconds) => histogram.observe(seriesLabels(context, { kind }), seconds));
}
