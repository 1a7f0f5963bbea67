/**
 * Registry: the set of metrics a scrape reports (prom-client's API and semantics).
 *
 * Inside one process a registry behaves as prom-client's: it reports what was
 * registered in it, `clear()` and `removeSingleMetric()` drop metrics from it (and a
 * name defined again afterwards starts from nothing, with any definition), two
 * registries never share a value, and a name registered twice is prom-client's error.
 * Across processes, module-level metrics defined the same way share one storage, so
 * every value is the total of all processes (the rule is in identity.ts).
 *
 * A heap-wide registry (the default {@link register}, an AggregatorRegistry) reports,
 * after its own metrics, the metrics that other processes hold in a heap-wide registry
 * of the same heap: a metric defined only in a worker appears in the parent's scrape.
 * Other registries report their own metrics, with values from all processes.
 *
 * A scrape reads shared memory without taking any lock a writer could hold.
 *
 * @module
 */

import { defaultHeap } from "../heap/default_heap.ts";
import { host } from "../native/index.ts";
import type { Heap } from "../heap/heap.ts";
import type { DirectoryListing } from "../heap/directory.ts";
import { sharedDirectory } from "../heap/shared_directory.ts";
import {
  escapeFamilies,
  type EscapingScheme,
  type ExpositionFormat,
  hasUtf8Names,
  negotiate,
  OPENMETRICS2_CONTENT_TYPE,
  OPENMETRICS_CONTENT_TYPE,
  PROMETHEUS_CONTENT_TYPE,
  PROMETHEUS_PROTOBUF_CONTENT_TYPE,
  serializeOpenMetrics,
  serializeOpenMetrics2,
  serializePrometheusText,
  serializeProtobuf,
} from "../exposition/index.ts";
import type { FamilySnapshot, LabelPairs, MetricType } from "../exposition/snapshot.ts";
import { descriptorOf, Metric, type MetricRegistrar, readFamily, setDefaultRegistrars } from "./metric.ts";
import { type MetricObjectWithValues, type MetricValue, toMetricObject } from "./metric_object.ts";
import { checkLabelNames, labelValueString } from "./validate.ts";
import { type Collector, type CollectorMetricObject, familyOfMetricObject, isCollector } from "./collector.ts";
import { aggregators } from "./aggregators.ts";
import { heapWideHoldersOf, instanceName } from "./identity.ts";
import { clashCandidates, clashError, clashingSample } from "./sample_names.ts";

/** A text content type a registry can produce: Prometheus text 0.0.4, OpenMetrics 1.0.0 or 2.0.0. */
export type TextContentType = typeof PROMETHEUS_CONTENT_TYPE | typeof OPENMETRICS_CONTENT_TYPE | typeof OPENMETRICS2_CONTENT_TYPE;

/** A content type a registry can produce: a text one, or the Prometheus protobuf format. */
export type RegistryContentType = TextContentType | typeof PROMETHEUS_PROTOBUF_CONTENT_TYPE;

/**
 * What {@link Registry.metrics} returns for a content type: bytes for protobuf, else text.
 *
 * @example
 * ```ts
 * const bytes: MetricsBody<typeof Registry.PROMETHEUS_PROTOBUF_CONTENT_TYPE> = new Uint8Array();
 * ```
 */
export type MetricsBody<T extends RegistryContentType> = T extends typeof PROMETHEUS_PROTOBUF_CONTENT_TYPE ? Uint8Array : string;

/**
 * The content types a registry made with `T` may switch to: those whose body is of the
 * same kind (any text one for a text registry; protobuf for a protobuf one).
 *
 * @example
 * ```ts
 * const next: SameBodyContentType<typeof Registry.OPENMETRICS_CONTENT_TYPE> = Registry.PROMETHEUS_CONTENT_TYPE;
 * ```
 */
export type SameBodyContentType<T extends RegistryContentType> = T extends typeof PROMETHEUS_PROTOBUF_CONTENT_TYPE
  ? typeof PROMETHEUS_PROTOBUF_CONTENT_TYPE
  : TextContentType;

/**
 * The answer to a scrape: what to send and how to label it. `contentType` names the
 * format and, when the scraper asked for one, the name escaping
 * (`application/openmetrics-text; version=2.0.0; charset=utf-8; escaping=allow-utf-8`);
 * `body` is bytes for the protobuf format, else text.
 */
export interface ScrapeResult {
  readonly contentType: string;
  readonly body: string | Uint8Array;
}

/** What a registry holds: a metric of this library, or a custom collector. */
export type RegisteredMetric = Metric<string, unknown> | Collector;

/** The error for registering a second metric under a taken name; carries the first. */
export class DuplicateMetricError extends Error {
  /** The metric already registered under that name. */
  readonly existing: RegisteredMetric;
  constructor(existing: RegisteredMetric) {
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
export class Registry<T extends RegistryContentType = TextContentType> implements MetricRegistrar {
  /** Prometheus text format 0.0.4. */
  static readonly PROMETHEUS_CONTENT_TYPE = PROMETHEUS_CONTENT_TYPE;
  /** OpenMetrics 1.0.0. */
  static readonly OPENMETRICS_CONTENT_TYPE = OPENMETRICS_CONTENT_TYPE;
  /** OpenMetrics 2.0.0 (composite values, start timestamps, native histograms). */
  static readonly OPENMETRICS2_CONTENT_TYPE = OPENMETRICS2_CONTENT_TYPE;
  /** Prometheus protobuf, length-delimited `MetricFamily` messages: {@link metrics} returns a `Uint8Array`. */
  static readonly PROMETHEUS_PROTOBUF_CONTENT_TYPE = PROMETHEUS_PROTOBUF_CONTENT_TYPE;

  /** The default registry (@prometheus-io/client's `Registry.globalRegistry`). */
  static get globalRegistry(): Registry {
    return register;
  }

  /** Whether this registry is heap-wide (reports the metrics of every attached process). */
  readonly isDefault: boolean;
  #contentType: SameBodyContentType<T>;
  readonly #metrics = new Map<string, RegisteredMetric>();
  readonly #heap: Heap | "default" | undefined;
  #defaultLabels: LabelPairs = [];
  #lastScrapeSeconds: number | undefined;

  /**
   * @param contentType what {@link metrics} produces; default Prometheus text 0.0.4.
   *   With {@link PROMETHEUS_PROTOBUF_CONTENT_TYPE}, `metrics()` returns a `Uint8Array`.
   * @param options.heap makes the registry heap-wide: after its own metrics it reports
   *   those that other processes hold in a heap-wide registry of that heap
   *   (`"default"`: the default heap, as {@link register} does).
   */
  constructor(contentType: T = PROMETHEUS_CONTENT_TYPE as T, options: { readonly heap?: Heap | "default" } = {}) {
    this.#contentType = checkContentType(contentType) as RegistryContentType as SameBodyContentType<T>;
    this.#heap = options.heap;
    this.isDefault = options.heap !== undefined;
  }

  /** The content type {@link metrics} produces. */
  get contentType(): SameBodyContentType<T> {
    return this.#contentType;
  }

  /** Chooses the content type {@link metrics} produces (one whose body is of the same kind). */
  setContentType(contentType: SameBodyContentType<T>): void {
    this.#contentType = checkContentType(contentType);
  }

  /**
   * Throws {@link DuplicateMetricError} if a metric named `name` is registered here, and
   * a TypeError if a family of `type` named `name` would share a sample name with one
   * registered here (a gauge `x_total` beside a counter `x`: sample_names.ts).
   */
  assertNameFree(name: string, type?: MetricType): void {
    const existing = this.#metrics.get(name);
    if (existing !== undefined) throw new DuplicateMetricError(existing);
    if (type === undefined) return;
    for (const other of clashCandidates(name, type)) {
      const found = this.#metrics.get(other);
      if (found === undefined) continue;
      const otherType: MetricType = found instanceof Metric ? found.descriptor.type : "unknown"; // a collector: its name only
      const sample = clashingSample(name, type, other, otherType);
      if (sample !== undefined) throw clashError(name, type, other, otherType, sample, "this registry");
    }
  }

  /**
   * Adds a metric, or a custom collector: any object with a `name` and a `get()` (sync
   * or async) returning prom-client's MetricObject, run in the scraping process. Throws
   * {@link DuplicateMetricError} if the name is taken here.
   *
   * @example
   * ```ts
   * register.registerMetric({ name: "up", get: () => ({ name: "up", help: "Up.", type: "gauge", values: [{ value: 1, labels: {} }] }) });
   * ```
   */
  registerMetric(metric: RegisteredMetric): void {
    if (!(metric instanceof Metric) && !isCollector(metric)) {
      throw new TypeError(`registerMetric takes a metric or an object with a string name and a get() function (prom-client's collector), got ${describe(metric)}`);
    }
    const existing = this.#metrics.get(metric.name);
    if (existing !== undefined && existing !== metric) throw new DuplicateMetricError(existing);
    if (existing === undefined) this.assertNameFree(metric.name, metric instanceof Metric ? metric.descriptor.type : "unknown");
    this.#metrics.set(metric.name, metric);
    if (metric instanceof Metric) metric.registeredIn(this);
  }

  /**
   * The metric registered in this process under `name`, if any. A counter is found by
   * its name with or without `_total` (prom-client keeps the name as given).
   */
  getSingleMetric(name: string): RegisteredMetric | undefined {
    const metric = this.#metrics.get(name);
    if (metric !== undefined || !name.endsWith("_total")) return metric;
    const counter = this.#metrics.get(name.slice(0, -"_total".length));
    return counter instanceof Metric && counter.descriptor.type === "counter" ? counter : undefined;
  }

  /**
   * Drops the metric registered under `name`: this registry stops reporting it, and a
   * metric defined again under that name starts from nothing. Other processes keep
   * their own metric of that name, and its values (see the module comment).
   */
  removeSingleMetric(name: string): void {
    const metric = this.getSingleMetric(name);
    if (metric === undefined) return;
    this.#metrics.delete(metric.name);
    if (metric instanceof Metric) metric.droppedBy(this);
  }

  /**
   * Drops every metric and the default labels, as prom-client's `clear()` (default
   * metrics included). Only this process's registry is emptied: other processes keep
   * theirs, and a heap-wide registry still reports what they hold.
   *
   * @example
   * ```ts
   * beforeEach(() => register.clear());
   * ```
   */
  clear(): void {
    const dropped = [...this.#metrics.values()];
    this.#metrics.clear();
    this.#defaultLabels = [];
    for (const metric of dropped) if (metric instanceof Metric) metric.droppedBy(this);
  }

  /**
   * The metrics registered here in this process, in registration order; with
   * `aggregator`, only those whose `aggregator` is that (no aggregator counts as `"sum"`).
   */
  getMetricsAsArray(aggregator?: string): RegisteredMetric[] {
    const all = [...this.#metrics.values()];
    return aggregator === undefined ? all : all.filter((metric) => (metric.aggregator ?? "sum") === aggregator);
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

  /**
   * Resets every metric registered here, as prom-client's: labelled series are dropped,
   * unlabelled ones zeroed. Values are shared, so every process sees the reset.
   */
  resetMetrics(): void {
    for (const metric of this.#metrics.values()) metric.reset?.();
  }

  /**
   * Every metric's values in prom-client's shape, default labels included; with
   * `aggregator`, only the metrics registered here whose aggregator is that.
   *
   * @example
   * ```ts
   * const sums = await register.getMetricsAsJSON("sum");
   * ```
   */
  async getMetricsAsJSON(aggregator?: string): Promise<MetricObjectWithValues[]> {
    const entries = this.getMetricsAsArray(aggregator);
    const { collected, listings } = await this.#gather(entries);
    const own = entries.map((metric, i) => {
      const object = metric instanceof Metric ? metric.objectOf(metric.snapshotListed(listingOf(listings, metric))) : collected[i] as MetricObjectWithValues;
      return withDefaultLabelsObject(object, this.#defaultLabels);
    });
    if (aggregator !== undefined && aggregator !== "sum") return own;
    const others = this.#othersOnHeap(listings).map((family) => toMetricObject(this.#withDefaults(family)));
    return [...own, ...others];
  }

  /**
   * Every family this registry reports, read from shared memory now, default labels
   * included. `collect` callbacks and collectors run first, in this process.
   */
  async collect(): Promise<FamilySnapshot[]> {
    const entries = [...this.#metrics.values()];
    const { collected, listings } = await this.#gather(entries);
    const own = entries.map((metric, i) =>
      metric instanceof Metric ? metric.snapshotListed(listingOf(listings, metric)) : familyOfMetricObject(collected[i] as CollectorMetricObject)
    );
    return [...own, ...this.#othersOnHeap(listings)].map((family) => this.#withDefaults(family));
  }

  /**
   * Runs `collect` callbacks and collectors' `get()` (their results, by index), then
   * lists each heap involved once: callbacks may add series, which the listing must
   * include, and one listing per scrape keeps a scrape of many metrics cheap.
   */
  async #gather(entries: readonly RegisteredMetric[]): Promise<{ collected: unknown[]; listings: Map<Heap, DirectoryListing> }> {
    const collected = await Promise.all(entries.map(async (metric) => metric instanceof Metric ? void (await metric.runCollect()) : await metric.get()));
    const listings = new Map<Heap, DirectoryListing>();
    for (const metric of entries) {
      if (metric instanceof Metric && !listings.has(metric.heap)) listings.set(metric.heap, sharedDirectory(metric.heap).directory.list());
    }
    if (this.#heap !== undefined) {
      const heap = this.#heap === "default" ? defaultHeap() : this.#heap;
      if (!listings.has(heap)) listings.set(heap, sharedDirectory(heap).directory.list());
    }
    return { collected, listings };
  }

  /**
   * The scrape body in this registry's content type: text, or a `Uint8Array` for
   * {@link PROMETHEUS_PROTOBUF_CONTENT_TYPE}. Names outside the legacy character set
   * are written as they are (quoted in the text formats).
   *
   * @example
   * ```ts
   * const body = await register.metrics();
   * const bytes = await new Registry(Registry.PROMETHEUS_PROTOBUF_CONTENT_TYPE).metrics(); // Uint8Array
   * ```
   */
  async metrics(): Promise<MetricsBody<T>> {
    const started = host.monotonicMs();
    const body = serialize(formatOf(this.#contentType), await this.collect(), "allow-utf-8") as MetricsBody<T>;
    this.#lastScrapeSeconds = (host.monotonicMs() - started) / 1000;
    return body;
  }

  /**
   * Seconds the previous {@link metrics} or {@link scrape} of this registry took in this
   * process, collecting and serializing (undefined before the first); what
   * `mpmetrics_scrape_duration_seconds` reports (self_metrics.ts).
   *
   * @example
   * ```ts
   * await register.metrics();
   * console.log(register.lastScrapeDurationSeconds);
   * ```
   */
  get lastScrapeDurationSeconds(): number | undefined {
    return this.#lastScrapeSeconds;
  }

  /**
   * One metric's text in this registry's content type, without the trailing newline
   * (or `# EOF`), as prom-client's `getMetricsAsString`.
   *
   * @example
   * ```ts
   * const text = await register.getMetricsAsString(jobs);
   * ```
   */
  async getMetricsAsString(metric: RegisteredMetric): Promise<string> {
    if (!(metric instanceof Metric) && !isCollector(metric)) throw new TypeError(`getMetricsAsString takes a metric or a collector, got ${describe(metric)}`);
    // The protobuf format has no text: a protobuf registry gives the Prometheus text.
    const format = this.#contentType === PROMETHEUS_PROTOBUF_CONTENT_TYPE ? "prometheus" : formatOf(this.#contentType);
    const text = serialize(format, [this.#withDefaults(await familyOf(metric))], "allow-utf-8") as string;
    return text.replace(/\n(# EOF\n)?$/, "");
  }

  /**
   * The text of the metric registered here under `name` (see {@link getMetricsAsString}).
   *
   * @example
   * ```ts
   * const text = await register.getSingleMetricAsString("jobs");
   * ```
   */
  getSingleMetricAsString(name: string): Promise<string> {
    const metric = this.getSingleMetric(name);
    if (metric === undefined) return Promise.reject(new TypeError(`No metric named "${name}" is registered in this registry: register it first, or check the name`));
    return this.getMetricsAsString(metric);
  }

  /**
   * A scrape negotiated from an HTTP Accept header (see exposition/negotiate.ts):
   * protobuf or OpenMetrics 2.0 when the client names them first, OpenMetrics 1.0 when
   * it asks for it, else Prometheus text 0.0.4; names outside the legacy character set
   * as written for `escaping=allow-utf-8`, else escaped by the scheme asked for
   * (`underscores` when none is).
   *
   * @example
   * ```ts
   * const { contentType, body } = await register.scrape(request.headers.get("accept"));
   * ```
   */
  async scrape(accept: string | null | undefined): Promise<ScrapeResult> {
    const started = host.monotonicMs();
    const { format, escaping, contentType } = negotiate(accept);
    const body = serialize(format, await this.collect(), escaping);
    this.#lastScrapeSeconds = (host.monotonicMs() - started) / 1000;
    return { contentType, body };
  }

  /**
   * A registry holding the metrics of all of `registers` (prom-client's `merge`): they
   * must share a content type, and a name in two of them is the duplicate error. It is
   * heap-wide if one of them is.
   *
   * @example
   * ```ts
   * const both = Registry.merge([register, appRegistry]);
   * ```
   */
  static merge<T extends RegistryContentType>(registers: readonly Registry<T>[]): Registry<T> {
    if (!Array.isArray(registers) || registers.length === 0) throw new TypeError("Registry.merge takes a non-empty array of registries");
    const contentType = registers[0].contentType;
    if (registers.some((registry) => registry.contentType !== contentType)) {
      throw new TypeError("Registers can only be merged if they have the same content type");
    }
    const heapWide = registers.find((registry) => registry.isDefault);
    const merged = new Registry<T>(contentType, heapWide === undefined ? {} : { heap: heapWide.#heap });
    for (const registry of registers) for (const metric of registry.getMetricsAsArray()) merged.registerMetric(metric);
    return merged;
  }

  /**
   * A registry of collectors made from metric JSON of several registries (each an
   * array from `getMetricsAsJSON()`), combined per name by each metric's `aggregator`
   * (see {@link aggregators}; none means `"sum"`), as prom-client's `aggregate`. On a
   * shared heap the processes are combined already; this is for JSON gathered elsewhere.
   *
   * @example
   * ```ts
   * const total = Registry.aggregate([await a.getMetricsAsJSON(), await b.getMetricsAsJSON()]);
   * ```
   */
  static aggregate(metricsArr: ReadonlyArray<ReadonlyArray<CollectorMetricObject>>, contentType: TextContentType = PROMETHEUS_CONTENT_TYPE): Registry {
    const aggregated = new Registry(contentType);
    const byName = new Map<string, CollectorMetricObject[]>();
    for (const metrics of metricsArr) {
      for (const metric of metrics) {
        const list = byName.get(metric.name);
        if (list === undefined) byName.set(metric.name, [metric]);
        else list.push(metric);
      }
    }
    for (const metrics of byName.values()) {
      const name = metrics[0].aggregator ?? "sum";
      const aggregate = (aggregators as Record<string, (m: readonly CollectorMetricObject[]) => CollectorMetricObject | undefined>)[name];
      if (typeof aggregate !== "function") throw new TypeError(`'${name}' is not a defined aggregator.`);
      const result = aggregate(metrics);
      if (result !== undefined) aggregated.registerMetric({ ...result, get: () => result });
    }
    return aggregated;
  }

  #withDefaults(family: FamilySnapshot): FamilySnapshot {
    return this.#defaultLabels.length === 0 ? family : withDefaultLabels(family, this.#defaultLabels);
  }

  /**
   * The families other processes hold in a heap-wide registry of this registry's heap,
   * leaving out names this registry reports itself: per name, the earliest instance
   * still held (identity.ts). Empty for a registry that is not heap-wide.
   */
  #othersOnHeap(listings: ReadonlyMap<Heap, DirectoryListing>): FamilySnapshot[] {
    if (this.#heap === undefined) return [];
    const heap = this.#heap === "default" ? defaultHeap() : this.#heap;
    const shared = sharedDirectory(heap);
    const listing = listings.get(heap) ?? shared.directory.list();
    const seen = new Set(this.#metrics.keys());
    const families: FamilySnapshot[] = [];
    for (const record of listing.metrics) {
      if (heapWideHoldersOf(shared, record) === 0) continue;
      const name = instanceName(shared, record);
      if (seen.has(name)) continue;
      seen.add(name);
      const descriptor = descriptorOf(shared, record);
      families.push(readFamily({ shared, record, descriptor, series: listing.seriesByMetric.get(record) ?? [] }));
    }
    return families;
  }
}

function listingOf(listings: ReadonlyMap<Heap, DirectoryListing>, metric: Metric<string, unknown>): DirectoryListing {
  const listing = listings.get(metric.heap);
  if (listing === undefined) throw new RangeError(`No directory listing for the heap of "${metric.name}": a registry bug`);
  return listing;
}

async function familyOf(metric: RegisteredMetric): Promise<FamilySnapshot> {
  if (metric instanceof Metric) return metric.snapshot();
  return familyOfMetricObject(await metric.get() as CollectorMetricObject);
}

function describe(value: unknown): string {
  if (value === null || typeof value !== "object") return String(value);
  return `an object with keys ${Object.keys(value).join(", ") || "(none)"}`;
}

function withDefaultLabelsObject(object: MetricObjectWithValues, defaults: LabelPairs): MetricObjectWithValues {
  if (defaults.length === 0 || object.values === undefined) return object;
  const values = object.values.map((value: MetricValue) => {
    const labels: Record<string, string | number> = { ...value.labels };
    for (const [name, labelValue] of defaults) labels[name] ??= labelValue;
    return { ...value, labels };
  });
  return { ...object, values };
}

function withDefaultLabels(family: FamilySnapshot, defaults: LabelPairs): FamilySnapshot {
  const series = family.series.map((s: { labels: LabelPairs }) => {
    const own = new Set(s.labels.map(([name]) => name));
    const added = defaults.filter(([name]) => !own.has(name));
    return added.length === 0 ? s : { ...s, labels: [...s.labels, ...added], defaultLabelCount: added.length };
  });
  return { ...family, series } as FamilySnapshot;
}

function checkContentType<T extends RegistryContentType>(contentType: T): T {
  if (
    contentType !== PROMETHEUS_CONTENT_TYPE && contentType !== OPENMETRICS_CONTENT_TYPE &&
    contentType !== OPENMETRICS2_CONTENT_TYPE && contentType !== PROMETHEUS_PROTOBUF_CONTENT_TYPE
  ) {
    throw new TypeError(
      `Content type ${contentType} is unsupported: use Registry.PROMETHEUS_CONTENT_TYPE, Registry.OPENMETRICS_CONTENT_TYPE, ` +
        "Registry.OPENMETRICS2_CONTENT_TYPE or Registry.PROMETHEUS_PROTOBUF_CONTENT_TYPE",
    );
  }
  return contentType;
}

function formatOf(contentType: RegistryContentType): ExpositionFormat {
  switch (contentType) {
    case OPENMETRICS_CONTENT_TYPE:
      return "openmetrics";
    case OPENMETRICS2_CONTENT_TYPE:
      return "openmetrics2";
    case PROMETHEUS_PROTOBUF_CONTENT_TYPE:
      return "protobuf";
    default:
      return "prometheus";
  }
}

/** Serializes `families` in `format`, names escaped by `escaping` (quoted where needed under `allow-utf-8`). */
function serialize(format: ExpositionFormat, families: readonly FamilySnapshot[], escaping: EscapingScheme): string | Uint8Array {
  const escaped = escapeFamilies(families, escaping);
  if (format === "protobuf") return serializeProtobuf(escaped);
  const options = { quoteNames: escaping === "allow-utf-8" && hasUtf8Names(escaped) };
  if (format === "openmetrics") return serializeOpenMetrics(escaped, options);
  if (format === "openmetrics2") return serializeOpenMetrics2(escaped, options);
  return serializePrometheusText(escaped, options);
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
export const register: Registry = new Registry(PROMETHEUS_CONTENT_TYPE, { heap: "default" });
setDefaultRegistrars([register]);
