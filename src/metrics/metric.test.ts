import { test } from "node:test";
import assert from "node:assert/strict";
import { withHeap } from "../../test/support/heap.ts";
import { parseSamples } from "../../test/support/parse_text.ts";
import { Counter } from "./counter.ts";
import { Gauge } from "./gauge.ts";
import { Registry } from "./registry.ts";

test("reset() drops every labelled series in every view (prom-client's reset); writers carry on from zero with a new _created", withHeap(async (heap, registry) => {
  const c = new Counter({ name: "resettable", help: "R.", labelNames: ["k"], heap, registers: [registry] });
  const other = new Counter({ name: "resettable", help: "R.", labelNames: ["k"], heap, registers: [] }); // another view, as another process has
  const a = c.labels("a");
  a.inc(5);
  other.labels("a").inc(2);
  c.inc({ k: "b" }, 3);
  const createdBefore = (await c.snapshot()).series.map((s) => ("created" in s ? s.created : 0));
  await new Promise((resolve) => setTimeout(resolve, 5));
  c.reset();
  let samples = parseSamples(await registry.metrics());
  assert.equal(samples.get('resettable{k="a"}'), undefined);
  assert.equal(samples.get('resettable{k="b"}'), undefined);
  a.inc();
  other.labels("a").inc(4);
  samples = parseSamples(await registry.metrics());
  assert.equal(samples.get('resettable{k="a"}'), 5, "both views start again from zero");
  assert.equal(samples.get('resettable{k="b"}'), undefined, "a series nobody updates stays out");
  const createdAfter = (await c.snapshot()).series.map((s) => ("created" in s ? s.created : 0));
  assert.ok(createdAfter[0]! > createdBefore[0]!, "_created moved forward");
}));

test("remove() takes a label set out of the scrape; its next update brings it back from zero", withHeap(async (heap, registry) => {
  const c = new Counter({ name: "removable", help: "R.", labelNames: ["k"], heap, registers: [registry] });
  const held = c.labels("x"); // a child kept across the removal, as a hot path keeps it
  held.inc(10);
  c.inc({ k: "y" });
  c.remove("x");
  let samples = parseSamples(await registry.metrics());
  assert.equal(samples.has('removable{k="x"}'), false);
  assert.equal(samples.get('removable{k="y"}'), 1);
  c.remove({ k: "never-made" }); // removing an unknown label set is a no-op
  assert.throws(() => c.remove("a", "b"), TypeError);
  held.inc(2);
  samples = parseSamples(await registry.metrics());
  assert.equal(samples.get('removable{k="x"}'), 2);

  const g = new Gauge({ name: "removable_gauge", help: "R.", labelNames: ["k"], heap, registers: [registry] });
  g.set({ k: "x" }, 7);
  g.remove("x");
  assert.equal(parseSamples(await registry.metrics()).has('removable_gauge{k="x"}'), false);
  g.inc({ k: "x" });
  assert.equal(parseSamples(await registry.metrics()).get('removable_gauge{k="x"}'), 1, "a removed gauge comes back from zero");
}));

test("bad input to a removed series does not bring it back", withHeap(async (heap, registry) => {
  const c = new Counter({ name: "stays_removed", help: "R.", labelNames: ["k"], heap, registers: [registry] });
  const held = c.labels("x");
  held.inc();
  c.remove("x");
  assert.throws(() => held.inc(-1), RangeError);
  assert.equal(parseSamples(await registry.metrics()).has('stays_removed{k="x"}'), false);
}));

test("get() and getMetricsAsJSON() in prom-client's shape", withHeap(async (heap, registry) => {
  const c = new Counter({ name: "shaped", help: "Shape.", labelNames: ["k"], heap, registers: [registry] });
  c.inc({ k: "a" }, 2);
  assert.deepEqual(await c.get(), {
    name: "shaped",
    help: "Shape.",
    type: "counter",
    values: [{ value: 2, labels: { k: "a" } }],
    aggregator: "sum",
  });
  const json = await registry.getMetricsAsJSON();
  assert.equal(json.length, 1);
  assert.equal(json[0].name, "shaped");
}));

test("collect() callbacks run in the scraping process before values are read, sync or async", withHeap(async (heap, registry) => {
  let calls = 0;
  const g = new Gauge({
    name: "collected",
    help: "Set at scrape time.",
    labelNames: ["source"],
    heap,
    registers: [registry],
    async collect() {
      calls++;
      await Promise.resolve();
      (this as unknown as Gauge<"source">).set({ source: "callback" }, calls * 10);
    },
  });
  assert.ok(g);
  assert.equal(parseSamples(await registry.metrics()).get('collected{source="callback"}'), 10);
  assert.equal(parseSamples(await registry.metrics()).get('collected{source="callback"}'), 20);
  assert.throws(() => new Gauge({ name: "bad_collect", help: "x", heap, registers: [], collect: 3 as never }), TypeError);
}));

test("setDefaultLabels adds labels to every series; a series' own label wins", withHeap(async (heap, registry) => {
  const c = new Counter({ name: "labelled", help: "L.", labelNames: ["region"], heap, registers: [registry] });
  c.inc({ region: "eu" });
  c.inc();
  registry.setDefaultLabels({ service: "api", region: "us" });
  const samples = parseSamples(await registry.metrics());
  assert.equal(samples.get('labelled{region="eu",service="api"}'), 1);
  assert.equal(samples.get('labelled{region="us",service="api"}'), 1);
  assert.throws(() => registry.setDefaultLabels({ "bad-name": "x" }), TypeError);
}));

test("registry content types: metrics() follows setContentType; scrape() negotiates", withHeap(async (heap, registry) => {
  const c = new Counter({ name: "typed", help: "T.", heap, registers: [registry] });
  c.inc();
  assert.equal(registry.contentType, Registry.PROMETHEUS_CONTENT_TYPE);
  assert.ok(!(await registry.metrics()).includes("# EOF"));
  registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  const body = await registry.metrics();
  assert.ok(body.endsWith("# EOF\n"));
  assert.match(body, /^typed_created \d+(\.\d+)?$/m);
  assert.throws(() => registry.setContentType("text/html" as never), TypeError);
  const negotiated = await registry.scrape("application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5");
  assert.equal(negotiated.contentType, Registry.OPENMETRICS_CONTENT_TYPE);
  assert.equal((await registry.scrape(undefined)).contentType, Registry.PROMETHEUS_CONTENT_TYPE);
}));

test("get() carries exemplars as prom-client does; getMetricsAsJSON reports a gauge's mode and default labels", withHeap(async (heap, registry) => {
  const c = new Counter({ name: "traced", help: "T.", labelNames: ["k"], enableExemplars: true, heap, registers: [registry] });
  c.inc({ labels: { k: "a" }, value: 2, exemplarLabels: { trace_id: "abc" } });
  const [value] = (await c.get()).values;
  assert.equal(value.value, 2);
  assert.deepEqual(value.exemplar?.labelSet, { trace_id: "abc" });
  assert.equal(value.exemplar?.value, 2);
  assert.ok(value.exemplar!.timestamp! > 1.6e9);

  const g = new Gauge({ name: "deepest", help: "D.", mode: "max", heap, registers: [registry] });
  g.set(3);
  registry.setDefaultLabels({ service: "api" });
  const json = await registry.getMetricsAsJSON();
  const gauge = json.find((m) => m.name === "deepest")!;
  assert.equal(gauge.aggregator, "max");
  assert.deepEqual(gauge.values.map((v) => [v.labels, v.value]), [[{ service: "api" }, 3]]);
  assert.equal(json.find((m) => m.name === "traced")!.aggregator, "sum");
}));
