/**
 * Prometheus text byte for byte as prom-client writes it: every case below makes the
 * same metrics with the same calls twice, once with prom-client 15.1.3 (a
 * devDependency, in this same process) and once with this package, and compares the
 * bodies of `registry.metrics()`: ours from a plain registry and from a heap-wide one.
 *
 * Two differences are allowed, and each is applied to prom-client's body before the
 * comparison, so that nothing else may differ:
 * - NaN: prom-client writes `Nan`, which the text format does not allow; we write `NaN`.
 * - Summary quantile values: prom-client's come from a t-digest, ours from a shared
 *   log-bucketed sketch with 1% relative error; the lines must match up to the value,
 *   and the values agree within 1%.
 *
 * Every body is also checked by promtool (lint findings allowed only for counters
 * named without `_total`, which is how prom-client names them).
 */

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import {
  Counter as PromCounter,
  Gauge as PromGauge,
  Histogram as PromHistogram,
  Registry as PromRegistry,
  Summary as PromSummary,
} from "prom-client";
import { withHeap } from "../../test/support/heap.ts";
import { Counter } from "./counter.ts";
import { Gauge } from "./gauge.ts";
import { Histogram } from "./histogram.ts";
import { Registry } from "./registry.ts";
import { Summary } from "./summary.ts";

/** The calls a case makes on a metric; both libraries take them as prom-client does. */
interface Updatable {
  inc(...args: unknown[]): void;
  dec(...args: unknown[]): void;
  set(...args: unknown[]): void;
  observe(...args: unknown[]): void;
  zero(labels: Record<string, string | number>): void;
  labels(...args: unknown[]): Updatable;
}

type Config = Record<string, unknown> & { name: string; help: string };

/** What a case builds its metrics with: the constructors of one library and its registry. */
interface Library {
  counter(config: Config): Updatable;
  gauge(config: Config): Updatable;
  histogram(config: Config): Updatable;
  summary(config: Config): Updatable;
  setDefaultLabels(labels: Record<string, string | number>): void;
}

type Case = (lib: Library) => void;

const cases: Record<string, Case> = {
  "an empty registry": () => {},

  "counters: the name as given, zero, unit and fractional increments, huge values": (lib) => {
    const jobs = lib.counter({ name: "jobs", help: "Jobs done." });
    jobs.inc();
    jobs.inc(2.5);
    lib.counter({ name: "sent_total", help: "Sent, named with _total." }).inc(5);
    lib.counter({ name: "never", help: "Never incremented." });
    const big = lib.counter({ name: "big", help: "Huge." });
    big.inc(1e21);
    big.inc();
    lib.counter({ name: "safe_max", help: "2^53 - 1." }).inc(Number.MAX_SAFE_INTEGER);
    lib.counter({ name: "largest", help: "The largest double." }).inc(Number.MAX_VALUE);
    lib.counter({ name: "tiny", help: "Small." }).inc(1e-7);
    lib.counter({ name: "zero_inc", help: "inc(0)." }).inc(0);
  },

  "counters: labels in the order of the call that created each series, series in creation order": (lib) => {
    const requests = lib.counter({ name: "http_requests", help: "Requests.", labelNames: ["method", "code"] });
    requests.inc({ code: 200, method: "GET" });
    requests.inc({ method: "GET", code: "200" }, 2); // the same series: its labels keep the first order
    requests.labels("POST", "500").inc();
    requests.labels({ code: "404", method: "PUT" }).inc(3);
    requests.inc({ method: "DELETE" }); // a label left out
    requests.inc(); // no labels on a labelled counter
    const three = lib.counter({ name: "three_labels", help: "Three.", labelNames: ["a", "b", "c"] });
    three.inc({ c: "3", a: "1", b: "2" });
    three.inc({ b: "x", c: "y", a: "z" }, 4);
    three.labels("p", "q", "r").inc();
    three.inc({ a: "only" });
    lib.counter({ name: "labelled_unused", help: "No series yet.", labelNames: ["x"] });
  },

  "gauges: odd values, inc and dec, labels in call order": (lib) => {
    const g = lib.gauge({ name: "odd_values", help: "Odd values.", labelNames: ["k"] });
    const values: Array<[string, number]> = [
      ["zero", 0], ["negative_zero", -0], ["big", 1e21], ["small", 1e-7], ["nan", NaN], ["inf", Infinity],
      ["neg_inf", -Infinity], ["huge", 2 ** 53 + 2], ["negative", -1.5], ["max", Number.MAX_VALUE], ["min", Number.MIN_VALUE],
      ["third", 1 / 3], ["int", 123456789],
    ];
    for (const [k, v] of values) g.set({ k }, v);
    const plain = lib.gauge({ name: "plain_level", help: "Unlabelled." });
    plain.inc(5);
    plain.dec(2);
    plain.inc();
    const twoLabels = lib.gauge({ name: "queue_depth", help: "Depth.", labelNames: ["queue", "host"] });
    twoLabels.inc({ host: "h1", queue: "mail" }, 3);
    twoLabels.dec({ queue: "mail", host: "h1" });
    twoLabels.labels("sms", "h2").set(7);
    lib.gauge({ name: "untouched", help: "Never set." });
  },

  "histograms: default and custom buckets, le as prom-client writes it, labels in call order, zero()": (lib) => {
    const plain = lib.histogram({ name: "latency_seconds", help: "Latency." });
    for (const v of [0.001, 0.3, 7, 50, 0.005, 10]) plain.observe(v);
    const custom = lib.histogram({ name: "sizes", help: "Sizes.", labelNames: ["route", "method"], buckets: [1e-7, 0.5, 1, 2.5, 1000000, 1e21] });
    custom.observe({ method: "GET", route: "/a" }, 0.25);
    custom.observe({ route: "/a", method: "GET" }, 2);
    custom.labels("/b", "POST").observe(1e20);
    custom.observe({ route: "/c" }, -3);
    custom.zero({ method: "PUT", route: "/d" });
    lib.histogram({ name: "no_series", help: "Labelled, unused.", labelNames: ["x"] });
  },

  "summaries: empty windows are 0, labels after quantile, _sum before _count": (lib) => {
    lib.summary({ name: "idle_seconds", help: "Never observed." });
    const s = lib.summary({ name: "rpc_seconds", help: "RPC.", labelNames: ["rpc", "code"], percentiles: [0.5, 0.9, 0.99] });
    for (let i = 0; i < 3; i++) s.observe({ code: "ok", rpc: "get" }, 5);
    s.labels("put", "err").observe(0.25);
    lib.summary({ name: "labelled_bytes", help: "No series.", labelNames: ["x"] });
  },

  "default labels: after a counter's and a summary's own labels, before a histogram's; an own label wins": (lib) => {
    lib.setDefaultLabels({ service: "api", region: "eu-1" });
    const c = lib.counter({ name: "dl_requests", help: "Requests.", labelNames: ["region", "code"] });
    c.inc({ code: "200" });
    c.inc({ region: "us-2", code: "500" });
    lib.counter({ name: "dl_plain", help: "Unlabelled." }).inc(2);
    lib.gauge({ name: "dl_level", help: "Gauge.", labelNames: ["k"] }).set({ k: "v" }, 1);
    const h = lib.histogram({ name: "dl_latency", help: "Latency.", labelNames: ["route", "region"], buckets: [0.1, 1] });
    h.observe({ route: "/" }, 0.5);
    h.observe({ region: "ap-3", route: "/x" }, 0.05);
    lib.histogram({ name: "dl_plain_seconds", help: "Unlabelled.", buckets: [1] }).observe(2);
    lib.summary({ name: "dl_size_bytes", help: "Summary.", labelNames: ["region"], percentiles: [0.5] }).observe({ region: "us-2" }, 1);
    lib.summary({ name: "dl_empty_bytes", help: "Empty.", percentiles: [0.5] });
  },

  "exemplars on: the text format leaves them out": (lib) => {
    const c = lib.counter({ name: "ex_jobs", help: "Jobs.", labelNames: ["queue"], enableExemplars: true });
    c.inc({ labels: { queue: "mail" }, value: 2, exemplarLabels: { trace_id: "abc" } });
    c.inc({ labels: { queue: "sms" }, value: 1 });
    const h = lib.histogram({ name: "ex_latency", help: "Latency.", labelNames: ["route"], buckets: [0.1, 1], enableExemplars: true });
    h.observe({ labels: { route: "/" }, value: 0.5, exemplarLabels: { trace_id: "def" } });
    h.observe({ labels: { route: "/" }, value: 3, exemplarLabels: { trace_id: "ghi" } });
  },

  "escaping: help keeps quotes, label values escape quote, backslash and line feed; unicode": (lib) => {
    const g = lib.gauge({ name: "escapes", help: 'Help with "quotes", a \\ backslash\nand a line feed.', labelNames: ["v"] });
    g.set({ v: 'q"b\\\nü€😀' }, 1);
    g.set({ v: "" + 42 }, 2);
  },
};

/** prom-client's body with the allowed differences applied (see the module comment). */
function promClientExpected(body: string): string {
  return body.replace(/ Nan$/gm, " NaN");
}

/** Compares two bodies line by line; a summary quantile's value may differ by 1%. */
function assertSameText(actual: string, expected: string, where: string): void {
  const a = actual.split("\n");
  const e = expected.split("\n");
  assert.equal(a.length, e.length, `${where}: line count\n--- ours\n${actual}\n--- prom-client\n${expected}`);
  for (let i = 0; i < e.length; i++) {
    const quantile = /^([a-zA-Z_:][a-zA-Z0-9_:]*\{quantile="[^"]*"[^}]*\}) (\S+)$/.exec(e[i]);
    if (quantile === null || quantile[2] === "0") {
      assert.equal(a[i], e[i], `${where}: line ${i + 1}\n--- ours\n${actual}\n--- prom-client\n${expected}`);
      continue;
    }
    const ours = /^(.*) (\S+)$/.exec(a[i]);
    assert.ok(ours, `${where}: line ${i + 1}: ${a[i]}`);
    assert.equal(ours[1], quantile[1], `${where}: line ${i + 1}`);
    const [x, y] = [Number(ours[2]), Number(quantile[2])];
    assert.ok(Math.abs(x - y) <= 0.01 * Math.abs(y), `${where}: line ${i + 1}: quantile ${x}, prom-client ${y}`);
  }
}

function promClientBody(build: Case): Promise<string> {
  // An OpenMetrics registry accepts exemplar-enabled metrics (prom-client refuses them on
  // a text one); switched to text before the scrape, it writes what a text registry would.
  // (prom-client's types declare no constructor argument; its code takes the content type.)
  const registry = new (PromRegistry as unknown as new (contentType: string) => PromRegistry)(PromRegistry.OPENMETRICS_CONTENT_TYPE);
  const registers = [registry];
  const make = (Kind: new (config: never) => unknown) => (config: Config) => new Kind({ ...config, registers } as never) as Updatable;
  build({
    counter: make(PromCounter),
    gauge: make(PromGauge),
    histogram: make(PromHistogram),
    summary: make(PromSummary),
    setDefaultLabels: (labels) => registry.setDefaultLabels(labels),
  });
  (registry as unknown as { setContentType(type: string): void }).setContentType(PromRegistry.PROMETHEUS_CONTENT_TYPE);
  return registry.metrics();
}

function promtoolFindings(body: string): string[] {
  const run = spawnSync("promtool", ["check", "metrics"], { input: body, encoding: "utf8" });
  assert.equal(run.error, undefined, "promtool must be installed (node scripts/install_validators.mjs)");
  assert.ok(run.status === 0 || run.status === 3, `promtool exit ${run.status}: ${run.stdout}${run.stderr}\n${body}`);
  return `${run.stdout}${run.stderr}`.split("\n").map((line) => line.trim()).filter((line) => line !== "");
}

for (const [name, build] of Object.entries(cases)) {
  test(`Prometheus text as prom-client's: ${name}`, withHeap(async (heap, heapWide) => {
    const plain = new Registry();
    const registers = [plain, heapWide];
    const make = (Kind: new (config: never) => unknown) => (config: Config) => new Kind({ ...config, heap, registers } as never) as Updatable;
    build({
      counter: make(Counter),
      gauge: make(Gauge),
      histogram: make(Histogram),
      summary: make(Summary),
      setDefaultLabels: (labels) => {
        plain.setDefaultLabels(labels);
        heapWide.setDefaultLabels(labels);
      },
    });
    const expected = promClientExpected(await promClientBody(build));
    const ours = await plain.metrics();
    assertSameText(ours, expected, "plain registry");
    assertSameText(await heapWide.metrics(), expected, "heap-wide registry");
    for (const finding of promtoolFindings(ours)) assert.match(finding, /counter metrics should have "_total" suffix$/, ours);
  }));
}

test("the corpus covers what it claims: every type, odd values, default labels, exemplars", async () => {
  const bodies = await Promise.all(Object.values(cases).map(promClientBody));
  const all = bodies.join("");
  for (const needle of ["# TYPE jobs counter", "# TYPE sent_total counter", "histogram", "summary", "gauge", " Nan", " +Inf", " -Inf", "1e+21", "1e-7", 'le="1e-7"', 'le="1000000"', 'quantile="0.5"} 0', 'service="api"', "\\n", '\\"']) {
    assert.ok(all.includes(needle), needle);
  }
});
