/**
 * Native histogram storage: each writer's sparse buckets in its own cells, and the
 * series' shared schema.
 *
 * The algorithm.
 *
 * Per writer. A histogram series with native buckets appends a native region to the
 * classic cells of every writer's copy (heap/cells.ts), so one seqlock covers both and a
 * reader sees the classic and native parts of an update together, or neither:
 *
 * | data cell        | holds                                                           |
 * | ---------------- | --------------------------------------------------------------- |
 * | `first`          | int: the state, `2 * (schema + schemaBias) + table` (0: no buckets yet) |
 * | `first + 1, + 2` | ints: entries in use in table 0, in table 1                     |
 * | `first + 3`      | double: the zero bucket's count                                 |
 * | `first + 4 ...`  | two tables of `capacity` entries, doubles: `key * 2^32 + count`, 0 empty |
 *
 * A table is open-addressed (multiplicative hash of the key, linear probing) with a
 * capacity of 4/3 of the bucket budget and 8 more, so that within budget it is at most
 * 3/4 full and a probe is short. The state names the table in use and its schema; the
 * other is where re-bucketing writes: it fills the spare table from the one in use, then
 * switches the state with one store (append, then publish). A writer killed at any point
 * leaves a copy whose state names a complete table at its schema, so a reader (and the
 * isolate that adopts the slot) loses no count. The default (11 classic buckets, a budget
 * of 160) takes 3792 bytes per copy: one page. An entry packs its bucket key (bit 0 the sign,
 * `key = 2 * (index + 2^19) + sign + 1`, under 2^21) and its count (under 2^32) into one
 * exact integer double: an observation is one double add, like a classic bucket's. An
 * entry whose count reaches 2^32 - 1 is left full and the probe goes on to a second
 * entry of the same key (readers add them up), so counts stay exact.
 *
 * Schema agreement across processes. The series' schema is a shared word (in its shared
 * area, beside the exemplars): the configured schema until someone lowers it, and
 * tagged with the series' epoch, so that a reset (which raises the epoch, heap/cells.ts)
 * brings the configured schema back without another write. The word only goes down
 * within an epoch: lowering is a compare-and-swap loop that stops as soon as the word
 * is at or below the target (an atomic minimum). A writer compares its copy's schema
 * with the word at each update and, if the word is lower, re-buckets its own table to
 * it first; merging is exact, bucket `i` going to `ceil(i / 2^d)` (native_schema.ts).
 * So every writer converges on the lowest schema any process chose, and a reader merges
 * every copy at the lowest schema it sees (the word's or a copy's), which it may lower
 * further (and publish) when the merged buckets exceed the budget: every process that
 * scrapes the same counts shows the same histogram.
 *
 * Resolution reduction (client_golang's strategy, budget `nativeHistogramMaxBucketNumber`).
 * When a new bucket would take this writer past the budget:
 * 1. if `nativeHistogramMinResetDuration` is set and the series was last reset (or
 *    created) at least that long ago, the whole series is reset (classic buckets, count
 *    and sum too: one compare-and-swap of its epoch; every writer zeroes its copy on its
 *    next update) and the observation is counted again from zero;
 * 2. otherwise the shared schema is lowered by one and this copy re-buckets, until the
 *    observation's bucket fits or the schema is -4;
 * 3. at -4 (observations spread over more than 2^(16 * budget) in magnitude) the table
 *    takes entries past the budget up to its 3/4 load limit; past that, the observation
 *    is counted in the zero bucket (the one inexact case; client_golang's map grows
 *    without bound instead).
 * client_golang also restores the configured resolution (by a reset) once the minimum
 * reset duration has passed after a reduction; here a writer does that reset at its
 * first update past that time (no timer runs).
 *
 * The zero bucket counts observations with `|v| <= zeroThreshold`. NaN is counted in
 * `_count` and makes `_sum` NaN but goes in no native bucket; `+Inf` and `-Inf` go one
 * bucket past `MAX_VALUE`'s, as client_golang does.
 *
 * @module
 */

import { nativeBucketIndex, nativeSchemaMin, reduceIndex } from "./native_schema.ts";
import type { UndoLog } from "../heap/undo_log.ts";

/** Native settings as stored in the descriptor (so that every process uses the same).
 *
 * @example
 * ```ts
 * const settings: NativeSettings = { schema: 3, zeroThreshold: 2 ** -128, maxBuckets: 160, minResetMs: 0 };
 * ```
 */
export interface NativeSettings {
  /** The configured schema, -4..8. */
  readonly schema: number;
  readonly zeroThreshold: number;
  /** Populated buckets one writer may hold before the resolution is lowered. */
  readonly maxBuckets: number;
  /** Milliseconds; 0: never reset instead of lowering the resolution. */
  readonly minResetMs: number;
}

/** Added to a copy's schema in its state cell, so that a state of 0 means "no buckets yet".
 *
 * @example
 * ```ts
 * state = 2 * (schema + schemaBias) + table;
 * ```
 */
export const schemaBias = 16;
/** Data cells before the tables: state, entries in use (per table), zero count.
 *
 * @example
 * ```ts
 * const table0 = first + nativeHeaderCells;
 * ```
 */
export const nativeHeaderCells = 4;
/** 2^32: an entry is `key * entryKeyScale + count`.
 *
 * @example
 * ```ts
 * const key = Math.floor(cell / entryKeyScale);
 * ```
 */
export const entryKeyScale = 4294967296;
/** Largest count one entry holds. */
const entryCountMax = entryKeyScale - 1;
/** Added to a bucket index so that every key is positive (indexes lie within ±2^19). */
const indexBias = 524288;
/**
 * Most buckets one writer may hold: it keeps a histogram series' copy within a few pages.
 *
 * @example
 * ```ts
 * new Histogram({ name: "x", help: "x", nativeHistogramBucketFactor: 1.1, nativeHistogramMaxBucketNumber: nativeBucketsMax });
 * ```
 */
export const nativeBucketsMax = 2048;
/** Native exemplars kept per series, the most recent ones (client_golang's default count).
 *
 * @example
 * ```ts
 * const ringSlot = cursor % nativeExemplarsMax;
 * ```
 */
export const nativeExemplarsMax = 10;
/** Bytes of a series' shared native area before its exemplar slots: the schema word and the exemplar cursor.
 *
 * @example
 * ```ts
 * const firstExemplar = nativeOffset + nativeSharedHeaderBytes;
 * ```
 */
export const nativeSharedHeaderBytes = 8;

/** Entries of one table for a bucket budget: 4/3 of it and 8 more.
 *
 * @example
 * ```ts
 * tableCapacity(160); // 222
 * ```
 */
export function tableCapacity(maxBuckets: number): number {
  return Math.ceil((maxBuckets * 4) / 3) + 8;
}

/** Data cells of the native region of one copy.
 *
 * @example
 * ```ts
 * nativeCells({ schema: 3, zeroThreshold: 0, maxBuckets: 160, minResetMs: 0 }); // 448
 * ```
 */
export function nativeCells(settings: NativeSettings): number {
  return nativeHeaderCells + 2 * tableCapacity(settings.maxBuckets);
}

/** The schema of a copy's state cell (`state` > 0).
 *
 * @example
 * ```ts
 * stateSchema(2 * (3 + schemaBias) + 1); // 3
 * ```
 */
export function stateSchema(state: number): number {
  return (state >> 1) - schemaBias;
}

/** The table (0 or 1) a copy's state cell names.
 *
 * @example
 * ```ts
 * stateTable(2 * (3 + schemaBias) + 1); // 1
 * ```
 */
export function stateTable(state: number): number {
  return state & 1;
}

/** The table key of bucket `index` on the negative (`negative` 1) or positive side.
 *
 * @example
 * ```ts
 * keyIndex(entryKey(-5, 1)); // -5
 * ```
 */
export function entryKey(index: number, negative: number): number {
  return 2 * (index + indexBias) + negative + 1;
}

/** The bucket index of a table key.
 *
 * @example
 * ```ts
 * keyIndex(entryKey(13, 0)); // 13
 * ```
 */
export function keyIndex(key: number): number {
  return ((key - 1) >> 1) - indexBias;
}

/** Whether a table key is on the negative side.
 *
 * @example
 * ```ts
 * keyNegative(entryKey(13, 1)); // true
 * ```
 */
export function keyNegative(key: number): boolean {
  return ((key - 1) & 1) === 1;
}

/** A table slot for `key`: the top 16 bits of a multiplicative hash, scaled to the capacity. */
function hashSlot(key: number, capacity: number): number {
  return ((Math.imul(key, 0x9e3779b1) >>> 16) * capacity) >>> 16;
}

/** The schema word's value for `schema` in `epoch`. */
function packSchema(epoch: number, schema: number): number {
  return ((epoch & 0x7ffffff) << 4) | (schema - nativeSchemaMin + 1);
}

/**
 * The series' shared schema in `epoch`: the word's, if it was written in that epoch,
 * else the configured one.
 *
 * @example
 * ```ts
 * const schema = sharedSchema(word, epoch, settings.schema);
 * ```
 */
export function sharedSchema(word: Int32Array, epoch: number, configured: number): number {
  const packed = Atomics.load(word, 0);
  if (packed === 0 || packed >>> 4 !== (epoch & 0x7ffffff)) return configured;
  return (packed & 15) + nativeSchemaMin - 1;
}

/**
 * Lowers the series' shared schema to `target` unless it is already at or below it (an
 * atomic minimum within `epoch`). Returns the schema now in force.
 *
 * @example
 * ```ts
 * lowerSharedSchema(word, epoch, settings.schema, 2);
 * ```
 */
export function lowerSharedSchema(word: Int32Array, epoch: number, configured: number, target: number): number {
  for (let tries = 0; tries < 64; tries++) {
    const packed = Atomics.load(word, 0);
    const current = packed === 0 || packed >>> 4 !== (epoch & 0x7ffffff) ? configured : (packed & 15) + nativeSchemaMin - 1;
    if (current <= target) return current;
    if (Atomics.compareExchange(word, 0, packed, packSchema(epoch, target)) === packed) return target;
  }
  return sharedSchema(word, epoch, configured); // contended 64 times: others lowered it meanwhile
}

/** What {@link NativeWriter.observe} asks of its caller.
 *
 * @example
 * ```ts
 * if (writer.observe(v) === NativeOutcome.resetSeries) resetFirst();
 * ```
 */
export const NativeOutcome = { counted: 0, resetSeries: 1 } as const;

/**
 * One writer's native buckets of one series (its copy's native region).
 *
 * @example
 * ```ts
 * cells.beginWrite();
 * if (native.observe(value) === NativeOutcome.resetSeries) resetAndObserveAgain();
 * cells.endWrite();
 * ```
 */
export class NativeWriter {
  readonly #f64: Float64Array;
  readonly #i32: Int32Array;
  /** f64 index of the state cell; the used cells, the zero cell and the tables follow. */
  readonly #base: number;
  /** f64 index of table 0; table 1 follows it. */
  readonly #tables: number;
  readonly #capacity: number;
  readonly #settings: NativeSettings;
  readonly #shared: Int32Array;
  /** The series record's created time (ms) as a one-cell view: the last reset. */
  readonly #createdMs: Float64Array;
  /** The copy's undo log: each store is logged in it first (heap/undo_log.ts); re-bucketing logs the whole copy. */
  readonly #undo: UndoLog | undefined;

  /**
   * `f64`/`i32`: this writer's copy (cell 0 the control cell); `first`: the native
   * region's first data cell; `shared`: the series' schema word (and exemplar cursor).
   */
  constructor(f64: Float64Array, i32: Int32Array, first: number, settings: NativeSettings, shared: Int32Array, createdMs: Float64Array, undo?: UndoLog) {
    this.#undo = undo;
    this.#f64 = f64;
    this.#i32 = i32;
    this.#base = 1 + first;
    this.#tables = this.#base + nativeHeaderCells;
    this.#capacity = tableCapacity(settings.maxBuckets);
    this.#settings = settings;
    this.#shared = shared;
    this.#createdMs = createdMs;
    if (this.#tables + 2 * this.#capacity > f64.length) throw new RangeError(`The native region (2 x ${this.#capacity} entries from cell ${first}) does not fit its copy of ${f64.length} cells`);
  }

  /**
   * Counts `value` in its native bucket; called inside the copy's write (seqlock odd),
   * after the classic part. Returns {@link NativeOutcome.resetSeries} when the series
   * must be reset first (then nothing was counted here).
   */
  observe(value: number): number {
    if (value !== value) return NativeOutcome.counted; // NaN: in _count and _sum only
    const i32 = this.#i32;
    const settings = this.#settings;
    // A plain read of the shared word: a stale one only delays this copy's re-bucketing to
    // its next update (readers merge at the lowest schema anyway); lowering uses a CAS.
    const packed = this.#shared[0];
    const shared = packed === 0 || packed >>> 4 !== (i32[0] & 0x7ffffff) ? settings.schema : (packed & 15) + nativeSchemaMin - 1;
    const stateWord = this.#base * 2;
    let state = i32[stateWord];
    if (state === 0) {
      this.#undo?.saveInt(this.#i32, this.#base);
      i32[stateWord] = state = 2 * (shared + schemaBias); // a fresh copy: table 0
    } else if (shared < stateSchema(state)) state = this.#rebucket(state, shared);
    if (stateSchema(state) < settings.schema && settings.minResetMs > 0 && this.#resetDue()) return NativeOutcome.resetSeries;
    const abs = value < 0 ? -value : value;
    if (abs <= settings.zeroThreshold) {
      this.#undo?.saveDouble(this.#f64, this.#base + 3);
      this.#f64[this.#base + 3] += 1;
      return NativeOutcome.counted;
    }
    const negative = value < 0 ? 1 : 0;
    if (this.#add(state & 1, entryKey(nativeBucketIndex(abs, stateSchema(state)), negative), 1, settings.maxBuckets)) return NativeOutcome.counted;
    return this.#overBudget(abs, negative, state);
  }

  /** The budget is full and `abs`'s bucket is new: reset, or lower the resolution until it fits. */
  #overBudget(abs: number, negative: number, state: number): number {
    const settings = this.#settings;
    if (settings.minResetMs > 0 && this.#resetDue()) return NativeOutcome.resetSeries;
    const epoch = this.#i32[0];
    while (stateSchema(state) > nativeSchemaMin) {
      const lowered = lowerSharedSchema(this.#shared, epoch, settings.schema, stateSchema(state) - 1);
      state = this.#rebucket(state, lowered);
      if (this.#add(state & 1, entryKey(nativeBucketIndex(abs, stateSchema(state)), negative), 1, settings.maxBuckets)) return NativeOutcome.counted;
    }
    // At -4 a table takes entries past the budget up to one short of full; past that, the zero bucket.
    if (!this.#add(state & 1, entryKey(nativeBucketIndex(abs, nativeSchemaMin), negative), 1, this.#capacity - 1)) {
      this.#undo?.saveDouble(this.#f64, this.#base + 3);
      this.#f64[this.#base + 3] += 1;
    }
    return NativeOutcome.counted;
  }

  #resetDue(): boolean {
    return Date.now() - this.#createdMs[0] >= this.#settings.minResetMs;
  }

  /** Adds `count` to the bucket of `key` in `table`, taking a new entry only while fewer than `entriesMax` are in use. */
  #add(table: number, key: number, count: number, entriesMax: number): boolean {
    const f64 = this.#f64;
    const capacity = this.#capacity;
    const start = this.#tables + table * capacity;
    const scaled = key * entryKeyScale;
    let slot = hashSlot(key, capacity);
    for (let probes = 0; probes < capacity; probes++) {
      const cell = f64[start + slot];
      if (cell === 0) {
        const usedWord = (this.#base + 1 + table) * 2;
        if (this.#i32[usedWord] >= entriesMax) return false;
        this.#undo?.saveDouble(this.#f64, start + slot);
        f64[start + slot] = scaled + count;
        this.#undo?.saveInt(this.#i32, usedWord >> 1);
        this.#i32[usedWord]++;
        return true;
      }
      const held = cell - scaled;
      if (held >= 0 && held <= entryCountMax - count) {
        this.#undo?.saveDouble(this.#f64, start + slot);
        f64[start + slot] = cell + count;
        return true;
      }
      slot = slot + 1 === capacity ? 0 : slot + 1;
    }
    return false;
  }

  /**
   * Re-buckets this copy from the schema of `state` to the lower `to`, merging pairs
   * exactly: fills the spare table, then publishes it with one store of the state.
   * Returns the new state.
   */
  #rebucket(state: number, to: number): number {
    this.#undo?.saveAll(this.#i32); // many stores: the whole copy as it was goes to the undo log first
    const f64 = this.#f64;
    const capacity = this.#capacity;
    const from = this.#tables + (state & 1) * capacity;
    const spare = (state & 1) ^ 1;
    const into = this.#tables + spare * capacity;
    f64.fill(0, into, into + capacity);
    this.#i32[(this.#base + 1 + spare) * 2] = 0;
    const delta = stateSchema(state) - to;
    for (let i = 0; i < capacity; i++) {
      const cell = f64[from + i];
      if (cell === 0) continue;
      const key = Math.floor(cell / entryKeyScale);
      const merged = entryKey(reduceIndex(keyIndex(key), delta), keyNegative(key) ? 1 : 0);
      let rest = cell - key * entryKeyScale;
      while (rest > 0) { // a merged count past one entry's limit spills into a second entry
        const part = Math.min(rest, entryCountMax);
        if (!this.#add(spare, merged, part, capacity)) throw new Error(`Native histogram table of ${capacity} entries overflowed while merging: the heap is damaged`);
        rest -= part;
      }
    }
    const next = 2 * (to + schemaBias) + spare;
    this.#i32[this.#base * 2] = next; // publish: from here on the spare table is the one in use
    return next;
  }
}
