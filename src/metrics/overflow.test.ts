import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { withHeap } from "../../test/support/heap.ts";
import { parseSamples } from "../../test/support/parse_text.ts";
import { strictParse } from "../../test/support/strict_parser.ts";
import { heapStats } from "../heap/stats.ts";
import { heapUsage } from "../heap/usage.ts";
import { Counter } from "./counter.ts";
import { Gauge } from "./gauge.ts";
import { Histogram } from "./histogram.ts";
import { Info } from "./info.ts";
import { Registry } from "./registry.ts";
import { StateSet } from "./stateset.ts";
import { Summary } from "./summary.ts";
import { cardinalityOverflowDefault, overflowLabel, overflowWarningCode, setCardinalityOverflowDefault } from "./overflow.ts";

/** Collects the overflow warnings emitted while `fn` runs (process.emitWarning delivers them on a later tick). */
async function overflowWarnings(fn: () => Promise<void> | void): Promise<Error[]> {
  const seen: Error[] = [];
  const listener = (warning: Error) => {
    if ((warning as Error & { code?: string }).code === overflowWarningCode) seen.push(warning);
  };
  process.on("warning", listener);
  try {
    await fn();
    await new Promise((resolve) => setTimeout(resolve, 20));
  } finally {
    process.off("warning", listener);
  }
  return seen;
}

function promtool(body: string): void {
  const run = spawnSync("promtool", ["check", "metrics"], { input: body, encoding: "utf8" });
  assert.equal(run.error, undefined, "promtool must be installed (node scripts/install_validators.mjs)");
  assert.ok(run.status === 0 || run.status === 3, `promtool exit ${run.status}: ${run.stdout}${run.stderr}\n${body}`);
}

test("past maxSeries a counter counts new label sets in one otel_metric_overflow series, warns once, raises heapStats; no exception", withHeap(async (heap, registry) => {
  const c = new Counter({ name: "paths", help: "By path.", labelNames: ["path", "method"], maxSeries: 3, heap, registers: [registry] });
  const before = heapStats.overflowedLabelSets;
  const warnings = await overflowWarnings(() => {
    for (let i = 0; i < 3; i++) c.inc({ path: `/kept/${i}`, method: "GET" });
    for (let i = 0; i < 50; i++) c.inc({ path: `/flood/${i}`, method: "GET" }, 2);
    c.labels("/flood/x", "POST").inc(); // the positional path folds too
    c.inc({ path: "/kept/1", method: "GET" }); // label sets seen before the limit keep their series
  });
  assert.equal(warnings.length, 1, "one warning per metric per process");
  assert.match(warnings[0].message, /"paths" reached its limit of 3 label sets \(maxSeries\)/);
  assert.match(warnings[0].message, /paths\{otel_metric_overflow="true"\}/);
  assert.match(warnings[0].message, /onCardinalityOverflow: "throw"/);
  assert.equal(heapStats.overflowedLabelSets - before, 51);

  const samples = parseSamples(await registry.metrics());
  assert.equal(samples.get('paths{otel_metric_overflow="true"}'), 101);
  assert.equal(samples.get('paths{method="GET",path="/kept/1"}'), 2);
  assert.equal([...samples.keys()].filter((k) => k.startsWith("paths{")).length, 4, "3 label sets and the overflow series");
  promtool(await registry.metrics());

  registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  const families = strictParse(await registry.metrics());
  const overflow = families[0].samples.filter(([, labels]) => labels[overflowLabel] === "true");
  assert.deepEqual(overflow.map(([name, labels, value]) => [name, labels, name.endsWith("_created") ? "t" : value]), [
    ["paths_total", { otel_metric_overflow: "true" }, 101],
    ["paths_created", { otel_metric_overflow: "true" }, "t"],
  ]);
  const json = (await c.get()).values.find((v) => v.labels[overflowLabel] === "true");
  assert.deepEqual(json?.labels, { otel_metric_overflow: "true" }, "get() shows the overflow series' one label");
}));

test("the overflow series is one series in the heap, shared by every view of the metric; it does not count against maxSeries", withHeap(async (heap, registry) => {
  const a = new Counter({ name: "shared_overflow", help: "S.", labelNames: ["k"], maxSeries: 2, heap, registers: [registry] });
  const b = new Counter({ name: "shared_overflow", help: "S.", labelNames: ["k"], maxSeries: 2, heap, registers: [] }); // another process's view
  const warnings = await overflowWarnings(() => {
    a.inc({ k: "1" });
    b.inc({ k: "2" });
    a.inc({ k: "3" });
    b.inc({ k: "4" }, 10);
    b.inc({ k: "1" }); // still its own series in every view
  });
  assert.equal(warnings.length, 1, "one warning per metric per process, however many objects it has");
  const samples = parseSamples(await registry.metrics());
  assert.equal(samples.get('shared_overflow{otel_metric_overflow="true"}'), 11);
  assert.equal(samples.get('shared_overflow{k="1"}'), 2);
  const series = (await a.snapshot()).series;
  assert.equal(series.length, 3, "2 label sets and one overflow series, whichever view made it");
}));

test("up to maxSeries distinct label sets never overflow (OpenTelemetry's guarantee)", withHeap(async (heap, registry) => {
  const c = new Counter({ name: "exact_limit", help: "E.", labelNames: ["k"], maxSeries: 5, heap, registers: [registry] });
  const warnings = await overflowWarnings(() => {
    for (let i = 0; i < 5; i++) c.inc({ k: String(i) });
  });
  assert.equal(warnings.length, 0);
  assert.equal(parseSamples(await registry.metrics()).has('exact_limit{otel_metric_overflow="true"}'), false, "no overflow series until one is needed");
}));

test("a flood of overflowed label sets allocates nothing in the heap once the overflow series exists", withHeap(async (heap) => {
  const c = new Counter({ name: "flooded", help: "F.", labelNames: ["id"], maxSeries: 10, heap, registers: [] });
  const h = new Histogram({ name: "flooded_seconds", help: "F.", labelNames: ["id"], maxSeries: 10, heap, registers: [] });
  await overflowWarnings(() => {
    for (let i = 0; i < 11; i++) {
      c.inc({ id: String(i) });
      h.observe({ id: String(i) }, 0.1);
    }
  });
  const used = heapUsage(heap).usedBytes;
  for (let i = 0; i < 20_000; i++) {
    c.inc({ id: `x${i}` });
    h.observe({ id: `x${i}` }, 0.2);
    c.labels(`y${i}`).inc();
  }
  assert.equal(heapUsage(heap).usedBytes, used, "0 bytes of heap per overflowed label set");
  const total = (await c.get()).values.reduce((sum, v) => sum + v.value, 0);
  assert.equal(total, 11 + 40_000, "every update counted");
}));

test("histogram, summary, gauge, stateset and info overflow series", withHeap(async (heap, registry) => {
  const h = new Histogram({ name: "lat_seconds", help: "L.", labelNames: ["path"], buckets: [0.1, 1], maxSeries: 1, heap, registers: [registry] });
  const s = new Summary({ name: "size_bytes", help: "S.", labelNames: ["path"], percentiles: [0.5], maxSeries: 1, heap, registers: [registry] });
  const g = new Gauge({ name: "inflight", help: "G.", labelNames: ["path"], maxSeries: 1, heap, registers: [registry] });
  const set = new Gauge({ name: "last_size", help: "G.", labelNames: ["path"], maxSeries: 1, heap, registers: [registry] });
  const st = new StateSet({ name: "mode", help: "M.", labelNames: ["path"], states: ["on", "off"], maxSeries: 1, heap, registers: [registry] });
  const info = new Info({ name: "build", help: "B.", labelNames: ["version"], maxSeries: 1, heap, registers: [registry] });
  const warnings = await overflowWarnings(() => {
    h.observe({ path: "/a" }, 0.05);
    h.observe({ path: "/b" }, 0.05); // folded
    h.observe({ path: "/c" }, 5); // folded
    s.observe({ path: "/a" }, 1);
    for (const v of [10, 20, 30]) s.observe({ path: `/s${v}` }, v); // folded into one sketch
    g.inc({ path: "/a" });
    g.inc({ path: "/b" }, 2);
    g.inc({ path: "/c" }, 3);
    g.dec({ path: "/d" }); // incs and decs of folded label sets add up
    set.set({ path: "/a" }, 1);
    set.set({ path: "/b" }, 7);
    set.set({ path: "/c" }, 9); // set() of folded label sets: the last one wins
    st.set({ path: "/a" }, { on: true });
    st.set({ path: "/b" }, { off: true });
    info.info({ version: "1" });
    info.info({ version: "2" });
  });
  assert.equal(warnings.length, 6, "one per metric");
  const samples = parseSamples(await registry.metrics());
  assert.equal(samples.get('lat_seconds_bucket{le="0.1",otel_metric_overflow="true"}'), 1);
  assert.equal(samples.get('lat_seconds_bucket{le="+Inf",otel_metric_overflow="true"}'), 2);
  assert.equal(samples.get('lat_seconds_count{otel_metric_overflow="true"}'), 2);
  assert.equal(samples.get('lat_seconds_sum{otel_metric_overflow="true"}'), 5.05);
  const median = samples.get('size_bytes{otel_metric_overflow="true",quantile="0.5"}')!;
  assert.ok(Math.abs(median - 20) / 20 < 0.02, `the median of the folded observations 10, 20, 30 (within the sketch's error), got ${median}`);
  assert.equal(samples.get('size_bytes_count{otel_metric_overflow="true"}'), 3);
  assert.equal(samples.get('inflight{otel_metric_overflow="true"}'), 4);
  assert.equal(samples.get('last_size{otel_metric_overflow="true"}'), 9);
  assert.equal(samples.get('mode{mode="off",otel_metric_overflow="true"}'), 1);
  assert.equal(samples.get('build_info{otel_metric_overflow="true"}'), 1);
  promtool(await registry.metrics());
  registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  strictParse(await registry.metrics());
}));

test("onCardinalityOverflow: \"throw\" and setCardinalityOverflowDefault restore the RangeError; the heap is unchanged", withHeap(async (heap, registry) => {
  const strict = new Counter({ name: "strict", help: "S.", labelNames: ["k"], maxSeries: 1, onCardinalityOverflow: "throw", heap, registers: [registry] });
  strict.inc({ k: "a" });
  const used = heapUsage(heap).usedBytes;
  assert.throws(() => strict.inc({ k: "b" }), { name: "RangeError", message: /already has 1 series, the most allowed \(maxSeries 1\).*onCardinalityOverflow: "overflow"/ });
  assert.throws(() => strict.labels("c"), RangeError);
  assert.equal(heapUsage(heap).usedBytes, used);
  assert.equal(parseSamples(await registry.metrics()).has('strict{otel_metric_overflow="true"}'), false);

  const loose = new Counter({ name: "loose", help: "L.", labelNames: ["k"], maxSeries: 1, heap, registers: [registry] });
  loose.inc({ k: "a" });
  assert.equal(cardinalityOverflowDefault(), "overflow");
  setCardinalityOverflowDefault("throw");
  try {
    assert.throws(() => loose.inc({ k: "b" }), RangeError, "a metric without its own setting follows the default");
    const own = new Counter({ name: "own_mode", help: "O.", labelNames: ["k"], maxSeries: 1, onCardinalityOverflow: "overflow", heap, registers: [registry] });
    own.inc({ k: "a" });
    await overflowWarnings(() => own.inc({ k: "b" })); // its own setting wins over the default
    assert.equal(parseSamples(await registry.metrics()).get('own_mode{otel_metric_overflow="true"}'), 1);
  } finally {
    setCardinalityOverflowDefault("overflow");
  }
  assert.throws(() => setCardinalityOverflowDefault("drop" as "throw"), { name: "TypeError", message: /must be "overflow" or "throw", got "drop"/ });
  assert.throws(() => new Counter({ name: "bad_mode", help: "B.", onCardinalityOverflow: "ignore" as "throw", heap, registers: [] }), TypeError);
  assert.throws(() => new Counter({ name: "reserved", help: "R.", labelNames: [overflowLabel], heap, registers: [] }), {
    name: "TypeError",
    message: /"otel_metric_overflow" .* is reserved for the series that counts label sets past maxSeries/,
  });
}));

test("reset() zeroes the overflow series too; remove() of a folded label set leaves it; updates bring it back from zero", withHeap(async (heap, registry) => {
  const c = new Counter({ name: "resets", help: "R.", labelNames: ["k"], maxSeries: 1, heap, registers: [registry] });
  await overflowWarnings(() => {
    c.inc({ k: "a" });
    c.inc({ k: "b" }, 3);
  });
  c.remove({ k: "b" }); // folded: it has no series of its own to remove
  assert.equal(parseSamples(await registry.metrics()).get('resets{otel_metric_overflow="true"}'), 3);
  c.reset();
  let samples = parseSamples(await registry.metrics());
  assert.equal(samples.has('resets{otel_metric_overflow="true"}'), false);
  assert.equal(samples.has('resets{k="a"}'), false);
  c.inc({ k: "c" }); // the limit counts label sets ever stored: still full, still folded
  c.inc({ k: "a" }, 2);
  samples = parseSamples(await registry.metrics());
  assert.equal(samples.get('resets{otel_metric_overflow="true"}'), 1);
  assert.equal(samples.get('resets{k="a"}'), 2);
}));
