/**
 * Info: one label set that describes the target (a version, a build, a configuration),
 * exposed as `name_info{...} 1` (OpenMetrics type `info`; a gauge in text 0.0.4).
 *
 * Storage. The metric owns one shared 32-bit word, `current`, allocated with its
 * directory record: the record offset of the series shown now, 0 for none. Each label set
 * ever given is a series record with no cells. `info(labels)` finds or creates the
 * record of that label set, clears its removed flag, then stores its offset in `current`
 * with one atomic store. A reader loads `current` once and shows that one series (if it
 * is not removed), so it sees the previous label set or the new one, never both, never a
 * mix, and the last `info()` of any process wins. `remove(labels)` and `reset()` clear
 * `current` with a compare-and-swap, only if it still names that label set.
 *
 * Records are never freed: every distinct label set ever given keeps one, up to
 * `maxSeries` (default 10000). Give `info()` values that change rarely.
 *
 * @module
 */

import { RecordField, type RecordStorage, SeriesFlag } from "../heap/directory.ts";
import { damaged } from "../heap/bounds.ts";
import type { InfoFamily, InfoSeries } from "../exposition/snapshot.ts";
import { type FamilySource, type LabelValues, Metric, type MetricConfiguration, registerFamilyReader, seriesLabels } from "./metric.ts";

/**
 * Options of an {@link Info}: the common ones. A trailing `_info` in the name is dropped
 * (the sample is `name_info`), as Counter drops `_total`.
 *
 * @example
 * ```ts
 * const config: InfoConfiguration<"version"> = { name: "build", help: "Build.", labelNames: ["version"] };
 * ```
 */
export type InfoConfiguration<T extends string> = MetricConfiguration<T>;

/** The series record behind one label set (an Info has no per-series handle). */
type InfoSeriesRecord = number;

function readInfoFamily(source: FamilySource): InfoFamily {
  const { shared, descriptor, record } = source;
  const { heap, directory } = shared;
  const word = directory.field(record, RecordField.sharedOffset);
  if (word === 0) throw damaged(heap, record, `info ${descriptor.name} has no current-series word`);
  heap.ensure(word + 4);
  const current = Atomics.load(heap.i32, word / 4) >>> 0;
  const series: InfoSeries[] = [];
  // Not looked up in source.series: an info() after the listing was taken still shows.
  if (current !== 0) directory.checkRecord(current); // a mutable word: damage could point anywhere
  if (
    current !== 0 &&
    directory.field(current, RecordField.parent) === record &&
    (directory.loadField(current, RecordField.flags) & SeriesFlag.removed) === 0
  ) {
    series.push({ labels: seriesLabels(shared, current, descriptor.labelNames) });
  }
  return { type: "info", name: descriptor.name, help: descriptor.help, series };
}

registerFamilyReader("info", readInfoFamily);

/**
 * An info metric: the label set given last to `info()`, by any process, with value 1.
 *
 * @example
 * ```ts
 * import { Info } from "mpmetrics";
 * const build = new Info({ name: "build", help: "The running build.", labelNames: ["version", "commit"] });
 * build.info({ version: "1.4.0", commit: "1e90376" });
 * // build_info{version="1.4.0",commit="1e90376"} 1
 * ```
 */
export class Info<T extends string = string> extends Metric<T, InfoSeriesRecord> {
  /** The metric's `current` word (see the module comment). */
  readonly #current: Int32Array;

  constructor(config: InfoConfiguration<T>) {
    super(
      { type: "info", reservedLabels: [], settings: {} },
      { ...config, name: typeof config?.name === "string" ? config.name.replace(/_info$/, "") : config?.name },
    );
    const word = this.shared.directory.field(this.record, RecordField.sharedOffset);
    if (word === 0) throw damaged(this.heap, this.record, `info ${this.name} has no current-series word`);
    this.#current = this.heap.int32View(word, 1);
  }

  /**
   * Sets the label values of the info's one series, replacing the previous label set in
   * every process's scrape. Labels left out are empty (and left out of the sample).
   *
   * @example
   * ```ts
   * build.info({ version: "1.4.1", commit: "a6bba5d" });
   * ```
   */
  info(labels: LabelValues<T> = {}): void {
    if (labels === null || typeof labels !== "object" || Array.isArray(labels)) {
      throw new TypeError(`info() of "${this.name}" takes an object of label values, got ${labels === null ? "null" : Array.isArray(labels) ? "an array" : typeof labels}`);
    }
    const record = this.childFor(labels); // validates names and values before anything is made
    this.shared.directory.clearFlags(record, SeriesFlag.removed);
    Atomics.store(this.#current, 0, record | 0);
  }

  /**
   * An info has no per-label-set handles: give its labels to {@link info}. Always throws.
   *
   * @example
   * ```ts
   * build.info({ version: "1.4.1" }); // not build.labels("1.4.1")
   * ```
   */
  override labels(..._args: unknown[]): never {
    throw new TypeError(`Info "${this.name}" has no labels() handles: set its label values with info({ ... })`);
  }

  protected override allocateMetricLocked(): RecordStorage {
    return { sharedOffset: this.heap.allocLocked(8, 8) };
  }

  protected allocateSeriesLocked(): RecordStorage {
    return {};
  }

  protected bindChild(record: number): InfoSeriesRecord {
    return record;
  }

  /** Stops showing the label set if it is the current one, then moves it to a new epoch. */
  protected override resetSeries(record: number, unixMs: number): void {
    Atomics.compareExchange(this.#current, 0, record | 0, 0);
    super.resetSeries(record, unixMs);
  }
}
