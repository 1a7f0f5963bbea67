/**
 * mpmetrics: multiprocess-safe Prometheus metrics for Bun, Deno and Node.
 *
 * A drop-in for prom-client: change the import and every process and worker thread
 * that shares the default heap updates the same metrics; any of them serves the totals.
 *
 * @example
 * ```ts
 * import { Counter, register } from "mpmetrics";
 * const jobs = new Counter({ name: "jobs", help: "Jobs done.", labelNames: ["queue"] });
 * jobs.inc({ queue: "mail" });
 * console.log(await register.metrics());
 * ```
 *
 * @module
 */

export { Counter, CounterChild, type CounterConfiguration } from "./metrics/counter.ts";
export { type CounterIncrement } from "./metrics/counter.ts";
export { bucketsMax, defaultBuckets, type ExemplarLabels, exponentialBuckets, Histogram, HistogramChild, type HistogramConfiguration, type HistogramObservation, linearBuckets } from "./metrics/histogram.ts";
export { defaultNativeMaxBuckets, type NativeHistogramOptions } from "./metrics/native_options.ts";
export type { NativeSettings } from "./metrics/native_buckets.ts";
export { defaultZeroThreshold, nativeSchemaMax, nativeSchemaMin } from "./metrics/native_schema.ts";
export { Gauge, type GaugeAggregator, GaugeChild, type GaugeConfiguration, type GaugeMode, gaugeModes } from "./metrics/gauge.ts";
export { Info, type InfoConfiguration } from "./metrics/info.ts";
export { Summary, SummaryChild, type SummaryConfiguration } from "./metrics/summary.ts";
export { StateSet, StateSetChild, type StateSetConfiguration, stateSetStatesMax } from "./metrics/stateset.ts";
export { type LabelValues, Metric, type MetricConfiguration } from "./metrics/metric.ts";
export { nameValidationScheme, type NameValidationScheme, setNameValidationScheme } from "./metrics/name_scheme.ts";
export { type CardinalityOverflow, cardinalityOverflowDefault, overflowLabel, overflowWarningCode, setCardinalityOverflowDefault } from "./metrics/overflow.ts";
export { collectHeapMetrics, type HeapMetricsConfiguration } from "./metrics/self_metrics.ts";
export { DuplicateMetricError, type RegisteredMetric, register, Registry, type RegistryContentType, type ScrapeResult } from "./metrics/registry.ts";
export { Heap, type HeapOptions } from "./heap/heap.ts";
export { configureDefaultHeap, defaultHeap, heapInheritVariable, heapPathVariable } from "./heap/default_heap.ts";
export { defaultFolder, runtimeDirVariable } from "./heap/default_folder.ts";
export { HeapError, type StatusName } from "./native/index.ts";
export { metricsHandler, type MetricsHandlerOptions, type ScrapeSource } from "./edges/web.ts";
export { nodeMetricsHandler } from "./edges/node.ts";
export { collectDefaultMetrics, type DefaultMetrics, type DefaultMetricsConfiguration } from "./metrics/default_metrics.ts";
export { AggregatorRegistry, ClusterRegistry, WorkerRegistry } from "./metrics/aggregator_registry.ts";
export { type Aggregator, AggregatorFactory, type AggregatorFunction, aggregators } from "./metrics/aggregators.ts";
export { type Collector, type CollectorMetricObject, type CollectorValue } from "./metrics/collector.ts";
export { contentType, openMetricsContentType, prometheusContentType, validateMetricName } from "./metrics/prom_client_names.ts";
export { groupUrl, Pushgateway, type PushgatewayOptions, type PushParameters, type PushResult } from "./edges/pushgateway.ts";

import promClientModule from "./metrics/prom_client_names.ts";
import { Pushgateway } from "./edges/pushgateway.ts";

/**
 * The module as prom-client's default export looks (metrics, registries, helpers), with
 * `Pushgateway`, which lives in the edges layer above the metrics.
 *
 * @example
 * ```ts
 * import client from "mpmetrics"; // was: import client from "prom-client";
 * const gateway = new client.Pushgateway("http://127.0.0.1:9091");
 * ```
 */
const client: typeof promClientModule & { readonly Pushgateway: typeof Pushgateway } = Object.defineProperties(
  {},
  { ...Object.getOwnPropertyDescriptors(promClientModule), Pushgateway: { value: Pushgateway, enumerable: true } },
) as typeof promClientModule & { readonly Pushgateway: typeof Pushgateway }; // descriptors, so that `contentType` stays a settable accessor
export default client;
