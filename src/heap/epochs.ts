/**
 * Series epochs: how `reset()` and `remove()` take every writer's copy of a series out of
 * the count, and how a writer's hot path learns it with one load of its own copy.
 *
 * The algorithm. A series' epoch word (in its directory record) names the epoch its
 * values belong to; word 0 of each writer's copy (cells.ts) the epoch that copy's data
 * belongs to, and a reader counts a copy only when the two are equal.
 * - A reset or removal raises the series' epoch by one ({@link raiseEpoch}, a CAS that
 *   skips {@link retiredEpoch}), then **retires** every copy of the series not on the
 *   new epoch: a CAS of its word 0 to `retiredEpoch`, retried until the word is retired
 *   or on the series' current epoch ({@link retireCopies}). When `reset()` returns, every
 *   copy is retired or current.
 * - So a writer's child may keep the epoch its copy had when the child last made it
 *   current (`WriterCells.current()`, in a JS field) and compare word 0 of its own copy
 *   with that: one load of the typed array the update writes anyway, where comparing
 *   with the series' epoch word loads a second typed array. Counter and shared gauge
 *   children do (Node 20, bench/mixed: a cached counter child's `inc()` 2.56 against 2.00
 *   ns, a gauge's `inc()` 2.6-2.9 against 2.5); histograms and summaries compare with the
 *   series' epoch word, which stays correct, as keeping it measured no faster there. A retired copy never equals a kept epoch: no series epoch is ever
 *   `retiredEpoch`. When they differ, the child makes the copy current
 *   (`WriterCells.renew`: zero the data cells, then a CAS of word 0 from what it held to
 *   the series' epoch, retried when a retirement came in between) and keeps the new
 *   epoch.
 * - Updates that race with a reset (between the raise and the retirement of their copy)
 *   land in a copy readers already skip, as an update racing with the raise alone did:
 *   they are concurrent with the reset and may be lost; nothing after `reset()` returns
 *   is. A renew that read the old epoch cannot publish it after the retirement: its CAS
 *   expects the word it saw before, which the retirement changed.
 *
 * Every process on a heap must follow this (a writer of the earlier scheme would not
 * retire copies on reset): heap format 5.
 *
 * @module
 */

import { checkCopy, linkBytes } from "./copies.ts";
import { type Directory, RecordField } from "./directory.ts";
import type { Heap } from "./heap.ts";

/**
 * Word 0 of a retired copy. No series epoch takes this value ({@link nextEpoch} skips
 * it), so a retired copy is never counted, and never equals an epoch a child kept.
 */
export const retiredEpoch = -0x80000000;

/**
 * The epoch after `epoch` (int32, wrapping), never {@link retiredEpoch}.
 *
 * @example
 * ```ts
 * nextEpoch(0x7fffffff); // -0x7fffffff: the retired value is skipped
 * ```
 */
export function nextEpoch(epoch: number): number {
  const next = (epoch + 1) | 0;
  return next === retiredEpoch ? (next + 1) | 0 : next;
}

/**
 * Raises the epoch in `epochWord` (a series' epoch field) from `from` to the next,
 * unless another process raised it first; returns whether this call raised it. Then (in
 * either case) retires every copy of the series whose list head is at byte `head` that
 * is not on the series' epoch. Without `from`, raises from whatever the epoch is.
 *
 * @example
 * ```ts
 * raiseEpoch(heap, record + RecordField.copies, directory.int32Field(record, RecordField.epoch));
 * ```
 */
export function raiseEpoch(heap: Heap, head: number, epochWord: Int32Array, from?: number): boolean {
  let raised: boolean;
  if (from === undefined) {
    for (;;) {
      const epoch = Atomics.load(epochWord, 0);
      if (Atomics.compareExchange(epochWord, 0, epoch, nextEpoch(epoch)) === epoch) break;
    }
    raised = true;
  } else raised = Atomics.compareExchange(epochWord, 0, from, nextEpoch(from)) === from;
  retireCopies(heap, head, epochWord);
  return raised;
}

/**
 * Retires every copy on the list at byte `head` that is not on the epoch in `epochWord`
 * (see the module comment). Lock-free; bounded by the slot count, as every walk of a
 * copy list is (copies.ts), so a damaged list is a HeapError, never a hang.
 *
 * @example
 * ```ts
 * retireCopies(heap, record + RecordField.copies, epochWord);
 * ```
 */
export function retireCopies(heap: Heap, head: number, epochWord: Int32Array): void {
  let copy = Atomics.load(heap.i32, head / 4) >>> 0;
  for (let steps = 0; copy !== 0; steps++) {
    checkCopy(heap, copy, head, steps);
    const word = (copy + linkBytes) / 4;
    for (;;) {
      const i32 = heap.i32;
      const held = Atomics.load(i32, word);
      if (held === retiredEpoch || held === Atomics.load(epochWord, 0)) break;
      if (Atomics.compareExchange(i32, word, held, retiredEpoch) === held) break;
    }
    copy = heap.u32[copy / 4];
  }
}

/**
 * Moves the series at directory record `record` to its next epoch and retires its
 * copies ({@link raiseEpoch}): what `reset()` and `remove()` do to a series.
 *
 * @example
 * ```ts
 * directory.setFlags(record, SeriesFlag.removed);
 * raiseSeriesEpoch(directory, record);
 * ```
 */
export function raiseSeriesEpoch(directory: Directory, record: number): void {
  raiseEpoch(directory.heap, record + RecordField.copies, directory.int32Field(record, RecordField.epoch));
}
