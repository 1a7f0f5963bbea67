/**
 * Validation of directory records before anything is read through them.
 *
 * The algorithm. A record's immutable part (everything fixed before its one publishing
 * store: its chain link, hash, kind, lengths, parent, storage offsets, key and value) is
 * covered by a 4-byte checksum written last before publication, in the record's
 * `checksum` field. A reader checks, once per record per isolate (records never change
 * after publication, so a record that passed stays good): the record lies wholly in the
 * allocated bytes and is 8-aligned, its kind is known, its lengths are in range, its
 * chain link points at an older record (a lower offset: bump allocation makes every
 * older record lower, so a chain always ends and a cycle is damage), its cell block lies
 * in the allocated bytes, and the checksum matches. Words that change after publication
 * (holders, series count, epoch, flags, creation time) are not covered.
 *
 * The checksum is FNV-1a over those words then bytes, seeded apart from the bucket hash.
 *
 * @module
 */

import { checkSpan, damaged } from "./bounds.ts";
import type { Heap } from "./heap.ts";
import { keyBytesMax, RecordField, recordHeaderBytes, RecordKind } from "./directory.ts";

const checksumSeed = 0x2545f491;

function mix(hash: number, byte: number): number {
  return Math.imul(hash ^ byte, 0x01000193) >>> 0;
}

function mixWord(hash: number, word: number): number {
  hash = mix(hash, word & 0xff);
  hash = mix(hash, (word >>> 8) & 0xff);
  hash = mix(hash, (word >>> 16) & 0xff);
  return mix(hash, word >>> 24);
}

/**
 * The checksum of the record at `record`, whose header fields and bytes are written (the
 * caller has checked that they are mapped).
 *
 * @example
 * ```ts
 * heap.u32[(record + RecordField.checksum) / 4] = recordChecksum(heap, record);
 * ```
 */
export function recordChecksum(heap: Heap, record: number): number {
  const u32 = heap.u32;
  const at = record / 4;
  let hash = (0x811c9dc5 ^ checksumSeed) >>> 0;
  // Every record's fixed fields (directory.ts imports this module, so they are named here, at call time).
  hash = mixWord(hash, u32[at + RecordField.nextInBucket / 4]);
  hash = mixWord(hash, u32[at + RecordField.hash / 4]);
  hash = mixWord(hash, u32[at + RecordField.kind / 4]);
  hash = mixWord(hash, u32[at + RecordField.keyBytes / 4]);
  hash = mixWord(hash, u32[at + RecordField.valueBytes / 4]);
  hash = mixWord(hash, u32[at + RecordField.parent / 4]);
  hash = mixWord(hash, u32[at + RecordField.sharedOffset / 4]);
  if (u32[at + RecordField.kind / 4] === RecordKind.series) {
    // Metric records count holders in this word; a series fixes its cell count there.
    // (Its `copies` word is the head of a list that grows: not part of the checksum.)
    hash = mixWord(hash, u32[at + RecordField.cellsCount / 4]);
  }
  const bytes = u32[at + RecordField.keyBytes / 4] + u32[at + RecordField.valueBytes / 4];
  const u8 = heap.u8;
  const start = record + recordHeaderBytes;
  for (let i = 0; i < bytes; i++) hash = mix(hash, u8[start + i]);
  return hash;
}

/**
 * Checks the record at `record` (see the module comment); throws a {@link HeapError}
 * (`corrupt`, with the offset) when it is damaged.
 *
 * @example
 * ```ts
 * checkRecord(heap, record);
 * const kind = heap.u32[(record + RecordField.kind) / 4];
 * ```
 */
export function checkRecord(heap: Heap, record: number): void {
  checkSpan(heap, record, recordHeaderBytes, 8, "a directory record");
  const u32 = heap.u32;
  const at = record / 4;
  const kind = u32[at + RecordField.kind / 4];
  if (kind !== RecordKind.metric && kind !== RecordKind.series) throw damaged(heap, record, `a directory record has the unknown kind ${kind}`);
  const keyBytes = u32[at + RecordField.keyBytes / 4];
  const valueBytes = u32[at + RecordField.valueBytes / 4];
  if (keyBytes > keyBytesMax || valueBytes > keyBytesMax) {
    throw damaged(heap, record, `a directory record holds ${keyBytes} key and ${valueBytes} value bytes (at most ${keyBytesMax} each)`);
  }
  checkSpan(heap, record, recordHeaderBytes + keyBytes + valueBytes, 8, "a directory record with its key and value");
  const next = u32[at + RecordField.nextInBucket / 4];
  if (next !== 0 && next >= record) throw damaged(heap, record, `a directory record links to byte ${next}, which is not an older record`);
  const parent = u32[at + RecordField.parent / 4];
  if (kind === RecordKind.series && (parent === 0 || parent >= record)) {
    throw damaged(heap, record, `a series record names byte ${parent} as its metric, which is not an older record`);
  }
  const checksum = u32[at + RecordField.checksum / 4];
  const expected = recordChecksum(heap, record);
  if (checksum !== expected) throw damaged(heap, record, `a directory record's checksum is ${checksum}, its contents give ${expected}`);
  const shared = u32[at + RecordField.sharedOffset / 4];
  if (shared !== 0) checkSpan(heap, shared, 8, 8, "a record's shared storage");
  if (kind === RecordKind.series) checkCellBlock(heap, record);
}

/** A series' cells: a plausible cell count, and the head of its copies list 0 or an aligned offset in the allocated bytes (copies.ts checks each copy as it walks). */
function checkCellBlock(heap: Heap, record: number): void {
  const u32 = heap.u32;
  const at = record / 4;
  const head = Atomics.load(heap.i32, at + RecordField.copies / 4) >>> 0;
  const count = u32[at + RecordField.cellsCount / 4];
  if (count === 0) return; // shared storage only (gauges)
  if (count < 2 || count > 16384) throw damaged(heap, record, `a series has ${count} cells per copy`);
  if (head !== 0) checkSpan(heap, head, 16, 8, "a series' newest copy");
}
