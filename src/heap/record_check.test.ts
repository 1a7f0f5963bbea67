import { test } from "node:test";
import assert from "node:assert/strict";
import { Counter, Gauge, type Heap, HeapError } from "../index.ts";
import { Directory, RecordField, recordHeaderBytes, RecordKind } from "./directory.ts";
import { Root } from "./layout.ts";
import { withHeap } from "../../test/support/heap.ts";

/** The records of `heap`, read by a fresh directory (no record checked yet). */
function records(heap: Heap): { metric: number; series: number } {
  const listing = new Directory(heap).list();
  const metric = listing.metrics.find((record) => listing.seriesByMetric.has(record))!;
  return { metric, series: listing.seriesByMetric.get(metric)![0] };
}

/** Damages one u32 at `offset`, expects a fresh directory's listing to refuse it at `at`, and restores it. */
function expectRefused(heap: Heap, offset: number, value: number, at: number, pattern: RegExp): void {
  const saved = heap.u32[offset / 4];
  heap.u32[offset / 4] = value;
  try {
    assert.throws(() => new Directory(heap).list(), (error: unknown) => {
      assert.ok(error instanceof HeapError, `a HeapError, got ${String(error)}`);
      assert.equal(error.code, "corrupt");
      assert.equal(error.offset, at);
      assert.match(error.message, pattern);
      return true;
    });
  } finally {
    heap.u32[offset / 4] = saved;
  }
  new Directory(heap).list(); // sound again
}

test("every damaged immutable record field is a HeapError naming the record's offset", withHeap((heap) => {
  new Counter({ name: "jobs", help: "Jobs.", labelNames: ["kind"], heap, registers: [] }).labels("a").inc();
  const { metric, series } = records(heap);
  assert.equal(heap.u32[(series + RecordField.kind) / 4], RecordKind.series);
  expectRefused(heap, series + RecordField.kind, 7, series, /unknown kind 7/);
  expectRefused(heap, series + RecordField.keyBytes, 1 << 20, series, /key and .* value bytes/);
  expectRefused(heap, series + RecordField.nextInBucket, series + 64, series, /not an older record/);
  expectRefused(heap, series + RecordField.parent, series + 8, series, /not an older record/);
  expectRefused(heap, series + RecordField.hash, 12345, series, /checksum/);
  expectRefused(heap, series + RecordField.cellsCount, 1, series, /checksum|cells per copy/);
  expectRefused(heap, series + RecordField.copies, heap.mappedBytes - 8, heap.mappedBytes - 8, /outside the allocated bytes|newest copy/);
  expectRefused(heap, series + RecordField.sharedOffset, 12, series, /checksum|misaligned/);
  const keyByte = series + recordHeaderBytes;
  const word = keyByte & ~3;
  expectRefused(heap, word, heap.u32[word / 4] ^ 0x100, series, /checksum/);
  expectRefused(heap, metric + RecordField.valueBytes, heap.u32[(metric + RecordField.valueBytes) / 4] + 1, metric, /checksum/);
}));

test("mutable words (holders, series count, epoch, flags, creation time) are not covered: damage there is no error", withHeap((heap) => {
  new Counter({ name: "jobs", help: "Jobs.", labelNames: ["kind"], heap, registers: [] }).labels("a").inc();
  const { metric, series } = records(heap);
  for (const field of [RecordField.holders, RecordField.seriesCount, RecordField.flags]) heap.u32[(metric + field) / 4] ^= 0x10;
  for (const field of [RecordField.epoch, RecordField.flags, RecordField.createdMs]) heap.u32[(series + field) / 4] ^= 0x10;
  assert.equal(new Directory(heap).list().metrics.length, 1);
}));

test("a directory table root that is misaligned or beyond the allocated bytes, or a generation with another bucket count, is a HeapError", withHeap((heap) => {
  new Gauge({ name: "depth", help: "Depth.", heap, registers: [] }).set(1);
  const table = heap.root(Root.directoryTable);
  const rootWord = 256 + 4 * Root.directoryTable;
  for (const [value, pattern] of [[table + 8, /misaligned/], [1 << 30, /outside the allocated bytes/], [4096, /outside the allocated bytes/]] as const) {
    expectRefused(heap, rootWord, value, value, pattern);
  }
  expectRefused(heap, table + 4, 3, table, /claims 3 buckets/); // the generation header's bucket count (directory.ts)
}));

test("a record checked once is not checked again (records never change after publication)", withHeap((heap) => {
  new Counter({ name: "jobs", help: "Jobs.", labelNames: ["kind"], heap, registers: [] }).labels("a").inc();
  const directory = new Directory(heap);
  const { series } = records(heap);
  directory.list();
  heap.u32[(series + RecordField.hash) / 4] ^= 1; // after this directory checked it
  try {
    assert.equal(directory.list().metrics.length, 1);
    assert.throws(() => new Directory(heap).list(), HeapError);
  } finally {
    heap.u32[(series + RecordField.hash) / 4] ^= 1;
  }
}));
