import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { packageRoot } from "../../test/support/runtimes.ts";
import { parseSamples } from "../../test/support/parse_text.ts";
import type { HistogramFamily } from "../exposition/snapshot.ts";
import { defaultBuckets, exponentialBuckets, Histogram, linearBuckets, linearSearchMax } from "./histogram.ts";
import { Registry } from "./registry.ts";
import { withHeap } from "../../test/support/heap.ts";


/** The only series of a histogram's snapshot with these label pairs. */
async function seriesOf(h: { snapshot(): Promise<unknown> }, labels: [string, string][] = []) {
  const family = (await h.snapshot()) as HistogramFamily;
  const found = family.series.filter((s) => JSON.stringify(s.labels) === JSON.stringify(labels));
  assert.equal(found.length, 1, `one series ${JSON.stringify(labels)} in ${JSON.stringify(family.series.map((s) => s.labels))}`);
  return found[0];
}

/** Non-cumulative counts per bucket of a series. */
function perBucket(series: { buckets: readonly { count: number }[] }): number[] {
  return series.buckets.map((b, i) => b.count - (i === 0 ? 0 : series.buckets[i - 1].count));
}

test("observe(v), observe(labels, v) and labels(...).observe(v) as prom-client, cumulative buckets, _count and _sum", withHeap(async (heap, registry) => {
  const plain = new Histogram({ name: "plain_seconds", help: "No labels.", buckets: [1, 2, 5], heap, registers: [registry] });
  for (const v of [0.5, 1, 1.5, 3, 7]) plain.observe(v);
  const h = new Histogram({ name: "req_seconds", help: "With labels.", labelNames: ["method", "code"], buckets: [0.1, 1], heap, registers: [registry] });
  h.observe({ method: "GET", code: 200 }, 0.05);
  h.observe({ method: "GET", code: "200" }, 0.5);
  h.labels("GET", "200").observe(2);
  h.labels({ method: "POST", code: "500" }).observe(0.1);
  h.observe({ method: "PUT" }, 1); // a missing label is empty, and left out of the output
  const samples = parseSamples(await registry.metrics());
  const expected: [string, number][] = [
    ['plain_seconds_bucket{le="1"}', 2],
    ['plain_seconds_bucket{le="2"}', 3],
    ['plain_seconds_bucket{le="5"}', 4],
    ['plain_seconds_bucket{le="+Inf"}', 5],
    ["plain_seconds_count{}", 5],
    ["plain_seconds_sum{}", 13],
    ['req_seconds_bucket{code="200",le="0.1",method="GET"}', 1],
    ['req_seconds_bucket{code="200",le="1",method="GET"}', 2],
    ['req_seconds_bucket{code="200",le="+Inf",method="GET"}', 3],
    ['req_seconds_count{code="200",method="GET"}', 3],
    ['req_seconds_sum{code="200",method="GET"}', 2.55],
    ['req_seconds_bucket{code="500",le="0.1",method="POST"}', 1],
    ['req_seconds_count{code="500",method="POST"}', 1],
    ['req_seconds_bucket{le="0.1",method="PUT"}', 0],
    ['req_seconds_bucket{le="1",method="PUT"}', 1],
    ['req_seconds_count{method="PUT"}', 1],
  ];
  for (const [key, value] of expected) assert.equal(samples.get(key), value, key);
  assert.equal(h.labels("GET", "200"), h.labels("GET", "200"), "labels() returns the cached child");
  const series = await seriesOf(plain);
  assert.deepEqual(series.buckets.map((b) => b.le), [1, 2, 5, Infinity]);
  assert.ok(series.created !== undefined && Math.abs(series.created - Date.now() / 1000) < 60, "_created is the creation time");
}));

test("buckets: prom-client's defaults, validation, a trailing +Inf, le reserved", withHeap((heap) => {
  const make = (buckets: unknown, name = "b") => new Histogram({ name, help: "B.", buckets: buckets as number[], heap, registers: [] });
  assert.deepEqual([...defaultBuckets], [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
  assert.deepEqual(new Histogram({ name: "d", help: "D.", heap, registers: [] }).buckets, defaultBuckets);
  assert.deepEqual(make([1, 2, Infinity], "inf_last").buckets, [1, 2], "a trailing +Inf is implied and dropped");
  assert.deepEqual(make([-1, -0, 3], "neg").buckets, [-1, 0, 3]);
  assert.throws(() => make([]), { name: "RangeError", message: 'buckets of "b" must hold at least one finite bound (+Inf is implied), or be [] with nativeHistogramBucketFactor for a native-only histogram, got []' });
  assert.throws(() => make([Infinity]), { name: "RangeError", message: /at least one finite bound/ });
  assert.throws(() => make([1, 1]), { name: "RangeError", message: 'buckets of "b" must be strictly increasing, got 1 then 1 at index 1' });
  assert.throws(() => make([2, 1]), { name: "RangeError", message: /strictly increasing, got 2 then 1/ });
  assert.throws(() => make([1, NaN]), { name: "RangeError", message: 'buckets of "b" must be finite (+Inf only last), got NaN at index 1' });
  assert.throws(() => make([Infinity, 1]), { name: "RangeError", message: /must be finite \(\+Inf only last\), got Infinity at index 0/ });
  assert.throws(() => make([-Infinity, 1]), RangeError);
  assert.throws(() => make([1, "2"]), { name: "TypeError", message: 'buckets of "b" must be numbers, got "2" at index 1' });
  assert.throws(() => make("1,2"), { name: "TypeError", message: 'buckets of "b" must be an array of numbers, got string' });
  assert.throws(() => make(Array.from({ length: 513 }, (_, i) => i)), { name: "RangeError", message: /at most 512 bounds/ });
  assert.throws(() => new Histogram({ name: "r", help: "R.", labelNames: ["le"] as string[], heap, registers: [] }), {
    name: "TypeError",
    message: 'Invalid label name "le" for "r": it is reserved for this metric type',
  });
  assert.throws(() => new Histogram({ name: "e", help: "E.", enableExemplars: "yes" as unknown as boolean, heap, registers: [] }), TypeError);
  const a = make([1, 2], "same");
  assert.equal(make([1, 2], "same").buckets.length, 2, "the same definition attaches");
  a.observe(1);
  assert.throws(() => make([1, 3], "same"), { name: "TypeError", message: /already exists in heap .* with another definition/ });
}));

test("linearBuckets and exponentialBuckets: prom-client's results and validation", () => {
  assert.deepEqual(linearBuckets(0, 10, 3), [0, 10, 20]);
  assert.deepEqual(linearBuckets(0.1, 0.1, 3), [0.1, 0.2, 0.30000000000000004]);
  assert.deepEqual(linearBuckets(5, 0, 1), [5]);
  assert.deepEqual(exponentialBuckets(1, 2, 5), [1, 2, 4, 8, 16]);
  assert.deepEqual(exponentialBuckets(0.001, 10, 3), [0.001, 0.01, 0.1]);
  assert.throws(() => linearBuckets(0, 1, 0), { name: "RangeError", message: "Linear buckets need a positive integer count, got 0" });
  assert.throws(() => linearBuckets(0, 1, 1.5), RangeError);
  assert.throws(() => linearBuckets(0, 0, 2), { name: "RangeError", message: "Linear buckets need a width > 0 to increase, got 0" });
  assert.throws(() => linearBuckets(NaN, 1, 2), { name: "RangeError", message: "Linear buckets need a finite start, got NaN" });
  assert.throws(() => linearBuckets(0, "1" as unknown as number, 2), { name: "TypeError", message: "Linear buckets need a number width, got string" });
  assert.throws(() => exponentialBuckets(0, 2, 3), { name: "RangeError", message: "Exponential buckets need a positive start, got 0" });
  assert.throws(() => exponentialBuckets(1, 1, 3), { name: "RangeError", message: "Exponential buckets need a factor greater than 1, got 1" });
  assert.throws(() => exponentialBuckets(1, 2, 0), { name: "RangeError", message: "Exponential buckets need a positive integer count, got 0" });
  assert.throws(() => exponentialBuckets(1e300, 1e10, 5), { name: "RangeError", message: /overflow to Infinity/ });
});

test("bucket placement: v == le goes in that bucket, -Inf in the first, +Inf and NaN only in +Inf", withHeap(async (heap, registry) => {
  const h = new Histogram({ name: "edges", help: "Edges.", labelNames: ["v"], buckets: [-1, 0, 0.1, 1], heap, registers: [registry] });
  const cases: [number, number[]][] = [
    [-Infinity, [1, 0, 0, 0, 0]],
    [-1.5, [1, 0, 0, 0, 0]],
    [-1, [1, 0, 0, 0, 0]],
    [-0.5, [0, 1, 0, 0, 0]],
    [-0, [0, 1, 0, 0, 0]],
    [0, [0, 1, 0, 0, 0]],
    [Number.MIN_VALUE, [0, 0, 1, 0, 0]],
    [0.1, [0, 0, 1, 0, 0]],
    [0.10000000000000002, [0, 0, 0, 1, 0]],
    [1, [0, 0, 0, 1, 0]],
    [1.0000000000000002, [0, 0, 0, 0, 1]],
    [Infinity, [0, 0, 0, 0, 1]],
    [NaN, [0, 0, 0, 0, 1]],
  ];
  for (const [i, [value]] of cases.entries()) h.observe({ v: String(i) }, value);
  for (const [i, [value, counts]] of cases.entries()) {
    const series = await seriesOf(h, [["v", String(i)]]);
    assert.deepEqual(perBucket(series), counts, `observe(${value})`);
    assert.equal(series.count, 1, `observe(${value}): _count`);
    assert.ok(Object.is(series.sum, value === 0 ? 0 : value), `observe(${value}): _sum ${series.sum}`);
  }
}));

test("NaN: counted in +Inf, the sum becomes NaN; OpenMetrics leaves _sum and _count out, text shows NaN", withHeap(async (heap, registry) => {
  const h = new Histogram({ name: "nan_obs", help: "NaN.", buckets: [1], heap, registers: [registry] });
  h.observe(0.5);
  h.observe(NaN);
  const text = await registry.metrics();
  const samples = parseSamples(text);
  assert.equal(samples.get('nan_obs_bucket{le="1"}'), 1);
  assert.equal(samples.get('nan_obs_bucket{le="+Inf"}'), 2);
  assert.equal(samples.get("nan_obs_count{}"), 2);
  assert.ok(Number.isNaN(samples.get("nan_obs_sum{}")));
  registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  const om = await registry.metrics();
  assert.match(om, /^nan_obs_bucket\{le="\+Inf"\} 2$/m);
  assert.doesNotMatch(om, /nan_obs_(sum|count)/);
  h.reset();
  h.observe(2);
  assert.equal((await seriesOf(h)).sum, 2, "reset clears the NaN");
}));

test("binary search (above linearSearchMax bounds) places every value as a linear scan does", withHeap(async (heap) => {
  const bounds = linearBuckets(-50, 1, 101);
  assert.ok(bounds.length > linearSearchMax);
  const h = new Histogram({ name: "wide", help: "Wide.", labelNames: ["v"], buckets: bounds, heap, registers: [] });
  const values = [-Infinity, -51, -50, -49.5, -0, 0, 0.5, 7, 49, 49.999, 50, 50.5, Infinity, NaN, ...Array.from({ length: 40 }, (_, i) => ((i * 7919) % 1013) / 10 - 50.5)];
  for (const [i, value] of values.entries()) h.observe({ v: String(i) }, value);
  for (const [i, value] of values.entries()) {
    let expected = bounds.findIndex((b) => value <= b);
    if (expected === -1) expected = bounds.length;
    const counts = perBucket(await seriesOf(h, [["v", String(i)]]));
    assert.equal(counts.indexOf(1), expected, `observe(${value})`);
  }
}));

test("startTimer: observes the elapsed seconds with start and end labels, and returns them", withHeap(async (heap) => {
  const h = new Histogram({ name: "timed_seconds", help: "Timed.", labelNames: ["route", "code"], buckets: [1, 60], heap, registers: [] });
  const end = h.startTimer({ route: "/a" });
  const busyUntil = performance.now() + 5;
  while (performance.now() < busyUntil) { /* at least 5 ms pass */ }
  const seconds = end({ code: "200" });
  assert.ok(seconds >= 0.005 && seconds < 1, `${seconds}`);
  const series = await seriesOf(h, [["route", "/a"], ["code", "200"]]);
  assert.equal(series.count, 1);
  assert.equal(series.sum, seconds);
  const plain = new Histogram({ name: "timed_plain", help: "Timed.", buckets: [1], heap, registers: [] });
  const returned = plain.startTimer()();
  const child = h.labels("/b", "500").startTimer()();
  assert.equal((await seriesOf(plain)).sum, returned);
  assert.equal((await seriesOf(h, [["route", "/b"], ["code", "500"]])).sum, child);
}));

test("zero() makes a series with zero counts; existing counts stay; a removed series comes back at zero", withHeap(async (heap, registry) => {
  const h = new Histogram({ name: "zeroed", help: "Z.", labelNames: ["m"], buckets: [1], heap, registers: [registry] });
  h.zero({ m: "GET" });
  let samples = parseSamples(await registry.metrics());
  assert.equal(samples.get('zeroed_bucket{le="1",m="GET"}'), 0);
  assert.equal(samples.get('zeroed_bucket{le="+Inf",m="GET"}'), 0);
  assert.equal(samples.get('zeroed_count{m="GET"}'), 0);
  assert.equal(samples.get('zeroed_sum{m="GET"}'), 0);
  h.observe({ m: "GET" }, 0.5);
  h.zero({ m: "GET" });
  assert.equal(parseSamples(await registry.metrics()).get('zeroed_count{m="GET"}'), 1, "zero() keeps what others counted");
  h.remove("GET");
  assert.equal(parseSamples(await registry.metrics()).get('zeroed_count{m="GET"}'), undefined);
  h.zero({ m: "GET" });
  samples = parseSamples(await registry.metrics());
  assert.equal(samples.get('zeroed_count{m="GET"}'), 0);
  assert.throws(() => h.zero({ nope: "x" } as never), { name: "TypeError", message: /Label "nope" is not a label of "zeroed"/ });
}));

test("reset() drops every labelled series (prom-client's reset); one comes back from zero with a new _created; remove() drops one until its next observation", withHeap(async (heap, registry) => {
  const h = new Histogram({ name: "rr", help: "R.", labelNames: ["m"], buckets: [1], heap, registers: [registry] });
  h.observe({ m: "a" }, 0.5);
  h.observe({ m: "b" }, 2);
  const createdBefore = (await seriesOf(h, [["m", "a"]])).created!;
  await new Promise((resolve) => setTimeout(resolve, 5));
  h.reset();
  let samples = parseSamples(await registry.metrics());
  assert.equal(samples.get('rr_count{m="a"}'), undefined);
  assert.equal(samples.get('rr_sum{m="b"}'), undefined);
  assert.equal(samples.get('rr_bucket{le="+Inf",m="b"}'), undefined);
  h.labels("a").observe(3);
  assert.ok((await seriesOf(h, [["m", "a"]])).created! > createdBefore, "_created restarts");
  h.remove({ m: "b" });
  samples = parseSamples(await registry.metrics());
  assert.equal(samples.get('rr_count{m="a"}'), 1);
  assert.equal(samples.get('rr_sum{m="a"}'), 3);
  assert.equal(samples.get('rr_count{m="b"}'), undefined);
  h.observe({ m: "b" }, 0.25);
  samples = parseSamples(await registry.metrics());
  assert.equal(samples.get('rr_count{m="b"}'), 1);
  assert.equal(samples.get('rr_bucket{le="1",m="b"}'), 1);
}));

test("bad input: a clear TypeError, and the heap as it was", withHeap(async (heap, registry) => {
  const h = new Histogram({ name: "careful", help: "C.", labelNames: ["kind"], buckets: [1], heap, registers: [registry] });
  h.observe({ kind: "a" }, 1);
  const before = await registry.metrics();
  const mappedBefore = heap.mappedBytes;
  assert.throws(() => h.observe("1" as unknown as number), { name: "TypeError", message: 'Value is not a valid number: 1. Cannot observe "1" in histogram "careful": the value must be a number' });
  assert.throws(() => h.observe({ kind: "b" }, "1" as unknown as number), TypeError);
  assert.throws(() => h.observe({ kind: "b" } as never), { name: "TypeError", message: /Cannot observe undefined in histogram "careful"/ });
  assert.throws(() => h.observe(null as unknown as number), TypeError);
  assert.throws(() => h.labels("a").observe(undefined as unknown as number), TypeError);
  assert.throws(() => h.observe({ nope: "x" } as never, 1), { name: "TypeError", message: /Label "nope" is not a label of "careful"/ });
  assert.throws(() => h.observe({ value: 1, exemplarLabels: { a: "b" } } as never), TypeError, "exemplar form without enableExemplars");
  assert.throws(() => h.labels("a").observeWithExemplar(1, { a: "b" }), { name: "TypeError", message: /only when created with enableExemplars: true/ });
  assert.equal(await registry.metrics(), before);
  assert.equal(heap.mappedBytes, mappedBefore);
}));

test("a bucket's int32 count carries on in its f64 overflow cell past 2^31, exactly", withHeap(async (heap, registry) => {
  const h = new Histogram({ name: "many", help: "Many.", buckets: [1, 2], heap, registers: [registry] });
  const child = h.labels();
  const secondBucketWord = 2 * (1 + 1); // data cell 1 (after the control cell), first int32 word
  child.cells.renew(); // a new copy is one epoch behind until its first update (heap/cells.ts): as that update would
  child.cells.i32[secondBucketWord] = 2 ** 31 - 4; // as if this writer had counted that far
  for (let i = 0; i < 10; i++) child.observe(1.5);
  child.observe(0.5);
  assert.equal(child.cells.i32[secondBucketWord], 2 ** 31 - 2, "the count cell stops below its limit");
  const samples = parseSamples(await registry.metrics());
  assert.equal(samples.get('many_bucket{le="1"}'), 1);
  assert.equal(samples.get('many_bucket{le="2"}'), 2 ** 31 - 4 + 11);
  assert.equal(samples.get("many_count{}"), 2 ** 31 - 4 + 11);
  assert.equal(samples.get("many_sum{}"), 15.5);
}));

test("exemplars: the latest per bucket, with value, labels and timestamp; the 128-code-point limit", withHeap(async (heap) => {
  const h = new Histogram({ name: "ex_seconds", help: "Ex.", labelNames: ["route"], buckets: [0.1, 1], enableExemplars: true, heap, registers: [] });
  const t0 = Date.now() / 1000;
  h.observe({ labels: { route: "/a" }, value: 0.05, exemplarLabels: { trace_id: "first" } });
  h.observe({ labels: { route: "/a" }, value: 0.1, exemplarLabels: { trace_id: "second", span: 7 } }); // v == le: that bucket
  h.observe({ labels: { route: "/a" }, value: 5, exemplarLabels: { trace_id: "inf" } });
  h.observe({ labels: { route: "/a" }, value: 0.5 }); // no exemplar labels: counted, no exemplar
  h.labels("/a").observeWithExemplar(0.7, { trace_id: "child" });
  h.observe({ route: "/a" }, 0.2); // the labels form still works
  h.observe({ value: NaN, exemplarLabels: { trace_id: "nan" } }); // counted, no exemplar
  const t1 = Date.now() / 1000;
  const series = await seriesOf(h, [["route", "/a"]]);
  assert.deepEqual(series.buckets.map((b) => b.count), [2, 5, 6]);
  assert.deepEqual(series.buckets[0].exemplar?.labels, [["trace_id", "second"], ["span", "7"]]);
  assert.equal(series.buckets[0].exemplar?.value, 0.1);
  assert.deepEqual(series.buckets[1].exemplar?.labels, [["trace_id", "child"]]);
  assert.equal(series.buckets[1].exemplar?.value, 0.7);
  assert.deepEqual(series.buckets[2].exemplar?.labels, [["trace_id", "inf"]]);
  for (const b of series.buckets) assert.ok(b.exemplar!.timestamp! >= t0 && b.exemplar!.timestamp! <= t1, "timestamp in seconds");
  const unlabelled = await seriesOf(h, []);
  assert.equal(unlabelled.count, 1);
  assert.equal(unlabelled.buckets[2].exemplar, undefined, "NaN records no exemplar");

  // 128 code points of names and values: astral characters count once.
  const astral = "😀".repeat(120); // 240 UTF-16 units, 120 code points
  const countBefore = (await seriesOf(h, [["route", "/a"]])).count;
  h.observe({ labels: { route: "/a" }, value: 0.01, exemplarLabels: { trace_id: astral } }); // 8 + 120 = 128
  assert.equal((await seriesOf(h, [["route", "/a"]])).buckets[0].exemplar?.labels[0][1], astral);
  assert.throws(() => h.observe({ labels: { route: "/a" }, value: 0.01, exemplarLabels: { trace_id: astral + "😀" } }), {
    name: "RangeError",
    message: 'Cannot record an exemplar for "ex_seconds": its label names and values hold 129 code points; at most 128 are allowed',
  });
  assert.throws(() => h.observe({ labels: { route: "/new" }, value: 0.01, exemplarLabels: { "bad-name": "x" } }), TypeError);
  assert.throws(() => h.observe({ labels: { route: "/new" }, value: 0.01, exemplarLabels: { a: {} as unknown as string } }), TypeError);
  assert.throws(() => h.observe({ labels: { route: "/new" }, value: "1" as unknown as number }), TypeError);
  const after = await seriesOf(h, [["route", "/a"]]);
  assert.equal(after.count, countBefore + 1, "a refused exemplar observes nothing");
  assert.equal(after.buckets[0].exemplar?.labels[0][1], astral, "and keeps the exemplar that was there");
  assert.equal(((await h.snapshot()) as HistogramFamily).series.length, 2, "and makes no series");

  h.reset();
  assert.equal(((await h.snapshot()) as HistogramFamily).series.length, 0, "reset() drops the series");
  h.observe({ route: "/a" }, 0.01);
  const reset = await seriesOf(h, [["route", "/a"]]);
  assert.ok(reset.buckets.every((b) => b.exemplar === undefined), "reset() drops the exemplars");
}));

test("startTimer with exemplar labels records an exemplar", withHeap(async (heap) => {
  const h = new Histogram({ name: "ex_timer", help: "T.", labelNames: ["route"], buckets: [10], enableExemplars: true, heap, registers: [] });
  const end = h.startTimer({ route: "/t" }, { trace_id: "t1" });
  const seconds = end(undefined, { span_id: "s1" });
  const series = await seriesOf(h, [["route", "/t"]]);
  assert.deepEqual(series.buckets[0].exemplar?.labels, [["trace_id", "t1"], ["span_id", "s1"]]);
  assert.equal(series.buckets[0].exemplar?.value, seconds);
  h.startTimer({ route: "/t" })();
  assert.equal((await seriesOf(h, [["route", "/t"]])).count, 2);
}));

test("OpenMetrics output of histograms with exemplars passes Python's strict parser", withHeap(async (heap) => {
  const registry = new Registry(Registry.OPENMETRICS_CONTENT_TYPE, { heap });
  const h = new Histogram({ name: "om_seconds", help: "Latency with exemplars.", labelNames: ["route"], buckets: exponentialBuckets(0.001, 10, 5), enableExemplars: true, heap, registers: [registry] });
  const astral = "中文😀\\n".repeat(20);
  const values = [0.0005, 0.001, 0.004, 0.05, 0.5, 7, 20, 1e6, Infinity, -Infinity];
  for (const [i, value] of values.entries()) {
    h.observe({ labels: { route: i % 2 === 0 ? "/a" : "/b\n\"x\"" }, value, exemplarLabels: { trace_id: `t${i}`, note: astral.slice(0, 30) } });
  }
  h.zero({ route: "/empty" });
  const body = await registry.metrics();
  assert.match(body, / # \{trace_id="t0",note=".*"\} 0\.0005 \d+\.?\d*$/m);
  const script = String.raw`
import json, sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
num = lambda v: repr(float(v))
out = []
for family in text_string_to_metric_families(sys.stdin.read()):
    for s in family.samples:
        e = s.exemplar
        out.append([s.name, s.labels, num(s.value), None if e is None else [e.labels, num(e.value), num(str(e.timestamp))]])
print(json.dumps(out))
`;
  const run = spawnSync("python3", ["-c", script], { input: body, encoding: "utf8", env: { ...process.env, PYTHONPATH: join(packageRoot, ".tools", "python") } });
  assert.equal(run.status, 0, `Python's parser rejected the body: ${run.stderr}\n${body}`);
  type Parsed = [string, Record<string, string>, string, [Record<string, string>, string, string] | null];
  const parsed = JSON.parse(run.stdout) as Parsed[];
  const number = (text: string) => (text === "inf" ? Infinity : text === "-inf" ? -Infinity : Number(text));
  const exemplars = parsed.filter((s) => s[3] !== null);
  // Exemplars for -Inf and Infinity land in the first and +Inf buckets; earlier ones there are replaced by later ones.
  assert.ok(exemplars.length >= 5, `${exemplars.length} exemplars parsed`);
  for (const [name, labels, , exemplar] of exemplars) {
    assert.equal(name, "om_seconds_bucket");
    assert.equal(exemplar![0].note, astral.slice(0, 30));
    const value = number(exemplar![1]);
    assert.ok(values.includes(value), `exemplar value ${value} is an observed one`);
    assert.ok(value <= (labels.le === "+Inf" ? Infinity : Number(labels.le)), `exemplar ${value} inside bucket le=${labels.le}`);
    assert.ok(Math.abs(number(exemplar![2]) - Date.now() / 1000) < 60, "exemplar timestamp in seconds");
  }
  assert.ok(parsed.some(([name, labels, value]) => name === "om_seconds_bucket" && labels.route === "/empty" && labels.le === "+Inf" && number(value) === 0));
}));
