/**
 * prom-client's cluster registries, for code written for Node's cluster module or for
 * worker threads: `ClusterRegistry` (@prometheus-io/client's name), `AggregatorRegistry`
 * (prom-client's name for it) and `WorkerRegistry`. With mpmetrics every process and
 * thread already writes to the shared heap, so "aggregating" is a plain heap-wide
 * scrape: no IPC, no timeout when a worker is busy, the counts of a worker that died
 * stay in the total, and `shutdown()` has nothing to flush.
 *
 * @module
 */

import { PROMETHEUS_CONTENT_TYPE } from "../exposition/index.ts";
import { defaultHeap } from "../heap/default_heap.ts";
import type { CollectorMetricObject } from "./collector.ts";
import { Registry, type TextContentType } from "./registry.ts";

/**
 * A heap-wide registry with the cluster API of @prometheus-io/client (`ClusterRegistry`)
 * and prom-client (`AggregatorRegistry`).
 *
 * @example
 * ```ts
 * import cluster from "node:cluster";
 * import { ClusterRegistry } from "mpmetrics";
 * const aggregator = new ClusterRegistry();
 * // in the primary, for GET /metrics:
 * const body = await aggregator.clusterMetrics();
 * ```
 */
export class ClusterRegistry extends Registry {
  /**
   * Attaches the default heap at once: a cluster primary makes its AggregatorRegistry
   * (express-prom-bundle's `clusterMetrics()` does) and often no metric, and the workers
   * it forks afterwards find the heap through the `MPMETRICS_HEAP` this sets. Left to the
   * first scrape, every worker would make a heap of its own.
   */
  constructor(contentType: TextContentType = PROMETHEUS_CONTENT_TYPE) {
    super(contentType, { heap: "default" });
    defaultHeap();
  }

  /** The totals of every process on the default heap (prom-client asks each worker over IPC). */
  clusterMetrics(): Promise<string> {
    return this.metrics();
  }

  /**
   * Resolves at once: every value is in the shared heap already, so there is nothing to
   * wait for or flush before `process.exit()`.
   *
   * @example
   * ```ts
   * await aggregator.shutdown();
   * ```
   */
  shutdown(_timeoutMs?: number): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Accepted for prom-client compatibility and ignored: every worker's metrics are on the
   * shared heap already, whichever registry they were made in.
   */
  static setRegistries(_registries: Registry | readonly Registry[]): void {}

  /** {@link Registry.aggregate}, as prom-client's `AggregatorRegistry.aggregate`. */
  static override aggregate(metricsArr: ReadonlyArray<ReadonlyArray<CollectorMetricObject>>, contentType: TextContentType = PROMETHEUS_CONTENT_TYPE): Registry {
    return Registry.aggregate(metricsArr, contentType);
  }
}

/**
 * prom-client's name for {@link ClusterRegistry} (deprecated there, kept here).
 *
 * @example
 * ```ts
 * import { AggregatorRegistry } from "mpmetrics";
 * const body = await new AggregatorRegistry().clusterMetrics();
 * ```
 */
export class AggregatorRegistry extends ClusterRegistry {}

/**
 * @prometheus-io/client's registry for worker threads: `workerMetrics()` is the
 * heap-wide scrape (threads write to the shared heap, each in its own writer slot).
 * The `primary` flag is accepted and changes nothing: any thread may scrape.
 *
 * @example
 * ```ts
 * import { WorkerRegistry } from "mpmetrics";
 * const registry = new WorkerRegistry();
 * const body = await registry.workerMetrics();
 * ```
 */
export class WorkerRegistry extends ClusterRegistry {
  constructor(contentType: TextContentType = PROMETHEUS_CONTENT_TYPE, _primary?: boolean) {
    super(contentType);
  }

  /** The totals of every thread and process on the default heap. */
  workerMetrics(): Promise<string> {
    return this.metrics();
  }
}
