/**
 * The list of a series' copies: one copy of its cells per writer slot that touched it
 * (the algorithm is in cells.ts, above the structures that use it).
 *
 * A copy, in its writer slot's arena (arena.ts), is
 * ```
 * +0   u32  next     offset of the next older copy of the series, 0 at the end
 * +4   u32  slot     the writer slot that owns the copy
 * +8   i32  epoch    control cell word 0 (cells.ts)
 * +12  i32  seq      control cell word 1, the seqlock's sequence
 * +16  f64  data cells, `count - 1` of them
 * ```
 * `next` and `slot` are written before the copy is published and never change after.
 *
 * @module
 */

import { HeapError } from "../native/index.ts";
import { arenaAlloc } from "./arena.ts";
import type { Heap } from "./heap.ts";

/** Bytes before a copy's control cell: its link word (next, slot). */
export const linkBytes = 8;

/**
 * Finds the copy of writer slot `slot` on the list whose head word is at byte `head`
 * (a series record's `copies` field, or a copy's `next` word to start further down).
 * Returns the copy's offset, 0 when the slot has none. Lock-free. The walk is bounded by
 * the number of slots (a slot has at most one copy per series), so a damaged list is a
 * {@link HeapError}, never a hang.
 *
 * @example
 * ```ts
 * const copy = findCopy(heap, record + RecordField.copies, heap.slot);
 * ```
 */
export function findCopy(heap: Heap, head: number, slot: number): number {
  let copy = Atomics.load(heap.i32, head / 4) >>> 0;
  for (let steps = 0; copy !== 0; steps++) {
    checkCopy(heap, copy, head, steps);
    const u32 = heap.u32;
    if (u32[copy / 4 + 1] === slot) return copy;
    copy = u32[copy / 4];
  }
  return 0;
}

/**
 * Checks that `copy` (reached after `steps` links from `head`) can be a copy: inside
 * the file, 8-aligned, owned by a slot that exists, not past the longest possible list.
 * Maps it. Throws a {@link HeapError} (`corrupt`) otherwise.
 *
 * @example
 * ```ts
 * checkCopy(heap, copy, record + RecordField.copies, 0); // before reading the copy's slot word
 * ```
 */
export function checkCopy(heap: Heap, copy: number, head: number, steps: number): void {
  if (steps >= heap.writerSlotsMax || copy % 8 !== 0 || copy < 4096) {
    throw new HeapError("corrupt", `The list of writer copies at byte ${head} of heap ${heap.path} is damaged (link to byte ${copy} after ${steps} copies)`);
  }
  heap.ensure(copy + linkBytes + 8);
  const slot = heap.u32[copy / 4 + 1];
  if (slot >= heap.writerSlotsMax) {
    throw new HeapError("corrupt", `The writer copy at byte ${copy} of heap ${heap.path} names slot ${slot} of ${heap.writerSlotsMax}: the file is damaged`);
  }
}

/**
 * Allocates this isolate's copy of a series (`count` cells, the control cell included)
 * in its slot's arena and pushes it on the list at `head` with a CAS. The copy is
 * published with epoch `epoch`; its data cells are zero. The caller has checked that
 * the slot has no copy there yet (only this isolate adds copies of its slot).
 *
 * @example
 * ```ts
 * const copy = pushCopy(heap, record + RecordField.copies, 3, epoch - 1);
 * ```
 */
export function pushCopy(heap: Heap, head: number, count: number, epoch: number): number {
  const copy = arenaAlloc(heap, linkBytes + count * 8);
  const slot = heap.slot;
  heap.u32[copy / 4 + 1] = slot;
  heap.i32[copy / 4 + 2] = epoch;
  heap.i32[copy / 4 + 3] = 0;
  heap.f64.fill(0, copy / 8 + 2, copy / 8 + 1 + count); // zero already in a sound heap; a damaged arena tail may hold anything
  for (;;) {
    const i32 = heap.i32;
    const first = Atomics.load(i32, head / 4);
    heap.u32[copy / 4] = first >>> 0; // written before the CAS that publishes the copy
    if (Atomics.compareExchange(i32, head / 4, first, copy | 0) === first) return copy;
  }
}
