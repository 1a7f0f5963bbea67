/**
 * What every metric type shares: its descriptor in the shared directory, validation of
 * its configuration, and the per-isolate cache from label values to series handles.
 *
 * Which storage a metric object binds to is decided by identity.ts: module-level
 * metrics defined the same way in every process share one storage, while inside one
 * process every registry and every definition after `clear()` gets its own.
 *
 * @module
 */

import type { Heap } from "../heap/heap.ts";
import { defaultHeap } from "../heap/default_heap.ts";
import { type CellBlock, cellBlockOf, WriterCells } from "../heap/cells.ts";
import { raiseSeriesEpoch } from "../heap/epochs.ts";
import { type DirectoryListing, RecordField, RecordKind, type RecordStorage, SeriesFlag } from "../heap/directory.ts";
import { type SharedDirectory, sharedDirectory } from "../heap/shared_directory.ts";
import type { FamilySnapshot, LabelPairs, MetricType } from "../exposition/snapshot.ts";
import { checkHelp, checkLabelNames, checkMetricName, inspectNames, labelValueString } from "./validate.ts";
import { type MetricObjectWithValues, toMetricObject } from "./metric_object.ts";
import { claimInstance, releaseInstance } from "./identity.ts";
import { LabelHits } from "./label_hits.ts";
import { checkFamilySnapshot } from "./snapshot_check.ts";
import { decodeDescriptor, decodeLabelOrder, decodeLabelValues } from "./decode_record.ts";
import { heapStats } from "../heap/stats.ts";
import {
  type CardinalityOverflow,
  cardinalityOverflowDefault,
  checkOverflowMode,
  emitOverflowWarning,
  isOverflowKey,
  overflowError,
  overflowKeyBytes,
  overflowLabel,
  overflowLabelPairs,
} from "./overflow.ts";

/** Label values keyed by label name, as prom-client takes them. */
export type LabelValues<T extends string> = Partial<Record<T, string | number>>;

/** Where a metric registers itself; implemented by Registry. */
export interface MetricRegistrar {
  /**
   * Throws (DuplicateMetricError) if another metric of this name is registered here, or
   * a TypeError if a family of `type` named `name` would share a sample name with one.
   */
  assertNameFree(name: string, type?: MetricType): void;
  registerMetric(metric: Metric<string, unknown>): void;
  /** Whether this registry is heap-wide (reports the metrics of every process). */
  readonly isDefault: boolean;
}

/** Options every metric type accepts (prom-client's names). */
export interface MetricConfiguration<T extends string> {
  /** Metric name; for a counter, without `_total` (a trailing `_total` is dropped, as prom-client does). */
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly T[];
  /** Registries to register with; default `[register]`. Pass `[]` for none. */
  readonly registers?: readonly MetricRegistrar[];
  /**
   * Most label sets this metric may hold (across all processes); default 10000. Storage
   * is never freed, so `reset()` and `remove()` make no room. Past it, see
   * `onCardinalityOverflow`.
   */
  readonly maxSeries?: number;
  /**
   * What a label set past `maxSeries` does: `"overflow"` counts it in the metric's one
   * `otel_metric_overflow="true"` series, with one warning per process (overflow.ts);
   * `"throw"` throws a RangeError. Default: {@link setCardinalityOverflowDefault}'s,
   * `"overflow"` unless changed.
   */
  readonly onCardinalityOverflow?: CardinalityOverflow;
  /** The heap to live in; default the shared default heap. */
  readonly heap?: Heap;
  /**
   * Called before every scrape that reads this metric, in the scraping process (sync or
   * async), to bring values up to date (prom-client's `collect`).
   */
  readonly collect?: (this: Metric<T, unknown>) => void | Promise<void>;
}

/** The descriptor stored in the directory, as JSON. */
export interface MetricDescriptor {
  readonly type: MetricType;
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  /** Per-type settings (buckets, percentiles, ...), compared between processes. */
  readonly settings: Readonly<Record<string, unknown>>;
}

/** Everything a family reader needs to turn shared memory into a snapshot. */
export interface FamilySource {
  readonly shared: SharedDirectory;
  readonly record: number;
  readonly descriptor: MetricDescriptor;
  readonly series: readonly number[];
}

/** Turns one metric's shared memory into a snapshot; one per metric type. */
export type FamilyReader = (source: FamilySource) => FamilySnapshot;

const familyReaders = new Map<MetricType, FamilyReader>();

/** Registers the reader for a metric type (each type's module does this once). */
export function registerFamilyReader(type: MetricType, reader: FamilyReader): void {
  familyReaders.set(type, reader);
}

/**
 * Reads a metric family from shared memory, whether or not this process has an
 * object for it; values only damage can produce are a HeapError (snapshot_check.ts).
 */
export function readFamily(source: FamilySource): FamilySnapshot {
  const reader = familyReaders.get(source.descriptor.type);
  if (reader === undefined) throw new TypeError(`No reader for metric type "${source.descriptor.type}" of "${source.descriptor.name}"`);
  const { directory } = source.shared;
  const series = source.series.filter((record) => (directory.loadField(record, RecordField.flags) & SeriesFlag.removed) === 0);
  return checkFamilySnapshot(source.shared.heap, source.record, reader(series.length === source.series.length ? source : { ...source, series }));
}

/** The epoch a series' values belong to now (see heap/cells.ts). */
export function seriesEpoch(shared: SharedDirectory, record: number): number {
  return shared.directory.loadField(record, RecordField.epoch) | 0;
}

/** The cell block of a series record. */
export function seriesCells(shared: SharedDirectory, record: number): CellBlock {
  return cellBlockOf(shared.directory, record);
}

/** The descriptor of a metric record, parsed once per isolate. */
export function descriptorOf(shared: SharedDirectory, record: number): MetricDescriptor {
  let descriptor = shared.descriptors.get(record) as MetricDescriptor | undefined;
  if (descriptor === undefined) {
    descriptor = decodeDescriptor(shared, record, shared.directory.value(record));
    shared.descriptors.set(record, descriptor);
  }
  return descriptor;
}

/** Label pairs per series record, per isolate (records are immutable once published). */
const labelPairsCache = new WeakMap<SharedDirectory, Map<number, LabelPairs>>();

/**
 * A series' label pairs (empty values left out, as Prometheus treats them), cached per
 * isolate. They come in the order of the call that created the series (prom-client
 * writes a series' labels in the key order of that call's labels object), which the
 * series record's value holds when it differs from `labelNames` order.
 */
export function seriesLabels(shared: SharedDirectory, record: number, labelNames: readonly string[]): LabelPairs {
  let cache = labelPairsCache.get(shared);
  if (cache === undefined) labelPairsCache.set(shared, cache = new Map());
  const cached = cache.get(record);
  if (cached !== undefined) return cached;
  let values = shared.labelValues.get(record);
  if (values === undefined) {
    const key = shared.directory.key(record);
    if (isOverflowKey(key)) {
      cache.set(record, overflowLabelPairs);
      return overflowLabelPairs;
    }
    values = decodeLabelValues(shared, record, key, labelNames.length);
    shared.labelValues.set(record, values);
  }
  const order = decodeLabelOrder(shared, record, shared.directory.value(record), labelNames);
  const pairs: [string, string][] = [];
  for (const name of order) {
    const i = labelNames.indexOf(name);
    if (i >= 0 && values[i] !== "") pairs.push([labelNames[i], values[i]]);
  }
  cache.set(record, pairs);
  return pairs;
}

/**
 * The label order to store with a new series created by a labels object: its keys as
 * given, when they are not in `labelNames` order (empty bytes mean `labelNames` order).
 */
function labelOrderBytes(labelNames: readonly string[], labels: object | undefined): Uint8Array {
  if (labels === undefined) return new Uint8Array(0);
  const given = Object.keys(labels).filter((name) => labelNames.includes(name) && (labels as Record<string, unknown>)[name] !== undefined);
  const canonical = labelNames.filter((name) => given.includes(name));
  if (given.every((name, i) => name === canonical[i])) return new Uint8Array(0);
  return new TextEncoder().encode(JSON.stringify(given));
}

/** Unix seconds at which a series was created. */
export function seriesCreatedSeconds(shared: SharedDirectory, record: number): number {
  return shared.directory.createdMs(record) / 1000;
}

const defaultMaxSeries = 10000;
const labelKeyBytesMax = 4096;

/** Settings that shape a metric type's storage and descriptor. */
export interface MetricKind {
  readonly type: MetricType;
  /** Label names this type reserves (`le` for histograms). */
  readonly reservedLabels: readonly string[];
  /** Per-type settings stored in the descriptor. */
  readonly settings: Readonly<Record<string, unknown>>;
  /** The name as the user gave it, where the type changes it (a counter's `_total`); what `get()` reports. */
  readonly givenName?: string;
}

/**
 * The base of every metric type. `Child` is the handle type of one series (what
 * `labels(...)` returns).
 */
export abstract class Metric<T extends string, Child> {
  /** The metric name (a counter's without `_total`). */
  readonly name: string;
  /** The name as given, as prom-client keeps it and `get()` reports it. */
  readonly givenName: string;
  /** The help text. */
  readonly help: string;
  /** The label names, in order. */
  readonly labelNames: readonly T[];
  /** Most label sets this metric may hold. */
  readonly maxSeries: number;
  /** The heap this metric lives in. */
  readonly heap: Heap;
  /** The descriptor as stored in the directory. */
  readonly descriptor: MetricDescriptor;

  protected readonly shared: SharedDirectory;
  /** Offset of this metric's directory record. */
  protected readonly record: number;
  readonly #collect: MetricConfiguration<T>["collect"];
  readonly #children = new Map<string, Child>();
  /** The registry whose dropping of this metric lets go of its storage (identity.ts). */
  #owner: MetricRegistrar | undefined;
  #released = false;
  /** Whether this object was made for a heap-wide registry (counted apart: identity.ts). */
  #heapWide: boolean;
  /** Series of a recycled instance whose type-specific storage still needs zeroing (before first use). */
  #pendingReset: readonly number[];
  #unlabelled: Child | undefined;
  readonly #labelIndex: Map<string, number>;
  /** Label sets seen before, by raw values (label_hits.ts); undefined without labels. */
  readonly #hits: LabelHits<Child> | undefined;
  /** This metric's own `onCardinalityOverflow` (undefined: follow the default). */
  readonly #overflowMode: CardinalityOverflow | undefined;
  /** The overflow series' record once this isolate has seen it (0 before). */
  #overflowRecord = 0;
  /** The overflow series' handle: the one handle every overflowed label set gets (never cached per label set). */
  #overflowChild: Child | undefined;
  /** Whether this object has asked for the overflow warning (given once per metric per process: overflow.ts). */
  #overflowWarned = false;

  protected constructor(kind: MetricKind, config: MetricConfiguration<T>) {
    if (config === null || typeof config !== "object") throw new TypeError(`A ${kind.type} needs a configuration object`);
    const name = checkMetricName(config.name);
    this.name = name;
    this.givenName = typeof kind.givenName === "string" ? kind.givenName : name;
    this.help = checkHelp(name, config.help);
    if (Array.isArray(config.labelNames) && config.labelNames.includes(overflowLabel as T)) {
      throw new TypeError(`Invalid label name "${overflowLabel}" for "${name}": it is reserved for the series that counts label sets past maxSeries; rename the label`);
    }
    this.labelNames = checkLabelNames(name, config.labelNames, kind.reservedLabels) as T[];
    this.#labelIndex = new Map(this.labelNames.map((label, i) => [label, i]));
    this.#hits = this.labelNames.length === 0 ? undefined : new LabelHits(this.labelNames);
    const maxSeries = config.maxSeries ?? defaultMaxSeries;
    if (!Number.isInteger(maxSeries) || maxSeries < 1) throw new RangeError(`maxSeries of "${name}" must be a positive integer, got ${maxSeries}`);
    this.maxSeries = maxSeries;
    this.#overflowMode = checkOverflowMode(name, config.onCardinalityOverflow);
    if (config.collect !== undefined && typeof config.collect !== "function") throw new TypeError(`collect of "${name}" must be a function`);
    this.#collect = config.collect;
    this.descriptor = { type: kind.type, name, help: this.help, labelNames: this.labelNames, settings: kind.settings };
    const registries = config.registers ?? defaultRegistrars;
    for (const registry of registries) registry.assertNameFree(name, kind.type); // as prom-client, before anything is published
    this.heap = config.heap ?? defaultHeap();
    this.shared = sharedDirectory(this.heap);
    const heapWide = registries.find((registry) => registry.isDefault);
    this.#owner = heapWide ?? registries[0];
    this.#heapWide = heapWide !== undefined;
    const claim = claimInstance(this.shared, { heapWide: this.#heapWide, none: registries.length === 0 }, name, kind.type, JSON.stringify(this.descriptor), () => this.allocateMetricLocked());
    this.record = claim.record;
    this.#pendingReset = claim.recycledSeries;
    releaseOnCollect.register(this, { shared: this.shared, record: this.record, heapWide: this.#heapWide }, this);
    for (const registry of registries) registry.registerMetric(this as Metric<string, unknown>);
  }

  /**
   * Called by a registry that drops this metric (`clear()`, `removeSingleMetric()`): if
   * it is the registry this metric was made for, the metric lets go of its storage, and
   * the next definition of the name starts from nothing (identity.ts). A metric made
   * with `registers: []` belongs to the first registry that registers it.
   */
  droppedBy(registry: MetricRegistrar): void {
    if (this.#released || registry !== this.#owner) return;
    this.#released = true;
    releaseOnCollect.unregister(this);
    releaseInstance(this.shared, this.record, this.#heapWide);
  }

  /** Called by a registry that adds this metric: the first one owns a metric made with `registers: []`. */
  registeredIn(registry: MetricRegistrar): void {
    this.#owner ??= registry;
  }

  /** Zeroes what a recycled instance left in type-specific storage; a no-op after the first call. */
  #settle(): void {
    if (this.#pendingReset.length === 0) return;
    const series = this.#pendingReset;
    this.#pendingReset = [];
    this.#resetSeriesRecords(series);
  }

  /** Allocates one new series' storage; called under the heap lock. */
  protected abstract allocateSeriesLocked(): RecordStorage;
  /** Makes this isolate's handle for a series record. */
  protected abstract bindChild(record: number): Child;

  /**
   * Allocates storage shared by the whole metric (not by one series), once, when the
   * first process publishes the metric; its offsets land in the metric record's fields
   * (read them with `this.shared.directory.field(this.record, RecordField.sharedOffset)`).
   * Called under the heap lock from the base constructor, so an override may use
   * `this.heap` and nothing of its own class. Default: none.
   */
  protected allocateMetricLocked(): RecordStorage {
    return {};
  }

  /**
   * The metric's family as of now, read from shared memory (all processes), after
   * running its `collect` callback.
   */
  async snapshot(): Promise<FamilySnapshot> {
    await this.runCollect();
    return this.snapshotFromHeap();
  }

  /**
   * The family as of `listing` (a directory listing of this metric's heap taken after
   * `collect` ran), without running `collect`: a registry lists the heap once per scrape.
   */
  snapshotListed(listing: DirectoryListing): FamilySnapshot {
    return this.snapshotFromHeap(listing.seriesByMetric.get(this.record) ?? []);
  }

  /** Runs the `collect` callback, if any (a registry does this before reading the heap). */
  async runCollect(): Promise<void> {
    if (this.#collect !== undefined) await this.#collect.call(this as Metric<T, unknown>);
  }

  /** The family as of now, without running `collect` (what a scrape of another process's metric gives). */
  protected snapshotFromHeap(series?: readonly number[]): FamilySnapshot {
    this.#settle();
    return readFamily({ shared: this.shared, record: this.record, descriptor: this.descriptor, series: series ?? this.#seriesRecords() });
  }

  /**
   * The values in prom-client's shape, `{ name, help, type, values, aggregator }`.
   *
   * @example
   * ```ts
   * const { values } = await jobs.get();
   * ```
   */
  async get(): Promise<MetricObjectWithValues> {
    return this.objectOf(await this.snapshot());
  }

  /**
   * A family of this metric in prom-client's shape, as {@link get} returns it: the name
   * as given, this metric's aggregator, and `exemplar: null` on a histogram's finite
   * buckets that have none when exemplars are enabled (prom-client's shape).
   */
  objectOf(family: FamilySnapshot): MetricObjectWithValues {
    const object = toMetricObject(family);
    let values = object.values;
    if (family.type === "histogram" && this.descriptor.settings.exemplars === true) {
      const bucket = `${family.name}_bucket`;
      values = values.map((v) => (v.metricName === bucket && v.labels.le !== "+Inf" && v.exemplar === undefined ? { ...v, exemplar: null } : v));
    }
    return { ...object, values, name: this.givenName, aggregator: this.aggregator };
  }

  /** How the values of several processes combine, as `get()` reports it (prom-client's `aggregator`). */
  get aggregator(): string {
    return "sum";
  }

  /**
   * Resets the metric as prom-client does, in every process: a metric with labels loses
   * every series (an update brings one back from zero); one without labels is zeroed
   * and its `_created` time restarts. Writers notice on their next update; nothing waits.
   *
   * @example
   * ```ts
   * requests.reset();
   * ```
   */
  reset(): void {
    this.#settle();
    this.#resetSeriesRecords(this.#seriesRecords());
  }

  #resetSeriesRecords(series: readonly number[]): void {
    const now = Date.now();
    const { directory } = this.shared;
    for (const record of series) {
      if (this.labelNames.length === 0) directory.clearFlags(record, SeriesFlag.removed);
      else directory.setFlags(record, SeriesFlag.removed);
      this.resetSeries(record, now);
    }
  }

  /**
   * Removes one label set: it leaves the scrape and its values are zeroed. Any later
   * update of that label set, from any process, brings it back starting from zero.
   *
   * @example
   * ```ts
   * requests.remove("GET", "200");
   * requests.remove({ method: "GET", code: "200" });
   * ```
   */
  remove(...values: (string | number)[]): void;
  remove(labels: LabelValues<T>): void;
  remove(...args: unknown[]): void {
    this.#settle();
    const values = args.length === 1 && args[0] !== null && typeof args[0] === "object"
      ? this.#valuesOf(args[0] as LabelValues<T>)
      : this.#checkedValues(args);
    const record = this.shared.directory.find(RecordKind.series, this.record, this.#keyBytes(values));
    if (record === 0) return;
    this.shared.directory.setFlags(record, SeriesFlag.removed);
    this.resetSeries(record, Date.now());
  }

  /**
   * Moves a series to a new epoch (see heap/cells.ts); types with shared cells (gauges)
   * also zero those.
   */
  protected resetSeries(record: number, unixMs: number): void {
    raiseSeriesEpoch(this.shared.directory, record);
    this.shared.directory.setCreatedMs(record, unixMs);
  }

  /**
   * This isolate's writer cells of a series. Their first update after a reset or a
   * removal zeroes them and revives a removed series.
   */
  protected writerCells(record: number): WriterCells {
    const { directory } = this.shared;
    return new WriterCells(this.heap, cellBlockOf(directory, record), directory.int32Field(record, RecordField.epoch), () => {
      directory.clearFlags(record, SeriesFlag.removed);
    });
  }

  #seriesRecords(): number[] {
    return this.shared.directory.list().seriesByMetric.get(this.record) ?? [];
  }

  /**
   * The handle of one label set, by values in `labelNames` order. Cached: keep it and
   * call it on the hot path.
   *
   * @example
   * ```ts
   * const getOk = requests.labels("GET", "200");
   * getOk.inc();
   * ```
   */
  labels(...values: (string | number)[]): Child;
  /** The handle of one label set, by name. */
  labels(labels: LabelValues<T>): Child;
  labels(...args: unknown[]): Child {
    if (args.length === 1 && args[0] !== null && typeof args[0] === "object") return this.childFor(args[0] as LabelValues<T>);
    if (args.length !== this.labelNames.length) {
      throw this.#argumentCountError(args, "labels()");
    }
    const hit = this.#hits?.byValues(args);
    if (hit !== undefined) return hit;
    const values = this.#checkedValues(args);
    const key = args.length === 0 ? "" : this.#keyOf(values);
    const child = this.#children.get(key) ?? this.#createChild(key, values);
    if (this.#children.get(key) === child) this.#hits?.remember(args, values, child); // a series of its own
    return child;
  }

  #checkedValues(args: readonly unknown[]): string[] {
    if (args.length !== this.labelNames.length) {
      throw this.#argumentCountError(args, "this call");
    }
    return args.map((v, i) => labelValueString(this.name, this.labelNames[i], v));
  }

  #argumentCountError(args: readonly unknown[], what: string): TypeError {
    const names = this.labelNames;
    return new TypeError(
      `Invalid number of arguments (${args.length}): "${args.join(", ")}" for label names (${names.length}): "${names.join(", ")}". "${this.name}" has ${names.length} labels (${names.join(", ")}) but ${what} got ${args.length} values`,
    );
  }

  #keyBytes(values: readonly string[]): Uint8Array {
    return new TextEncoder().encode(JSON.stringify(values));
  }

  /**
   * The hit cache of label lookups (label_hits.ts; undefined without labels), for a type
   * whose hot methods keep it in a field of their own: a field of the base class is read
   * from instances of every metric class, and an engine's inline cache for it goes
   * megamorphic in a program using them all (bench/mixed/); a miss still goes through
   * {@link childFor}.
   */
  protected get labelHits(): LabelHits<Child> | undefined {
    return this.#hits;
  }

  /**
   * The handle for a labels object (missing labels count as empty). Callers validate the
   * value they are about to apply first (the unused second argument documents that),
   * so that bad input never creates a series.
   */
  protected childFor(labels: LabelValues<T>, _validatedValue?: number): Child {
    return this.#hits?.byObject(labels) ?? this.#childForMiss(labels);
  }

  /**
   * Throws the error the labels object would give when it is used (an unknown label
   * name, a value neither string nor number), without making a series: what
   * `startTimer(labels)` checks up front. A label set seen before passes at once.
   */
  protected checkLabels(labels: LabelValues<T> | undefined): void {
    if (labels === undefined) return;
    if (labels === null || typeof labels !== "object") {
      throw new TypeError(`Labels of "${this.name}" must be an object of label names to values, got ${labels === null ? "null" : typeof labels}`);
    }
    if (this.#hits?.byObject(labels) !== undefined) return;
    this.#valuesOf(labels);
  }

  /** The slow path of {@link childFor}: validation, normalization, the series made if new. */
  #childForMiss(labels: LabelValues<T>): Child {
    const values = this.#valuesOf(labels);
    const key = this.#keyOf(values);
    const child = this.#children.get(key) ?? this.#createChild(key, values, labels);
    const hits = this.#hits;
    if (hits !== undefined && this.#children.get(key) === child) hits.remember(hits.rawValues(labels), values, child); // a series of its own
    return child;
  }

  /**
   * The handle of the label set with every label empty (what `inc()` without labels
   * uses). On a labelled metric this makes a series: callers validate the value first
   * (the unused argument documents that), so that bad input never creates one.
   */
  protected unlabelledChild(_validatedValue?: number): Child {
    if (this.#unlabelled !== undefined) return this.#unlabelled;
    const values = this.labelNames.map(() => "");
    const key = values.join("\0");
    this.#unlabelled = this.#children.get(key) ?? this.#createChild(key, values);
    return this.#unlabelled;
  }

  #keyOf(values: readonly unknown[]): string {
    let key = String(values[0]);
    for (let i = 1; i < values.length; i++) key += "\0" + String(values[i]);
    return key;
  }

  #valuesOf(labels: LabelValues<T>): string[] {
    const values = new Array<string>(this.labelNames.length).fill("");
    for (const label in labels) {
      const index = this.#labelIndex.get(label);
      if (index === undefined) {
        throw new TypeError(
          `Added label "${label}" is not included in initial labelset: ${inspectNames(this.labelNames)}. Label "${label}" is not a label of "${this.name}" (its labels: ${this.labelNames.join(", ") || "none"})`,
        );
      }
      const value = labels[label as T];
      if (value !== undefined) values[index] = labelValueString(this.name, label, value);
    }
    return values;
  }

  /**
   * The miss path: finds or publishes the series of a label set this isolate has no
   * handle for. `labels`: the labels object of the creating call, whose key order the
   * series keeps.
   *
   * Past `maxSeries` (overflow.ts), the label set gets the overflow series' handle and is
   * remembered nowhere: a flood of distinct label sets grows no per-process map. Series
   * records are never removed, so once a metric is full it stays full; that is decided
   * from the published series count without the lock, so a flood takes the heap lock at
   * most once per process (to find or publish the overflow series).
   */
  #createChild(key: string, values: string[], labels?: object): Child {
    this.#settle();
    for (const value of values) {
      if (value.includes("\0")) throw new TypeError(`Label values of "${this.name}" may not contain NUL characters`);
    }
    const keyBytes = this.#keyBytes(values);
    if (keyBytes.byteLength > labelKeyBytesMax) {
      throw new RangeError(`Label values of "${this.name}" take ${keyBytes.byteLength} bytes; at most ${labelKeyBytesMax} are allowed`);
    }
    const { directory } = this.shared;
    let record = directory.find(RecordKind.series, this.record, keyBytes);
    if (record === 0) {
      if (this.#isFull()) return this.#overflowed(values);
      record = this.heap.withLock(() => {
        const existing = directory.find(RecordKind.series, this.record, keyBytes);
        if (existing !== 0) return existing;
        if (this.#isFull()) return 0; // filled by another process meanwhile
        return directory.insertLocked(RecordKind.series, this.record, keyBytes, labelOrderBytes(this.labelNames, labels), this.allocateSeriesLocked());
      });
      if (record === 0) return this.#overflowed(values);
    }
    const child = this.bindChild(record);
    this.#children.set(key, child);
    return child;
  }

  /** Whether `maxSeries` label sets have series (the overflow series left out), published by any process. */
  #isFull(): boolean {
    const count = this.shared.directory.loadField(this.record, RecordField.seriesCount);
    if (count < this.maxSeries) return false;
    if (this.#overflowRecord === 0) this.#overflowRecord = this.shared.directory.find(RecordKind.series, this.record, overflowKeyBytes);
    return (this.#overflowRecord === 0 ? count : count - 1) >= this.maxSeries;
  }

  /** A label set past `maxSeries`: the overflow series' handle, or the RangeError of `"throw"` mode. */
  #overflowed(values: readonly string[]): Child {
    if ((this.#overflowMode ?? cardinalityOverflowDefault()) === "throw") {
      throw overflowError(this.name, values, this.maxSeries);
    }
    heapStats.overflowedLabelSets++;
    if (!this.#overflowWarned) {
      this.#overflowWarned = true;
      emitOverflowWarning(this.heap.path, this.name, this.maxSeries);
    }
    if (this.#overflowChild !== undefined) return this.#overflowChild;
    if (this.#overflowRecord === 0) {
      const { directory } = this.shared;
      this.#overflowRecord = this.heap.withLock(() =>
        directory.find(RecordKind.series, this.record, overflowKeyBytes) ||
        directory.insertLocked(RecordKind.series, this.record, overflowKeyBytes, new Uint8Array(0), this.allocateSeriesLocked())
      );
    }
    return this.#overflowChild = this.bindChild(this.#overflowRecord);
  }
}

/**
 * Lets go of the storage of a metric object that was garbage-collected while it still
 * held it (made with `registers: []` and never dropped, say), so that abandoned objects
 * do not keep instances from being recycled.
 */
const releaseOnCollect = new FinalizationRegistry<{ readonly shared: SharedDirectory; readonly record: number; readonly heapWide: boolean }>(
  ({ shared, record, heapWide }) => {
    if (!shared.heap.closed) releaseInstance(shared, record, heapWide);
  },
);

/** The registries a metric joins when `registers` is not given; set by registry.ts. */
let defaultRegistrars: readonly MetricRegistrar[] = [];

/** Sets the registries metrics join by default (the default registry, once it exists). */
export function setDefaultRegistrars(registrars: readonly MetricRegistrar[]): void {
  defaultRegistrars = registrars;
}
