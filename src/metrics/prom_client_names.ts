/**
 * The rest of prom-client's top-level names, and a default export shaped like
 * prom-client's module object, so that `import client from "prom-client"` code keeps
 * working when the import becomes `"mpmetrics"`.
 *
 * @module
 */

import { OPENMETRICS_CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE } from "../exposition/index.ts";
import { collectDefaultMetrics } from "./default_metrics.ts";
import { AggregatorRegistry, ClusterRegistry, WorkerRegistry } from "./aggregator_registry.ts";
import { aggregators } from "./aggregators.ts";
import { Counter } from "./counter.ts";
import { Gauge } from "./gauge.ts";
import { exponentialBuckets, Histogram, linearBuckets } from "./histogram.ts";
import { Info } from "./info.ts";
import { register, Registry } from "./registry.ts";
import { StateSet } from "./stateset.ts";
import { Summary } from "./summary.ts";
import { isMetricName } from "./validate.ts";

/** Prometheus text format 0.0.4 (prom-client's `prometheusContentType`). */
export const prometheusContentType = PROMETHEUS_CONTENT_TYPE;
/** OpenMetrics 1.0.0 (prom-client's `openMetricsContentType`). */
export const openMetricsContentType = OPENMETRICS_CONTENT_TYPE;
/**
 * The default registry's content type when the module loaded (prom-client's
 * `contentType`). An ESM binding cannot be an accessor: read `register.contentType` for
 * the current one; the default export's `contentType` is the settable accessor.
 */
export const contentType = PROMETHEUS_CONTENT_TYPE;

/**
 * Whether `name` is a valid metric name (prom-client's `validateMetricName`).
 *
 * @example
 * ```ts
 * validateMetricName("http_requests_total"); // true
 * validateMetricName("http-requests"); // false
 * ```
 */
export function validateMetricName(name: string): boolean {
  return isMetricName(name);
}

/**
 * The module as prom-client's (and @prometheus-io/client's) default export looks;
 * `contentType` on it is the default registry's, settable as there.
 *
 * @example
 * ```ts
 * import client from "mpmetrics"; // was: import client from "prom-client";
 * const c = new client.Counter({ name: "jobs", help: "Jobs." });
 * client.collectDefaultMetrics();
 * client.contentType = client.openMetricsContentType;
 * ```
 */
export interface PromClientModule {
  readonly register: typeof register;
  readonly Registry: typeof Registry;
  /** The default registry's content type; setting it sets the registry's. */
  contentType: string;
  readonly prometheusContentType: typeof prometheusContentType;
  readonly openMetricsContentType: typeof openMetricsContentType;
  readonly validateMetricName: typeof validateMetricName;
  readonly Counter: typeof Counter;
  readonly Gauge: typeof Gauge;
  readonly Histogram: typeof Histogram;
  readonly Summary: typeof Summary;
  readonly Info: typeof Info;
  readonly StateSet: typeof StateSet;
  readonly linearBuckets: typeof linearBuckets;
  readonly exponentialBuckets: typeof exponentialBuckets;
  readonly collectDefaultMetrics: typeof collectDefaultMetrics;
  readonly aggregators: typeof aggregators;
  readonly AggregatorRegistry: typeof AggregatorRegistry;
  readonly ClusterRegistry: typeof ClusterRegistry;
  readonly WorkerRegistry: typeof WorkerRegistry;
}

// Typed explicitly (PromClientModule): JSR refuses an inferred type in the public API.
const promClientModule: PromClientModule = {
  register,
  Registry,
  get contentType(): string {
    return register.contentType;
  },
  /** Sets the default registry's content type; anything but the two content types is a TypeError. */
  set contentType(value: string) {
    register.setContentType(value as typeof PROMETHEUS_CONTENT_TYPE);
  },
  prometheusContentType,
  openMetricsContentType,
  validateMetricName,
  Counter,
  Gauge,
  Histogram,
  Summary,
  Info,
  StateSet,
  linearBuckets,
  exponentialBuckets,
  collectDefaultMetrics,
  aggregators,
  AggregatorRegistry,
  ClusterRegistry,
  WorkerRegistry,
};
export default promClientModule;
