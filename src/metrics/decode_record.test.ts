import { test } from "node:test";
import assert from "node:assert/strict";
import { HeapError } from "../index.ts";
import { sharedDirectory } from "../heap/shared_directory.ts";
import { decodeDescriptor, decodeLabelOrder, decodeLabelValues } from "./decode_record.ts";
import { withHeap } from "../../test/support/heap.ts";

const bytes = (value: unknown) => new TextEncoder().encode(typeof value === "string" ? value : JSON.stringify(value));
const record = 123456;
const refused = (pattern: RegExp) => (error: unknown) => {
  assert.ok(error instanceof HeapError, `a HeapError, got ${String(error)}`);
  assert.equal(error.code, "corrupt");
  assert.equal(error.offset, record);
  assert.match(error.message, pattern);
  return true;
};
const counter = { type: "counter", name: "jobs", help: "Jobs.", labelNames: ["kind"], settings: {} };

test("descriptors: what this library writes decodes; anything else is a HeapError with the record's offset", withHeap((heap) => {
  const shared = sharedDirectory(heap);
  assert.deepEqual(decodeDescriptor(shared, record, bytes(counter)), counter);
  const histogram = { ...counter, type: "histogram", settings: { buckets: [0.1, 1], native: { schema: 3, zeroThreshold: 0, maxBuckets: 160, minResetMs: 0 } } };
  assert.deepEqual(decodeDescriptor(shared, record, bytes(histogram)), histogram);
  const cases: [unknown, RegExp][] = [
    ['{"type":"counter",', /not the UTF-8 JSON/],
    [new Uint8Array([0x7b, 0xff, 0x7d]), /not the UTF-8 JSON/],
    [[1, 2], /not an object/],
    [{ ...counter, type: "gaugehistogram" }, /unknown type "gaugehistogram"/],
    [{ ...counter, name: "a b" }, /no valid metric name/],
    [{ ...counter, help: 3 }, /no help string/],
    [{ ...counter, labelNames: ["ok", "not ok"] }, /invalid label names/],
    [{ ...counter, labelNames: ["a", "a"] }, /repeats a label name/],
    [{ ...counter, settings: null }, /no settings object/],
    [{ ...histogram, settings: { buckets: [1, 0.5] } }, /bucket bounds are not an ascending list/],
    [{ ...histogram, settings: { buckets: [1], native: { schema: 9, zeroThreshold: 0, maxBuckets: 160, minResetMs: 0 } } }, /schema is not from -4 to 8/],
    [{ ...histogram, settings: { buckets: [1], native: { schema: 0, zeroThreshold: 0, maxBuckets: 1e9, minResetMs: 0 } } }, /bucket budget/],
    [{ ...counter, type: "summary", settings: { percentiles: [0.5, 2], ageBuckets: 1, maxAgeSeconds: 0 } }, /percentiles/],
    [{ ...counter, type: "summary", settings: { percentiles: [0.5], ageBuckets: 1e6, maxAgeSeconds: 0 } }, /age buckets/],
    [{ ...counter, type: "stateset", settings: { states: [1] } }, /states are not a list of names/],
    [{ ...counter, type: "gauge", settings: { mode: "avg" } }, /mode "avg" is unknown/],
  ];
  for (const [value, pattern] of cases) {
    assert.throws(() => decodeDescriptor(shared, record, value instanceof Uint8Array ? value : bytes(value)), refused(pattern), JSON.stringify(value));
  }
}));

test("label values and label order: the shapes this library writes, else a HeapError", withHeap((heap) => {
  const shared = sharedDirectory(heap);
  assert.deepEqual(decodeLabelValues(shared, record, bytes(["a", ""]), 2), ["a", ""]);
  assert.throws(() => decodeLabelValues(shared, record, bytes(["a"]), 2), refused(/not 2 strings/));
  assert.throws(() => decodeLabelValues(shared, record, bytes(["a", 1]), 2), refused(/not 2 strings/));
  assert.throws(() => decodeLabelValues(shared, record, bytes("[\"a\""), 1), refused(/not the UTF-8 JSON/));
  const names = ["a", "b"];
  assert.equal(decodeLabelOrder(shared, record, new Uint8Array(0), names), names);
  assert.deepEqual(decodeLabelOrder(shared, record, bytes(["b", "a"]), names), ["b", "a"]);
  assert.throws(() => decodeLabelOrder(shared, record, bytes(["c"]), names), refused(/label order/));
  assert.throws(() => decodeLabelOrder(shared, record, bytes(["a", "a"]), names), refused(/label order/));
}));
