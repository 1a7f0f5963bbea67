/**
 * Default process metrics: see the `default_metrics/` folder, one file per group.
 *
 * @example
 * ```ts
 * import { collectDefaultMetrics } from "./default_metrics.ts";
 * collectDefaultMetrics({ labels: { service: "api" } });
 * ```
 *
 * @module
 */

export { collectDefaultMetrics, type DefaultMetrics, type DefaultMetricsConfiguration } from "./default_metrics/index.ts";
export { defaultGcDurationBuckets } from "./default_metrics/gc.ts";
