/**
 * Gauge: a value that goes up and down, combined over processes in one of seven modes
 * (gauge/modes.ts). The mode is part of the descriptor, so every process agrees on it.
 * Storage and algorithm: gauge/shared.ts for the default mode `"shared"`,
 * gauge/process.ts for the per-process modes.
 *
 * @module
 */

import { reserveCellsLocked } from "../../heap/cells.ts";
import { RecordField, type RecordStorage } from "../../heap/directory.ts";
import { check, host, native } from "../../native/index.ts";
import type { GaugeFamily, GaugeSeries, LabelPairs } from "../../exposition/snapshot.ts";
import type { LabelHits } from "../label_hits.ts";
import { type FamilySource, type LabelValues, Metric, registerFamilyReader, seriesLabels } from "../metric.ts";
import { checkNumber } from "../validate.ts";
import { badGaugeValue, type GaugeChild } from "./child.ts";
import { type GaugeConfiguration, type GaugeMode, gaugeModeOf, modeOf } from "./modes.ts";
import { processDataCells, ProcessGaugeChild, processValue, SlotTable, valuesByPid } from "./process.ts";
import { sharedDataCells, SharedGaugeChild, stampView } from "./shared.ts";
import { sharedGaugeValue } from "./shared_read.ts";

/** The timers' clock (ms, arbitrary origin): the cheaper of performance.now() and the FFI one on this runtime. */
const monotonicMs = host.monotonicMs;

function readGaugeFamily(source: FamilySource): GaugeFamily {
  const { shared, descriptor } = source;
  const { heap } = shared;
  const mode = modeOf(descriptor);
  const series: GaugeSeries[] = [];
  const slots = new SlotTable(heap);
  for (const record of source.series) {
    const labels = seriesLabels(shared, record, descriptor.labelNames);
    if (mode === "shared") {
      series.push({ labels, value: sharedGaugeValue(shared, record) });
    } else if (mode === "pid") {
      for (const [pid, value] of valuesByPid(shared, record, slots)) {
        series.push({ labels: [...labels, ["pid", String(pid)]] as LabelPairs, value });
      }
    } else {
      const value = processValue(shared, record, mode, slots);
      if (value !== undefined) series.push({ labels, value });
    }
  }
  return { type: "gauge", name: descriptor.name, help: descriptor.help, series };
}

registerFamilyReader("gauge", readGaugeFamily);

/**
 * A gauge shared by every process attached to the heap; `mode` chooses how the values
 * of several processes combine (see {@link GaugeMode}).
 *
 * @example
 * ```ts
 * import { Gauge } from "mpmetrics";
 * const inFlight = new Gauge({ name: "jobs_in_flight", help: "Jobs running now.", labelNames: ["queue"] });
 * inFlight.inc({ queue: "mail" });
 * inFlight.dec({ queue: "mail" });
 * inFlight.set({ queue: "sms" }, 0);
 * const rss = new Gauge({ name: "worker_rss_bytes", help: "Resident memory per worker.", mode: "pid" });
 * rss.set(process.memoryUsage().rss);
 * ```
 */
export class Gauge<T extends string = string> extends Metric<T, GaugeChild> {
  /** How the values of several processes combine. */
  readonly mode: GaugeMode;
  /**
   * The series without labels of a `"shared"` gauge without label names, and of any
   * other gauge without label names: `set(v)`, `inc()` and `dec()` call it directly (no
   * lookup in the base class, whose call sites every metric type shares), each from a
   * call site that sees one class.
   */
  #shared: SharedGaugeChild | undefined;
  #process: ProcessGaugeChild | undefined;
  /** The label hit cache, in a field of this class (see `labelHits`). */
  readonly #hits: LabelHits<GaugeChild> | undefined;

  constructor(config: GaugeConfiguration<T>) {
    const mode = gaugeModeOf(config);
    super({ type: "gauge", reservedLabels: mode === "pid" ? ["pid"] : [], settings: mode === "shared" ? {} : { mode } }, config);
    this.mode = mode;
    this.#hits = this.labelHits;
    if (this.labelNames.length === 0) {
      const child = this.unlabelledChild();
      if (child instanceof SharedGaugeChild) {
        this.#shared = child;
        // Own methods that go straight to the series: the prototype's methods also carry the
        // labelled paths, and an engine that inlined those into them (V8 does, once labelled
        // gauges are hot) no longer inlines the methods into the caller (bench/mixed/).
        const proto = Gauge.prototype;
        this.set = (labelsOrValue: LabelValues<T> | number, value?: number) => {
          if (typeof labelsOrValue === "number") child.set(labelsOrValue);
          else proto.set.call(this, labelsOrValue as LabelValues<T>, value as number);
        };
        this.inc = (labelsOrValue?: LabelValues<T> | number, value?: number) => {
          if (typeof labelsOrValue !== "object") child.inc(labelsOrValue);
          else proto.inc.call(this, labelsOrValue as LabelValues<T>, value);
        };
        this.dec = (labelsOrValue?: LabelValues<T> | number, value?: number) => {
          if (typeof labelsOrValue !== "object") child.dec(labelsOrValue);
          else proto.dec.call(this, labelsOrValue as LabelValues<T>, value);
        };
      }
      else this.#process = child as ProcessGaugeChild;
    } else {
      // Own methods for the labels-object hit too: the label hit cache from a closure, no
      // unlabelled-path test first (Node 20, bench/mixed: set({ pool }, v) 14.5-15 -> 13-14.6
      // ns). A miss, and every other form, takes the prototype's method. The child checks
      // the value as the prototype's method would, with the same message.
      const hits = this.#hits!;
      const proto = Gauge.prototype;
      this.set = (labelsOrValue: LabelValues<T> | number, value?: number) => {
        const child = typeof labelsOrValue === "object" && labelsOrValue !== null && typeof value === "number" ? hits.byObject(labelsOrValue) : undefined;
        if (child !== undefined) child.set(value as number);
        else proto.set.call(this, labelsOrValue as LabelValues<T>, value as number);
      };
      this.inc = (labelsOrValue?: LabelValues<T> | number, value?: number) => {
        const child = typeof labelsOrValue === "object" && labelsOrValue !== null ? hits.byObject(labelsOrValue) : undefined;
        if (child !== undefined) child.inc(value ?? 1);
        else proto.inc.call(this, labelsOrValue as LabelValues<T>, value);
      };
      this.dec = (labelsOrValue?: LabelValues<T> | number, value?: number) => {
        const child = typeof labelsOrValue === "object" && labelsOrValue !== null ? hits.byObject(labelsOrValue) : undefined;
        if (child !== undefined) child.dec(value ?? 1);
        else proto.dec.call(this, labelsOrValue as LabelValues<T>, value);
      };
    }
  }

  /** Sets the value. */
  set(value: number): void;
  /** Sets the value of the series with these labels. */
  set(labels: LabelValues<T>, value: number): void;
  set(labelsOrValue: LabelValues<T> | number, value?: number): void {
    const plain = this.#shared;
    if (plain !== undefined && typeof labelsOrValue === "number") plain.set(labelsOrValue);
    else this.#setOther(labelsOrValue, value);
  }

  #setOther(labelsOrValue: LabelValues<T> | number, value?: number): void {
    if (typeof labelsOrValue === "object" && labelsOrValue !== null) {
      if (typeof value !== "number") throw badGaugeValue(this.name, "set gauge", value, false); // before a series is made
      (this.#hits?.byObject(labelsOrValue) ?? this.childFor(labelsOrValue, value)).set(value);
    } else (this.#process ?? this.#unlabelledChecked(checkNumber(this.name, "set gauge", labelsOrValue, false))).set(labelsOrValue);
  }

  /** Adds 1, or `value`. */
  inc(value?: number): void;
  /** Adds `value` (default 1) to the series with these labels. */
  inc(labels: LabelValues<T>, value?: number): void;
  inc(labelsOrValue?: LabelValues<T> | number, value?: number): void {
    const plain = this.#shared;
    if (plain !== undefined && typeof labelsOrValue !== "object") plain.inc(labelsOrValue);
    else this.#incOther(labelsOrValue, value, 1);
  }

  /** Subtracts 1, or `value`. */
  dec(value?: number): void;
  /** Subtracts `value` (default 1) from the series with these labels. */
  dec(labels: LabelValues<T>, value?: number): void;
  dec(labelsOrValue?: LabelValues<T> | number, value?: number): void {
    const plain = this.#shared;
    if (plain !== undefined && typeof labelsOrValue !== "object") plain.dec(labelsOrValue);
    else this.#incOther(labelsOrValue, value, -1);
  }

  /**
   * The series without labels of a gauge that has labels (or is not shared), made only
   * once its value has passed (the argument), so a refused value leaves the heap as it was.
   */
  #unlabelledChecked(_validatedValue: number): GaugeChild {
    return this.unlabelledChild();
  }

  /** `inc` (sign 1) or `dec` (-1) off the unlabelled shared path. */
  #incOther(labelsOrValue: LabelValues<T> | number | undefined, value: number | undefined, sign: 1 | -1): void {
    if (typeof labelsOrValue === "object" && labelsOrValue !== null) {
      const by = value ?? 1;
      if (!Number.isFinite(by)) throw badGaugeValue(this.name, sign === 1 ? "increment gauge" : "decrement gauge", by, true); // before a series is made
      const child = this.#hits?.byObject(labelsOrValue) ?? this.childFor(labelsOrValue, by);
      if (sign === 1) child.inc(by);
      else child.dec(by);
    } else {
      const child = this.#process ?? this.#unlabelledChecked(checkNumber(this.name, sign === 1 ? "increment gauge" : "decrement gauge", labelsOrValue ?? 1, true));
      if (sign === 1) child.inc(labelsOrValue ?? 1);
      else child.dec(labelsOrValue ?? 1);
    }
  }

  /** Sets the value to the current Unix time in seconds. */
  setToCurrentTime(labels?: LabelValues<T>): void {
    (labels === undefined ? this.unlabelledChild() : this.childFor(labels)).setToCurrentTime();
  }

  /**
   * Starts a timer; the returned function sets the gauge to the elapsed seconds. Labels
   * given to the end function are added to those given here.
   */
  startTimer(labels?: LabelValues<T>): (endLabels?: LabelValues<T>) => number {
    this.checkLabels(labels); // unknown labels fail here, not at the end
    const start = monotonicMs();
    return (endLabels?: LabelValues<T>) => {
      const seconds = (monotonicMs() - start) / 1000;
      this.set({ ...labels, ...endLabels } as LabelValues<T>, seconds);
      return seconds;
    };
  }

  /**
   * How the values of several processes combine, in prom-client's words as `get()` and
   * `getMetricsAsJSON()` report it: `"sum"` for the default mode (prom-client's default)
   * and for `"sum"`/`"livesum"`, `"min"`, `"max"`; the mode's own name for the modes
   * prom-client has no word for (`"mostrecent"`, `"pid"`).
   *
   * @example
   * ```ts
   * const { values, aggregator } = await depth.get(); // aggregator: "max"
   * ```
   */
  override get aggregator(): string {
    return this.mode === "shared" || this.mode === "livesum" ? "sum" : this.mode;
  }

  protected allocateSeriesLocked(): RecordStorage {
    const cells = reserveCellsLocked(this.heap, this.mode === "shared" ? sharedDataCells : processDataCells);
    // Shared: the stamp word (the module comment of shared.ts); sum: the departed value.
    const shared = this.mode === "shared" || this.mode === "sum";
    return { ...cells, sharedOffset: shared ? this.heap.allocLocked(8, 8) : 0 };
  }


  protected bindChild(record: number): GaugeChild {
    const { directory } = this.shared;
    if (this.mode === "shared") {
      return new SharedGaugeChild(this.name, this.writerCells(record), stampView(this.shared, record), () => sharedGaugeValue(this.shared, record));
    }
    const read = this.mode === "pid"
      ? () => {
        const slots = new SlotTable(this.heap);
        return valuesByPid(this.shared, record, slots).get(slots.pid(this.heap.slot)) ?? NaN;
      }
      : () => processValue(this.shared, record, this.mode, new SlotTable(this.heap)) ?? NaN;
    return new ProcessGaugeChild(this.name, this.heap, this.writerCells(record), this.mode, directory.field(record, RecordField.sharedOffset), read);
  }

  /** Zeroes the departed total (`"sum"`), then moves the series to a new epoch (a shared gauge's stamp only grows). */
  protected override resetSeries(record: number, unixMs: number): void {
    if (this.mode === "sum") {
      const offset = this.shared.directory.field(record, RecordField.sharedOffset);
      if (offset !== 0) check(native.f64Store(this.heap.handle, offset, 0), `reset gauge "${this.name}"`);
    }
    super.resetSeries(record, unixMs);
  }
}
