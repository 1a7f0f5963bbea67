/**
 * How a histogram series with native buckets sits in the heap, for histogram.ts: its
 * shared area (classic exemplar slots, then the native schema word, the native exemplar
 * cursor and ring), a writer's binding to it, and the scrape of every writer's copy
 * (native_buckets.ts has the algorithm).
 *
 * @module
 */

import type { CellBlock, WriterCells } from "../heap/cells.ts";
import { readSlot } from "../heap/cells_read.ts";
import type { Directory } from "../heap/directory.ts";
import { RecordField } from "../heap/directory.ts";
import type { Heap } from "../heap/heap.ts";
import type { ExemplarSnapshot, NativeHistogramSnapshot } from "../exposition/snapshot.ts";
import { exemplarSlotBytes, readExemplar } from "./exemplar.ts";
import { nativeExemplarsMax, type NativeSettings, nativeSharedHeaderBytes, NativeWriter } from "./native_buckets.ts";
import { NativeMerger } from "./native_merge.ts";

/**
 * What a writer's child needs of a native-histogram series besides its cells.
 *
 * @example
 * ```ts
 * const binding = bindNative(heap, directory, record, cells, 25, settings, sharedOffset, 0);
 * if (binding.writer.observe(0.5) !== NativeOutcome.counted) resetFirst();
 * ```
 */
export interface NativeBinding {
  readonly writer: NativeWriter;
  /** The series' schema word (0) and native exemplar cursor (1). */
  readonly shared: Int32Array;
  /** Offset of the native exemplar ring ({@link nativeExemplarsMax} slots). */
  readonly exemplarsOffset: number;
  /** Records the reset time of the series (its `created`). */
  resetCreated(unixMs: number): void;
}

/**
 * Bytes of a histogram series' shared area: classic exemplar slots (one per bucket;
 * none for a native-only histogram), then the native area (when native buckets are on).
 *
 * @example
 * ```ts
 * const { classic, native } = sharedAreaBytes(11, true, true);
 * ```
 */
export function sharedAreaBytes(bounds: number, exemplars: boolean, native: boolean): { classic: number; native: number } {
  const classic = exemplars && (bounds > 0 || !native) ? (bounds + 1) * exemplarSlotBytes : 0;
  return { classic, native: native ? nativeSharedHeaderBytes + (exemplars ? nativeExemplarsMax * exemplarSlotBytes : 0) : 0 };
}

/**
 * This isolate's binding to a series' native storage: `classicCells` data cells precede
 * the native region in its copy; the native area starts `classicBytes` into the shared area.
 *
 * @example
 * ```ts
 * const binding = bindNative(heap, directory, record, cells, 25, settings, sharedOffset, 0);
 * ```
 */
export function bindNative(
  heap: Heap,
  directory: Directory,
  record: number,
  cells: WriterCells,
  classicCells: number,
  settings: NativeSettings,
  sharedOffset: number,
  classicBytes: number,
): NativeBinding {
  const nativeOffset = sharedOffset + classicBytes;
  const word = heap.int32View(nativeOffset, 2);
  const created = heap.float64View(record + RecordField.createdMs, 1);
  return {
    writer: new NativeWriter(cells.f64, cells.i32, classicCells, settings, word, created, cells.undo),
    shared: word,
    exemplarsOffset: nativeOffset + nativeSharedHeaderBytes,
    resetCreated: (unixMs) => directory.setCreatedMs(record, unixMs),
  };
}

/**
 * Reads native-histogram series at scrape time: each writer's copy consistently (its
 * classic cells summed into `totals`, its native region into the merge).
 *
 * @example
 * ```ts
 * const reader = new NativeSeriesReader(heap, settings, classicCells, exemplars);
 * reader.sumCopies(block, epoch, totals, scratch, intCells);
 * const native = reader.finish(sharedOffset + classicBytes, epoch, count, sum);
 * ```
 */
export class NativeSeriesReader {
  readonly #heap: Heap;
  readonly #merger: NativeMerger;
  readonly #classicCells: number;
  readonly #exemplars: boolean;

  constructor(heap: Heap, settings: NativeSettings, classicCells: number, exemplars: boolean) {
    this.#heap = heap;
    this.#merger = new NativeMerger(settings, classicCells);
    this.#classicCells = classicCells;
    this.#exemplars = exemplars;
  }

  /** Sums the classic cells of every copy of `epoch` into `totals`, and gathers their native regions. */
  sumCopies(block: CellBlock, epoch: number, totals: Float64Array, scratch: Float64Array, intCells: Uint8Array): void {
    totals.fill(0);
    this.#merger.begin();
    const slots = this.#heap.slotsHighWater();
    for (let slot = 0; slot < slots; slot++) {
      if (!readSlot(this.#heap, block, slot, epoch, scratch, intCells)) continue;
      for (let i = 0; i < this.#classicCells; i++) totals[i] += scratch[i];
      this.#merger.add(scratch);
    }
  }

  /** The merged histogram of the copies gathered last; `nativeOffset`: the series' native area. */
  finish(nativeOffset: number, epoch: number, count: number, sum: number): NativeHistogramSnapshot {
    const heap = this.#heap;
    const exemplars: ExemplarSnapshot[] = [];
    if (this.#exemplars) {
      for (let i = 0; i < nativeExemplarsMax; i++) {
        const exemplar = readExemplar(heap, nativeOffset + nativeSharedHeaderBytes + i * exemplarSlotBytes, epoch);
        if (exemplar !== undefined) exemplars.push(exemplar);
      }
      exemplars.sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0));
    }
    return this.#merger.finish(heap.int32View(nativeOffset, 2), epoch, count, sum, exemplars);
  }
}
