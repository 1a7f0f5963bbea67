/**
 * The scrape side of native histograms: every writer's copy, read consistently, merged
 * into one {@link NativeHistogramSnapshot} at the lowest schema any of them (or the
 * series' shared word) is in, lowered further while the merged buckets exceed the
 * budget (see native_buckets.ts for the algorithm).
 *
 * @module
 */

import type { ExemplarSnapshot, NativeHistogramSnapshot } from "../exposition/snapshot.ts";
import { entryKeyScale, keyIndex, keyNegative, lowerSharedSchema, nativeHeaderCells, type NativeSettings, sharedSchema, stateSchema, stateTable, tableCapacity } from "./native_buckets.ts";
import { nativeSchemaMin, reduceIndex } from "./native_schema.ts";

/**
 * Merges the native regions of a series' copies, one scrape at a time.
 *
 * @example
 * ```ts
 * const merger = new NativeMerger(settings, first);
 * merger.begin();
 * for (const copy of consistentCopies) merger.add(copy);
 * const native = merger.finish(word, epoch, count, sum, exemplars);
 * ```
 */
export class NativeMerger {
  readonly #settings: NativeSettings;
  readonly #first: number;
  readonly #capacity: number;
  /** Per copy added: its schema, then its entries as (key, count) pairs. */
  #schemas: number[] = [];
  #entries: number[][] = [];
  #zeroCount = 0;

  /** `first`: the native region's first data cell in a copy. */
  constructor(settings: NativeSettings, first: number) {
    this.#settings = settings;
    this.#first = first;
    this.#capacity = tableCapacity(settings.maxBuckets);
  }

  /** Starts a series. */
  begin(): void {
    this.#schemas = [];
    this.#entries = [];
    this.#zeroCount = 0;
  }

  /** Adds one copy, read consistently into `data` (data cell `i` at `data[i]`, the int cells as ints). */
  add(data: Float64Array): void {
    const first = this.#first;
    const state = data[first];
    if (state === 0) return; // this writer has counted nothing native in this epoch
    this.#zeroCount += data[first + 3];
    const entries: number[] = [];
    const table = first + nativeHeaderCells + stateTable(state) * this.#capacity;
    for (let i = 0; i < this.#capacity; i++) {
      const cell = data[table + i];
      if (cell === 0) continue;
      const key = Math.floor(cell / entryKeyScale);
      entries.push(key, cell - key * entryKeyScale);
    }
    this.#schemas.push(stateSchema(state));
    this.#entries.push(entries);
  }

  /**
   * The merged histogram. `word`: the series' schema word (lowered here too when the
   * merge had to go lower); `count`/`sum`: the series' (classic) totals of the same reads.
   */
  finish(word: Int32Array, epoch: number, count: number, sum: number, exemplars: readonly ExemplarSnapshot[]): NativeHistogramSnapshot {
    const settings = this.#settings;
    let schema = sharedSchema(word, epoch, settings.schema);
    for (const s of this.#schemas) schema = Math.min(schema, s);
    let positive = new Map<number, number>();
    let negative = new Map<number, number>();
    this.#schemas.forEach((copySchema, c) => {
      const entries = this.#entries[c];
      const delta = copySchema - schema;
      for (let i = 0; i < entries.length; i += 2) {
        const key = entries[i];
        const side = keyNegative(key) ? negative : positive;
        const index = reduceIndex(keyIndex(key), delta);
        side.set(index, (side.get(index) ?? 0) + entries[i + 1]);
      }
    });
    const reducedFrom = schema;
    while (positive.size + negative.size > settings.maxBuckets && schema > nativeSchemaMin) {
      positive = reduceOnce(positive);
      negative = reduceOnce(negative);
      schema--;
    }
    if (schema < reducedFrom) lowerSharedSchema(word, epoch, settings.schema, schema);
    const [positiveIndexes, positiveCounts] = sorted(positive);
    const [negativeIndexes, negativeCounts] = sorted(negative);
    const snapshot = {
      schema,
      zeroThreshold: settings.zeroThreshold,
      zeroCount: this.#zeroCount,
      count,
      sum,
      positiveIndexes,
      positiveCounts,
      negativeIndexes,
      negativeCounts,
    };
    return exemplars.length === 0 ? snapshot : { ...snapshot, exemplars };
  }
}

function reduceOnce(side: Map<number, number>): Map<number, number> {
  const out = new Map<number, number>();
  for (const [index, count] of side) {
    const merged = reduceIndex(index, 1);
    out.set(merged, (out.get(merged) ?? 0) + count);
  }
  return out;
}

function sorted(side: Map<number, number>): [number[], number[]] {
  const indexes = [...side.keys()].sort((a, b) => a - b);
  return [indexes, indexes.map((i) => side.get(i)!)];
}
