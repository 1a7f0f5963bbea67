/**
 * prom-client's registry semantics inside one process, each case run side by side with
 * prom-client 15.1.3 itself: what clear(), removeSingleMetric(), resetMetrics() and a
 * second registry do to what a registry reports, redefinition with another
 * definition, the duplicate error, custom collectors, merge and aggregate.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import promClient from "prom-client";
import { Counter } from "./counter.ts";
import { Gauge } from "./gauge.ts";
import { Histogram } from "./histogram.ts";
import { Registry } from "./registry.ts";
import { AggregatorRegistry, ClusterRegistry, WorkerRegistry } from "./aggregator_registry.ts";
import { aggregators } from "./aggregators.ts";
import type { Heap } from "../heap/heap.ts";
import { sharedDirectory } from "../heap/shared_directory.ts";
import { withHeap } from "../../test/support/heap.ts";
import { parseSamples } from "../../test/support/parse_text.ts";

interface JsonMetric {
  readonly name: string;
  readonly type: unknown;
  readonly values: readonly { readonly value: number; readonly labels: object; readonly metricName?: string }[];
}

/** The part of getMetricsAsJSON both libraries must agree on (no timestamps). */
function valuesOf(json: readonly object[]) {
  return (json as readonly JsonMetric[]).map((m) => ({ name: m.name, type: m.type, values: m.values.map((v) => ({ value: v.value, labels: { ...v.labels }, metricName: v.metricName })) }));
}

function metricRecords(heap: Heap): number {
  return sharedDirectory(heap).directory.list().metrics.length;
}

test("clear(): nothing reported; the name defined again, with another type and labels, starts from nothing", withHeap(async (heap, registry) => {
  const theirs = new promClient.Registry();
  new Counter({ name: "jobs", help: "Jobs.", labelNames: ["queue"], heap, registers: [registry] }).inc({ queue: "a" }, 5);
  new promClient.Counter({ name: "jobs", help: "Jobs.", labelNames: ["queue"], registers: [theirs] }).inc({ queue: "a" }, 5);
  assert.deepEqual(valuesOf(await registry.getMetricsAsJSON()), valuesOf(await theirs.getMetricsAsJSON()));

  registry.clear();
  theirs.clear();
  assert.equal((await registry.metrics()).trim(), (await theirs.metrics()).trim(), "both report nothing");
  assert.deepEqual(await registry.getMetricsAsJSON(), []);

  const gauge = new Gauge({ name: "jobs", help: "Now a gauge.", labelNames: ["host"], heap, registers: [registry] });
  const theirGauge = new promClient.Gauge({ name: "jobs", help: "Now a gauge.", labelNames: ["host"], registers: [theirs] });
  gauge.set({ host: "h" }, 2);
  theirGauge.set({ host: "h" }, 2);
  assert.deepEqual(valuesOf(await registry.getMetricsAsJSON()), valuesOf(await theirs.getMetricsAsJSON()));

  registry.clear();
  theirs.clear();
  const again = new Counter({ name: "jobs", help: "Jobs.", labelNames: ["queue"], heap, registers: [registry] });
  const theirAgain = new promClient.Counter({ name: "jobs", help: "Jobs.", labelNames: ["queue"], registers: [theirs] });
  assert.deepEqual(valuesOf(await registry.getMetricsAsJSON()), valuesOf(await theirs.getMetricsAsJSON()), "the first definition's 5 does not resume");
  again.inc({ queue: "a" });
  theirAgain.inc({ queue: "a" });
  assert.deepEqual(valuesOf(await registry.getMetricsAsJSON()), valuesOf(await theirs.getMetricsAsJSON()));
  assert.equal(parseSamples(await registry.metrics()).get('jobs{queue="a"}'), 1);
}));

test("removeSingleMetric(): gone from the scrape; defined again it starts from nothing; the others stay", withHeap(async (heap, registry) => {
  const jobs = new Counter({ name: "jobs", help: "Jobs.", heap, registers: [registry] });
  const load = new Gauge({ name: "load", help: "Load.", heap, registers: [registry] });
  jobs.inc(3);
  load.set(7);
  registry.removeSingleMetric("jobs");
  assert.equal(registry.getSingleMetric("jobs"), undefined);
  let samples = parseSamples(await registry.metrics());
  assert.equal(samples.has("jobs{}"), false);
  assert.equal(samples.get("load{}"), 7);
  jobs.inc(); // a dropped object still counts, as in prom-client, but nobody reports it
  const fresh = new Counter({ name: "jobs", help: "Jobs.", heap, registers: [registry] });
  samples = parseSamples(await registry.metrics());
  assert.equal(samples.get("jobs{}"), 0, "a fresh unlabelled counter shows 0, as prom-client's");
  fresh.inc(2);
  assert.equal(parseSamples(await registry.metrics()).get("jobs{}"), 2);
  assert.deepEqual(registry.getMetricsAsArray().map((m) => m.name), ["load", "jobs"], "registration order, as prom-client");
}));

test("two registries in one process are independent, as prom-client's", withHeap(async (heap, registry) => {
  const one = new Registry();
  const two = new Registry();
  const a = new Counter({ name: "hits", help: "Hits.", heap, registers: [one] });
  const b = new Counter({ name: "hits", help: "Hits.", heap, registers: [two] });
  const c = new Counter({ name: "hits", help: "Hits.", heap, registers: [registry] });
  a.inc(1);
  b.inc(2);
  c.inc(4);
  assert.equal(parseSamples(await one.metrics()).get("hits{}"), 1);
  assert.equal(parseSamples(await two.metrics()).get("hits{}"), 2);
  assert.equal(parseSamples(await registry.metrics()).get("hits{}"), 4);
  const other = new Gauge({ name: "hits", help: "Another type in a third registry is fine.", heap, registers: [new Registry()] });
  other.set(9);
  assert.equal(parseSamples(await one.metrics()).get("hits{}"), 1);
}));

test("a duplicate name in one registry: prom-client's error, carrying the first metric", withHeap((heap, registry) => {
  const theirs = new promClient.Registry();
  new promClient.Counter({ name: "dup", help: "D.", registers: [theirs] });
  let expected = "";
  try {
    new promClient.Gauge({ name: "dup", help: "D.", registers: [theirs] });
  } catch (error) {
    expected = (error as Error).message;
  }
  const first = new Counter({ name: "dup", help: "D.", heap, registers: [registry] });
  assert.throws(() => new Gauge({ name: "dup", help: "D.", heap, registers: [registry] }), (error: Error & { existing?: unknown }) => {
    assert.equal(error.message, expected);
    assert.equal(error.existing, first);
    return true;
  });
  assert.throws(() => registry.registerMetric({ name: "dup", get: () => ({ name: "dup", help: "", type: "gauge", values: [] }) }), { message: expected });
}));

test("resetMetrics(): labelled series dropped, unlabelled ones zeroed, as prom-client's", withHeap(async (heap, registry) => {
  const theirs = new promClient.Registry();
  const ours = {
    c: new Counter({ name: "c", help: "C.", labelNames: ["k"], heap, registers: [registry] }),
    g: new Gauge({ name: "g", help: "G.", heap, registers: [registry] }),
    h: new Histogram({ name: "h", help: "H.", labelNames: ["k"], buckets: [1], heap, registers: [registry] }),
  };
  const pc = {
    c: new promClient.Counter({ name: "c", help: "C.", labelNames: ["k"], registers: [theirs] }),
    g: new promClient.Gauge({ name: "g", help: "G.", registers: [theirs] }),
    h: new promClient.Histogram({ name: "h", help: "H.", labelNames: ["k"], buckets: [1], registers: [theirs] }),
  };
  for (const m of [ours, pc]) {
    m.c.inc({ k: "x" }, 2);
    m.g.set(5);
    m.h.observe({ k: "y" }, 0.5);
  }
  registry.resetMetrics();
  theirs.resetMetrics();
  assert.deepEqual(valuesOf(await registry.getMetricsAsJSON()), valuesOf(await theirs.getMetricsAsJSON()));
  for (const m of [ours, pc]) m.c.inc({ k: "x" });
  assert.deepEqual(valuesOf(await registry.getMetricsAsJSON()), valuesOf(await theirs.getMetricsAsJSON()), "a series comes back from zero");
}));

test("10,000 rounds of clear() and redefinition reuse the same heap records", withHeap(async (heap, registry) => {
  const define = (round: number) => {
    registry.clear();
    const labelNames = round % 2 === 0 ? ["a"] : ["b"]; // two definitions, alternating
    const c = new Counter({ name: "churn", help: "C.", labelNames, heap, registers: [registry] });
    c.inc({ [labelNames[0]]: "v" } as never);
    new Gauge({ name: "churn_gauge", help: "G.", heap, registers: [registry] }).inc();
  };
  define(0);
  define(1);
  const records = metricRecords(heap);
  const bytes = heap.mappedBytes;
  for (let round = 2; round < 10_000; round++) define(round);
  assert.equal(metricRecords(heap), records, "no record per round");
  assert.equal(heap.mappedBytes, bytes, "and no growth");
  const samples = parseSamples(await registry.metrics());
  assert.equal(samples.get('churn{b="v"}'), 1, "the last definition, from nothing");
  assert.equal(samples.get("churn_gauge{}"), 1);
}, { heap: { writerSlotsMax: 4 } }));

test("custom collectors: sync and async get(), prom-client's own metrics, both formats, run at scrape time", withHeap(async (_heap, registry) => {
  let scrapes = 0;
  registry.registerMetric({
    name: "queue_depth",
    get: () => ({ name: "queue_depth", help: "Jobs waiting.", type: "gauge", values: [{ value: ++scrapes, labels: { queue: "mail" } }], aggregator: "sum" }),
  });
  registry.registerMetric({
    name: "lib_latency",
    // deno-lint-ignore require-await -- an async get(), as collectors may have
    get: async () => ({
      name: "lib_latency",
      help: "From a library.",
      type: "histogram",
      values: [
        { value: 1, labels: { le: 0.5 }, metricName: "lib_latency_bucket" },
        { value: 2, labels: { le: "+Inf" }, metricName: "lib_latency_bucket" },
        { value: 1.5, labels: {}, metricName: "lib_latency_sum" },
        { value: 2, labels: {}, metricName: "lib_latency_count" },
      ],
      aggregator: "sum",
    }),
  });
  const foreign = new promClient.Counter({ name: "pc_jobs_total", help: "A prom-client counter.", labelNames: ["k"], registers: [] });
  foreign.inc({ k: "x" }, 3);
  registry.registerMetric(foreign as never);
  const samples = parseSamples(await registry.metrics());
  assert.equal(samples.get('queue_depth{queue="mail"}'), 1);
  assert.equal(samples.get('lib_latency_bucket{le="0.5"}'), 1);
  assert.equal(samples.get('lib_latency_bucket{le="+Inf"}'), 2);
  assert.equal(samples.get("lib_latency_sum{}"), 1.5);
  assert.equal(samples.get('pc_jobs_total{k="x"}'), 3);
  registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  const open = await registry.metrics();
  assert.match(open, /^# TYPE queue_depth gauge\n# HELP queue_depth Jobs waiting\.\nqueue_depth\{queue="mail"\} 2\n/m, "get() runs on every scrape");
  assert.match(open, /^pc_jobs_total\{k="x"\} 3(\.0)?$/m);
  assert.match(open, /^# TYPE pc_jobs counter$/m);
  assert.ok(open.endsWith("# EOF\n"));
  assert.deepEqual((await registry.getMetricsAsJSON()).map((m) => m.name), ["queue_depth", "lib_latency", "pc_jobs_total"]);
  registry.removeSingleMetric("queue_depth");
  assert.doesNotMatch(await registry.metrics(), /queue_depth/);
  assert.throws(() => registry.registerMetric({ name: "x" } as never), { name: "TypeError", message: /an object with a string name and a get\(\) function/ });
}));

test("merge, aggregate and aggregators give prom-client's results", withHeap(async (heap) => {
  {
    const mk = (lib: "ours" | "pc", value: number, aggregator?: string) => {
      const registry = lib === "ours" ? new Registry() : new promClient.Registry();
      const config = { name: "req", help: "R.", labelNames: ["code"], registers: [registry] };
      const gaugeConfig = { name: "temp", help: "T.", registers: [registry], ...(aggregator ? { aggregator } : {}) };
      if (lib === "ours") {
        new Counter({ ...config, heap, registers: [registry as Registry] }).inc({ code: "200" }, value);
        new Gauge({ ...gaugeConfig, heap, registers: [registry as Registry] } as never as ConstructorParameters<typeof Gauge>[0]).set(value);
      } else {
        new promClient.Counter(config as never).inc({ code: "200" }, value);
        new promClient.Gauge(gaugeConfig as never).set(value);
      }
      return registry;
    };
    const ours = [mk("ours", 1), mk("ours", 2)] as Registry[];
    const theirs = [mk("pc", 1), mk("pc", 2)] as promClient.Registry[];
    const ourJson = await Promise.all(ours.map((r) => r.getMetricsAsJSON()));
    const theirJson = await Promise.all(theirs.map((r) => r.getMetricsAsJSON()));
    assert.deepEqual(valuesOf(ourJson[0]), valuesOf(theirJson[0]));
    const aggregated = Registry.aggregate(ourJson);
    const theirAggregated = promClient.AggregatorRegistry.aggregate(theirJson);
    assert.deepEqual(valuesOf(await aggregated.getMetricsAsJSON()), valuesOf(await theirAggregated.getMetricsAsJSON()));
    // Prometheus text byte for byte (a counter's name as given, blank lines) is test/prom_text's subject.
    assert.equal(parseSamples(await aggregated.metrics()).get("temp{}"), parseSamples(await theirAggregated.metrics()).get("temp{}"));
    assert.deepEqual(valuesOf(await AggregatorRegistry.aggregate(ourJson).getMetricsAsJSON()), valuesOf(await aggregated.getMetricsAsJSON()));
    for (const name of ["sum", "first", "min", "max", "average", "omit"] as const) {
      const pcAggregators = (promClient as unknown as { aggregators: Record<string, (m: unknown[]) => unknown> }).aggregators;
      assert.deepEqual(aggregators[name](ourJson.map((j) => j[0])), pcAggregators[name](theirJson.map((j) => j[0])), name);
    }
    assert.throws(() => Registry.aggregate([[{ name: "x", help: "", type: "gauge", values: [], aggregator: "median" }]]), { message: /^'median' is not a defined aggregator\./ });

    const merged = Registry.merge(ours.slice(0, 1));
    assert.deepEqual(merged.getMetricsAsArray(), ours[0].getMetricsAsArray());
    assert.throws(() => Registry.merge(ours), { message: "A metric with the name req has already been registered." });
    assert.throws(() => Registry.merge([ours[0], new Registry(Registry.OPENMETRICS_CONTENT_TYPE)]), { message: /^Registers can only be merged if they have the same content type/ });
  }
}));

test("getMetricsAsString, getSingleMetricAsString, aggregator filters, contentType, globalRegistry, cluster registries", withHeap(async (heap, registry) => {
  const theirs = new promClient.Registry();
  new Gauge({ name: "g", help: "G.", heap, registers: [registry] }).set(3);
  new promClient.Gauge({ name: "g", help: "G.", registers: [theirs] }).set(3);
  new Gauge({ name: "peak", help: "P.", mode: "max", heap, registers: [registry] }).set(1);
  assert.equal(await registry.getSingleMetricAsString("g"), await theirs.getSingleMetricAsString("g"));
  assert.equal(await registry.getMetricsAsString(registry.getSingleMetric("g")!), "# HELP g G.\n# TYPE g gauge\ng 3");
  await assert.rejects(registry.getSingleMetricAsString("nope"), { name: "TypeError", message: /No metric named "nope"/ });
  assert.deepEqual(registry.getMetricsAsArray("max").map((m) => m.name), ["peak"]);
  assert.deepEqual(registry.getMetricsAsArray("sum").map((m) => m.name), ["g"]);
  assert.deepEqual((await registry.getMetricsAsJSON("max")).map((m) => [m.name, m.aggregator]), [["peak", "max"]]);

  assert.equal(Registry.globalRegistry, (await import("./registry.ts")).register);
  const client = (await import("./prom_client_names.ts")).default;
  assert.equal(client.contentType, Registry.PROMETHEUS_CONTENT_TYPE);
  client.contentType = Registry.OPENMETRICS_CONTENT_TYPE;
  assert.equal(client.register.contentType, Registry.OPENMETRICS_CONTENT_TYPE, "the default export's contentType sets the default registry's");
  client.contentType = Registry.PROMETHEUS_CONTENT_TYPE;
  assert.throws(() => new Registry("text/html" as never), { name: "TypeError", message: /^Content type text\/html is unsupported/ });

  for (const cluster of [new ClusterRegistry(), new AggregatorRegistry(), new WorkerRegistry()]) {
    assert.equal(cluster.isDefault, true, "heap-wide");
    assert.equal(await cluster.shutdown(), undefined);
  }
  assert.equal(typeof new WorkerRegistry().workerMetrics, "function");
  ClusterRegistry.setRegistries(registry);
}));

test("@prometheus-io/client 0.16.1: the same names, and aggregator filters as there", withHeap(async (heap, registry) => {
  const next = (await import("@prometheus-io/client")).default as unknown as Record<string, unknown> & {
    Registry: new () => { getMetricsAsArray(aggregator?: string): { name: string }[]; getMetricsAsJSON(aggregator?: string): Promise<{ name: string }[]> };
    Gauge: new (config: object) => unknown;
  };
  const ours = await import("../index.ts");
  for (const name of Object.keys(next)) assert.ok(name === "Pushgateway" || name in ours, `${name} is exported`);
  const theirs = new next.Registry();
  new next.Gauge({ name: "peak", help: "P.", aggregator: "max", registers: [theirs] });
  new next.Gauge({ name: "level", help: "L.", registers: [theirs] });
  new Gauge({ name: "peak", help: "P.", aggregator: "max", heap, registers: [registry] });
  new Gauge({ name: "level", help: "L.", heap, registers: [registry] });
  // Its filters use iterator helpers (Node >= 22); Node 20 cannot run them, ours can.
  const iteratorHelpers = typeof (globalThis as { Iterator?: { prototype?: { filter?: unknown } } }).Iterator?.prototype?.filter === "function";
  for (const aggregator of ["max", "sum", "first"]) {
    const expected = iteratorHelpers ? theirs.getMetricsAsArray(aggregator).map((m) => m.name) : { max: ["peak"], sum: ["level"], first: [] }[aggregator];
    assert.deepEqual(registry.getMetricsAsArray(aggregator).map((m) => m.name), expected, aggregator);
    if (iteratorHelpers) assert.deepEqual((await registry.getMetricsAsJSON(aggregator)).map((m) => m.name), (await theirs.getMetricsAsJSON(aggregator)).map((m) => m.name));
  }
}));

test("getMetricsAsJSON shapes as prom-client's: exemplars (null where it has null), a counter's name as given, a gauge's sum", withHeap(async (heap) => {
  const registry = new Registry(Registry.OPENMETRICS_CONTENT_TYPE);
  const theirs = new promClient.Registry();
  theirs.setContentType(promClient.openMetricsContentType as never);
  for (const [lib, registers] of [["ours", [registry]], ["pc", [theirs]]] as const) {
    const make = lib === "ours" ? { Counter, Histogram, Gauge } : (promClient as unknown as { Counter: typeof Counter; Histogram: typeof Histogram; Gauge: typeof Gauge });
    const extra = lib === "ours" ? { heap } : {};
    const c = new make.Counter({ name: "jobs_total", help: "J.", labelNames: ["a"], enableExemplars: true, registers: registers as never, ...extra });
    c.inc({ labels: { a: "1" }, value: 2 });
    c.inc({ labels: { a: "2" }, value: 1, exemplarLabels: { trace: "t1" } });
    const h = new make.Histogram({ name: "h", help: "H.", buckets: [1, 2], enableExemplars: true, registers: registers as never, ...extra });
    h.observe({ value: 0.5 });
    h.observe({ value: 1.5, exemplarLabels: { trace: "t2" } });
    new make.Gauge({ name: "g", help: "G.", registers: registers as never, ...extra }).set(1);
  }
  const strip = (json: readonly object[]) =>
    JSON.parse(JSON.stringify(json, (key, value) => (key === "timestamp" ? "t" : value))).map((m: { values: object[] }) => ({
      ...m,
      values: m.values.map((v) => Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))),
    }));
  assert.deepEqual(strip(await registry.getMetricsAsJSON()), strip(await theirs.getMetricsAsJSON()));
}));
