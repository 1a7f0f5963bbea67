/**
 * Which shared storage a metric object binds to: the rule that gives prom-client's
 * registry semantics inside a process and shared totals across processes.
 *
 * The rule. A metric's storage is an *instance*: a directory record keyed by
 * `(name, n)`, `n = 0, 1, 2, ...`. Each instance counts its *holders*: metric objects,
 * in any process, that still hold it (and, apart, those made for a heap-wide registry:
 * what a heap-wide scrape lists). An object holds its instance from its construction
 * until the registry it was made for drops it (`clear()`, `removeSingleMetric()`); a
 * metric made with `registers: []` belongs to the first registry that registers it.
 * A new object takes the first instance, in order of `n`, that is
 * 1. held by another process (isolate), has the same definition, and was never held by
 *    this one: it shares that storage (module-level metrics of processes that run the
 *    same code meet here: the n-th definition of a name in one process shares with the
 *    n-th definition in every other);
 * 2. else held by nobody and of the same definition: it is recycled, every series
 *    removed (an unlabelled one zeroed), so old values never resume;
 * 3. else the first free `n`: a new instance.
 * An instance held by another process with another definition is an error (a
 * TypeError that names both definitions): every process must define a name alike.
 * A metric made with `registers: []` is a view: it first joins an instance of the same
 * definition that this process already holds (so several views of one metric share),
 * and any other definition held by anyone, this process included, is that error.
 *
 * So inside one process two registries never share (each new object skips instances
 * this process holds or held), `clear()` plus a new definition starts from nothing, and
 * a process never rejoins storage it let go of. Across processes, `clear()` in one
 * process withdraws only its own objects: the others keep theirs, with their values,
 * and keep reporting them; the clearing process's next definition of a name gets an
 * instance of its own.
 *
 * The bound: instances are recycled as soon as nobody holds them, so a process that
 * clears and redefines the same metrics 10,000 times uses the same few records. What
 * stays are instances still held: at most (processes holding a distinct instance of
 * the name at once + 1) per definition. A process that dies holding an instance keeps
 * it held (its counts stay in the totals); the next process to define the metric
 * shares it.
 *
 * Holding counts change only under the heap lock, together with the choice above, so
 * two processes never both recycle one instance.
 *
 * @module
 */

import { raiseSeriesEpoch } from "../heap/epochs.ts";
import type { Heap } from "../heap/heap.ts";
import { keyBytesMax, RecordField, RecordKind, type RecordStorage, SeriesFlag } from "../heap/directory.ts";
import type { SharedDirectory } from "../heap/shared_directory.ts";
import { HeapError } from "../native/index.ts";
import type { MetricType } from "../exposition/snapshot.ts";
import { clashCandidates, clashError, clashingSample } from "./sample_names.ts";

/** Most instances one name may have: a bound on the probe loop. */
export const instancesMax = 4096;

/** What this isolate knows about its own holdings, per heap. */
interface Holdings {
  /** Instances (record offsets) this isolate holds now, with how many objects hold each. */
  readonly held: Map<number, number>;
  /** Instances this isolate held at some time: never shared again (only recycled). */
  readonly ever: Set<number>;
}

const holdingsByHeap = new WeakMap<Heap, Holdings>();

function holdingsOf(heap: Heap): Holdings {
  let holdings = holdingsByHeap.get(heap);
  if (holdings === undefined) {
    holdings = { held: new Map(), ever: new Set() };
    holdingsByHeap.set(heap, holdings);
  }
  return holdings;
}

/** The directory key of instance `n` of `name`. */
function instanceKey(name: string, n: number): Uint8Array {
  return new TextEncoder().encode(`${name}\0${n}`);
}

/** The metric name of an instance record, from its key. */
export function instanceName(shared: SharedDirectory, record: number): string {
  const key = new TextDecoder().decode(shared.directory.key(record));
  return key.slice(0, key.lastIndexOf("\0"));
}

/** How many metric objects, in all processes, hold an instance now. */
export function holdersOf(shared: SharedDirectory, record: number): number {
  return shared.directory.loadField(record, RecordField.holders);
}

/** How many of them were made for a heap-wide registry (a heap-wide scrape lists those). */
export function heapWideHoldersOf(shared: SharedDirectory, record: number): number {
  return shared.directory.loadField(record, RecordField.heapWideHolders);
}

/** What {@link claimInstance} chose. */
export interface Claim {
  readonly record: number;
  /** A recycled instance's series (removed now; the metric resets their storage); else empty. */
  readonly recycledSeries: readonly number[];
}

/**
 * Chooses and holds an instance for a new metric object (the rule in the module
 * comment). `descriptorJson` is the definition; `registries` says whether the object was
 * made for a heap-wide registry, or for none; `allocate` makes a new instance's metric-level storage
 * (called under the heap lock).
 *
 * @example
 * ```ts
 * const { record } = claimInstance(shared, { heapWide: true, none: false }, "jobs", "counter", JSON.stringify(descriptor), () => ({}));
 * ```
 */
export function claimInstance(
  shared: SharedDirectory,
  registries: { readonly heapWide: boolean; readonly none: boolean },
  name: string,
  type: MetricType,
  descriptorJson: string,
  allocate: () => RecordStorage,
): Claim {
  const { heapWide, none: unregistered } = registries;
  const { directory, heap } = shared;
  const holdings = holdingsOf(heap);
  const value = new TextEncoder().encode(descriptorJson);
  // Sizes checked before the lock and before `allocate`: a definition the directory
  // cannot hold must not leave metric-level storage behind.
  const keyBytes = instanceKey(name, instancesMax - 1).byteLength;
  if (keyBytes > keyBytesMax) throw new RangeError(`Metric name "${name.slice(0, 64)}..." takes ${keyBytes} bytes in the directory; at most ${keyBytesMax} are allowed`);
  if (value.byteLength > keyBytesMax) {
    throw new RangeError(`The definition of "${name}" (help, label names and settings) takes ${value.byteLength} bytes; at most ${keyBytesMax} are allowed: shorten its help`);
  }
  const claim = heap.withLock((): Claim => {
    if (heapWide) assertNoHeapWideClashLocked(shared, name, type);
    const chosen = choose();
    directory.addToField(chosen.record, RecordField.holders, 1);
    if (heapWide) directory.addToField(chosen.record, RecordField.heapWideHolders, 1);
    return chosen;
  });
  function choose(): Claim {
    let recyclable = 0;
    let shareable = 0;
    let joinable = 0;
    let free = -1;
    for (let n = 0; n < instancesMax; n++) {
      const record = directory.find(RecordKind.metric, 0, instanceKey(name, n));
      if (record === 0) {
        free = n;
        break;
      }
      const holders = holdersOf(shared, record);
      const same = new TextDecoder().decode(directory.value(record)) === descriptorJson;
      const mine = holdings.held.get(record) ?? 0;
      if (!same && (unregistered ? holders : holders - mine) > 0) {
        throw new TypeError(
          `A metric with the name ${name} has already been registered: it already exists in heap ${heap.path} with another definition, held by another process: ${new TextDecoder().decode(directory.value(record))}; this one is ${descriptorJson}. Every process must define a metric the same way (or clear() it first in every process that holds it).`,
        );
      }
      if (!same) continue;
      if (unregistered && mine > 0 && joinable === 0) joinable = record;
      if (holders > 0 && shareable === 0 && !holdings.ever.has(record)) shareable = record;
      if (holders === 0 && recyclable === 0) recyclable = record;
    }
    if (joinable !== 0) return { record: joinable, recycledSeries: [] };
    if (shareable !== 0) return { record: shareable, recycledSeries: [] };
    if (recyclable !== 0) return { record: recyclable, recycledSeries: removeEverySeriesLocked(shared, recyclable) };
    if (free < 0) throw new RangeError(`Metric "${name}" has ${instancesMax} instances held at once, the most allowed: clear() registries you no longer use`);
    const storage = allocate();
    if (storage.cellsCount !== undefined) {
      throw new TypeError(`Metric-level storage of "${name}" may not use cellsCount: that field counts holders`);
    }
    return { record: directory.insertLocked(RecordKind.metric, 0, instanceKey(name, free), value, storage), recycledSeries: [] };
  }
  holdings.held.set(claim.record, (holdings.held.get(claim.record) ?? 0) + 1);
  holdings.ever.add(claim.record);
  return claim;
}

/**
 * Throws the clash TypeError (sample_names.ts) if a family that a heap-wide registry of
 * any process holds would share a sample name with a heap-wide family `name` of `type`:
 * a heap-wide scrape lists both. Under the heap lock, so that two processes defining
 * clashing families at once do not both succeed.
 */
function assertNoHeapWideClashLocked(shared: SharedDirectory, name: string, type: MetricType): void {
  const { directory } = shared;
  for (const other of clashCandidates(name, type)) {
    for (let n = 0; n < instancesMax; n++) {
      const record = directory.find(RecordKind.metric, 0, instanceKey(other, n));
      if (record === 0) break;
      if (heapWideHoldersOf(shared, record) === 0) continue;
      const otherType = descriptorType(directory.value(record));
      const sample = clashingSample(name, type, other, otherType);
      if (sample !== undefined) throw clashError(name, type, other, otherType, sample, `heap ${shared.heap.path} (held by a heap-wide registry)`);
    }
  }
}

/** The type of a stored descriptor; "unknown" (its name only) if the bytes do not say. */
function descriptorType(bytes: Uint8Array): MetricType {
  try {
    const type = (JSON.parse(new TextDecoder().decode(bytes)) as { type?: unknown }).type;
    return typeof type === "string" && knownTypes.has(type) ? type as MetricType : "unknown";
  } catch {
    return "unknown"; // a damaged descriptor is the readers' to report
  }
}

const knownTypes = new Set<string>(["counter", "gauge", "histogram", "gaugehistogram", "summary", "info", "stateset", "unknown"]);

/**
 * Lets go of an instance held by one metric object of this isolate (its registry
 * dropped it). Once nobody holds it, the next definition may recycle it.
 *
 * @example
 * ```ts
 * releaseInstance(shared, record, true);
 * ```
 */
export function releaseInstance(shared: SharedDirectory, record: number, heapWide: boolean): void {
  const { directory, heap } = shared;
  const holdings = holdingsOf(heap);
  const count = holdings.held.get(record) ?? 0;
  if (count === 0) throw new RangeError(`This process does not hold the metric record at ${record} of heap ${heap.path}: it was released already`);
  if (count === 1) holdings.held.delete(record);
  else holdings.held.set(record, count - 1);
  heap.withLock(() => {
    if (holdersOf(shared, record) === 0) throw new HeapError("corrupt", `The metric record at ${record} of heap ${heap.path} has no holders left to release: the file is damaged`);
    directory.addToField(record, RecordField.holders, -1);
    if (heapWide) directory.addToField(record, RecordField.heapWideHolders, -1);
  });
}

/**
 * Hides every series of a recycled instance from scrapes and moves it to a new epoch,
 * under the lock that chose it; the metric object zeroes type-specific storage later
 * (before its first use, when an unlabelled metric's one series becomes visible again,
 * at zero).
 */
function removeEverySeriesLocked(shared: SharedDirectory, metricRecord: number): readonly number[] {
  const { directory } = shared;
  const now = Date.now();
  if (directory.loadField(metricRecord, RecordField.seriesCount) === 0) return [];
  const series = directory.list().seriesByMetric.get(metricRecord) ?? [];
  for (const record of series) {
    directory.setFlags(record, SeriesFlag.removed);
    raiseSeriesEpoch(directory, record);
    directory.setCreatedMs(record, now);
  }
  return series;
}
