/**
 * A heap-file mutator: from a real heap's bytes and its map, a deterministic sequence of
 * damaged copies. First every targeted mutant (each header byte, the lock and kind
 * words, the roots, each field of each directory record, truncation at each structure's
 * edge), then random ones from a fixed seed, for as long as the caller asks: bit flips,
 * garbage ranges, swapped ranges, values written into cells, truncation and extension.
 */

import type { HeapMap } from "./base_heap.ts";
import { seededRandom as random } from "../support/random.ts";

/** One damaged copy of the heap. */
export interface Mutant {
  /** What was done, for the report of a bad outcome. */
  readonly name: string;
  readonly bytes: Uint8Array;
}


const recordFields = ["nextInBucket", "hash", "kind", "keyBytes", "valueBytes", "parent", "copies", "-/holders", "count/holders", "sharedOffset", "seriesCount/epoch", "flags", "createdMs lo", "createdMs hi", "checksum", "reserved"];
/** Values a damaged u32 is set to: edges, small offsets, and offsets of the heap's own structures. */
const interestingWords = [0, 1, 7, 0x7fffffff, 0x80000000, 0xffffffff, 4096, 8192];
/** Doubles written into cells: values no update makes. */
const interestingDoubles = [NaN, -1, -Infinity, Infinity, 0.5, 2 ** 53, -(2 ** 31), 1e308];

function setU32(bytes: Uint8Array, offset: number, value: number): void {
  if (offset + 4 <= bytes.byteLength) new DataView(bytes.buffer, bytes.byteOffset).setUint32(offset, value >>> 0, true);
}

/**
 * The mutants of `base` from `seed`, forever: targeted and random ones in turn (random
 * only once the targeted ones are done), so that any time budget tries both.
 *
 * @example
 * ```ts
 * for (const mutant of mutants(base.bytes, base.map, 0x5eed)) if (Date.now() > end) break;
 * ```
 */
export function* mutants(base: Uint8Array, map: HeapMap, seed: number): Generator<Mutant> {
  const chosen = targeted(base, map, random(seed));
  const randomly = randomMutants(base, map, random(seed ^ 0x9e3779b9));
  for (;;) {
    const next = chosen.next();
    if (!next.done) yield next.value;
    yield randomly.next().value as Mutant;
  }
}

/** How many targeted mutants {@link mutants} yields (once each). */
export function targetedCount(base: Uint8Array, map: HeapMap): number {
  let count = 0;
  for (const _ of targeted(base, map, random(1))) count++;
  return count;
}

function* targeted(base: Uint8Array, map: HeapMap, next: () => number): Generator<Mutant> {
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)];
  const copy = () => base.slice();
  const slotTableEnd = 4096 + 16 * map.writerSlotsMax;

  // Every header byte (the magic, version, sizes, cursor, lock, roots) and slot-table byte: two values each.
  for (const offset of [...Array(512).keys(), ...Array.from({ length: slotTableEnd - 4096 }, (_, i) => 4096 + i)]) {
    for (const value of [base[offset] ^ 0xff, int(256)]) {
      const bytes = copy();
      bytes[offset] = value;
      yield { name: `header byte ${offset} = ${value}`, bytes };
    }
  }
  // The lock's kind and word (bytes 64-80) and every root word, as chosen u32 values.
  for (const offset of [64, 68, 72, 76, ...Array.from({ length: 8 }, (_, i) => 256 + 4 * i)]) {
    for (const value of [...interestingWords, map.directoryTable, map.usedBytes, pick(map.records).offset]) {
      const bytes = copy();
      setU32(bytes, offset, value);
      yield { name: `word ${offset} = ${value}`, bytes };
    }
  }
  // Each field of each directory record, and each byte of its key and value.
  for (const record of map.records) {
    for (let field = 0; field < recordFields.length; field++) {
      for (const value of [0, 1, 0xffffffff, 0x80000000, record.offset + 8, pick(map.records).offset, int(2 ** 32)]) {
        const bytes = copy();
        setU32(bytes, record.offset + 4 * field, value);
        yield { name: `record ${record.offset} ${recordFields[field]} = ${value}`, bytes };
      }
    }
    for (let i = 0; i < record.keyBytes + record.valueBytes; i++) {
      const bytes = copy();
      bytes[record.offset + 64 + i] ^= 1 << int(8);
      yield { name: `record ${record.offset} byte ${i} of key and value flipped`, bytes };
    }
  }
  // Truncation at and around every structure's start, and of the header.
  const edges = [0, 7, 8, 64, 100, 4096, 8192, map.directoryTable, ...map.records.map((r) => r.offset), ...map.cells.map((c) => c.offset), map.usedBytes];
  for (const edge of edges) {
    for (const at of [edge, edge + 1, edge + 4095]) yield { name: `truncated to ${at} bytes`, bytes: base.slice(0, Math.min(at, base.byteLength)) };
  }

}

function* randomMutants(base: Uint8Array, map: HeapMap, next: () => number): Generator<Mutant> {
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)];
  const copy = () => base.slice();
  for (let n = 0; ; n++) {
    const bytes = copy();
    const used = Math.max(map.usedBytes, 8192);
    const kind = int(9);
    let name: string;
    switch (kind) {
      case 0: {
        const flips = 1 + int(8);
        for (let i = 0; i < flips; i++) bytes[int(used)] ^= 1 << int(8);
        name = `${flips} random bit flips`;
        break;
      }
      case 1: {
        const record = pick(map.records);
        const flips = 1 + int(4);
        for (let i = 0; i < flips; i++) bytes[record.offset + int(64 + record.keyBytes + record.valueBytes)] ^= 1 << int(8);
        name = `${flips} bit flips in record ${record.offset}`;
        break;
      }
      case 2: {
        const start = int(used);
        const length = 1 + int(pick([8, 64, 512, 4096]));
        for (let i = start; i < Math.min(start + length, bytes.byteLength); i++) bytes[i] = int(256);
        name = `garbage at ${start}, ${length} bytes`;
        break;
      }
      case 3: {
        const length = pick([4, 8, 64, 256]);
        const a = int(used - length);
        const b = int(used - length);
        const saved = bytes.slice(a, a + length);
        bytes.copyWithin(a, b, b + length);
        bytes.set(saved, b);
        name = `swapped ${length} bytes at ${a} and ${b}`;
        break;
      }
      case 4: {
        const a = pick(map.records);
        const b = pick(map.records);
        const saved = bytes.slice(a.offset, a.offset + 64);
        bytes.copyWithin(a.offset, b.offset, b.offset + 64);
        bytes.set(saved, b.offset);
        name = `swapped the headers of records ${a.offset} and ${b.offset}`;
        break;
      }
      case 5: {
        const block = pick(map.cells);
        const slot = int(map.writerSlotsMax);
        const at = block.offset + slot * block.strideBytes + 8 * int(block.count);
        const word = int(2) === 0;
        if (word) setU32(bytes, at + 4 * int(2), pick([...interestingWords, int(2 ** 32)]));
        else new DataView(bytes.buffer).setFloat64(at, pick(interestingDoubles), true);
        name = `cell ${at} of slot ${slot} set to a ${word ? "word" : "double"}`;
        break;
      }
      case 6: {
        const at = pick(map.shared) + 4 * int(64);
        setU32(bytes, at, pick([...interestingWords, int(2 ** 32)]));
        name = `shared storage word ${at} damaged`;
        break;
      }
      case 7: {
        const length = int(base.byteLength);
        yield { name: `random truncation to ${length} bytes`, bytes: base.slice(0, length) };
        continue;
      }
      default: {
        const extra = new Uint8Array(pick([1, 4096, 65536]));
        if (int(2) === 0) for (let i = 0; i < extra.length; i++) extra[i] = int(256);
        const grown = new Uint8Array(base.byteLength + extra.byteLength);
        grown.set(base);
        grown.set(extra, base.byteLength);
        if (int(2) === 0) setU32(grown, 32, grown.byteLength); // and the header says so
        yield { name: `extended by ${extra.byteLength} bytes`, bytes: grown };
        continue;
      }
    }
    yield { name: `random ${n}: ${name}`, bytes };
  }
}
