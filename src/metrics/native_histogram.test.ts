import { test } from "node:test";
import assert from "node:assert/strict";
import { Heap } from "../heap/heap.ts";
import type { HistogramFamily, HistogramSeries, NativeHistogramSnapshot } from "../exposition/snapshot.ts";
import { defaultBuckets, Histogram, type HistogramConfiguration } from "./histogram.ts";
import { nativeCells, tableCapacity } from "./native_buckets.ts";
import { controlCells } from "../heap/cells.ts";
import { chunkBytesMin } from "../heap/arena.ts";
import { Registry } from "./registry.ts";
import { nativeBucketIndex, reduceIndex } from "./native_schema.ts";
import { withHeap } from "../../test/support/heap.ts";
import { parseSamples } from "../../test/support/parse_text.ts";
import { strictParse } from "../../test/support/strict_parser.ts";

async function seriesOf(h: { snapshot(): Promise<unknown> }): Promise<HistogramSeries> {
  const family = (await h.snapshot()) as HistogramFamily;
  assert.equal(family.series.length, 1);
  return family.series[0];
}

async function nativeOf(h: { snapshot(): Promise<unknown> }): Promise<NativeHistogramSnapshot> {
  const native = (await seriesOf(h)).native;
  assert.ok(native !== undefined, "a native histogram in the snapshot");
  return native;
}

/** Per-bucket counts from client_golang's span/delta form (offset of the first span, deltas). */
function fromDeltas(offset: number, deltas: number[]): { indexes: number[]; counts: number[] } {
  let count = 0;
  const counts = deltas.map((d) => (count += d));
  return { indexes: counts.map((_, i) => offset + i), counts };
}

/** Drops empty buckets (client_golang's spans may cover some). */
function populated(side: { indexes: number[]; counts: number[] }): { indexes: number[]; counts: number[] } {
  const keep = side.counts.map((c, i) => [side.indexes[i], c]).filter(([, c]) => c > 0);
  return { indexes: keep.map(([i]) => i), counts: keep.map(([, c]) => c) };
}

function assertPositive(native: NativeHistogramSnapshot, expected: { indexes: number[]; counts: number[] }, what: string): void {
  assert.deepEqual({ indexes: native.positiveIndexes, counts: native.positiveCounts }, populated(expected), what);
}

type Scenario = { name: string; observations: number[]; options: Partial<HistogramConfiguration<string>>; check: (n: NativeHistogramSnapshot) => void };

/** client_golang's TestNativeHistogram scenarios (prometheus/histogram_test.go), those without a zero-threshold widening. */
const scenarios: Scenario[] = [
  {
    name: "factor 1.1 results in schema 3",
    observations: [0, 1, 2, 3],
    options: { nativeHistogramBucketFactor: 1.1 },
    check: (n) => {
      assert.equal(n.schema, 3);
      assert.equal(n.zeroCount, 1);
      assert.equal(n.zeroThreshold, 2.938735877055719e-39);
      assert.deepEqual([n.positiveIndexes, n.positiveCounts], [[0, 8, 13], [1, 1, 1]]);
    },
  },
  {
    name: "factor 1.2 results in schema 2",
    observations: [0, 1, 1.2, 1.4, 1.8, 2],
    options: { nativeHistogramBucketFactor: 1.2 },
    check: (n) => {
      assert.equal(n.schema, 2);
      assert.equal(n.sum, 7.4);
      assertPositive(n, fromDeltas(0, [1, -1, 2, -2, 2]), "positive buckets");
    },
  },
  {
    name: "factor 4 results in schema -1",
    observations: [0.0156251, 0.0625, 0.1, 0.25, 0.5, 1, 1.5, 2, 3, 3.5, 5, 6, 7, 33.33],
    options: { nativeHistogramBucketFactor: 4 },
    check: (n) => {
      assert.equal(n.schema, -1);
      assert.equal(n.count, 14);
      assertPositive(n, fromDeltas(-2, [2, 0, 0, 2, -1, -2]), "positive buckets");
    },
  },
  {
    name: "negative and positive buckets",
    observations: [0, -1, -1.2, -1.4, -1.8, -2, 1, 1.2, 1.4, 1.8, 2],
    options: { nativeHistogramBucketFactor: 1.2 },
    check: (n) => {
      assert.equal(n.sum, 0);
      assertPositive(n, fromDeltas(0, [1, -1, 2, -2, 2]), "positive");
      assert.deepEqual({ indexes: n.negativeIndexes, counts: n.negativeCounts }, populated(fromDeltas(0, [1, -1, 2, -2, 2])), "negative");
    },
  },
  {
    name: "wide zero bucket",
    observations: [0, -1, -1.2, -1.4, -1.8, -2, 1, 1.2, 1.4, 1.8, 2],
    options: { nativeHistogramBucketFactor: 1.2, nativeHistogramZeroThreshold: 1.4 },
    check: (n) => {
      assert.equal(n.zeroThreshold, 1.4);
      assert.equal(n.zeroCount, 7);
      assert.deepEqual([n.positiveIndexes, n.positiveCounts, n.negativeIndexes, n.negativeCounts], [[4], [2], [4], [2]]);
    },
  },
  {
    name: "NaN observation",
    observations: [0, 1, 1.2, 1.4, 1.8, 2, NaN],
    options: { nativeHistogramBucketFactor: 1.2 },
    check: (n) => {
      assert.equal(n.count, 7);
      assert.ok(Number.isNaN(n.sum));
      assertPositive(n, fromDeltas(0, [1, -1, 2, -2, 2]), "NaN in no bucket");
    },
  },
  {
    name: "+Inf observation",
    observations: [0, 1, 1.2, 1.4, 1.8, 2, Infinity],
    options: { nativeHistogramBucketFactor: 1.2 },
    check: (n) => {
      assert.equal(n.sum, Infinity);
      assert.deepEqual([n.positiveIndexes, n.positiveCounts], [[0, 2, 4, 4097], [1, 2, 2, 1]]);
    },
  },
  {
    name: "-Inf observation",
    observations: [0, 1, 1.2, 1.4, 1.8, 2, -Infinity],
    options: { nativeHistogramBucketFactor: 1.2 },
    check: (n) => {
      assert.equal(n.sum, -Infinity);
      assert.deepEqual([n.negativeIndexes, n.negativeCounts], [[4097], [1]]);
    },
  },
  {
    name: "limited buckets but nothing triggered",
    observations: [0, 1, 1.2, 1.4, 1.8, 2],
    options: { nativeHistogramBucketFactor: 1.2, nativeHistogramMaxBucketNumber: 4 },
    check: (n) => {
      assert.equal(n.schema, 2);
      assertPositive(n, fromDeltas(0, [1, -1, 2, -2, 2]), "positive");
    },
  },
  {
    name: "buckets limited by halving resolution",
    observations: [0, 1, 1.1, 1.2, 1.4, 1.8, 2, 3],
    options: { nativeHistogramBucketFactor: 1.2, nativeHistogramMaxBucketNumber: 4 },
    check: (n) => {
      assert.equal(n.schema, 1);
      assert.equal(n.sum, 11.5);
      assertPositive(n, fromDeltas(0, [1, 2, -1, -2, 1]), "positive");
    },
  },
  {
    name: "buckets limited by halving resolution, negative observations",
    observations: [0, -1, -1.1, -1.2, -1.4, -1.8, -2, -3],
    options: { nativeHistogramBucketFactor: 1.2, nativeHistogramMaxBucketNumber: 4 },
    check: (n) => {
      assert.equal(n.schema, 1);
      assert.deepEqual({ indexes: n.negativeIndexes, counts: n.negativeCounts }, populated(fromDeltas(0, [1, 2, -1, -2, 1])));
    },
  },
];

for (const s of scenarios) {
  test(`client_golang's "${s.name}"`, withHeap(async (heap) => {
    const h = new Histogram({ name: "native_seconds", help: "Native.", buckets: [], ...s.options, heap, registers: [] });
    for (const v of s.observations) h.observe(v);
    const series = await seriesOf(h);
    assert.deepEqual(series.buckets, [], "native-only: no classic buckets");
    assert.equal(series.count, s.observations.length);
    const native = series.native!;
    assert.equal(native.count, s.observations.length);
    s.check(native);
    if (!s.observations.some(Number.isNaN)) {
      const inBuckets = native.zeroCount + [...native.positiveCounts, ...native.negativeCounts].reduce((a, b) => a + b, 0);
      assert.equal(inBuckets, native.count, "count == zero bucket + every bucket");
    }
  }));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('client_golang\'s "buckets limited by reset": over budget after nativeHistogramMinResetDuration resets the series, the observation counted again', withHeap(async (heap) => {
  const h = new Histogram({ name: "reset_seconds", help: "x", buckets: [], nativeHistogramBucketFactor: 1.2, nativeHistogramMaxBucketNumber: 4, nativeHistogramMinResetDuration: 150, heap, registers: [] });
  const created = (await seriesOf(h)).created;
  for (const v of [0, 1, 1.1, 1.2, 1.4, 1.8, 2]) h.observe(v);
  await sleep(200);
  h.observe(3);
  h.observe(4);
  const series = await seriesOf(h);
  assert.equal(series.count, 2);
  assert.equal(series.sum, 7);
  assert.ok(series.created! > created!, "the reset restarts _created");
  const native = series.native!;
  assert.equal(native.schema, 2);
  assert.equal(native.zeroCount, 0);
  assertPositive(native, fromDeltas(7, [1, 0]), "3 and 4 only");
}));

test('client_golang\'s "buckets limited by halving resolution, then reset": the configured schema comes back once the reset age has passed', withHeap(async (heap) => {
  const h = new Histogram({ name: "reset2_seconds", help: "x", buckets: [], nativeHistogramBucketFactor: 1.2, nativeHistogramMaxBucketNumber: 4, nativeHistogramMinResetDuration: 150, heap, registers: [] });
  for (const v of [0, 1, 1.1, 1.2, 1.4, 1.8, 2, 5]) h.observe(v);
  assert.equal((await nativeOf(h)).schema, 1, "halved before the reset age");
  await sleep(200);
  for (const v of [5.1, 3, 4]) h.observe(v);
  const native = await nativeOf(h);
  assert.equal(native.count, 3);
  assert.equal(native.sum, 12.1);
  assert.equal(native.schema, 2);
  assertPositive(native, fromDeltas(7, [1, 0, -1, 1]), "after the reset");
}));

test("classic and native together: the same observations in both, equal counts; text formats carry the classic buckets only", withHeap(async (heap, registry) => {
  const h = new Histogram({ name: "both_seconds", help: "Both.", buckets: [0.1, 1], nativeHistogramBucketFactor: 1.1, heap, registers: [registry] });
  for (const v of [0.05, 0.5, 2, 2, -3]) h.observe(v);
  const series = await seriesOf(h);
  assert.deepEqual(series.buckets.map((b) => b.count), [2, 3, 5]);
  assert.equal(series.native!.count, 5);
  assert.deepEqual(series.native!.positiveIndexes, [nativeBucketIndex(0.05, 3), nativeBucketIndex(0.5, 3), nativeBucketIndex(2, 3)]);
  assert.deepEqual(series.native!.positiveCounts, [1, 1, 2]);
  assert.deepEqual(series.native!.negativeIndexes, [nativeBucketIndex(3, 3)]);
  const samples = parseSamples(await registry.metrics());
  assert.equal(samples.get('both_seconds_bucket{le="+Inf"}'), 5);
  assert.equal(samples.get("both_seconds_count{}"), 5);
}));

test("native-only (buckets: []): OpenMetrics 1.0 and text 0.0.4 write the +Inf bucket, _count and _sum, as client_golang; the strict parser accepts it", withHeap(async (heap) => {
  const registry = new Registry(Registry.OPENMETRICS_CONTENT_TYPE, { heap });
  const h = new Histogram({ name: "only_seconds", help: "Native only.", labelNames: ["route"], buckets: [], nativeHistogramBucketFactor: 1.1, heap, registers: [registry] });
  h.observe({ route: "/" }, 0.25);
  h.labels("/").observe(4);
  const body = await registry.metrics();
  assert.match(body, /^only_seconds_bucket\{route="\/",le="\+Inf"\} 2$/m);
  assert.match(body, /^only_seconds_count\{route="\/"\} 2$/m);
  assert.match(body, /^only_seconds_sum\{route="\/"\} 4.25$/m);
  const families = strictParse(body);
  assert.ok(families.some((f) => f.name === "only_seconds"));
  registry.setContentType(Registry.PROMETHEUS_CONTENT_TYPE);
  const samples = parseSamples(await registry.metrics());
  assert.equal(samples.get('only_seconds_bucket{le="+Inf",route="/"}'), 2);
  assert.equal(samples.get('only_seconds_count{route="/"}'), 2);
}));

test("two writers, one over budget: the shared schema goes down, the reader merges both at it exactly, the other writer re-buckets on its next update", withHeap(async (heap, registry, path) => {
  const options = { name: "merge_seconds", help: "x", buckets: [] as number[], nativeHistogramBucketFactor: 1.2, nativeHistogramMaxBucketNumber: 4 };
  const a = new Histogram({ ...options, heap, registers: [registry] });
  const otherHeap = Heap.open({ path, mode: "attach" });
  try {
    const b = new Histogram({ ...options, heap: otherHeap, registers: [] });
    const all: number[] = [];
    const observe = (h: Histogram, values: number[]) => values.forEach((v) => (h.observe(v), all.push(v)));
    observe(a, [1, 1.2]); // schema 2, buckets 0 and 2
    observe(b, [1.1, 1.8, 2, 3, 5]); // over 4 buckets at schema 2: b halves to 1 (and to 0 if needed)
    const merged = await nativeOf(a);
    assert.ok(merged.schema < 2, `schema lowered, got ${merged.schema}`);
    const expected = new Map<number, number>();
    for (const v of all) {
      const i = nativeBucketIndex(v, merged.schema);
      expected.set(i, (expected.get(i) ?? 0) + 1);
    }
    const indexes = [...expected.keys()].sort((x, y) => x - y);
    assert.deepEqual([merged.positiveIndexes, merged.positiveCounts], [indexes, indexes.map((i) => expected.get(i))], "exact at the merged schema");
    assert.deepEqual(await nativeOf(b), merged, "the other process shows the same histogram");
    observe(a, [1]); // a re-buckets to the shared schema
    const after = await nativeOf(a);
    assert.equal(after.schema, merged.schema);
    assert.equal(after.count, all.length);
    assert.equal(after.positiveCounts[after.positiveIndexes.indexOf(nativeBucketIndex(1, merged.schema))], expected.get(nativeBucketIndex(1, merged.schema))! + 1);
  } finally {
    otherHeap.close();
  }
}));

test("two writers each within budget but their union over it: the reader lowers the schema until it fits, and the writers follow", withHeap(async (heap, _registry, path) => {
  const options = { name: "union_seconds", help: "x", buckets: [] as number[], nativeHistogramBucketFactor: 1.1, nativeHistogramMaxBucketNumber: 4 };
  const a = new Histogram({ ...options, heap, registers: [] });
  const otherHeap = Heap.open({ path, mode: "attach" });
  try {
    const b = new Histogram({ ...options, heap: otherHeap, registers: [] });
    const aValues = [1, 1.1, 1.2, 1.3];
    const bValues = [1.5, 1.6, 1.7, 1.8];
    aValues.forEach((v) => a.observe(v));
    bValues.forEach((v) => b.observe(v));
    const merged = await nativeOf(a);
    assert.ok(merged.positiveIndexes.length <= 4, `${merged.positiveIndexes.length} buckets`);
    assert.ok(merged.schema < 3);
    const at = (v: number) => reduceIndex(nativeBucketIndex(v, 3), 3 - merged.schema);
    const expected = new Map<number, number>();
    for (const v of [...aValues, ...bValues]) expected.set(at(v), (expected.get(at(v)) ?? 0) + 1);
    assert.deepEqual(merged.positiveIndexes, [...expected.keys()].sort((x, y) => x - y));
    b.observe(1.5);
    const after = await nativeOf(b);
    assert.equal(after.schema, merged.schema, "the writer re-bucketed to the published schema");
    assert.equal(after.count, 9);
  } finally {
    otherHeap.close();
  }
}));

test("reset() and remove() empty the native buckets and bring the configured schema back; startTimer and zero work as for classic histograms", withHeap(async (heap) => {
  const h = new Histogram({ name: "rr_seconds", help: "x", labelNames: ["k"], buckets: [1], nativeHistogramBucketFactor: 1.2, nativeHistogramMaxBucketNumber: 2, heap, registers: [] });
  for (const v of [1, 1.2, 1.8, 3]) h.observe({ k: "a" }, v);
  assert.ok((await nativeOf(h)).schema < 2);
  h.reset();
  h.observe({ k: "a" }, 1.2);
  let native = await nativeOf(h);
  assert.deepEqual([native.schema, native.count, native.positiveIndexes], [2, 1, [2]]);
  h.remove({ k: "a" });
  assert.equal(((await h.snapshot()) as HistogramFamily).series.length, 0);
  h.zero({ k: "a" });
  native = await nativeOf(h);
  assert.deepEqual([native.count, native.positiveIndexes, native.zeroCount], [0, [], 0]);
  const end = h.startTimer({ k: "a" });
  const seconds = end();
  native = await nativeOf(h);
  assert.equal(native.count, 1);
  assert.equal(native.zeroCount + native.positiveCounts.reduce((x, y) => x + y, 0), 1);
  assert.ok(seconds >= 0);
}));

test("exemplars on native histograms: the most recent 10, each with a timestamp, oldest first", withHeap(async (heap) => {
  const h = new Histogram({ name: "ex_seconds", help: "x", buckets: [], nativeHistogramBucketFactor: 1.1, enableExemplars: true, heap, registers: [] });
  const before = Date.now() / 1000;
  for (let i = 1; i <= 14; i++) h.observe({ value: i, exemplarLabels: { trace_id: `t${i}` } });
  const native = await nativeOf(h);
  assert.equal(native.exemplars?.length, 10);
  assert.deepEqual(native.exemplars!.map((e) => e.value).sort((x, y) => x - y), [5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
  for (const e of native.exemplars!) {
    assert.ok(e.timestamp! >= before - 1 && e.timestamp! <= Date.now() / 1000 + 1);
    assert.deepEqual(e.labels, [["trace_id", `t${e.value}`]]);
  }
  const withClassic = new Histogram({ name: "ex2_seconds", help: "x", buckets: [5], nativeHistogramBucketFactor: 1.1, enableExemplars: true, heap, registers: [] });
  withClassic.labels().observeWithExemplar(3, { trace_id: "abc" });
  const series = await seriesOf(withClassic);
  assert.equal(series.buckets[0].exemplar?.value, 3, "the classic bucket's exemplar");
  assert.equal(series.native!.exemplars?.[0].value, 3, "and the native one");
}));

test("native options: wrong types and ranges throw TypeError/RangeError naming the option, before anything is created", withHeap((heap) => {
  const make = (options: Record<string, unknown>) => new Histogram({ name: "bad_seconds", help: "x", heap, registers: [], ...options } as HistogramConfiguration<string>);
  assert.throws(() => make({ nativeHistogramBucketFactor: "1.1" }), (e) => e instanceof TypeError && /nativeHistogramBucketFactor.*must be a number/.test(e.message));
  assert.throws(() => make({ nativeHistogramBucketFactor: 1 }), (e) => e instanceof RangeError && /greater than 1/.test(e.message));
  assert.throws(() => make({ nativeHistogramBucketFactor: 1.1, nativeHistogramZeroThreshold: -1 }), /nativeHistogramZeroThreshold.*>= 0/);
  assert.throws(() => make({ nativeHistogramBucketFactor: 1.1, nativeHistogramMaxBucketNumber: 0 }), /nativeHistogramMaxBucketNumber.*integer from 1 to 2048/);
  assert.throws(() => make({ nativeHistogramBucketFactor: 1.1, nativeHistogramMaxBucketNumber: 2.5 }), RangeError);
  assert.throws(() => make({ nativeHistogramBucketFactor: 1.1, nativeHistogramMinResetDuration: -5 }), /nativeHistogramMinResetDuration/);
  assert.throws(() => make({ nativeHistogramMaxBucketNumber: 100 }), (e) => e instanceof TypeError && /need nativeHistogramBucketFactor/.test(e.message));
  assert.throws(() => make({ buckets: [] }), /or be \[\] with nativeHistogramBucketFactor/);
  const ok = make({ nativeHistogramBucketFactor: 1.1 });
  assert.deepEqual(ok.native, { schema: 3, zeroThreshold: 2.938735877055719e-39, maxBuckets: 160, minResetMs: 0 });
  assert.deepEqual(ok.buckets, [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], "classic default buckets kept (migration)");
}));

test("a writer's bucket budget holds under a flood of distinct values: at most maxBuckets buckets, every observation counted", withHeap(async (heap) => {
  const h = new Histogram({ name: "flood_seconds", help: "x", buckets: [], nativeHistogramBucketFactor: 1.01, heap, registers: [] });
  let seed = 99;
  const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  let sum = 0;
  for (let i = 0; i < 20000; i++) {
    const v = (random() < 0.5 ? -1 : 1) * 2 ** (random() * 120 - 60);
    sum += v;
    h.observe(v);
  }
  const native = await nativeOf(h);
  assert.ok(native.positiveIndexes.length + native.negativeIndexes.length <= 160);
  assert.equal(native.count, 20000);
  assert.equal(native.zeroCount + [...native.positiveCounts, ...native.negativeCounts].reduce((a, b) => a + b, 0), 20000);
  assert.ok(Math.abs(native.sum - sum) <= Math.abs(sum) * 1e-9 + 1e-6);
  assert.ok(native.schema <= 2, `schema ${native.schema} after spreading over 2^120`);
}));

test("sizes: with the defaults (11 classic buckets, budget 160) a writer's copy of a series is 3792 bytes, within one 4096-byte stripe", () => {
  const settings = { schema: 3, zeroThreshold: 0, maxBuckets: 160, minResetMs: 0 };
  assert.equal(tableCapacity(160), 222);
  assert.equal(nativeCells(settings), 4 + 2 * 222);
  const classicCells = 2 * (defaultBuckets.length + 1) + 1;
  assert.equal((controlCells + classicCells + nativeCells(settings)) * 8, 3792);
  assert.ok((controlCells + classicCells + nativeCells(settings)) * 8 <= chunkBytesMin); // one copy fits a slot's first arena chunk
});
