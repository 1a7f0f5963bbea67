/**
 * Per-slot arenas: where a writer slot's copies of series cells live (see cells.ts).
 *
 * The algorithm. Each writer slot bump-allocates from its own chunk. The chunk's offset
 * is the slot's word in the slot table (the `arena` word, zig/ABI.md); the chunk starts
 * with two u32 words, its size and the bytes of it handed out (header included). Only
 * the isolate holding the slot allocates there, so a bump needs no lock and no atomic
 * read-modify-write: it raises the used-bytes word first and then hands the bytes out,
 * so a writer killed in between leaks bytes and never hands them out twice. When the
 * chunk is full, a new one is allocated from the heap under the heap lock (the only
 * locked step), its header written, and only then published in the slot's word: a
 * crash before that leaks the chunk. Chunks start at {@link chunkBytesMin} and double
 * up to {@link chunkBytesMax}, so a slot that writes a few series costs 16 KiB and one
 * that writes millions takes few locks; an allocation larger than a chunk gets a chunk
 * of its own size.
 *
 * Why per slot: copies of different writers never share a cache line (each slot's
 * chunks are whole pages of their own), and an isolate that adopts a dead writer's slot
 * simply continues its chunk.
 *
 * @module
 */

import { HeapError } from "../native/index.ts";
import type { Heap } from "./heap.ts";
import { slotEntryBytes, slotTableOffsetBytes } from "./layout.ts";

/** A slot's first chunk. */
export const chunkBytesMin = 16384;
/** The largest chunk a slot's chunks double to. */
export const chunkBytesMax = 262144;
/** Bytes of a chunk's header: its size, then its used bytes (u32 each). */
const chunkHeaderBytes = 8;
/** Where in a slot-table entry the arena word is (its reserved u32). */
const arenaWordOffsetBytes = 12;
/** Chunks are page-aligned so that no two slots' chunks share a page. */
const pageBytes = 4096;

/** The u32 index of a slot's arena word. */
function arenaWord(slot: number): number {
  return (slotTableOffsetBytes + slot * slotEntryBytes + arenaWordOffsetBytes) / 4;
}

/**
 * Makes sure this isolate's slot's current chunk has room for `sizeBytes` more, taking
 * a new chunk (under the heap lock) if not; returns the chunk. What fails here (a heap
 * that cannot grow: `no_space`, `heap_full`) fails before the caller publishes anything,
 * and the {@link arenaAlloc} of that size that follows cannot fail.
 *
 * @example
 * ```ts
 * heap.withLock(() => { arenaReserve(heap, 32); return directory.insertLocked(...); });
 * ```
 */
export function arenaReserve(heap: Heap, sizeBytes: number): number {
  if (!Number.isInteger(sizeBytes) || sizeBytes < 8 || sizeBytes % 8 !== 0) {
    throw new RangeError(`An arena allocation takes a positive multiple of 8 bytes, got ${sizeBytes}`);
  }
  const word = arenaWord(heap.slot);
  const chunk = Atomics.load(heap.i32, word) >>> 0;
  let chunkBytes = 0;
  if (chunk !== 0) {
    chunkBytes = checkedChunkBytes(heap, chunk);
    if (heap.u32[chunk / 4 + 1] + sizeBytes <= chunkBytes) return chunk;
  }
  const needBytes = Math.max(chunkBytesMin, Math.ceil((sizeBytes + chunkHeaderBytes) / pageBytes) * pageBytes);
  let size = Math.max(Math.min(chunk === 0 ? chunkBytesMin : chunkBytes * 2, chunkBytesMax), needBytes);
  let fresh: number;
  try {
    fresh = heap.alloc(size, pageBytes);
  } catch (error) {
    // A nearly full tmpfs (or the heap's maximum): the last series fit in what is left.
    const full = error instanceof HeapError && (error.code === "no_space" || error.code === "heap_full");
    if (!full || size === needBytes) throw error;
    size = needBytes;
    fresh = heap.alloc(size, pageBytes);
  }
  heap.u32[fresh / 4] = size;
  heap.u32[fresh / 4 + 1] = chunkHeaderBytes;
  Atomics.store(heap.i32, word, fresh | 0); // publish the chunk last: a crash before leaks it
  return fresh;
}

/**
 * Allocates `sizeBytes` zeroed bytes, 8-aligned, from this isolate's slot's arena.
 * Without the heap lock unless a new chunk is needed ({@link arenaReserve}).
 *
 * @example
 * ```ts
 * const offset = arenaAlloc(heap, 48);
 * heap.u32[offset / 4] = 1;
 * ```
 */
export function arenaAlloc(heap: Heap, sizeBytes: number): number {
  const chunk = arenaReserve(heap, sizeBytes);
  const used = heap.u32[chunk / 4 + 1];
  Atomics.store(heap.i32, chunk / 4 + 1, used + sizeBytes); // raised before handing out: a crash leaks
  return chunk + used;
}

/** The size of a slot's chunk, checked against the file: a damaged word is a HeapError, never a stray write. */
function checkedChunkBytes(heap: Heap, chunk: number): number {
  heap.ensure(chunk + chunkHeaderBytes);
  const size = heap.u32[chunk / 4];
  const used = heap.u32[chunk / 4 + 1];
  if (chunk % pageBytes !== 0 || size < chunkBytesMin || size % pageBytes !== 0 || used < chunkHeaderBytes || used > size || used % 8 !== 0) {
    throw new HeapError("corrupt", `The arena chunk of writer slot ${heap.slot} at byte ${chunk} of heap ${heap.path} is damaged (size ${size}, used ${used})`);
  }
  heap.ensure(chunk + size);
  return size;
}

/**
 * Bytes a slot's arena has taken from the heap and handed out so far in its current
 * chunk (for tests and self-metrics).
 *
 * @example
 * ```ts
 * const { chunkOffset, chunkBytes, usedBytes } = arenaState(heap, heap.slot);
 * ```
 */
export function arenaState(heap: Heap, slot: number): { chunkOffset: number; chunkBytes: number; usedBytes: number } {
  const chunk = Atomics.load(heap.i32, arenaWord(slot)) >>> 0;
  if (chunk === 0) return { chunkOffset: 0, chunkBytes: 0, usedBytes: 0 };
  heap.ensure(chunk + chunkHeaderBytes);
  return { chunkOffset: chunk, chunkBytes: heap.u32[chunk / 4], usedBytes: Atomics.load(heap.i32, chunk / 4 + 1) >>> 0 };
}
