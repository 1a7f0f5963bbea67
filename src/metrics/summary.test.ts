import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { Heap } from "../heap/heap.ts";
import { packageRoot } from "../../test/support/runtimes.ts";
import { parseSamples } from "../../test/support/parse_text.ts";
import type { SummaryFamily, SummarySeries } from "../exposition/snapshot.ts";
import { bucketOf, bucketValue, relativeAccuracy, setSketchClock } from "./quantile_sketch.ts";
import { Registry } from "./registry.ts";
import { withHeap } from "../../test/support/heap.ts";
import { Summary } from "./summary.ts";


/** The summary families of a scrape, by name. */
async function families(registry: Registry): Promise<Map<string, SummaryFamily>> {
  const all = await registry.collect();
  return new Map(all.filter((f): f is SummaryFamily => f.type === "summary").map((f) => [f.name, f]));
}

async function seriesOf(registry: Registry, name: string, labels: readonly (readonly [string, string])[] = []): Promise<SummarySeries | undefined> {
  const family = (await families(registry)).get(name);
  return family?.series.find((s) => JSON.stringify(s.labels) === JSON.stringify(labels));
}

/** What the sketch must answer for quantile `q` of `values`: the bucket of the value of rank max(1, ceil(q n)). */
function expectedQuantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const exact = sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1];
  return exact === 0 ? 0 : bucketValue(bucketOf(exact));
}

test("observe(v), observe(labels, v), labels(...).observe(v) and the default percentiles, as prom-client", withHeap(async (heap, registry) => {
  const plain = new Summary({ name: "plain", help: "No labels.", heap, registers: [registry] });
  const values = Array.from({ length: 1000 }, (_, i) => i + 1);
  for (const v of values) plain.observe(v);
  const s = await seriesOf(registry, "plain");
  assert.ok(s);
  assert.deepEqual(s.quantiles.map((q) => q.quantile), [0.01, 0.05, 0.5, 0.9, 0.95, 0.99, 0.999]);
  for (const { quantile, value } of s.quantiles) {
    assert.equal(value, expectedQuantile(values, quantile), `quantile ${quantile}`);
    const exact = Math.max(1, Math.ceil(quantile * 1000));
    assert.ok(Math.abs(value - exact) <= relativeAccuracy * exact, `quantile ${quantile}: ${value} vs exact ${exact}`);
  }
  assert.equal(s.count, 1000);
  assert.equal(s.sum, 500500);

  const byMethod = new Summary({ name: "latency", help: "With labels.", labelNames: ["method"], percentiles: [0, 0.5, 1], heap, registers: [registry] });
  byMethod.observe({ method: "GET" }, 0.25);
  byMethod.labels("GET").observe(0.5);
  byMethod.labels({ method: "GET" }).observe(2);
  byMethod.observe({ method: "PUT" }, -4);
  byMethod.observe({ method: "PUT" }, 0);
  byMethod.observe({ method: "PUT" }, 0);
  byMethod.observe(7); // no labels: the label set with every label empty
  assert.equal(byMethod.labels("GET"), byMethod.labels("GET"), "labels() returns the cached child");
  const get = await seriesOf(registry, "latency", [["method", "GET"]]);
  assert.deepEqual(get?.quantiles.map((q) => q.value), [bucketValue(bucketOf(0.25)), bucketValue(bucketOf(0.5)), bucketValue(bucketOf(2))]);
  assert.equal(get?.count, 3);
  assert.equal(get?.sum, 2.75);
  const put = await seriesOf(registry, "latency", [["method", "PUT"]]);
  assert.deepEqual(put?.quantiles.map((q) => q.value), [bucketValue(bucketOf(-4)), 0, 0], "zeros sort between negatives and positives");
  assert.equal(put?.sum, -4);
  assert.equal((await seriesOf(registry, "latency"))?.count, 1);

  const text = parseSamples(await registry.metrics());
  assert.equal(text.get('latency_count{method="GET"}'), 3);
  assert.equal(text.get('latency_sum{method="GET"}'), 2.75);
  assert.equal(text.get('latency{method="GET",quantile="1"}'), bucketValue(bucketOf(2)));
  assert.equal(text.get("plain_count{}"), 1000);
}, { after: () => setSketchClock() }));

test("an empty window reports NaN for every quantile (0 in Prometheus text, as prom-client), count 0 and sum 0", withHeap(async (heap, registry) => {
  new Summary({ name: "idle", help: "Never observed.", heap, registers: [registry] });
  const s = await seriesOf(registry, "idle");
  assert.ok(s);
  assert.equal(s.quantiles.length, 7);
  for (const q of s.quantiles) assert.ok(Number.isNaN(q.value), `quantile ${q.quantile} is ${q.value}`);
  assert.equal(s.count, 0);
  assert.equal(s.sum, 0);
  const text = await registry.metrics();
  assert.match(text, /^idle\{quantile="0\.5"\} 0$/m);
}, { after: () => setSketchClock() }));

test("startTimer observes the elapsed seconds, with start and end labels merged", withHeap(async (heap, registry) => {
  const jobs = new Summary({ name: "job_seconds", help: "Jobs.", labelNames: ["queue", "result"], percentiles: [0.5], heap, registers: [registry] });
  const end = jobs.startTimer({ queue: "mail" });
  const seconds = end({ result: "ok" });
  assert.ok(seconds >= 0 && seconds < 60);
  const child = jobs.labels("sms", "ok");
  const childSeconds = child.startTimer()();
  const childExtra = jobs.labels({ queue: "sms" }).startTimer()({ result: "failed" });
  const plain = new Summary({ name: "plain_seconds", help: "Plain.", heap, registers: [registry] });
  const plainSeconds = plain.startTimer()();

  const mail = await seriesOf(registry, "job_seconds", [["queue", "mail"], ["result", "ok"]]);
  assert.equal(mail?.count, 1);
  assert.equal(mail?.sum, seconds);
  assert.equal((await seriesOf(registry, "job_seconds", [["queue", "sms"], ["result", "ok"]]))?.sum, childSeconds);
  assert.equal((await seriesOf(registry, "job_seconds", [["queue", "sms"], ["result", "failed"]]))?.sum, childExtra);
  assert.equal((await seriesOf(registry, "plain_seconds"))?.sum, plainSeconds);
}, { after: () => setSketchClock() }));

test("bad input: a clear TypeError or RangeError, and the heap as it was", withHeap(async (heap, registry) => {
  const s = new Summary({ name: "careful", help: "Validation.", labelNames: ["kind"], heap, registers: [registry] });
  const plain = new Summary({ name: "careful_plain", help: "Validation.", heap, registers: [registry] });
  s.observe({ kind: "a" }, 1);
  plain.observe(1);
  const before = await registry.metrics();
  const mappedBefore = heap.mappedBytes;
  assert.throws(() => s.observe({ kind: "a" }, NaN), { name: "RangeError", message: 'Value is not a valid number: NaN. Cannot observe summary "careful" with NaN: the value must be finite' });
  assert.throws(() => s.observe({ kind: "a" }, Infinity), RangeError);
  assert.throws(() => s.labels("a").observe(-Infinity), RangeError);
  assert.throws(() => plain.observe(NaN), { name: "RangeError", message: /"careful_plain" with NaN/ });
  assert.throws(() => s.observe({ kind: "a" }, "1" as unknown as number), { name: "TypeError", message: 'Value is not a valid number: 1. Cannot observe summary "careful" with 1: the value must be a number' });
  assert.throws(() => s.observe({ kind: "a" }, undefined as unknown as number), TypeError);
  assert.throws(() => (plain.observe as (v?: number) => void)(), TypeError);
  assert.throws(() => s.labels("a").observe(null as unknown as number), TypeError);
  assert.throws(() => s.observe({ nope: "x" } as never, 1), { name: "TypeError", message: /Label "nope" is not a label of "careful"/ });
  assert.throws(() => s.observe({ kind: "b" }, NaN), RangeError, "a new label set with a bad value creates nothing");
  assert.throws(() => s.labels("a", "b"), { name: "TypeError", message: /has 1 labels \(kind\) but labels\(\) got 2 values/ });
  assert.equal(await registry.metrics(), before);
  assert.equal(heap.mappedBytes, mappedBefore);
}, { after: () => setSketchClock() }));

test("configuration is validated: percentiles, maxAgeSeconds, ageBuckets, pruneAgedBuckets, the quantile label", withHeap((heap) => {
  const make = (extra: Record<string, unknown>) => () => new Summary({ name: "conf", help: "Conf.", heap, registers: [], ...extra });
  assert.throws(make({ percentiles: [0.5, 1.5] }), { name: "RangeError", message: 'percentiles of summary "conf" must be in [0, 1], got 1.5' });
  assert.throws(make({ percentiles: [-0.1] }), RangeError);
  assert.throws(make({ percentiles: [NaN] }), RangeError);
  assert.throws(make({ percentiles: ["0.5"] }), { name: "TypeError", message: /must be numbers in \[0, 1\], got string 0.5/ });
  assert.throws(make({ percentiles: 0.5 }), { name: "TypeError", message: /must be an array/ });
  assert.throws(make({ percentiles: [0.5, 0.5] }), { name: "RangeError", message: /must be distinct/ });
  assert.throws(make({ maxAgeSeconds: 0 }), { name: "RangeError", message: 'maxAgeSeconds of summary "conf" must be an integer from 1 to 9007199254740991, got 0' });
  assert.throws(make({ maxAgeSeconds: 1.5 }), RangeError);
  assert.throws(make({ maxAgeSeconds: "60" }), { name: "TypeError", message: /maxAgeSeconds of summary "conf" must be a positive integer, got string/ });
  assert.throws(make({ maxAgeSeconds: 60, ageBuckets: 0 }), { name: "RangeError", message: /ageBuckets of summary "conf" must be an integer from 1 to 100, got 0/ });
  assert.throws(make({ maxAgeSeconds: 60, ageBuckets: 101 }), RangeError);
  assert.throws(make({ pruneAgedBuckets: "yes" }), { name: "TypeError", message: /pruneAgedBuckets of summary "conf" must be a boolean/ });
  assert.throws(make({ labelNames: ["quantile"] }), { name: "TypeError", message: /Invalid label name "quantile" for "conf": it is reserved/ });
  assert.throws(() => new Summary(null as never), TypeError);

  const windowed = new Summary({ name: "windowed", help: "W.", maxAgeSeconds: 600, heap, registers: [] });
  assert.equal(windowed.ageBuckets, 5, "maxAgeSeconds without ageBuckets: 5 age buckets");
  const allTime = new Summary({ name: "all_time", help: "A.", ageBuckets: 3, compressCount: 10, heap, registers: [] });
  assert.equal(allTime.maxAgeSeconds, 0);
  assert.equal(allTime.ageBuckets, 1, "ageBuckets without maxAgeSeconds: all time, as prom-client");
  assert.throws(() => new Summary({ name: "windowed", help: "W.", maxAgeSeconds: 600, ageBuckets: 6, heap, registers: [] }), /another definition/);
  assert.throws(() => new Summary({ name: "windowed", help: "W.", maxAgeSeconds: 600, percentiles: [0.5], heap, registers: [] }), /another definition/);
}, { after: () => setSketchClock() }));

test("the window slides: maxAgeSeconds in ageBuckets rotating age buckets; count and sum stay all-time", withHeap(async (heap, registry) => {
  let now = 1_700_000_000_000; // a multiple of the 2 s period
  setSketchClock(() => now);
  const s = new Summary({ name: "windowed", help: "W.", percentiles: [0, 0.5, 1], maxAgeSeconds: 10, ageBuckets: 5, heap, registers: [registry] });
  const quantiles = async () => (await seriesOf(registry, "windowed"))?.quantiles.map((q) => q.value);
  const at = (v: number) => bucketValue(bucketOf(v));

  s.observe(100);
  assert.deepEqual(await quantiles(), [at(100), at(100), at(100)]);
  now += 2_000; // the next age bucket
  s.observe(200);
  s.observe(200);
  assert.deepEqual(await quantiles(), [at(100), at(200), at(200)]);
  now += 7_999; // 9.999 s after the first observation: still inside the 5 periods
  assert.deepEqual(await quantiles(), [at(100), at(200), at(200)]);
  now += 1; // 10 s: the first age bucket has expired, for readers even before any writer rotates it
  assert.deepEqual(await quantiles(), [at(200), at(200), at(200)]);
  now += 2_000; // 12 s: the second one too
  const empty = await seriesOf(registry, "windowed");
  assert.ok(empty?.quantiles.every((q) => Number.isNaN(q.value)), "an empty window is NaN");
  assert.equal(empty?.count, 3, "count is all-time, as prom-client");
  assert.equal(empty?.sum, 500);

  now = 1_700_000_000_000 + 20_000; // the first observation's age bucket again: rotated before use
  s.observe(300);
  assert.deepEqual(await quantiles(), [at(300), at(300), at(300)]);
  now = 1_700_000_000_000 + 10_000; // a clock that went back 10 s: its age bucket holds a newer period, which stays
  s.observe(50);
  assert.deepEqual(await quantiles(), [at(50), at(200), at(300)], "the window of 10 s is back, with the 200s");
}, { after: () => setSketchClock() }));

test("pruneAgedBuckets leaves out a series whose window is empty; its count restarts, as prom-client", withHeap(async (heap, registry) => {
  let now = 1_700_000_000_000;
  setSketchClock(() => now);
  const s = new Summary({ name: "pruned", help: "P.", labelNames: ["k"], maxAgeSeconds: 4, ageBuckets: 2, pruneAgedBuckets: true, heap, registers: [registry] });
  s.observe({ k: "a" }, 1);
  s.observe({ k: "b" }, 2);
  now += 2_000;
  s.observe({ k: "b" }, 3);
  assert.equal((await families(registry)).get("pruned")?.series.length, 2);
  now += 2_000; // a's only period has left the window; b's second one has not
  const left = (await families(registry)).get("pruned")?.series;
  assert.deepEqual(left?.map((x) => x.labels), [[["k", "b"]]]);
  assert.equal(left?.[0].count, 2);
  s.observe({ k: "a" }, 5);
  const back = await seriesOf(registry, "pruned", [["k", "a"]]);
  assert.equal(back?.count, 1, "the pruned series starts again from zero");
  assert.equal(back?.sum, 5);
}, { after: () => setSketchClock() }));

test("reset() and remove() in every process's view: quantiles, count and sum start again", withHeap(async (heap, registry, path) => {
  const s = new Summary({ name: "resettable", help: "R.", labelNames: ["k"], percentiles: [0.5], heap, registers: [registry] });
  const otherHeap = Heap.open({ path, mode: "attach" }); // another isolate: its own writer slot
  try {
    const other = new Summary({ name: "resettable", help: "R.", labelNames: ["k"], percentiles: [0.5], heap: otherHeap, registers: [] });
    s.observe({ k: "a" }, 10);
    other.observe({ k: "a" }, 20);
    other.observe({ k: "b" }, 30);
    assert.equal((await seriesOf(registry, "resettable", [["k", "a"]]))?.count, 2);
    s.reset();
    assert.equal(await seriesOf(registry, "resettable", [["k", "a"]]), undefined, "reset() drops a labelled series, as prom-client's");
    other.observe({ k: "a" }, 40);
    const again = await seriesOf(registry, "resettable", [["k", "a"]]);
    assert.equal(again?.count, 1);
    assert.equal(again?.quantiles[0].value, bucketValue(bucketOf(40)));

    other.observe({ k: "b" }, 30);
    s.remove("b");
    assert.equal(await seriesOf(registry, "resettable", [["k", "b"]]), undefined, "a removed series leaves the scrape");
    other.observe({ k: "b" }, 7);
    const b = await seriesOf(registry, "resettable", [["k", "b"]]);
    assert.equal(b?.count, 1, "an update brings it back from zero");
    assert.equal(b?.sum, 7);
    assert.equal(b?.quantiles[0].value, bucketValue(bucketOf(7)));
    s.remove({ k: "never" }); // nothing to remove
  } finally {
    otherHeap.close(false);
  }
}, { after: () => setSketchClock() }));

test("get() in prom-client's shape", withHeap(async (heap, registry) => {
  const s = new Summary({ name: "shape", help: "Shape.", labelNames: ["m"], percentiles: [0.5, 0.9], heap, registers: [registry] });
  s.observe({ m: "x" }, 3);
  const { name, type, values } = await s.get();
  assert.equal(name, "shape");
  assert.equal(type, "summary");
  assert.deepEqual(values.map((v) => [v.metricName, v.labels, v.value]), [
    ["shape", { m: "x", quantile: 0.5 }, bucketValue(bucketOf(3))],
    ["shape", { m: "x", quantile: 0.9 }, bucketValue(bucketOf(3))],
    ["shape_sum", { m: "x" }, 3],
    ["shape_count", { m: "x" }, 1],
  ]);
}, { after: () => setSketchClock() }));

const PYTHON_PARSE = String.raw`
import json, sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
out = []
for family in text_string_to_metric_families(sys.stdin.read()):
    out.append({"name": family.name, "type": family.type, "samples": [[s.name, dict(s.labels), repr(float(s.value))] for s in family.samples]})
json.dump(out, sys.stdout)
`;

test("OpenMetrics output is accepted by Python's strict parser (and promtool takes the text format)", withHeap(async (heap, registry) => {
  let now = 1_700_000_000_000;
  setSketchClock(() => now);
  const latency = new Summary({ name: "http_latency_seconds", help: 'Latency "quoted" \\ help.', labelNames: ["method"], heap, registers: [registry] });
  for (let i = 1; i <= 500; i++) latency.observe({ method: i % 2 === 0 ? "GET" : 'we"ird\\' }, i / 100);
  new Summary({ name: "idle_seconds", help: "Never observed.", heap, registers: [registry] });
  const windowed = new Summary({ name: "window_bytes", help: "W.", percentiles: [0, 0.5, 1], maxAgeSeconds: 60, heap, registers: [registry] });
  windowed.observe(0);
  windowed.observe(1e6);
  const mixed = new Summary({ name: "delta", help: "Signed.", percentiles: [0.1, 0.9], heap, registers: [registry] });
  mixed.observe(-5);
  mixed.observe(5);
  now += 1;

  registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  const body = await registry.metrics();
  const run = spawnSync("python3", ["-c", PYTHON_PARSE], {
    input: body,
    encoding: "utf8",
    env: { ...process.env, PYTHONPATH: join(packageRoot, ".tools", "python") },
  });
  assert.equal(run.status, 0, `the strict parser rejected:\n${body}\n${run.stderr}`);
  const parsed = JSON.parse(run.stdout) as { name: string; type: string; samples: [string, Record<string, string>, string][] }[];
  assert.deepEqual(parsed.map((f) => [f.name, f.type]), [
    ["http_latency_seconds", "summary"],
    ["idle_seconds", "summary"],
    ["window_bytes", "summary"],
    ["delta", "summary"],
  ]);
  const get = parsed[0].samples.filter(([, labels]) => labels.method === "GET");
  assert.deepEqual(get.map(([name, labels]) => [name, labels.quantile]), [
    ...["0.01", "0.05", "0.5", "0.9", "0.95", "0.99", "0.999"].map((q) => ["http_latency_seconds", q]),
    ["http_latency_seconds_count", undefined],
    ["http_latency_seconds_sum", undefined],
    ["http_latency_seconds_created", undefined],
  ]);
  assert.equal(Number(get[2][2]), bucketValue(bucketOf(2.5)));
  assert.ok(parsed[1].samples.slice(0, 7).every(([, , value]) => value === "nan"), "an empty window is NaN");
  assert.deepEqual(parsed[2].samples.slice(0, 3).map(([, , v]) => Number(v)), [0, 0, bucketValue(bucketOf(1e6))]);
  // OpenMetrics forbids negative quantile values: the serializer leaves that sample out.
  assert.deepEqual(parsed[3].samples.map(([name, labels]) => [name, labels.quantile]), [
    ["delta", "0.9"],
    ["delta_count", undefined],
    ["delta_sum", undefined],
    ["delta_created", undefined],
  ]);

  registry.setContentType(Registry.PROMETHEUS_CONTENT_TYPE);
  const promtool = spawnSync("promtool", ["check", "metrics"], { input: await registry.metrics(), encoding: "utf8" });
  assert.equal(promtool.error, undefined, "promtool must be installed (node scripts/install_validators.mjs)");
  assert.equal(promtool.status, 0, `${promtool.stdout}${promtool.stderr}`);
}, { after: () => setSketchClock() }));
