/**
 * Cell blocks as new series get them: allocated (cells.ts) and then zeroed in every
 * slot's copy, under the heap lock, before the series is published. In a sound heap the
 * bytes are zero already (allocations are never reused); in a damaged one the unused
 * tail of a cell chunk may hold anything, and a new series' control cell must not start
 * with a sequence word left odd (its readers would wait on a live writer) or data that
 * no update made. Nobody else knows the block until its record is published, so writing
 * every slot's copy here races with no one.
 *
 * @module
 */

import { allocCellsLocked, type CellBlock } from "./cells.ts";
import type { Heap } from "./heap.ts";

/**
 * {@link allocCellsLocked}, every copy zeroed; the caller holds the heap lock.
 *
 * @example
 * ```ts
 * const block = heap.withLock(() => allocZeroedCellsLocked(heap, 2));
 * ```
 */
export function allocZeroedCellsLocked(heap: Heap, dataCells: number): CellBlock {
  const block = allocCellsLocked(heap, dataCells);
  heap.ensure(block.offset + block.strideBytes * (heap.writerSlotsMax - 1) + block.count * 8);
  for (let slot = 0; slot < heap.writerSlotsMax; slot++) {
    const start = block.offset + slot * block.strideBytes;
    heap.u8.fill(0, start, start + block.count * 8);
  }
  return block;
}
