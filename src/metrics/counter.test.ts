import { test } from "node:test";
import assert from "node:assert/strict";
import { withHeap } from "../../test/support/heap.ts";
import { parseSamples } from "../../test/support/parse_text.ts";
import { Counter } from "./counter.ts";

test("inc(), inc(n), inc(labels, n) and labels(...).inc() as prom-client", withHeap(async (heap, registry) => {
  const plain = new Counter({ name: "plain", help: "No labels.", heap, registers: [registry] });
  plain.inc();
  plain.inc(2.5);
  const requests = new Counter({ name: "requests", help: "With labels.", labelNames: ["method", "code"], heap, registers: [registry] });
  requests.inc({ method: "GET", code: 200 });
  requests.inc({ method: "GET", code: "200" }, 4);
  requests.labels("POST", "500").inc();
  requests.labels({ method: "POST", code: "500" }).inc(2);
  requests.inc({ method: "PUT" }); // a missing label is empty, and left out of the output
  const samples = parseSamples(await registry.metrics());
  assert.equal(samples.get("plain{}"), 3.5);
  assert.equal(samples.get('requests{code="200",method="GET"}'), 5);
  assert.equal(samples.get('requests{code="500",method="POST"}'), 3);
  assert.equal(samples.get('requests{method="PUT"}'), 1);
  assert.equal(requests.labels("GET", "200"), requests.labels("GET", "200"), "labels() returns the cached child");
}));

test("a name ending in _total is taken without it, as prom-client does", withHeap(async (heap, registry) => {
  const c = new Counter({ name: "jobs_total", help: "Jobs.", heap, registers: [registry] });
  assert.equal(c.name, "jobs");
  c.inc();
  assert.equal(parseSamples(await registry.metrics()).get("jobs_total{}"), 1);
}));

test("bad input: a clear TypeError or RangeError, and the heap as it was", withHeap(async (heap, registry) => {
  const c = new Counter({ name: "careful", help: "Validation.", labelNames: ["kind"], heap, registers: [registry] });
  c.inc({ kind: "a" });
  const before = await registry.metrics();
  const mappedBefore = heap.mappedBytes;
  assert.throws(() => c.inc({ kind: "a" }, -1), { name: "RangeError", message: 'It is not possible to decrease a counter. Cannot increment counter "careful" by -1: increments must be finite and >= 0' });
  assert.throws(() => c.inc({ kind: "a" }, NaN), RangeError);
  assert.throws(() => c.inc({ kind: "a" }, Infinity), RangeError);
  assert.throws(() => c.labels("a").inc(-0.5), RangeError);
  assert.throws(() => c.inc({ kind: "a" }, "1" as unknown as number), TypeError);
  assert.throws(() => c.inc({ nope: "x" } as never), { name: "TypeError", message: /Label "nope" is not a label of "careful"/ });
  assert.throws(() => c.inc({ kind: {} as unknown as string }), { name: "TypeError", message: /must be a string or a number/ });
  assert.throws(() => c.labels("a", "b"), { name: "TypeError", message: /has 1 labels \(kind\) but labels\(\) got 2 values/ });
  assert.throws(() => c.inc({ kind: "b" }, -1), RangeError, "a new label set with a bad value creates nothing");
  assert.equal(await registry.metrics(), before);
  assert.equal(heap.mappedBytes, mappedBefore);
  assert.throws(() => new Counter({ name: "bad-name", help: "x", heap, registers: [] }), { name: "TypeError", message: /Invalid metric name "bad-name"/ });
  assert.throws(() => new Counter({ name: "ok", help: "x", labelNames: ["__x"], heap, registers: [] }), /reserved/);
  assert.throws(() => new Counter({ name: "ok", help: "x", labelNames: ["a", "a"], heap, registers: [] }), /appears twice/);
  assert.throws(() => new Counter({ name: "ok", help: 3 as unknown as string, heap, registers: [] }), TypeError);
}));

test("label cardinality is capped with a clear error in onCardinalityOverflow: \"throw\" mode", withHeap(async (heap, registry) => {
  const c = new Counter({ name: "capped", help: "Cap.", labelNames: ["id"], maxSeries: 3, onCardinalityOverflow: "throw", heap, registers: [registry] });
  c.inc({ id: "1" });
  c.inc({ id: "2" });
  c.inc({ id: "3" });
  assert.throws(() => c.inc({ id: "4" }), { name: "RangeError", message: /already has 3 series, the most allowed \(maxSeries 3\)/ });
  c.inc({ id: "3" }); // existing series still work
  assert.equal(parseSamples(await registry.metrics()).get('capped{id="3"}'), 2);
  assert.throws(() => c.inc({ id: "x".repeat(5000) }), { name: "RangeError", message: /at most 4096 are allowed/ });
}));

test("a second definition with the same name attaches; a different one is refused", withHeap(async (heap, registry) => {
  const a = new Counter({ name: "shared", help: "Same.", labelNames: ["x"], heap, registers: [registry] });
  const b = new Counter({ name: "shared", help: "Same.", labelNames: ["x"], heap, registers: [] });
  a.inc({ x: "1" });
  b.inc({ x: "1" }, 2);
  assert.equal(parseSamples(await registry.metrics()).get('shared{x="1"}'), 3);
  assert.throws(() => new Counter({ name: "shared", help: "Same.", labelNames: ["y"], heap, registers: [] }), /another definition/);
  assert.throws(() => new Counter({ name: "shared", help: "Same.", labelNames: ["x"], heap, registers: [registry] }), {
    name: "DuplicateMetricError",
  });
}));

test("unit increments past the int32 count cell carry on in the f64 total, exactly", withHeap(async (heap, registry) => {
  const c = new Counter({ name: "big", help: "Many.", heap, registers: [registry] });
  const child = c.labels();
  const countWord = 4; // data cell 1 (after the control cell), first int32 word
  child.cells.renew(); // a new copy is one epoch behind until its first update (heap/cells.ts): as that update would
  child.cells.i32[countWord] = 2 ** 31 - 4; // as if this writer had counted that far
  for (let i = 0; i < 10; i++) child.inc();
  child.inc(0.5);
  assert.equal(child.cells.i32[countWord], 2 ** 31 - 2, "the count cell stops below its limit");
  assert.equal(parseSamples(await registry.metrics()).get("big{}"), 2 ** 31 - 4 + 10.5);
}));

test("a counter used after its heap was closed (a late exit hook) neither faults nor throws", async () => {
  const { Heap } = await import("../heap/heap.ts");
  const { temporaryHeapPath } = await import("../../test/support/runtimes.ts");
  const { path, cleanup } = temporaryHeapPath();
  try {
    const heap = Heap.open({ path, mode: "create" });
    const c = new Counter({ name: "late", help: "Late.", heap, registers: [] });
    const child = c.labels();
    heap.close();
    child.inc();
    c.inc(2);
    assert.equal(child.ownValue, 3, "the writes land in memory that stays mapped");
  } finally {
    cleanup();
  }
});
