/**
 * The shared directory: a hash table in the heap from keys to records, shared by every
 * attached process.
 *
 * The algorithm. Records are immutable once published and are never removed. A bucket
 * holds the offset of its newest record; each record holds the offset of the next older
 * one in its bucket. An insert (under the heap mutex) looks again, writes the whole
 * record, then publishes it with one atomic store of the bucket head. A reader (no lock)
 * loads the head atomically and walks the chain, so it sees either the record complete
 * or not at all. A writer that dies mid-insert leaves at most an unpublished record:
 * leaked bytes, never a torn structure, so recovery needs no repair here.
 *
 * Every record is checked (record_check.ts: bounds, kind, chain order, checksum) the
 * first time this isolate reaches it, before any field is read through it; so is every
 * generation's header and bucket array (in the allocated bytes, page-aligned, a bucket
 * count the growth rule can give).
 *
 * The table grows in generations, so that a heap of a few series keeps a 64 KiB table
 * and one of millions keeps short chains, without ever moving a published record (its
 * one chain link is immutable). Each generation is a bucket array with a small header:
 * the previous generation, its bucket count, the records inserted into it. Inserts go
 * to the newest generation; once it holds `generationLoadMax` records per bucket, the
 * next insert publishes a new generation of four times the buckets (under the lock,
 * one atomic store of the root), and records stay in the generation they were
 * inserted into. A lookup walks the generations newest to oldest (at most a handful: 16K,
 * 64K, 256K, 1M buckets... for 65K, 327K, 1.4M records); a reader that still walks an
 * older newest generation may miss a record published a moment ago, exactly as if it
 * had looked a moment earlier, and the insert path looks again under the lock.
 *
 * Enumeration walks every bucket of every generation; each record is in exactly one
 * chain. Records are bump-allocated, so sorting by offset gives creation order. There is
 * no second list that could disagree with the table.
 *
 * Two kinds of record: a metric instance (key: name and instance number, see
 * metrics/identity.ts; value: its descriptor as JSON) and a series (parent: its metric;
 * key: its label values).
 *
 * @module
 */

import type { Heap } from "./heap.ts";
import { Root } from "./layout.ts";
import { checkSpan, damaged } from "./bounds.ts";
import { checkRecord, recordChecksum } from "./record_check.ts";

/** Flag bits of a series record. */
export const SeriesFlag = {
  /** Removed: left out of scrapes until its next update revives it (from zero). */
  removed: 1,
} as const;

/** Record kinds. */
export const RecordKind = { metric: 1, series: 2 } as const;
/** One of {@link RecordKind}'s values. */
export type RecordKind = (typeof RecordKind)[keyof typeof RecordKind];

/** Byte offsets of a record's fields (all u32 but `createdMs`). */
export const RecordField = {
  nextInBucket: 0,
  hash: 4,
  kind: 8,
  keyBytes: 12,
  valueBytes: 16,
  parent: 20,
  /**
   * Series records: the head of the lock-free list of writers' copies of its cells
   * (cells.ts); 0 until the first writer touches the series. Changed only by CAS.
   */
  copies: 24,
  /** Metric records: holders (below) that hold it through a heap-wide registry. */
  heapWideHolders: 28,
  cellsCount: 32,
  /** Metric records: metric objects, in all processes, holding this instance now (metrics/identity.ts). */
  holders: 32,
  sharedOffset: 36,
  /** Metric records: series published so far (raised after each publication). */
  seriesCount: 40,
  /** Series records: the epoch of its values, raised by reset and remove (see cells.ts). */
  epoch: 40,
  /** Metric records: flag bits, set atomically (see MetricFlag). Series records: SeriesFlag bits. */
  flags: 44,
  createdMs: 48,
  /** The checksum of the record's immutable part (record_check.ts), written before publication. */
  checksum: 56,
} as const;
/** Bytes of a record before its key and value. */
export const recordHeaderBytes = 64;
const headerBytes = recordHeaderBytes;

/** Buckets of the first generation: a power of two; 64 KiB of table. */
export const bucketCount = 16384;
/** Records per bucket that make the next insert start a new generation. */
const generationLoadMax = 4;
/** Each generation has this many times the buckets of the one before. */
const generationGrowth = 4;
/** Generations at most: 16K * 4^7 = 256M buckets would not fit a 4 GiB heap. */
const generationsMax = 8;
/** A generation's header before its buckets: previous generation, bucket count, records, reserved (u32 each). */
const generationHeaderBytes = 16;
/** Longest key or value a record may hold. */
export const keyBytesMax = 16384;

/** Storage a new record points at, prepared under the same lock. */
export interface RecordStorage {
  /** 8-byte cells of each writer's copy, the control cell included (cells.ts). */
  readonly cellsCount?: number;
  readonly sharedOffset?: number;
}

/** What an enumeration returns: every record of both kinds, in creation order. */
export interface DirectoryListing {
  readonly metrics: readonly number[];
  /** Series record offsets by their metric's record offset. */
  readonly seriesByMetric: ReadonlyMap<number, number[]>;
}

function fnv1a(bytes: Uint8Array, seed: number): number {
  let hash = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < bytes.length; i++) hash = Math.imul(hash ^ bytes[i], 0x01000193) >>> 0;
  return hash;
}

/**
 * The directory of one heap.
 *
 * @example
 * ```ts
 * const dir = new Directory(heap);
 * const name = new TextEncoder().encode("jobs");
 * const record = dir.find(RecordKind.metric, 0, name) ||
 *   heap.withLock(() => dir.insertLocked(RecordKind.metric, 0, name, descriptorBytes, {}));
 * ```
 */
export class Directory {
  readonly heap: Heap;

  /** Records and generations this isolate has checked (they never change once published). */
  readonly #checked = new Set<number>();

  constructor(heap: Heap) {
    this.heap = heap;
  }

  /** Finds a published record without locking; 0 when there is none. */
  find(kind: RecordKind, parent: number, key: Uint8Array): number {
    let table = this.heap.root(Root.directoryTable);
    if (table === 0) return 0;
    const hash = fnv1a(key, kind * 0x9e3779b1 + parent);
    for (let generation = 0; table !== 0; generation++) {
      const record = this.#findInChain(table, hash, kind, parent, key);
      if (record !== 0) return record;
      table = this.#olderGeneration(table, generation);
    }
    return 0;
  }

  /**
   * Inserts a record unless an equal one exists; returns the record either way. The
   * caller holds the heap lock and has allocated `storage` under it.
   */
  insertLocked(kind: RecordKind, parent: number, key: Uint8Array, value: Uint8Array, storage: RecordStorage): number {
    if (key.byteLength > keyBytesMax || value.byteLength > keyBytesMax) {
      throw new RangeError(`A directory key or value may hold at most ${keyBytesMax} bytes, got ${Math.max(key.byteLength, value.byteLength)}`);
    }
    const existing = this.find(kind, parent, key);
    if (existing !== 0) return existing;
    const table = this.#tableLocked();
    const hash = fnv1a(key, kind * 0x9e3779b1 + parent);
    const heap = this.heap;
    const record = heap.allocLocked(headerBytes + key.byteLength + value.byteLength, 8);
    const bucket = this.#bucketWord(table, hash);
    const u32 = heap.u32;
    const at = record / 4;
    u32[at + RecordField.nextInBucket / 4] = Atomics.load(heap.i32, bucket) >>> 0;
    u32[at + RecordField.hash / 4] = hash;
    u32[at + RecordField.kind / 4] = kind;
    u32[at + RecordField.keyBytes / 4] = key.byteLength;
    u32[at + RecordField.valueBytes / 4] = value.byteLength;
    u32[at + RecordField.parent / 4] = parent;
    u32[at + RecordField.copies / 4] = 0; // no copies yet: each writer adds its own (cells.ts)
    u32[at + RecordField.heapWideHolders / 4] = 0;
    u32[at + RecordField.cellsCount / 4] = storage.cellsCount ?? 0;
    u32[at + RecordField.sharedOffset / 4] = storage.sharedOffset ?? 0;
    heap.f64[(record + RecordField.createdMs) / 8] = Date.now();
    heap.u8.set(key, record + headerBytes);
    heap.u8.set(value, record + headerBytes + key.byteLength);
    u32[at + RecordField.checksum / 4] = recordChecksum(heap, record);
    this.#checked.add(record);
    Atomics.store(heap.i32, bucket, record | 0); // publish
    heap.u32[table / 4 + 2]++; // records in this generation (changed only under the lock)
    if (kind === RecordKind.series) Atomics.add(heap.i32, (parent + RecordField.seriesCount) / 4, 1);
    return record;
  }

  /**
   * Checks a record offset read from a mutable word (not reached through the table):
   * a {@link HeapError} unless a sound record lies there (record_check.ts).
   */
  checkRecord(record: number): void {
    this.#check(record);
  }

  /** A u32 field of a record. */
  field(record: number, field: number): number {
    this.heap.ensure(record + headerBytes);
    return this.heap.u32[(record + field) / 4];
  }

  /** Atomically reads a u32 field that changes after publication (seriesCount, flags). */
  loadField(record: number, field: number): number {
    this.heap.ensure(record + headerBytes);
    return Atomics.load(this.heap.i32, (record + field) / 4) >>> 0;
  }

  /** Atomically sets bits in a record's flags. */
  setFlags(record: number, bits: number): void {
    this.heap.ensure(record + headerBytes);
    Atomics.or(this.heap.i32, (record + RecordField.flags) / 4, bits);
  }

  /** Atomically clears bits in a record's flags. */
  clearFlags(record: number, bits: number): void {
    this.heap.ensure(record + headerBytes);
    Atomics.and(this.heap.i32, (record + RecordField.flags) / 4, ~bits);
  }

  /** A one-word Int32Array over a record field, for hot paths that compare it often. */
  int32Field(record: number, field: number): Int32Array {
    return this.heap.int32View(record + field, 1);
  }

  /** Atomically adds to a record's u32 field (the series epoch). */
  addToField(record: number, field: number, value: number): void {
    this.heap.ensure(record + headerBytes);
    Atomics.add(this.heap.i32, (record + field) / 4, value);
  }

  /** Sets when a record was created (a reset series starts again), in Unix milliseconds. */
  setCreatedMs(record: number, unixMs: number): void {
    this.heap.ensure(record + headerBytes);
    this.heap.f64[(record + RecordField.createdMs) / 8] = unixMs;
  }

  /** When the record was created, in Unix milliseconds. */
  createdMs(record: number): number {
    this.heap.ensure(record + headerBytes);
    return this.heap.f64[(record + RecordField.createdMs) / 8];
  }

  /** A copy of a record's key bytes. */
  key(record: number): Uint8Array {
    const length = this.field(record, RecordField.keyBytes);
    this.heap.ensure(record + headerBytes + length);
    return this.heap.u8.slice(record + headerBytes, record + headerBytes + length);
  }

  /** A copy of a record's value bytes. */
  value(record: number): Uint8Array {
    const keyLength = this.field(record, RecordField.keyBytes);
    const length = this.field(record, RecordField.valueBytes);
    const start = record + headerBytes + keyLength;
    this.heap.ensure(start + length);
    return this.heap.u8.slice(start, start + length);
  }

  /** Every published record, metrics and their series, in creation order. Lock-free. */
  list(): DirectoryListing {
    const heap = this.heap;
    const table = heap.root(Root.directoryTable);
    const metrics: number[] = [];
    const seriesByMetric = new Map<number, number[]>();
    if (table === 0) return { metrics, seriesByMetric };
    for (let generation = 0, at = table; at !== 0; at = this.#olderGeneration(at, generation++)) {
      const buckets = this.#buckets(at);
      for (let bucket = 0; bucket < buckets; bucket++) {
        let record = Atomics.load(heap.i32, (at + generationHeaderBytes) / 4 + bucket) >>> 0;
        while (record !== 0) {
          this.#check(record); // links only go to lower offsets, so the walk ends
          const u32 = heap.u32;
          const kind = u32[(record + RecordField.kind) / 4];
          if (kind === RecordKind.metric) metrics.push(record);
          else {
            const parent = u32[(record + RecordField.parent) / 4];
            const list = seriesByMetric.get(parent);
            if (list) list.push(record);
            else seriesByMetric.set(parent, [record]);
          }
          record = u32[(record + RecordField.nextInBucket) / 4];
        }
      }
    }
    const byOffset = (a: number, b: number) => a - b;
    metrics.sort(byOffset);
    for (const list of seriesByMetric.values()) list.sort(byOffset);
    return { metrics, seriesByMetric };
  }

  #findInChain(table: number, hash: number, kind: number, parent: number, key: Uint8Array): number {
    const heap = this.heap;
    const bucket = this.#bucketWord(table, hash); // maps the bucket array first: heap.i32 may be replaced
    let record = Atomics.load(heap.i32, bucket) >>> 0;
    while (record !== 0) {
      this.#check(record); // links only go to lower offsets, so the walk ends
      const u32 = heap.u32;
      const at = record / 4;
      if (
        u32[at + RecordField.hash / 4] === hash &&
        u32[at + RecordField.kind / 4] === kind &&
        u32[at + RecordField.parent / 4] === parent &&
        u32[at + RecordField.keyBytes / 4] === key.byteLength &&
        this.#keyEquals(record + headerBytes, key)
      ) {
        return record;
      }
      record = u32[at + RecordField.nextInBucket / 4];
    }
    return 0;
  }

  #keyEquals(start: number, key: Uint8Array): boolean {
    const u8 = this.heap.u8;
    for (let i = 0; i < key.length; i++) if (u8[start + i] !== key[i]) return false;
    return true;
  }

  /** The i32 index of `hash`'s bucket in the generation at `table` (mapped). */
  #bucketWord(table: number, hash: number): number {
    return (table + generationHeaderBytes) / 4 + (hash & (this.#buckets(table) - 1));
  }

  #check(record: number): void {
    if (this.#checked.has(record)) return;
    checkRecord(this.heap, record);
    this.#checked.add(record);
  }

  /**
   * The bucket count of the generation at `table`, checked (once per isolate: a published
   * generation never changes but for its records count): a damaged header is a HeapError,
   * never a stray read.
   */
  #buckets(table: number): number {
    const heap = this.heap;
    if (!this.#checked.has(table)) {
      checkSpan(heap, table, generationHeaderBytes, 4096, "a directory generation");
      const buckets = heap.u32[table / 4 + 1];
      if (buckets < bucketCount || (buckets & (buckets - 1)) !== 0 || buckets > bucketCount * generationGrowth ** (generationsMax - 1)) {
        throw damaged(heap, table, `a directory generation claims ${buckets} buckets`);
      }
      checkSpan(heap, table, generationHeaderBytes + buckets * 4, 4096, "a directory generation");
      const older = heap.u32[table / 4];
      if (older !== 0 && older >= table) throw damaged(heap, table, `a directory generation links to byte ${older}, which is not an older one`);
      this.#checked.add(table);
    }
    const buckets = heap.u32[table / 4 + 1];
    heap.ensure(table + generationHeaderBytes + buckets * 4);
    return buckets;
  }

  /** The generation before the one at `table` (0 after the first), the walk bounded by {@link generationsMax}. */
  #olderGeneration(table: number, generation: number): number {
    if (generation >= generationsMax) throw damaged(this.heap, table, `the directory has more than ${generationsMax} generations`);
    return this.heap.u32[table / 4];
  }

  /** The newest generation, started (or a larger one after it) when due; the caller holds the lock. */
  #tableLocked(): number {
    const heap = this.heap;
    const table = heap.root(Root.directoryTable);
    if (table !== 0) {
      const buckets = this.#buckets(table);
      if (heap.u32[table / 4 + 2] < buckets * generationLoadMax) return table;
    }
    const buckets = table === 0 ? bucketCount : this.#buckets(table) * generationGrowth;
    const fresh = heap.allocLocked(generationHeaderBytes + buckets * 4, 4096);
    const u32 = heap.u32;
    u32[fresh / 4] = table;
    u32[fresh / 4 + 1] = buckets;
    u32[fresh / 4 + 2] = 0;
    heap.setRoot(Root.directoryBuckets, buckets);
    heap.setRoot(Root.directoryTable, fresh); // publish last
    return fresh;
  }
}
