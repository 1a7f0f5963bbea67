/**
 * Bounds checks for offsets and lengths read from a heap file.
 *
 * Every offset a record, a root word or a cell block holds was written by this library
 * under the heap lock, so in a sound heap it is aligned and lies in the allocated data:
 * at or after the first allocation (after the slot table) and wholly before the
 * allocation cursor (allocation precedes publication, and the cursor only grows). A
 * value outside that, or misaligned, can only come from damage or a foreign writer, and
 * is a {@link HeapError} (`corrupt`, with the offset) before anything is read through
 * it: a misaligned offset would otherwise index typed arrays with fractions (reading
 * `undefined`), and one past the file would be a fault.
 *
 * @module
 */

import { HeapError } from "../native/index.ts";
import type { Heap } from "./heap.ts";
import { allocCursorOffsetBytes, slotEntryBytes, slotTableOffsetBytes } from "./layout.ts";

/** The first byte any allocation can hold: the slot table's end, rounded up to 4096. */
export function dataStartBytes(heap: Heap): number {
  return Math.ceil((slotTableOffsetBytes + slotEntryBytes * heap.writerSlotsMax) / 4096) * 4096;
}

/**
 * The allocation cursor now: one past the last allocated byte. Heaps are below 4 GiB,
 * so the low word of the u64 holds it (a nonzero high word is damage).
 */
export function allocatedEndBytes(heap: Heap): number {
  const low = Atomics.load(heap.i32, allocCursorOffsetBytes / 4) >>> 0;
  const high = Atomics.load(heap.i32, allocCursorOffsetBytes / 4 + 1);
  if (high !== 0) throw damaged(heap, allocCursorOffsetBytes, `its allocation cursor is beyond 4 GiB`);
  return low;
}

/**
 * A {@link HeapError} for damage found at `offset`.
 *
 * @example
 * ```ts
 * if (kind !== 1 && kind !== 2) throw damaged(heap, record, `record kind ${kind} is unknown`);
 * ```
 */
export function damaged(heap: Heap, offset: number, problem: string): HeapError {
  return new HeapError(
    "corrupt",
    `Heap ${heap.path} is damaged at byte ${offset}: ${problem}. Remove the file (stop the processes using it first)`,
    offset,
  );
}

/**
 * Checks that `lengthBytes` bytes at `offset`, aligned to `alignBytes`, lie wholly in the
 * heap's allocated data, then makes sure they are mapped. `what` names the structure in
 * the error.
 *
 * @example
 * ```ts
 * checkSpan(heap, table, bucketCount * 4, 4096, "the directory table");
 * ```
 */
export function checkSpan(heap: Heap, offset: number, lengthBytes: number, alignBytes: number, what: string): void {
  if (!Number.isInteger(offset) || offset < 0 || offset % alignBytes !== 0) {
    throw damaged(heap, offset, `${what} is at a misaligned offset (${alignBytes}-byte alignment expected)`);
  }
  if (!Number.isInteger(lengthBytes) || lengthBytes < 0) throw damaged(heap, offset, `${what} has a length of ${lengthBytes} bytes`);
  const start = dataStartBytes(heap);
  const end = allocatedEndBytes(heap);
  if (offset < start || offset + lengthBytes > end) {
    throw damaged(heap, offset, `${what} (${lengthBytes} bytes) lies outside the allocated bytes ${start} to ${end}`);
  }
  heap.ensure(offset + lengthBytes);
}

/**
 * Checks a count read from the file against the most a sound heap can hold, so that no
 * loop runs on a damaged one.
 *
 * @example
 * ```ts
 * checkCount(heap, offset, entries, capacity, "native bucket entries");
 * ```
 */
export function checkCount(heap: Heap, offset: number, count: number, countMax: number, what: string): void {
  if (!Number.isInteger(count) || count < 0 || count > countMax) {
    throw damaged(heap, offset, `${what} is ${count}, outside 0 to ${countMax}`);
  }
}
