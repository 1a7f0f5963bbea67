/**
 * Checks of the root words the allocator of cell blocks reads (layout.ts), before it
 * hands anything out: a damaged chunk offset or used-bytes count would otherwise give a
 * new series cells over other structures, or views at misaligned offsets (an engine
 * RangeError). In a sound heap the chunk is 0 (none yet) or a whole chunk
 * (`stripeBytes` per writer slot, 4096-aligned) in the allocated bytes, and the used
 * bytes a multiple of 8 within one stripe. Anything else is a HeapError (`corrupt`).
 *
 * @module
 */

import { checkSpan, damaged } from "./bounds.ts";
import { stripeBytes } from "./cells.ts";
import type { Heap } from "./heap.ts";
import { Root, rootsOffsetBytes } from "./layout.ts";

/**
 * Throws a {@link HeapError} unless the cell allocator's roots are sound; the caller
 * holds the heap lock (nothing changes them meanwhile).
 *
 * @example
 * ```ts
 * heap.withLock(() => { checkCellRootsLocked(heap); return allocCellsLocked(heap, 2); });
 * ```
 */
export function checkCellRootsLocked(heap: Heap): void {
  const chunk = heap.root(Root.cellChunk);
  const used = heap.root(Root.cellChunkUsedBytes);
  if (chunk !== 0) checkSpan(heap, chunk, stripeBytes * heap.writerSlotsMax, stripeBytes, "the cell chunk being filled");
  if (used % 8 !== 0 || used > stripeBytes || (chunk === 0 && used !== 0)) {
    throw damaged(heap, rootsOffsetBytes + 4 * Root.cellChunkUsedBytes, `the cell chunk's used bytes are ${used} (a multiple of 8, at most ${stripeBytes})`);
  }
}
