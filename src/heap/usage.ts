/**
 * How full a heap is, for operators' self-metrics (metrics/self_metrics.ts): the one
 * narrow place the metrics layer reads the header's size words and the slot table, so
 * that a change of the storage layout changes this file only.
 *
 * Everything here is a lock-free read of words the native core publishes atomically
 * (zig/ABI.md, "Heap file layout"); the liveness of a slot is its kernel lock, asked
 * through the native core (one call per slot ever claimed).
 *
 * @module
 */

import type { Heap } from "./heap.ts";
import {
  allocCursorOffsetBytes,
  sizeBytesOffsetBytes,
  sizeMaxBytesOffsetBytes,
  slotEntryBytes,
  slotTableOffsetBytes,
} from "./layout.ts";

/** A heap's fill and its writer slots, as of one read. */
export interface HeapUsage {
  /** Bytes handed out by the allocator (header and slot table included). */
  readonly usedBytes: number;
  /** Bytes of the file allocated on its file system (what the heap costs in /dev/shm). */
  readonly allocatedBytes: number;
  /** The most bytes the file may grow to. */
  readonly maxBytes: number;
  /** Writer slots the file was made with. */
  readonly writerSlotsMax: number;
  /** Slots claimed by some isolate at some time (a dead isolate's slot stays claimed until adopted). */
  readonly writerSlotsClaimed: number;
  /** Slots held by a live isolate now. */
  readonly writerSlotsLive: number;
}

/** Slot-table state word of a claimed slot (zig/ABI.md). */
const slotStateClaimed = 1;

/** A u64 header word that stays below 2^53 (heap files are below 4 GiB), read as two atomic halves. */
function loadU64(heap: Heap, offsetBytes: number): number {
  const low = Atomics.load(heap.i32, offsetBytes / 4) >>> 0;
  const high = Atomics.load(heap.i32, offsetBytes / 4 + 1) >>> 0;
  return high * 2 ** 32 + low;
}

/**
 * Reads how full `heap` is.
 *
 * @example
 * ```ts
 * const { usedBytes, allocatedBytes, writerSlotsLive } = heapUsage(defaultHeap());
 * ```
 */
export function heapUsage(heap: Heap): HeapUsage {
  const highWater = Math.min(heap.slotsHighWater(), heap.writerSlotsMax);
  let claimed = 0;
  let live = 0;
  for (let slot = 0; slot < highWater; slot++) {
    const state = Atomics.load(heap.i32, (slotTableOffsetBytes + slot * slotEntryBytes + 8) / 4);
    if (state !== slotStateClaimed) continue;
    claimed++;
    if (heap.slotIsLive(slot)) live++;
  }
  return {
    usedBytes: loadU64(heap, allocCursorOffsetBytes),
    allocatedBytes: loadU64(heap, sizeBytesOffsetBytes),
    maxBytes: loadU64(heap, sizeMaxBytesOffsetBytes),
    writerSlotsMax: heap.writerSlotsMax,
    writerSlotsClaimed: claimed,
    writerSlotsLive: live,
  };
}
