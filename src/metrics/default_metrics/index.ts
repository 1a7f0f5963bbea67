/**
 * Default process metrics (prom-client's `collectDefaultMetrics`), for every attached
 * process rather than only the one that is scraped.
 *
 * - CPU seconds and GC pauses are summed over every process that ever ran: each process
 *   adds to its own writer cells, so the totals do not drop when one exits.
 * - Everything else (memory, file descriptors, event-loop lag, handles, heap spaces,
 *   version) is a gauge in `pid` mode: one series per live process, labelled with its
 *   pid; a process that exits drops out.
 *
 * Every process that calls `collectDefaultMetrics()` refreshes its own values every
 * `intervalMs` (an unref'd timer: it keeps nothing alive) and once more on exit; the
 * scraping process also refreshes its own right before each scrape. Metrics a runtime
 * cannot supply are left out (see src/native/process_stats.ts for which).
 *
 * @module
 */

import { host } from "../../native/index.ts";
import type { MetricRegistrar } from "../metric.ts";
import { checkLabelNames, labelValueString } from "../validate.ts";
import type { DefaultMetricsContext, Refresh } from "./_context.ts";
import { activeHandles } from "./active_handles.ts";
import { eventLoopLag } from "./event_loop_lag.ts";
import { gcDuration } from "./gc.ts";
import { heapSize } from "./heap_size.ts";
import { processCpu } from "./process_cpu.ts";
import { processMemory } from "./process_memory.ts";
import { nodeVersion } from "./version.ts";

/**
 * Options of {@link collectDefaultMetrics}: prom-client's, plus `intervalMs`.
 *
 * @example
 * ```ts
 * const options: DefaultMetricsConfiguration = { prefix: "app_", labels: { service: "api" }, gcDurationBuckets: [0.01, 0.1, 1] };
 * ```
 */
export interface DefaultMetricsConfiguration {
  /** Prefix for every metric name, e.g. `"app_"`. */
  readonly prefix?: string;
  /** The registry to register with; default the default registry. */
  readonly register?: MetricRegistrar;
  /** Labels added to every series, e.g. `{ service: "api" }`. */
  readonly labels?: Readonly<Record<string, string | number>>;
  /** Buckets of `nodejs_gc_duration_seconds`, in seconds; default `[0.001, 0.01, 0.1, 1, 2, 5]`. */
  readonly gcDurationBuckets?: readonly number[];
  /** How often the event-loop delay is sampled, in milliseconds; default 10. */
  readonly eventLoopMonitoringPrecision?: number;
  /** How often each process refreshes its values, in milliseconds. Default 5000. */
  readonly intervalMs?: number;
}

/**
 * What {@link collectDefaultMetrics} started.
 *
 * @example
 * ```ts
 * const metrics: DefaultMetrics = collectDefaultMetrics();
 * metrics.update();
 * metrics.stop();
 * ```
 */
export interface DefaultMetrics {
  /** Refreshes this process's values now. */
  update(): void;
  /** Stops the periodic refresh and the GC observer of this process. */
  stop(): void;
}

function checkContext(config: DefaultMetricsConfiguration): DefaultMetricsContext {
  const { prefix = "", labels = {}, gcDurationBuckets, eventLoopMonitoringPrecision = 10 } = config;
  if (typeof prefix !== "string") throw new TypeError(`collectDefaultMetrics: prefix must be a string, got ${typeof prefix}`);
  if (labels === null || typeof labels !== "object" || Array.isArray(labels)) {
    throw new TypeError("collectDefaultMetrics: labels must be an object of label names to values, for example { service: \"api\" }");
  }
  const labelNames = checkLabelNames("default metrics", Object.keys(labels), ["pid", "type", "space", "kind", "version", "major", "minor", "patch"]);
  const checkedLabels = Object.fromEntries(labelNames.map((name) => [name, labelValueString("default metrics", name, labels[name])]));
  if (!Number.isInteger(eventLoopMonitoringPrecision) || eventLoopMonitoringPrecision < 1) {
    throw new RangeError(`collectDefaultMetrics: eventLoopMonitoringPrecision must be a positive integer of milliseconds, got ${eventLoopMonitoringPrecision}`);
  }
  if (gcDurationBuckets !== undefined && !Array.isArray(gcDurationBuckets)) {
    throw new TypeError("collectDefaultMetrics: gcDurationBuckets must be an array of bucket bounds in seconds");
  }
  return {
    prefix,
    registers: config.register === undefined ? undefined : [config.register],
    labels: checkedLabels,
    labelNames,
    eventLoopMonitoringPrecision,
    gcDurationBuckets,
  };
}

/**
 * Starts collecting the default process metrics in this process. Call it in every
 * process whose CPU and memory should be reported (the primary and each worker).
 *
 * @example
 * ```ts
 * import { collectDefaultMetrics, register } from "mpmetrics";
 * collectDefaultMetrics({ prefix: "app_", labels: { service: "api" } });
 * console.log(await register.metrics()); // app_process_cpu_seconds_total, app_process_resident_memory_bytes{service="api",pid="..."}, ...
 * ```
 */
export function collectDefaultMetrics(config: DefaultMetricsConfiguration = {}): DefaultMetrics {
  if (config === null) config = {};
  if (typeof config !== "object") throw new TypeError("config must be null, undefined, or an object");
  const intervalMs = config.intervalMs ?? 5000;
  if (!Number.isInteger(intervalMs) || intervalMs < 10) throw new RangeError(`intervalMs must be an integer >= 10, got ${intervalMs}`);
  const context = checkContext(config);
  const refreshes: Refresh[] = [];
  const update = () => {
    for (const refresh of refreshes) refresh();
  };
  refreshes.push(processCpu(context, update));
  refreshes.push(processMemory(context));
  refreshes.push(eventLoopLag(context));
  refreshes.push(activeHandles(context));
  refreshes.push(heapSize(context));
  nodeVersion(context);
  const stopGc = gcDuration(context);
  update();
  const stopUpdates = host.everyUnref(intervalMs, update);
  host.onExit(update);
  return {
    update,
    stop: () => {
      stopUpdates();
      stopGc?.();
    },
  };
}
