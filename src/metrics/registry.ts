/**
 * Registry: the set of metrics a scrape reports (prom-client's API).
 *
 * The default registry, {@link register}, is heap-wide: it reports every metric that any
 * process attached to the default heap registered in its default registry, including
 * metrics this process never constructed (a worker's own metrics appear in the
 * parent's scrape). Other registries report the metrics registered in them in this
 * process, with values from all processes.
 *
 * A scrape reads shared memory without taking any lock a writer could hold.
 *
 * @module
 */

import { defaultHeap } from "../heap/default_heap.ts";
import type { Heap } from "../heap/heap.ts";
import { sharedDirectory } from "../heap/shared_directory.ts";
import {
  negotiate,
  OPENMETRICS_CONTENT_TYPE,
  PROMETHEUS_CONTENT_TYPE,
  serializeOpenMetrics,
  serializePrometheusText,
} from "../exposition/index.ts";
import type { FamilySnapshot, LabelPairs } from "../exposition/snapshot.ts";
import { descriptorOf, type Metric, MetricFlag, type MetricRegistrar, readFamily, setDefaultRegistrars } from "./metric.ts";
import { type MetricObjectWithValues, toMetricObject } from "./metric_object.ts";
import { checkLabelNames, labelValueString } from "./validate.ts";
import { RecordField } from "../heap/directory.ts";

/** A content type a registry can produce. */
export type RegistryContentType = typeof PROMETHEUS_CONTENT_TYPE | typeof OPENMETRICS_CONTENT_TYPE;

/** The answer to a scrape: what to send and how to label it. */
export interface ScrapeResult {
  readonly contentType: RegistryContentType;
  readonly body: string;
}

/** The error for registering a second metric under a taken name; carries the first. */
export class DuplicateMetricError extends Error {
  /** The metric already registered under that name. */
  readonly existing: Metric<string, unknown>;
  constructor(existing: Metric<string, unknown>) {
    super(`A metric with the name ${existing.name} has already been registered.`);
    this.name = "DuplicateMetricError";
    this.existing = existing;
  }
}

/**
 * A set of metrics to scrape.
 *
 * @example
 * ```ts
 * import { Counter, Registry } from "mpmetrics";
 * const registry = new Registry();
 * const jobs = new Counter({ name: "jobs", help: "Jobs done.", registers: [registry] });
 * jobs.inc();
 * console.log(await registry.metrics());
 * ```
 */
export class Registry implements MetricRegistrar {
  /** Prometheus text format 0.0.4. */
  static readonly PROMETHEUS_CONTENT_TYPE = PROMETHEUS_CONTENT_TYPE;
  /** OpenMetrics 1.0.0. */
  static readonly OPENMETRICS_CONTENT_TYPE = OPENMETRICS_CONTENT_TYPE;

  /** Whether this registry is heap-wide (reports the metrics of every attached process). */
  readonly isDefault: boolean;
  #contentType: RegistryContentType;
  readonly #metrics = new Map<string, Metric<string, unknown>>();
  readonly #heap: Heap | "default" | undefined;
  #defaultLabels: LabelPairs = [];

  /**
   * @param contentType what {@link metrics} produces; default Prometheus text 0.0.4.
   * @param options.heap makes the registry heap-wide: it then reports every metric that
   *   any process attached to that heap registered in a heap-wide registry of it
   *   (`"default"`: the default heap, as {@link register} does).
   */
  constructor(contentType: RegistryContentType = PROMETHEUS_CONTENT_TYPE, options: { readonly heap?: Heap | "default" } = {}) {
    this.#contentType = checkContentType(contentType);
    this.#heap = options.heap;
    this.isDefault = options.heap !== undefined;
  }

  /** The content type {@link metrics} produces. */
  get contentType(): RegistryContentType {
    return this.#contentType;
  }

  /** Chooses the content type {@link metrics} produces. */
  setContentType(contentType: RegistryContentType): void {
    this.#contentType = checkContentType(contentType);
  }

  /** Throws {@link DuplicateMetricError} if a metric named `name` is registered here. */
  assertNameFree(name: string): void {
    const existing = this.#metrics.get(name);
    if (existing !== undefined) throw new DuplicateMetricError(existing);
  }

  /** Adds a metric; throws {@link DuplicateMetricError} if its name is taken here. */
  registerMetric(metric: Metric<string, unknown>): void {
    const existing = this.#metrics.get(metric.name);
    if (existing !== undefined && existing !== metric) throw new DuplicateMetricError(existing);
    this.#metrics.set(metric.name, metric);
  }

  /**
   * The metric registered in this process under `name`, if any. A counter is found by
   * its name with or without `_total` (prom-client keeps the name as given).
   */
  getSingleMetric(name: string): Metric<string, unknown> | undefined {
    const metric = this.#metrics.get(name);
    if (metric !== undefined || !name.endsWith("_total")) return metric;
    const counter = this.#metrics.get(name.slice(0, -"_total".length));
    return counter?.descriptor.type === "counter" ? counter : undefined;
  }

  /** Forgets the metric registered in this process under `name` (its shared values stay). */
  removeSingleMetric(name: string): void {
    const metric = this.getSingleMetric(name);
    if (metric !== undefined) this.#metrics.delete(metric.name);
  }

  /** Forgets every metric registered in this process (shared values stay). */
  clear(): void {
    this.#metrics.clear();
  }

  /** The metrics registered in this process. */
  getMetricsAsArray(): Metric<string, unknown>[] {
    return [...this.#metrics.values()];
  }

  /**
   * Labels added to every series this registry reports (a series' own label of the same
   * name wins), as prom-client's `setDefaultLabels`.
   *
   * @example
   * ```ts
   * register.setDefaultLabels({ service: "api", region: "eu-1" });
   * ```
   */
  setDefaultLabels(labels: Readonly<Record<string, string | number>>): void {
    if (labels === null || typeof labels !== "object") throw new TypeError("setDefaultLabels takes an object of label names to values");
    const names = checkLabelNames("default labels", Object.keys(labels), []);
    this.#defaultLabels = names.map((name) => [name, labelValueString("default labels", name, labels[name])] as const);
  }

  /** Resets every metric registered in this process (in every process's view: values are shared). */
  resetMetrics(): void {
    for (const metric of this.#metrics.values()) metric.reset();
  }

  /**
   * Every metric's values in prom-client's shape, default labels included; a metric
   * registered in this process reports its own `aggregator` (a gauge's mode).
   */
  async getMetricsAsJSON(): Promise<MetricObjectWithValues[]> {
    return (await this.collect()).map((family) => ({
      ...toMetricObject(family),
      aggregator: this.#metrics.get(family.name)?.aggregator ?? "sum",
    }));
  }

  /**
   * Every family this registry reports, read from shared memory now. `collect`
   * callbacks of metrics registered in this process run first.
   */
  async collect(): Promise<FamilySnapshot[]> {
    let families: FamilySnapshot[];
    if (this.#heap === undefined) families = await Promise.all([...this.#metrics.values()].map((metric) => metric.snapshot()));
    else {
      const heap = this.#heap === "default" ? defaultHeap() : this.#heap;
      const elsewhere = [...this.#metrics.values()].filter((metric) => metric.heap !== heap);
      families = [...(await this.#collectHeap(heap)), ...(await Promise.all(elsewhere.map((metric) => metric.snapshot())))];
    }
    return this.#defaultLabels.length === 0 ? families : families.map((family) => withDefaultLabels(family, this.#defaultLabels));
  }

  /**
   * The scrape body in this registry's content type.
   *
   * @example
   * ```ts
   * const body = await register.metrics();
   * ```
   */
  async metrics(): Promise<string> {
    return serialize(this.#contentType, await this.collect());
  }

  /**
   * A scrape negotiated from an HTTP Accept header: OpenMetrics when the client asks for
   * it, else Prometheus text 0.0.4.
   *
   * @example
   * ```ts
   * const { contentType, body } = await register.scrape(request.headers.get("accept"));
   * ```
   */
  async scrape(accept: string | null | undefined): Promise<ScrapeResult> {
    const { contentType } = negotiate(accept);
    return { contentType: contentType as RegistryContentType, body: serialize(contentType as RegistryContentType, await this.collect()) };
  }

  async #collectHeap(heap: Heap): Promise<FamilySnapshot[]> {
    // collect() callbacks first: they may add series, which the listing must then include.
    await Promise.all([...this.#metrics.values()].filter((m) => m.heap === heap).map((m) => m.runCollect()));
    const shared = sharedDirectory(heap);
    const { directory } = shared;
    const listing = directory.list();
    const families: FamilySnapshot[] = [];
    for (const record of listing.metrics) {
      if ((directory.loadField(record, RecordField.flags) & MetricFlag.defaultRegistry) === 0) continue;
      const descriptor = descriptorOf(shared, record);
      families.push(readFamily({ shared, record, descriptor, series: listing.seriesByMetric.get(record) ?? [] }));
    }
    return families;
  }
}

function withDefaultLabels(family: FamilySnapshot, defaults: LabelPairs): FamilySnapshot {
  const series = family.series.map((s: { labels: LabelPairs }) => {
    const own = new Set(s.labels.map(([name]) => name));
    const added = defaults.filter(([name]) => !own.has(name));
    return added.length === 0 ? s : { ...s, labels: [...s.labels, ...added], defaultLabelCount: added.length };
  });
  return { ...family, series } as FamilySnapshot;
}

function checkContentType(contentType: string): RegistryContentType {
  if (contentType !== PROMETHEUS_CONTENT_TYPE && contentType !== OPENMETRICS_CONTENT_TYPE) {
    throw new TypeError(`Content type ${JSON.stringify(contentType)} is not supported: use Registry.PROMETHEUS_CONTENT_TYPE or Registry.OPENMETRICS_CONTENT_TYPE`);
  }
  return contentType;
}

function serialize(contentType: RegistryContentType, families: readonly FamilySnapshot[]): string {
  return contentType === OPENMETRICS_CONTENT_TYPE ? serializeOpenMetrics(families) : serializePrometheusText(families);
}

/**
 * The default registry: heap-wide, it reports the metrics of every process attached to
 * the default heap.
 *
 * @example
 * ```ts
 * import { register } from "mpmetrics";
 * const body = await register.metrics();
 * ```
 */
export const register = new Registry(PROMETHEUS_CONTENT_TYPE, { heap: "default" });
setDefaultRegistrars([register]);
