/**
 * StateSet: a set of named states, each enabled or not (OpenMetrics type `stateset`; a
 * gauge in text 0.0.4). Each series is exposed as one sample per state, value 1 or 0, with
 * a label named after the family holding the state's name.
 *
 * Storage: one shared 32-bit word per series, bit `i` set when state `i` (in the order
 * the `states` option lists them) is enabled; hence at most 32 states. Every change is
 * one atomic operation on that word: `state(name)` an `Atomics.store` of a single bit,
 * `set({...})` a compare-and-swap loop that clears and sets bits in one exchange. A
 * reader loads the word once, so it never sees a set half changed, and concurrent
 * `set()` calls of different states from several processes are all kept.
 *
 * @module
 */

import { RecordField, type RecordStorage, SeriesFlag } from "../heap/directory.ts";
import type { StateSetFamily, StateSetSeries } from "../exposition/snapshot.ts";
import { type FamilySource, type LabelValues, Metric, type MetricConfiguration, registerFamilyReader, seriesLabels } from "./metric.ts";

/**
 * The most states a state set may have: the bits of its one shared word.
 *
 * @example
 * ```ts
 * const states = codes.slice(0, stateSetStatesMax);
 * ```
 */
export const stateSetStatesMax = 32;
/** Compare-and-swap attempts of one `set()` while other processes keep changing the word. */
const exchangeRetriesMax = 1_000_000;

/**
 * Options of a {@link StateSet}: the common ones plus `states`, its state names (1 to 32
 * distinct non-empty strings, in the order the samples list them). The family's name may
 * not be one of its label names: its samples carry a label of that name.
 *
 * @example
 * ```ts
 * const config: StateSetConfiguration<"disk", "ok" | "degraded" | "failed"> = {
 *   name: "raid", help: "RAID state.", labelNames: ["disk"], states: ["ok", "degraded", "failed"],
 * };
 * ```
 */
export interface StateSetConfiguration<T extends string, S extends string> extends MetricConfiguration<T> {
  readonly states: readonly S[];
}

/** Checks the states option; throws before anything is made. */
function checkStates(name: string, states: unknown): string[] {
  if (!Array.isArray(states)) throw new TypeError(`states of state set "${name}" must be an array of state names, got ${states === null ? "null" : typeof states}`);
  if (states.length === 0 || states.length > stateSetStatesMax) {
    throw new RangeError(`State set "${name}" must have 1 to ${stateSetStatesMax} states (one bit each in a 32-bit word), got ${states.length}`);
  }
  const seen = new Set<string>();
  for (const state of states) {
    if (typeof state !== "string" || state === "") {
      throw new TypeError(`States of state set "${name}" must be non-empty strings, got ${typeof state === "string" ? '""' : String(state)}`);
    }
    // A state is a label value in the exposition: two names that differ only in lone
    // surrogates are one UTF-8 string there, so they are one state here.
    const wellFormed = state.toWellFormed();
    if (seen.has(wellFormed)) {
      throw new TypeError(`State "${wellFormed}" appears twice in the states of state set "${name}"${wellFormed === state ? "" : " (a lone surrogate counts as U+FFFD)"}`);
    }
    seen.add(wellFormed);
  }
  return [...seen];
}

/** The label names option must not hold the family's name (validated before the base class runs). */
function checkFamilyLabel(name: string, labelNames: unknown): void {
  if (Array.isArray(labelNames) && labelNames.includes(name)) {
    throw new TypeError(`Invalid label name "${name}" for state set "${name}": its samples carry a label named after the family, which holds the state`);
  }
}

/**
 * One label set of a state set.
 *
 * @example
 * ```ts
 * const disk0 = raid.labels("sda");
 * disk0.state("degraded");
 * disk0.set({ ok: false, failed: true });
 * ```
 */
export class StateSetChild<S extends string = string> {
  readonly #name: string;
  readonly #states: readonly S[];
  readonly #bits: ReadonlyMap<string, number>;
  /** The series' state word. */
  readonly #word: Int32Array;
  /** The series' epoch word, and the epoch this handle last saw: a change means a reset or removal. */
  readonly #epoch: Int32Array;
  #seenEpoch: number;
  readonly #revive: () => void;

  constructor(name: string, states: readonly S[], bits: ReadonlyMap<string, number>, word: Int32Array, epoch: Int32Array, revive: () => void) {
    this.#name = name;
    this.#states = states;
    this.#bits = bits;
    this.#word = word;
    this.#epoch = epoch;
    this.#seenEpoch = NaN; // unseen: the first write revives a series another process removed
    this.#revive = revive;
  }

  /** Enables state `name` and disables every other, in one atomic store. */
  state(name: S): void {
    const bit = this.#bitOf(name);
    Atomics.store(this.#word, 0, 1 << bit);
    this.#afterWrite();
  }

  /**
   * Enables the states given `true` and disables those given `false`, in one atomic
   * exchange; states left out keep their value.
   */
  set(states: Partial<Record<S, boolean>>): void {
    if (states === null || typeof states !== "object" || Array.isArray(states)) {
      throw new TypeError(`set() of state set "${this.#name}" takes an object of state names to booleans, got ${states === null ? "null" : typeof states}`);
    }
    let on = 0;
    let off = 0;
    for (const name in states) {
      const enabled: unknown = states[name];
      const bit = 1 << this.#bitOf(name);
      if (enabled === true) on |= bit;
      else if (enabled === false) off |= bit;
      else throw new TypeError(`State "${name}" of state set "${this.#name}" must be set to true or false, got ${String(enabled)}`);
    }
    const word = this.#word;
    let old = Atomics.load(word, 0);
    for (let attempt = 0; ; attempt++) {
      const seen = Atomics.compareExchange(word, 0, old, (old & ~off) | on);
      if (seen === old) break;
      if (attempt >= exchangeRetriesMax) throw new Error(`State set "${this.#name}": ${exchangeRetriesMax} compare-and-swaps lost to other writers`);
      old = seen;
    }
    this.#afterWrite();
  }

  /** Every state and whether it is enabled now (all processes). */
  get(): Record<S, boolean> {
    const mask = Atomics.load(this.#word, 0);
    const states = {} as Record<S, boolean>;
    for (const [i, name] of this.#states.entries()) states[name] = ((mask >>> i) & 1) === 1;
    return states;
  }

  #bitOf(name: string): number {
    const bit = typeof name === "string" ? this.#bits.get(name) : undefined;
    if (bit === undefined) {
      throw new TypeError(`"${String(name)}" is not a state of state set "${this.#name}" (its states: ${this.#states.join(", ")})`);
    }
    return bit;
  }

  /** After a reset or removal: the write brings a removed series back (the new states first, then the series). */
  #afterWrite(): void {
    if (this.#epoch[0] === this.#seenEpoch) return;
    this.#seenEpoch = this.#epoch[0];
    this.#revive();
  }
}

function readStateSetFamily(source: FamilySource): StateSetFamily {
  const { shared, descriptor } = source;
  const { heap, directory } = shared;
  const states = descriptor.settings.states as readonly string[];
  const series: StateSetSeries[] = source.series.map((record) => {
    const offset = directory.field(record, RecordField.sharedOffset);
    heap.ensure(offset + 4);
    const mask = Atomics.load(heap.i32, offset / 4);
    return {
      labels: seriesLabels(shared, record, descriptor.labelNames),
      states: states.map((name, i) => ({ name, enabled: ((mask >>> i) & 1) === 1 })),
    };
  });
  return { type: "stateset", name: descriptor.name, help: descriptor.help, series };
}

registerFamilyReader("stateset", readStateSetFamily);

/**
 * A state set shared by every process attached to the heap: the last change from any
 * process is what every scrape shows.
 *
 * @example
 * ```ts
 * import { StateSet } from "mpmetrics";
 * const phase = new StateSet({ name: "deploy_phase", help: "Deployment phase.", states: ["idle", "rolling", "done"] });
 * phase.state("rolling");
 * // deploy_phase{deploy_phase="idle"} 0
 * // deploy_phase{deploy_phase="rolling"} 1
 * // deploy_phase{deploy_phase="done"} 0
 * const raid = new StateSet({ name: "raid", help: "RAID.", labelNames: ["disk"], states: ["ok", "degraded"] });
 * raid.labels("sda").set({ ok: false, degraded: true });
 * ```
 */
export class StateSet<T extends string = string, S extends string = string> extends Metric<T, StateSetChild<S>> {
  /** The state names, in sample order (bit `i` is state `i`). */
  readonly states: readonly S[];
  readonly #bits: ReadonlyMap<string, number>;

  constructor(config: StateSetConfiguration<T, S>) {
    const name = String(config?.name);
    const states = config === null || typeof config !== "object" ? [] : checkStates(name, config.states);
    if (config !== null && typeof config === "object") checkFamilyLabel(name, config.labelNames);
    super({ type: "stateset", reservedLabels: typeof config?.name === "string" ? [config.name] : [], settings: { states } }, config);
    this.states = states as S[];
    this.#bits = new Map(states.map((state, i) => [state, i]));
    if (this.labelNames.length === 0) this.unlabelledChild();
  }

  /** Enables state `name` (and disables every other) of the unlabelled series. */
  state(name: S): void;
  /** Enables state `name` (and disables every other) of the series with these labels. */
  state(labels: LabelValues<T>, name: S): void;
  state(labelsOrName: LabelValues<T> | S, name?: S): void {
    if (typeof labelsOrName === "object" && labelsOrName !== null) {
      this.#checkState(name);
      this.childFor(labelsOrName).state(name as S);
    } else {
      this.#checkState(labelsOrName); // before the unlabelled series of a labelled set is made
      this.unlabelledChild().state(labelsOrName);
    }
  }

  /** Enables the states given `true` and disables those given `false`, of the unlabelled series. */
  set(states: Partial<Record<S, boolean>>): void;
  /** The same, for the series with these labels. */
  set(labels: LabelValues<T>, states: Partial<Record<S, boolean>>): void;
  set(...args: [Partial<Record<S, boolean>>] | [LabelValues<T>, Partial<Record<S, boolean>>]): void {
    if (args.length === 2) {
      const [labels, states] = args;
      this.#checkStates(states);
      this.childFor(labels).set(states);
    } else {
      this.#checkStates(args[0]); // before the unlabelled series of a labelled set is made
      this.unlabelledChild().set(args[0] as Partial<Record<S, boolean>>);
    }
  }

  protected allocateSeriesLocked(): RecordStorage {
    return { sharedOffset: this.heap.allocLocked(8, 8) };
  }

  protected bindChild(record: number): StateSetChild<S> {
    const { directory } = this.shared;
    return new StateSetChild<S>(
      this.name,
      this.states,
      this.#bits,
      this.heap.int32View(directory.field(record, RecordField.sharedOffset), 1),
      directory.int32Field(record, RecordField.epoch),
      () => directory.clearFlags(record, SeriesFlag.removed),
    );
  }

  /** Disables every state, then moves the series to a new epoch. */
  protected override resetSeries(record: number, unixMs: number): void {
    const offset = this.shared.directory.field(record, RecordField.sharedOffset);
    this.heap.ensure(offset + 4);
    Atomics.store(this.heap.i32, offset / 4, 0);
    super.resetSeries(record, unixMs);
  }

  /** Validation of a labelled call, before its series is made. */
  #checkState(name: unknown): void {
    if (typeof name !== "string" || !this.#bits.has(name)) {
      throw new TypeError(`"${String(name)}" is not a state of state set "${this.name}" (its states: ${this.states.join(", ")})`);
    }
  }

  #checkStates(states: unknown): void {
    if (states === null || typeof states !== "object" || Array.isArray(states)) {
      throw new TypeError(`set() of state set "${this.name}" takes an object of state names to booleans, got ${states === null ? "null" : typeof states}`);
    }
    for (const [name, enabled] of Object.entries(states)) {
      this.#checkState(name);
      if (typeof enabled !== "boolean") throw new TypeError(`State "${name}" of state set "${this.name}" must be set to true or false, got ${String(enabled)}`);
    }
  }
}
