/**
 * Exemplars: the latest sample behind a counter series or a histogram bucket (its labels,
 * value and time), kept in the heap so that any process may record one and any process
 * may read it.
 *
 * The algorithm. A metric created with `enableExemplars: true` gets one fixed-size
 * exemplar slot per series (counter) or per bucket of each series (histogram), shared by
 * all writers, allocated with the series. A slot is {@link exemplarSlotBytes} bytes:
 *
 * | bytes  | field                                                               |
 * | ------ | ------------------------------------------------------------------- |
 * | 0-3    | lock: 0 free, else the holder (writer slot and its claim count)     |
 * | 4-7    | version: a seqlock for readers, odd while the holder writes         |
 * | 8-11   | epoch of the series the exemplar belongs to (see heap/cells.ts)     |
 * | 12-15  | label bytes used (0: no exemplar yet)                               |
 * | 16-23  | value (f64)                                                         |
 * | 24-31  | timestamp, Unix seconds (f64)                                       |
 * | 32-543 | labels: per pair, name length (u8), name, value length (u16 LE), value, UTF-8 |
 *
 * The byte budget: OpenMetrics allows 128 code points of label names and values. A name
 * is ASCII and at least one code point long, a code point takes at most 4 bytes of UTF-8,
 * and a pair's 3 length bytes are at most 3 bytes per name code point; so any exemplar
 * that passes the 128-code-point check fits in 4 * 128 = 512 label bytes, and a slot is
 * 544 bytes. A histogram with 11 buckets spends 12 * 544 = 6528 bytes per series on them.
 *
 * Writing (cold path): validate and encode the labels into a private buffer first (bad
 * input throws before the heap is touched); take the lock with a compare-and-swap from 0
 * to this isolate's holder word; if the slot holds a newer exemplar of the same epoch,
 * keep it (the latest across writers wins by timestamp); else make the version odd, write
 * every field, make the version even, release the lock. A writer that finds the lock held
 * through {@link lockTriesMax} tries checks the holder: if its process is dead (its slot
 * is no longer live, or was claimed again since), it takes the lock over by one
 * compare-and-swap and rewrites the whole slot; if it is alive, this exemplar is dropped
 * rather than wait (exemplars are samples; the hot path never blocks).
 *
 * Reading: copy the fields between two loads of an even, unchanged version; retry a
 * bounded number of times; a slot that stays odd (its writer died or is stalled mid-write)
 * is left out of that scrape. A reader never sees a half-written exemplar and never waits
 * on a writer. An exemplar whose epoch is not the series' is stale (a reset or removal came
 * after it) and is left out, so reset needs no write here.
 *
 * @module
 */

import type { Heap } from "../heap/heap.ts";
import { slotEntryBytes, slotTableOffsetBytes } from "../heap/layout.ts";
import type { ExemplarSnapshot } from "../exposition/snapshot.ts";
import { EXEMPLAR_LABELS_MAX_CODE_POINTS } from "../exposition/openmetrics.ts";
import { codePointLength } from "../exposition/index.ts";

/**
 * Bytes of one exemplar slot in the heap.
 *
 * @example
 * ```ts
 * const bucketSlot = exemplarsOffset + bucket * exemplarSlotBytes;
 * ```
 */
export const exemplarSlotBytes = 544;
/**
 * Label bytes an exemplar slot holds: enough for any 128 code points (see the module comment).
 *
 * @example
 * ```ts
 * const scratch = new Uint8Array(exemplarLabelBytesMax);
 * ```
 */
export const exemplarLabelBytesMax = 512;

const lockWord = 0;
const versionWord = 1;
const epochWord = 2;
const labelBytesWord = 3;
const valueCell = 2;
const timestampCell = 3;
const labelsOffset = 32;
/** Compare-and-swap tries on a held lock before looking at its holder. */
const lockTriesMax = 256;
/** Reads of a slot whose version stays odd or changes before the reader gives up on it. */
const readTriesMax = 1000;

const labelNamePattern = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Whether an object given to `inc`/`observe` of an exemplar-enabled metric is prom-client's
 * exemplar form `{ labels, value, exemplarLabels }` (no other key) rather than a labels
 * object. A metric whose label names are exactly among these three words is ambiguous:
 * the exemplar form wins.
 *
 * @example
 * ```ts
 * isExemplarForm({ value: 2, exemplarLabels: { trace_id: "abc" } }); // true
 * isExemplarForm({ method: "GET" }); // false
 * ```
 */
export function isExemplarForm(argument: object): boolean {
  for (const key in argument) if (key !== "labels" && key !== "value" && key !== "exemplarLabels") return false;
  return true;
}

/**
 * Allocates `count` zeroed exemplar slots; the caller holds the heap lock. Returns the
 * offset of the first; slot `i` is at `offset + i * exemplarSlotBytes`.
 *
 * @example
 * ```ts
 * const offset = heap.withLock(() => allocExemplarsLocked(heap, 12));
 * ```
 */
export function allocExemplarsLocked(heap: Heap, count: number): number {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`An exemplar area needs at least one slot, got ${count}`);
  return heap.allocLocked(count * exemplarSlotBytes, 8);
}


/**
 * Validates exemplar labels and encodes them into `out` (at least
 * {@link exemplarLabelBytesMax} bytes). Returns the bytes used, 0 for an empty label set
 * (no exemplar is recorded then, as prom-client does). Throws a TypeError for a label set
 * that is not an object, a bad name or a value that is neither string nor number, and a
 * RangeError past 128 code points; it writes nothing to the heap.
 *
 * @example
 * ```ts
 * const scratch = new Uint8Array(exemplarLabelBytesMax);
 * const used = encodeExemplarLabels("http_requests", { trace_id: "abc123" }, scratch);
 * ```
 */
export function encodeExemplarLabels(metric: string, labels: unknown, out: Uint8Array): number {
  if (labels === null || typeof labels !== "object" || Array.isArray(labels)) {
    throw new TypeError(`Exemplar labels of "${metric}" must be an object of label names to values, got ${labels === null ? "null" : Array.isArray(labels) ? "an array" : typeof labels}`);
  }
  const entries = Object.entries(labels as Record<string, unknown>);
  let length = 0;
  for (const [name, value] of entries) {
    if (!labelNamePattern.test(name)) throw new TypeError(`Invalid exemplar label name ${JSON.stringify(name)} for "${metric}": it must match [a-zA-Z_][a-zA-Z0-9_]*`);
    if (typeof value !== "string" && typeof value !== "number") {
      throw new TypeError(`Exemplar label "${name}" of "${metric}" must be a string or a number, got ${value === null ? "null" : typeof value}`);
    }
    length += name.length + codePointLength(String(value));
  }
  if (length > EXEMPLAR_LABELS_MAX_CODE_POINTS) {
    throw new RangeError(
      `Cannot record an exemplar for "${metric}": its label names and values hold ${length} code points; at most ${EXEMPLAR_LABELS_MAX_CODE_POINTS} are allowed`,
    );
  }
  let at = 0;
  for (const [name, value] of entries) {
    out[at] = name.length;
    at += 1 + encoder.encodeInto(name, out.subarray(at + 1)).written;
    const written = encoder.encodeInto(String(value), out.subarray(at + 2)).written;
    out[at] = written & 0xff;
    out[at + 1] = written >>> 8;
    at += 2 + written;
  }
  if (at > exemplarLabelBytesMax) throw new Error(`Exemplar labels of "${metric}" took ${at} bytes, over the budget of ${exemplarLabelBytesMax}: a bug`);
  return at;
}

/** What identifies this isolate as a lock holder: its writer slot and that slot's claim count. */
function holderWord(heap: Heap): number {
  return 1 + heap.slot + 256 * (slotClaims(heap, heap.slot) & 0x7fffff);
}

function slotClaims(heap: Heap, slot: number): number {
  return Atomics.load(heap.i32, (slotTableOffsetBytes + slot * slotEntryBytes + 4) / 4) >>> 0;
}

/** Whether the isolate named by a holder word has died (its slot is free or was claimed again). */
function holderIsDead(heap: Heap, holder: number): boolean {
  const slot = (holder - 1) & 0xff;
  const claims = Math.floor((holder - 1) / 256);
  if (slot >= heap.writerSlotsMax) return true; // not a holder any isolate could write: damage
  if ((slotClaims(heap, slot) & 0x7fffff) !== claims) return true;
  return !heap.slotIsLive(slot);
}

/**
 * Records exemplars for one heap from this isolate.
 *
 * @example
 * ```ts
 * const writer = new ExemplarWriter(heap);
 * const used = encodeExemplarLabels("jobs", { trace_id: "abc" }, writer.labels);
 * writer.record(slotOffset, epoch, 1, Date.now() / 1000, used);
 * ```
 */
export class ExemplarWriter {
  /** Where {@link encodeExemplarLabels} puts the labels that {@link record} stores. */
  readonly labels: Uint8Array = new Uint8Array(exemplarLabelBytesMax);
  readonly #heap: Heap;
  readonly #holder: number;

  constructor(heap: Heap) {
    this.#heap = heap;
    this.#holder = holderWord(heap);
  }

  /**
   * Stores an exemplar with the first `labelBytes` bytes of {@link labels} in the slot at
   * `offset`, unless the slot holds a newer one of the same epoch. Returns whether it was
   * stored (false also when a live writer held the slot through every try).
   */
  record(offset: number, epoch: number, value: number, timestampSeconds: number, labelBytes: number): boolean {
    const heap = this.#heap;
    heap.ensure(offset + exemplarSlotBytes);
    const base = offset / 4;
    if (!this.#lock(base)) return false;
    const i32 = heap.i32;
    const f64 = heap.f64;
    try {
      const cell = offset / 8;
      const previous = i32[base + versionWord]; // odd only if a dead holder stopped mid-write
      const kept = (previous & 1) === 0 && i32[base + labelBytesWord] > 0 && i32[base + epochWord] === epoch;
      if (kept && f64[cell + timestampCell] > timestampSeconds) return false;
      const version = (previous + 1) | 1;
      Atomics.store(i32, base + versionWord, version);
      i32[base + epochWord] = epoch;
      i32[base + labelBytesWord] = labelBytes;
      f64[cell + valueCell] = value;
      f64[cell + timestampCell] = timestampSeconds;
      heap.u8.set(this.labels.subarray(0, labelBytes), offset + labelsOffset);
      Atomics.store(i32, base + versionWord, version + 1);
      return true;
    } finally {
      Atomics.store(i32, base + lockWord, 0);
    }
  }

  #lock(base: number): boolean {
    const i32 = this.#heap.i32;
    for (let tries = 0; tries < lockTriesMax; tries++) {
      if (Atomics.compareExchange(i32, base + lockWord, 0, this.#holder) === 0) return true;
    }
    const holder = Atomics.load(i32, base + lockWord);
    if (holder === 0) return Atomics.compareExchange(i32, base + lockWord, 0, this.#holder) === 0;
    // Held through every try: take it over only from a dead holder (its write is redone whole).
    return holderIsDead(this.#heap, holder) && Atomics.compareExchange(i32, base + lockWord, holder, this.#holder) === holder;
  }
}

const readScratch = new Uint8Array(exemplarLabelBytesMax);

/**
 * Reads the exemplar in the slot at `offset` if it belongs to the series' `epoch`; never
 * a half-written one, never waiting on a writer.
 *
 * @example
 * ```ts
 * const exemplar = readExemplar(heap, slotOffset, epoch); // { labels, value, timestamp } or undefined
 * ```
 */
export function readExemplar(heap: Heap, offset: number, epoch: number): ExemplarSnapshot | undefined {
  heap.ensure(offset + exemplarSlotBytes);
  const base = offset / 4;
  const cell = offset / 8;
  for (let tries = 0; tries < readTriesMax; tries++) {
    const i32 = heap.i32;
    const before = Atomics.load(i32, base + versionWord);
    if ((before & 1) !== 0) continue;
    const slotEpoch = i32[base + epochWord];
    const labelBytes = i32[base + labelBytesWord];
    const value = heap.f64[cell + valueCell];
    const timestamp = heap.f64[cell + timestampCell];
    const used = labelBytes > 0 && labelBytes <= exemplarLabelBytesMax ? labelBytes : 0;
    if (used > 0) readScratch.set(heap.u8.subarray(offset + labelsOffset, offset + labelsOffset + used));
    if (Atomics.load(i32, base + versionWord) !== before) continue;
    if (used === 0 || slotEpoch !== epoch) return undefined;
    const labels = decodeLabels(readScratch, used);
    return labels === undefined ? undefined : { labels, value, timestamp };
  }
  return undefined;
}

/** Decodes what {@link encodeExemplarLabels} wrote; undefined for bytes it cannot have written (a damaged file). */
function decodeLabels(bytes: Uint8Array, length: number): [string, string][] | undefined {
  const labels: [string, string][] = [];
  let at = 0;
  while (at < length) {
    const nameEnd = at + 1 + bytes[at];
    if (nameEnd + 2 > length) return undefined;
    const valueLength = bytes[nameEnd] | (bytes[nameEnd + 1] << 8);
    const valueEnd = nameEnd + 2 + valueLength;
    if (valueEnd > length) return undefined;
    labels.push([decoder.decode(bytes.subarray(at + 1, nameEnd)), decoder.decode(bytes.subarray(nameEnd + 2, valueEnd))]);
    at = valueEnd;
  }
  return labels;
}
