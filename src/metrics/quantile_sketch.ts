/**
 * A mergeable quantile sketch in shared memory: what a Summary's quantiles are computed
 * from, over the observations of every process together.
 *
 * The sketch (DDSketch-style, a log-bucketed histogram), with relative accuracy
 * `alpha = 0.01`. A value `v = 2^e (1 + f)` other than 0 is mapped to
 * `L(v) = e + P(f)`, where `P` is a cubic in the mantissa `f` whose slope stays within
 * 3% of log2's; its bucket is `ceil(L(v) m)`, with `m` = 35.0 buckets per octave chosen
 * so that even the widest bucket `(lo, hi]` has `hi / lo <= (1 + alpha) / (1 - alpha)`.
 * A bucket is read back as `2 lo hi / (lo + hi)`, within `alpha` of every value it holds.
 * Computing `L` from the bits of the double (exponent, mantissa, three multiply-adds)
 * takes about 5 ns on V8 where `Math.log` takes 11 (measured in Node and Deno, one
 * loop of the bench's values each), for 1% more buckets than exact log buckets (116
 * per decade). Negative values go to a mirrored set
 * of buckets, 0 (and -0) to a zero bucket. A quantile `q` of `n` observations is the
 * value of rank `max(1, ceil(q n))` in ascending order, so the answer is within 1% of
 * the exact value of that rank among all observations, whichever process made them.
 * Counts merge by addition, so one shared copy per series holds everyone's observations.
 *
 * Range. 4096 buckets per sign cover magnitudes from 1e-9 to 1.68e26. A magnitude below
 * the range is counted in the lowest bucket (read back as 9.98e-10: an absolute error
 * below 1e-9), one above it in the highest (read back as 1.66e26). Observations are
 * finite (the Summary refuses others).
 *
 * Layout in the heap, per series (offsets from the series' shared offset, `A` the
 * number of age buckets, 1 for an all-time window):
 * - a header: `A` int64 tags (see "Age buckets"), the zero bucket's `A` low and `A`
 *   high words, and two tables of 64 int32 heap offsets, one for pages of low words and
 *   one for pages of high words (0 while not allocated): `16 A + 512` bytes.
 * - pages, allocated on the first observation that lands in them (under the heap lock,
 *   published by an atomic store of the table entry): each covers 128 consecutive
 *   buckets of one sign (about 1.1 decades of magnitude) for every age bucket, as int32
 *   low words: `A x 512` bytes. A page of high words is allocated only when one of its
 *   buckets passes 2^31 observations. Bucket indexes run in ascending value order:
 *   negatives 0..4095 (pages 0-31), positives 4096..8191 (pages 32-63).
 * So a series costs `16 A + 512` bytes plus `A` x 512 bytes per 1.1 decades its values
 * span: latencies from 1 ms to 10 s take 5 pages, 2.5 KiB for an all-time window and
 * 12.5 KiB with 5 age buckets. Per-writer copies would cost 64 times that (one per
 * writer slot), which is why there is one shared copy.
 *
 * Updates. Each count is updated with `Atomics.add` on an Int32Array: a hardware-atomic
 * add across processes (no observation lost, no lock), which every runtime's JIT
 * inlines (on a BigInt64Array, Bun's costs 20 ns more). An all-time window never
 * empties, so counts must pass 32 bits: the low word counts modulo 2^32, and the writer
 * whose add takes it across a multiple of 2^31 (`Atomics.add` returns the old value, so
 * exactly one writer sees each crossing) adds 1 to the bucket's high word. A reader
 * reads the high word, then the low one; a crossing whose carry has not landed yet
 * shows as a mismatch between the parity of the high word and the top bit of the low
 * one, and is counted (see {@link countOf}). So every read is exact, even mid-carry,
 * and even when the carrying writer died before its carry (one lost carry per bucket
 * is absorbed; a second one, two SIGKILLs each landing within nanoseconds of a 2^31
 * crossing of the same bucket, would undercount it by 2^32).
 *
 * Age buckets (a sliding window of `maxAgeSeconds` in `A` age buckets, as prom-client):
 * time is cut into periods of `maxAgeSeconds / A`; period `p = floor(now / period)` is
 * counted in age bucket `p mod A`, and a read merges the age buckets of the last `A`
 * periods (the current one included): the window is `(A - 1)` to `A` periods long, as
 * prom-client's. One add per observation, however many age buckets there are.
 * Each age bucket's tag says which period it holds: `p << 9` once published, plus
 * `1 + slot` while writer `slot` clears it. The first writer to need a bucket for a
 * newer period claims it with a compare-and-exchange of the tag, zeroes its counts,
 * then publishes `p << 9`; others wait for the publication (a few microseconds). A
 * claimer found dead (its writer slot unheld), or still not done after a bounded wait,
 * has its claim taken over, so a SIGKILL never blocks observations; the worst case is a
 * few observations of that new period zeroed twice (never `_count`/`_sum`). A reader
 * skips age buckets outside the window, being cleared, or whose tag changed while it
 * read them: expired data is never served and a scrape never writes the sketch.
 *
 * @module
 */

import type { Heap } from "../heap/heap.ts";
import { checkSpan } from "../heap/bounds.ts";

/**
 * Relative accuracy of every quantile: the answer is within 1% of the exact value.
 *
 * @example
 * ```ts
 * Math.abs(bucketValue(bucketOf(v)) - v) <= relativeAccuracy * Math.abs(v); // any v in range
 * ```
 */
export const relativeAccuracy = 0.01;
/** Most a bucket's upper bound may exceed its lower bound by, as a ratio. */
const gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy);
/**
 * Buckets per sign: bucket indexes are 0..4095 for negatives, 4096..8191 for positives.
 *
 * @example
 * ```ts
 * bucketOf(1) >= bucketsPerSign && bucketOf(-1) < bucketsPerSign; // true
 * ```
 */
export const bucketsPerSign = 4096;
/**
 * Smallest magnitude counted with full accuracy; smaller ones go to the lowest bucket.
 *
 * @example
 * ```ts
 * bucketOf(1e-12) === bucketOf(smallestMagnitude); // true: clamped
 * ```
 */
export const smallestMagnitude = 1e-9;

// The cubic approximation of log2 on the mantissa: P(f) = ((a f + b) f + c) f, with
// P(0) = 0 and P(1) = 1, so L(v) = e + P(f) for v = 2^e (1 + f) is continuous and
// increasing, and its slope within 3% of log2's.
const cubicA = 6 / 35;
const cubicB = -3 / 5;
const cubicC = 10 / 7;

/**
 * The smallest `(1 + f) P'(f)` over [0, 1]: where a bucket (a fixed step of L) is widest
 * in ln(v). Found among the ends and the roots of its derivative.
 */
function slopeMinimum(): number {
  const g = (f: number): number => (1 + f) * ((3 * cubicA * f + 2 * cubicB) * f + cubicC);
  const [qa, qb, qc] = [9 * cubicA, 2 * (3 * cubicA + 2 * cubicB), 2 * cubicB + cubicC]; // g'(f) = qa f^2 + qb f + qc
  const candidates = [0, 1];
  const discriminant = qb * qb - 4 * qa * qc;
  if (discriminant >= 0) candidates.push((-qb - Math.sqrt(discriminant)) / (2 * qa), (-qb + Math.sqrt(discriminant)) / (2 * qa));
  return Math.min(...candidates.filter((f) => f >= 0 && f <= 1).map(g));
}

/**
 * Buckets per octave of L: chosen so that the widest bucket spans exactly ln(gamma) in
 * ln(v) (with a hair of margin for rounding): 35.0, against 34.7 for exact log buckets.
 */
const bucketsPerOctave = (1 + 1e-12) / (slopeMinimum() * Math.log(gamma));

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error("mpmetrics' quantile sketch needs a little-endian machine");
const bits = new Float64Array(1);
const words = new Int32Array(bits.buffer);

/** L(v): log2 of a positive finite magnitude, approximated from its bits (see above). */
function approximateLog2(magnitude: number): number {
  bits[0] = magnitude;
  const high = words[1];
  const f = (high & 0xfffff) * 9.5367431640625e-7 + (words[0] >>> 0) * 2.220446049250313e-16; // 2^-20, 2^-52
  return ((high >>> 20) & 0x7ff) - 1023 + ((cubicA * f + cubicB) * f + cubicC) * f;
}

/** The magnitude whose L is `x`: P inverted by bisection (reads only). */
function inverseLog2(x: number): number {
  const e = Math.floor(x);
  const r = x - e;
  let low = 0;
  let high = 1;
  for (let i = 0; i < 64; i++) {
    const mid = (low + high) / 2;
    if (((cubicA * mid + cubicB) * mid + cubicC) * mid < r) low = mid;
    else high = mid;
  }
  return 2 ** e * (1 + (low + high) / 2);
}

/** The unclamped index of bucket 0: the one holding `smallestMagnitude`. */
const lowestIndex = Math.ceil(approximateLog2(smallestMagnitude) * bucketsPerOctave);
/**
 * Largest magnitude counted with full accuracy (upper bound of the highest bucket),
 * about 1.68e26; larger ones go to the highest bucket.
 *
 * @example
 * ```ts
 * bucketOf(1e30) === bucketOf(largestMagnitude); // true: clamped
 * ```
 */
export const largestMagnitude = inverseLog2((lowestIndex + bucketsPerSign - 1) / bucketsPerOctave);
/**
 * Buckets per page (a power of two): the unit in which a sketch's memory is allocated.
 *
 * @example
 * ```ts
 * const page = bucketOf(0.25) >> 7; // pageBuckets === 2 ** 7
 * ```
 */
export const pageBuckets = 128;
const pageShift = 7;
const pageMask = pageBuckets - 1;
/** Pages of one sketch: 32 per sign. */
const pageCount = (2 * bucketsPerSign) / pageBuckets;
/**
 * Most age buckets a sketch may have (each one is a copy of every page).
 *
 * @example
 * ```ts
 * new Summary({ name: "s", help: "S.", maxAgeSeconds: 600, ageBuckets: ageBucketsMax });
 * ```
 */
export const ageBucketsMax = 100;
/**
 * Identifies this layout; stored in every summary's descriptor so that processes built
 * with another sketch refuse the metric instead of misreading it.
 *
 * @example
 * ```ts
 * const settings = { percentiles, maxAgeSeconds, ageBuckets, sketch: sketchLayout };
 * ```
 */
export const sketchLayout = `ddsketch-cubic-v1 alpha=${relativeAccuracy} k0=${lowestIndex} buckets=${bucketsPerSign} page=${pageBuckets}`;

/** Bits of a tag below the period: `1 + slot` of a claimer, or 0 once published. */
const claimBits = 9n;
const claimMask = (1n << claimBits) - 1n;
/** Tag reads while another writer clears an age bucket before checking it is alive. */
const livenessEvery = 1024;
/** Tag reads before a claim still held by a live writer is taken over anyway. */
const claimSpinsMax = 64 * livenessEvery;
/** Reads of a whole sketch that may find a rotation under way before one is accepted. */
const readRetriesMax = 4;

/**
 * The bucket of a finite value other than 0, in ascending value order: negatives
 * 0..4095, positives 4096..8191; magnitudes outside the range go to the edge bucket.
 *
 * @example
 * ```ts
 * bucketOf(-2) < bucketOf(0.5) && bucketOf(0.5) < bucketOf(3); // true: ascending order
 * bucketValue(bucketOf(0.25)); // within 1% of 0.25
 * ```
 */
export function bucketOf(value: number): number {
  bits[0] = value; // L(v) as in approximateLog2, inlined; the sign bit is masked off
  const high = words[1];
  const f = (high & 0xfffff) * 9.5367431640625e-7 + (words[0] >>> 0) * 2.220446049250313e-16; // 2^-20, 2^-52
  let k = Math.ceil((((high >>> 20) & 0x7ff) - 1023 + ((cubicA * f + cubicB) * f + cubicC) * f) * bucketsPerOctave) - lowestIndex;
  if (k < 0) k = 0;
  else if (k > bucketsPerSign - 1) k = bucketsPerSign - 1;
  return value < 0 ? bucketsPerSign - 1 - k : bucketsPerSign + k;
}

/**
 * The value a bucket is read back as: `2 lo hi / (lo + hi)` for the bucket's bounds
 * `(lo, hi]`, within `(hi - lo) / (hi + lo) <= 1%` of every value in it, with its sign.
 *
 * @example
 * ```ts
 * Math.abs(bucketValue(bucketOf(123.4)) / 123.4 - 1) <= relativeAccuracy; // true
 * ```
 */
export function bucketValue(index: number): number {
  const negative = index < bucketsPerSign;
  const k = (negative ? bucketsPerSign - 1 - index : index - bucketsPerSign) + lowestIndex;
  const low = inverseLog2((k - 1) / bucketsPerOctave);
  const high = inverseLog2(k / bucketsPerOctave);
  const value = (2 * low * high) / (low + high);
  return negative ? -value : value;
}

/**
 * Byte offsets within a sketch's header, for `ageBuckets` age buckets.
 *
 * @example
 * ```ts
 * const tags = new BigInt64Array(heap.u8.buffer, offset + sketchOffsets(5).tags, 5);
 * ```
 */
export interface SketchOffsets {
  /** `A` int64 tags. */
  readonly tags: number;
  /** `A` int32 low words of the zero bucket's counts. */
  readonly zeroLow: number;
  /** `A` int32 high words (carries) of the zero bucket's counts. */
  readonly zeroHigh: number;
  /** 64 int32 offsets of the pages of low words (0: not allocated). */
  readonly pages: number;
  /** 64 int32 offsets of the pages of high words (0: no carry yet). */
  readonly highPages: number;
  /** Size of the header. */
  readonly bytes: number;
}

/**
 * The header layout for `ageBuckets` age buckets.
 *
 * @example
 * ```ts
 * sketchOffsets(1).bytes; // 528
 * ```
 */
export function sketchOffsets(ageBuckets: number): SketchOffsets {
  const a = ageBuckets;
  return { tags: 0, zeroLow: 8 * a, zeroHigh: 12 * a, pages: 16 * a, highPages: 16 * a + 4 * pageCount, bytes: 16 * a + 8 * pageCount };
}

/**
 * Bytes of one page: 128 int32 words per age bucket.
 *
 * @example
 * ```ts
 * pageBytes(5); // 2560
 * ```
 */
export function pageBytes(ageBuckets: number): number {
  return ageBuckets * pageBuckets * 4;
}

/**
 * A count from its two words, the high one read first: `low` counts modulo 2^32 and
 * `high` the times it crossed a multiple of 2^31, carried by the writer whose add
 * crossed (see the module comment). A carry not yet made (or lost with its writer)
 * shows as a parity mismatch between `high` and the top bit of `low`, and is counted.
 *
 * @example
 * ```ts
 * countOf(0, 5) === 5;
 * countOf(0, 0x80000005 | 0) === 2 ** 31 + 5; // the carry is on its way
 * countOf(2, 3) === 2 ** 32 + 3;
 * ```
 */
export function countOf(high: number, low: number): number {
  const crossings = high + ((high ^ (low >>> 31)) & 1);
  return crossings * 2147483648 + (low & 0x7fffffff);
}

/**
 * Allocates a sketch's header (zeroed: every tag says "period 0, published", which
 * every real period is newer than); the caller holds the heap lock.
 *
 * @example
 * ```ts
 * const offset = heap.withLock(() => allocSketchLocked(heap, 1));
 * ```
 */
export function allocSketchLocked(heap: Heap, ageBuckets: number): number {
  checkAgeBuckets(ageBuckets);
  return heap.allocLocked(sketchOffsets(ageBuckets).bytes, 64);
}

function checkAgeBuckets(ageBuckets: number): void {
  if (!Number.isInteger(ageBuckets) || ageBuckets < 1 || ageBuckets > ageBucketsMax) {
    throw new RangeError(`A sketch has 1 to ${ageBucketsMax} age buckets, got ${ageBuckets}`);
  }
}

function bigInt64View(heap: Heap, offset: number, count: number): BigInt64Array {
  heap.ensure(offset + count * 8);
  return new BigInt64Array(heap.u8.buffer, offset, count);
}

/**
 * The page a page-table entry names, allocated (zeroed, under the heap lock) and
 * published if no process has yet.
 */
function attachPage(heap: Heap, table: Int32Array, page: number, ageBuckets: number): Int32Array {
  let offset = Atomics.load(table, page) >>> 0;
  if (offset === 0) {
    offset = heap.withLock(() => {
      const again = Atomics.load(table, page) >>> 0;
      if (again !== 0) return again;
      const made = heap.allocLocked(pageBytes(ageBuckets), 64);
      Atomics.store(table, page, made | 0); // publish the zeroed page
      return made;
    });
  }
  return heap.int32View(offset, ageBuckets * pageBuckets);
}

/**
 * Where a sketch lives and how its window is cut.
 *
 * @example
 * ```ts
 * const shape: SketchShape = { offset, ageBuckets: 5, periodMs: (600 * 1000) / 5 };
 * ```
 */
export interface SketchShape {
  /** Heap offset of the sketch's header. */
  readonly offset: number;
  /** Age buckets (1 for an all-time window). */
  readonly ageBuckets: number;
  /** Length of one age bucket's period in milliseconds; 0 for an all-time window. */
  readonly periodMs: number;
}

let clock: () => number = Date.now;

/**
 * Replaces the clock (Unix milliseconds) that age buckets follow, in this isolate, for
 * tests of window rotation; no argument restores `Date.now`.
 *
 * @example
 * ```ts
 * let now = 1_700_000_000_000;
 * setSketchClock(() => now);
 * now += 60_000; // a minute later, for every summary in this isolate
 * setSketchClock();
 * ```
 */
export function setSketchClock(now: () => number = Date.now): void {
  if (typeof now !== "function") throw new TypeError(`The sketch clock must be a function returning Unix milliseconds, got ${typeof now}`);
  clock = now;
}

/**
 * The time age buckets follow now, in Unix milliseconds (`Date.now()` unless a test
 * replaced the clock).
 *
 * @example
 * ```ts
 * readQuantiles(heap, shape, sketchNow(), [0.5], out);
 * ```
 */
export function sketchNow(): number {
  return clock();
}

/**
 * This isolate's handle on a shared sketch: counts observations into it. Keeps the
 * views of the pages it has touched and the age bucket of the current period, so an
 * observation is a bucket computation and one atomic add.
 *
 * @example
 * ```ts
 * const writer = new SketchWriter(heap, { offset, ageBuckets: 1, periodMs: 0 });
 * writer.add(0.25);
 * ```
 */
export class SketchWriter {
  readonly #heap: Heap;
  readonly #shape: SketchShape;
  readonly #windowed: boolean;
  readonly #tags: BigInt64Array;
  readonly #zeroLow: Int32Array;
  readonly #zeroHigh: Int32Array;
  readonly #pageTable: Int32Array;
  readonly #highPageTable: Int32Array;
  readonly #pages: (Int32Array | undefined)[] = new Array<Int32Array | undefined>(pageCount).fill(undefined);
  #age = 0;
  #ageBase = 0;
  /** The current period of this isolate's clock, [start, end) in Unix ms; empty until the first add. */
  #startMs = 0;
  #endMs = 0;

  constructor(heap: Heap, shape: SketchShape) {
    checkAgeBuckets(shape.ageBuckets);
    if (!(shape.periodMs >= 0 && shape.periodMs < Infinity) || (shape.periodMs === 0 && shape.ageBuckets !== 1)) {
      throw new RangeError(`A sketch period must be > 0 ms with age buckets, or 0 for all time; got ${shape.periodMs} ms for ${shape.ageBuckets} age buckets`);
    }
    const at = sketchOffsets(shape.ageBuckets);
    const a = shape.ageBuckets;
    this.#heap = heap;
    this.#shape = shape;
    this.#windowed = shape.periodMs > 0;
    this.#tags = bigInt64View(heap, shape.offset + at.tags, a);
    this.#zeroLow = heap.int32View(shape.offset + at.zeroLow, a);
    this.#zeroHigh = heap.int32View(shape.offset + at.zeroHigh, a);
    this.#pageTable = heap.int32View(shape.offset + at.pages, pageCount);
    this.#highPageTable = heap.int32View(shape.offset + at.highPages, pageCount);
  }

  /** Counts one finite observation. */
  add(value: number): void {
    if (this.#windowed) {
      const now = clock();
      if (!(now >= this.#startMs && now < this.#endMs) && !this.#enterPeriod(now)) return;
    }
    if (value === 0) {
      if ((Atomics.add(this.#zeroLow, this.#age, 1) & 0x7fffffff) === 0x7fffffff) Atomics.add(this.#zeroHigh, this.#age, 1);
      return;
    }
    const index = bucketOf(value);
    const page = index >> pageShift;
    const counts = this.#pages[page] ?? this.#attachPage(page);
    const at = this.#ageBase + (index & pageMask);
    if ((Atomics.add(counts, at, 1) & 0x7fffffff) === 0x7fffffff) this.#carry(page, at);
  }

  #attachPage(page: number): Int32Array {
    const counts = attachPage(this.#heap, this.#pageTable, page, this.#shape.ageBuckets);
    this.#pages[page] = counts;
    return counts;
  }

  /** This add took the low word across a multiple of 2^31: one more crossing in the high word. */
  #carry(page: number, at: number): void {
    Atomics.add(attachPage(this.#heap, this.#highPageTable, page, this.#shape.ageBuckets), at, 1);
  }

  /**
   * Moves to the period of `now`: makes sure its age bucket holds that period (rotating
   * it if it holds an older one). False when a claim could not be settled; the
   * observation then stays out of the sketch and the next one tries again.
   */
  #enterPeriod(now: number): boolean {
    const { periodMs, ageBuckets } = this.#shape;
    const period = Math.floor(now / periodMs);
    const age = period % ageBuckets;
    if (!this.#claim(age, period)) return false;
    this.#age = age;
    this.#ageBase = age * pageBuckets;
    this.#startMs = period * periodMs;
    this.#endMs = (period + 1) * periodMs;
    return true;
  }

  /** Makes age bucket `age` hold `period` or a newer one (see the module comment). */
  #claim(age: number, period: number): boolean {
    const tags = this.#tags;
    const wanted = BigInt(period);
    const published = wanted << claimBits;
    const mine = published | BigInt(this.#heap.slot + 1);
    for (let spins = 1; spins <= claimSpinsMax; spins++) {
      const tag = Atomics.load(tags, age);
      const claimer = Number(tag & claimMask);
      if (claimer === 0) {
        if (tag >> claimBits >= wanted) return true; // current (or newer: another clock read later)
        if (Atomics.compareExchange(tags, age, tag, mine) !== tag) continue;
        clearAgeBucket(this.#heap, this.#shape, age);
        Atomics.store(tags, age, published);
        return true;
      }
      if (spins % livenessEvery !== 0) continue;
      if (spins < claimSpinsMax && this.#heap.slotIsLive(claimer - 1)) continue;
      // The claimer died, or stalled too long: take its claim over and finish its work.
      if (Atomics.compareExchange(tags, age, tag, mine) !== tag) continue;
      clearAgeBucket(this.#heap, this.#shape, age);
      const theirs = tag >> claimBits;
      Atomics.store(tags, age, (theirs > wanted ? theirs : wanted) << claimBits);
      return true;
    }
    return false;
  }
}

/**
 * Calls `fn` with the heap offset of every allocated page of a table (low or high
 * words). Each offset is checked first: it was allocated 64-aligned in the heap's data,
 * so anything else is damage (a HeapError, never a read through it).
 */
function forEachPage(heap: Heap, tableOffset: number, ageBuckets: number, fn: (page: number, offset: number) => void): void {
  for (let page = 0; page < pageCount; page++) {
    const offset = Atomics.load(heap.i32, tableOffset / 4 + page) >>> 0;
    if (offset === 0) continue;
    checkSpan(heap, offset, pageBytes(ageBuckets), 64, "a summary sketch page");
    fn(page, offset);
  }
}

/**
 * Zeroes the counts of one age bucket (high words first, then low ones) in every
 * allocated page. Used on rotation (by the claimer) and, for every age bucket, on reset.
 */
function clearAgeBucket(heap: Heap, shape: SketchShape, age: number): void {
  const at = sketchOffsets(shape.ageBuckets);
  const a = shape.ageBuckets;
  heap.ensure(shape.offset + at.bytes);
  const zero = (offset: number): void => {
    heap.int32View(offset, a * pageBuckets).fill(0, age * pageBuckets, (age + 1) * pageBuckets);
  };
  Atomics.store(heap.int32View(shape.offset + at.zeroHigh, a), age, 0);
  Atomics.store(heap.int32View(shape.offset + at.zeroLow, a), age, 0);
  forEachPage(heap, shape.offset + at.highPages, a, (_, offset) => zero(offset));
  forEachPage(heap, shape.offset + at.pages, a, (_, offset) => zero(offset));
}

/**
 * Zeroes every count of a sketch (every age bucket, every page): what `reset()` does.
 * Tags stay: an empty age bucket is empty whichever period it holds.
 *
 * @example
 * ```ts
 * clearSketch(heap, { offset, ageBuckets: 1, periodMs: 0 });
 * ```
 */
export function clearSketch(heap: Heap, shape: SketchShape): void {
  checkAgeBuckets(shape.ageBuckets);
  for (let age = 0; age < shape.ageBuckets; age++) clearAgeBucket(heap, shape, age);
}

/** Merged counts of the buckets of one read (reused: reads are synchronous). */
const merged = new Float64Array(2 * bucketsPerSign);
const pagePresent = new Uint8Array(pageCount);
const highPageOffsets = new Uint32Array(pageCount);

/**
 * Reads the quantiles of a sketch's current window into `out` (one per entry of
 * `percentiles`, each in [0, 1]; NaN for every one when the window is empty) and
 * returns the number of observations in the window. `nowMs` places the window.
 *
 * @example
 * ```ts
 * const out: number[] = [];
 * const n = readQuantiles(heap, { offset, ageBuckets: 1, periodMs: 0 }, Date.now(), [0.5, 0.99], out);
 * ```
 */
export function readQuantiles(heap: Heap, shape: SketchShape, nowMs: number, percentiles: readonly number[], out: number[]): number {
  checkAgeBuckets(shape.ageBuckets);
  const at = sketchOffsets(shape.ageBuckets);
  heap.ensure(shape.offset + at.bytes);
  const tags = bigInt64View(heap, shape.offset + at.tags, shape.ageBuckets);
  const ages: number[] = [];
  const seen: bigint[] = [];
  let zero = 0;
  for (let attempt = 1; ; attempt++) {
    windowAges(tags, shape, nowMs, ages, seen);
    zero = mergeCounts(heap, shape, ages);
    let changed = false;
    for (let i = 0; i < ages.length; i++) if (Atomics.load(tags, ages[i]) !== seen[i]) changed = true;
    if (!changed) break;
    if (attempt === readRetriesMax) {
      for (let i = ages.length - 1; i >= 0; i--) if (Atomics.load(tags, ages[i]) !== seen[i]) ages.splice(i, 1);
      zero = mergeCounts(heap, shape, ages); // leave out the age buckets that keep rotating
      break;
    }
  }
  return quantilesOfMerged(zero, percentiles, out);
}

/** The age buckets whose data belongs to the window at `nowMs`, with their tags. */
function windowAges(tags: BigInt64Array, shape: SketchShape, nowMs: number, ages: number[], seen: bigint[]): void {
  ages.length = 0;
  seen.length = 0;
  if (shape.periodMs === 0) {
    ages.push(0);
    seen.push(Atomics.load(tags, 0));
    return;
  }
  const oldest = BigInt(Math.floor(nowMs / shape.periodMs) - shape.ageBuckets + 1);
  for (let age = 0; age < shape.ageBuckets; age++) {
    const tag = Atomics.load(tags, age);
    if ((tag & claimMask) !== 0n || tag >> claimBits < oldest) continue; // being cleared, or expired
    ages.push(age);
    seen.push(tag);
  }
}

/**
 * Sums the counts of `ages` into `merged` (and `pagePresent`); returns the zero count.
 * Each count's high word is read before its low word (see {@link countOf}).
 */
function mergeCounts(heap: Heap, shape: SketchShape, ages: readonly number[]): number {
  const at = sketchOffsets(shape.ageBuckets);
  const a = shape.ageBuckets;
  merged.fill(0);
  pagePresent.fill(0);
  highPageOffsets.fill(0);
  let zero = 0;
  for (const age of ages) {
    const high = Atomics.load(heap.i32, (shape.offset + at.zeroHigh) / 4 + age);
    zero += countOf(high, Atomics.load(heap.i32, (shape.offset + at.zeroLow) / 4 + age));
  }
  forEachPage(heap, shape.offset + at.highPages, a, (page, offset) => {
    highPageOffsets[page] = offset; // read before the low words, as every high word is
  });
  forEachPage(heap, shape.offset + at.pages, a, (page, offset) => {
    pagePresent[page] = 1;
    const highOffset = highPageOffsets[page];
    heap.ensure(Math.max(offset, highOffset) + pageBytes(a));
    const i32 = heap.i32;
    for (const age of ages) {
      const lowWords = offset / 4 + age * pageBuckets;
      const highWords = highOffset / 4 + age * pageBuckets;
      for (let i = 0; i < pageBuckets; i++) {
        const high = highOffset === 0 ? 0 : Atomics.load(i32, highWords + i);
        const low = Atomics.load(i32, lowWords + i);
        if (low !== 0 || high !== 0) merged[page * pageBuckets + i] += countOf(high, low);
      }
    }
  });
  return zero;
}

/** Walks the merged buckets in ascending value order (negatives, zero, positives). */
function quantilesOfMerged(zero: number, percentiles: readonly number[], out: number[]): number {
  let total = zero;
  for (let page = 0; page < pageCount; page++) {
    if (pagePresent[page] === 0) continue;
    for (let i = page * pageBuckets; i < (page + 1) * pageBuckets; i++) total += merged[i];
  }
  out.length = percentiles.length;
  if (total === 0) {
    out.fill(NaN);
    return 0;
  }
  const ranks = percentiles.map((q) => Math.max(1, Math.ceil(q * total)));
  const order = ranks.map((_, i) => i).sort((a, b) => ranks[a] - ranks[b]);
  let next = 0;
  let cumulative = 0;
  let last = NaN;
  const take = (count: number, value: number): void => {
    cumulative += count;
    last = value;
    while (next < order.length && ranks[order[next]] <= cumulative) out[order[next++]] = value;
  };
  for (let page = 0; page < pageCount && next < order.length; page++) {
    if (page === pageCount / 2 && zero > 0) take(zero, 0); // between the negatives and the positives
    if (pagePresent[page] === 0) continue;
    for (let i = page * pageBuckets; i < (page + 1) * pageBuckets; i++) if (merged[i] > 0) take(merged[i], bucketValue(i));
  }
  while (next < order.length) out[order[next++]] = last; // unreachable: every rank is <= total
  return total;
}
