/**
 * Rejected input leaves the heap file byte for byte as it was: every method of every
 * metric type (each gauge mode, exemplars and native buckets on), with labels and
 * without, called with bad values, bad label sets, bad label values, unknown labels,
 * wrong argument counts and oversized keys, on a fresh metric (where a bug would make
 * a series) and on a metric whose series exists. Each call that throws must throw a
 * TypeError or RangeError and leave the file's bytes equal; afterwards both expositions
 * pass the strict OpenMetrics parser and promtool.
 *
 * Nothing scrapes between the two reads of the file: a scrape may write the heap's
 * stats words, so the comparison covers exactly the rejected call.
 */

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import process from "node:process";
import { test } from "node:test";
import { Counter, Gauge, gaugeModes, Histogram, Info, StateSet, Summary } from "../src/index.ts";
import { Heap } from "../src/heap/heap.ts";
import { Registry } from "../src/metrics/registry.ts";
import { withHeap } from "./support/heap.ts";
import { temporaryHeapPath } from "./support/runtimes.ts";
import { validScrape } from "./support/validators.ts";

type AnyMetric = Record<string, unknown> & { labels(...args: unknown[]): Record<string, unknown> };
type Make = (heap: Heap, registry: Registry, name: string, labelNames: string[]) => AnyMetric;

const kinds: [string, Make][] = [
  ["counter", (heap, registry, name, labelNames) => new Counter({ name, help: "c", labelNames, heap, registers: [registry] }) as unknown as AnyMetric],
  ["counter with exemplars", (heap, registry, name, labelNames) => new Counter({ name, help: "c", labelNames, heap, registers: [registry], enableExemplars: true }) as unknown as AnyMetric],
  // Gauge modes differ in storage: one with a shared cell, one with a departed total, one
  // per process; INPUT_PROBE_ALL_MODES=1 probes every mode (the known cases below do).
  ...gaugeModes.filter((mode) => process.env.INPUT_PROBE_ALL_MODES === "1" || ["shared", "sum", "pid"].includes(mode)).map((mode): [string, Make] => [
    `gauge mode ${mode}`,
    (heap, registry, name, labelNames) => new Gauge({ name, help: "g", labelNames, heap, registers: [registry], mode }) as unknown as AnyMetric,
  ]),
  ["histogram", (heap, registry, name, labelNames) => new Histogram({ name, help: "h", labelNames, heap, registers: [registry] }) as unknown as AnyMetric],
  ["histogram with exemplars", (heap, registry, name, labelNames) => new Histogram({ name, help: "h", labelNames, heap, registers: [registry], enableExemplars: true }) as unknown as AnyMetric],
  ["native histogram", (heap, registry, name, labelNames) => new Histogram({ name, help: "h", labelNames, heap, registers: [registry], nativeHistogramBucketFactor: 1.1 }) as unknown as AnyMetric],
  ["summary", (heap, registry, name, labelNames) => new Summary({ name, help: "s", labelNames, heap, registers: [registry] }) as unknown as AnyMetric],
  ["state set", (heap, registry, name, labelNames) => new StateSet({ name, help: "s", labelNames, heap, registers: [registry], states: ["up", "down"] }) as unknown as AnyMetric],
  ["info", (heap, registry, name, labelNames) => new Info({ name, help: "i", labelNames, heap, registers: [registry] }) as unknown as AnyMetric],
];

const methods = ["inc", "dec", "set", "observe", "labels", "startTimer", "remove", "zero", "setToCurrentTime", "info", "state"];
const badValues: unknown[] = [NaN, -Infinity, -1, "1", null, undefined];
const longValue = "v".repeat(5000);
/** Argument lists; `a` is the labelled metrics' one label. */
const argumentLists: unknown[][] = [
  [],
  [{ zz: 1 }],
  [{ zz: 1 }, 1],
  [{ a: "x", zz: 2 }, 1],
  [{ a: longValue }, 1],
  [{ a: longValue }],
  [{ a: "\0" }, 1],
  [{ a: "x" }, "up", "extra"],
  ["x", "y"],
  [{ a: "x" }, { zz: 1 }],
  [{ a: "x" }, { "b-d": 1 }],
  [{ labels: { a: "x" }, value: 1, exemplarLabels: { "b-d": "1" } }],
  [{ labels: { a: "x" }, value: 1, exemplarLabels: { t: "x".repeat(200) } }],
  [{ labels: { zz: "x" }, value: 1, exemplarLabels: { t: "1" } }],
  [{ a: {} }, 1],
  [{ a: true }],
  [{ labels: { a: null }, value: 1 }],
  ...badValues.flatMap((v) => [[v], [{ a: "x" }, v], [{ labels: { a: "x" }, value: v, exemplarLabels: { t: "1" } }], [{ a: "x" }, { up: v }]]),
];

/** What each call does: the method itself, on a child, or a timer's end with these arguments. */
type Via = "metric" | "child" | "timer end";

function describeCall(kind: string, labelled: boolean, via: Via, method: string, args: unknown[]): string {
  const shown = args.map((a) => (typeof a === "number" || a === undefined ? String(a) : JSON.stringify(a)?.slice(0, 40))).join(", ");
  const target = via === "child" ? `${kind}.labels(...)` : kind;
  return via === "timer end" ? `${kind}${labelled ? "{a}" : ""}.startTimer()(${shown})` : `${target}${labelled ? "{a}" : ""}.${method}(${shown})`;
}

/**
 * Runs every call on fresh metrics of one kind, one heap per method (the file read
 * twice per call stays small), and has both validators accept each heap's scrape after
 * its calls; returns [calls, rejected].
 */
async function probeKind(kind: string, make: Make, existing: boolean): Promise<[number, number]> {
  let calls = 0;
  let rejected = 0;
  for (const labelled of existing ? [true] : [false, true]) {
    let validated = false; // one scrape per phase is enough: the rejected calls left every heap as it was
    for (const method of methods) {
      const { path, cleanup } = temporaryHeapPath();
      const heap = Heap.open({ path, mode: "create", writerSlotsMax: 2 });
      const registry = new Registry(Registry.PROMETHEUS_CONTENT_TYPE, { heap });
      try {
        let n = 0;
        const shape = make(heap, registry, "shape", labelled ? ["a"] : []);
        if (typeof shape[method] !== "function") continue;
        for (const args of argumentLists) {
          for (const via of ["metric", "child", "timer end"] as Via[]) {
            if (via === "timer end" && method !== "startTimer") continue;
            const metric = make(heap, registry, `probe_${n++}`, labelled ? ["a"] : []);
            if (existing && kind !== "info") metric.labels("x"); // its series exists
            let target: Record<string, unknown> = metric;
            if (via === "child") {
              if (kind === "info") continue;
              target = labelled ? metric.labels("c") : metric.labels();
              if (typeof target[method] !== "function") continue;
            }
            const end = via === "timer end" ? (metric.startTimer as (labels?: unknown) => (...a: unknown[]) => unknown)(labelled ? { a: "t" } : undefined) : undefined;
            const before = readFileSync(path);
            let error: unknown;
            try {
              if (end !== undefined) end(...args);
              else (target[method] as (...a: unknown[]) => unknown).apply(target, args);
            } catch (e) {
              error = e;
            }
            calls++;
            if (error === undefined) continue;
            rejected++;
            const what = describeCall(kind, labelled, via, method, args);
            assert.ok(error instanceof TypeError || error instanceof RangeError, `${what}: threw ${String(error)}, not a TypeError or RangeError`);
            assert.ok(before.equals(readFileSync(path)), `${what} was rejected (${(error as Error).message}) but changed the heap file`);
          }
        }
        if (!validated) await validScrape(registry);
        validated = true;
      } finally {
        heap.close();
        cleanup();
      }
    }
  }
  return [calls, rejected];
}

for (const [kind, make] of kinds) {
  test(`${kind}: every rejected call leaves the heap file byte for byte as it was, and both expositions stay valid`, { timeout: 120_000 }, async () => {
    const [calls, rejected] = await probeKind(kind, make, false);
    const [callsExisting, rejectedExisting] = await probeKind(kind, make, true);
    console.log(`${kind}: ${rejected + rejectedExisting} of ${calls + callsExisting} calls rejected, the heap unchanged by each`);
    assert.ok(rejected > 40 && rejectedExisting > 20, `enough bad calls were tried: ${rejected}, ${rejectedExisting}`);
  });
}

test("the known cases: they throw and leave no series behind", withHeap(async (heap, registry, path) => {
  const summary = new Summary({ name: "known_summary", help: "s", labelNames: ["a"], heap, registers: [registry] });
  const counter = new Counter({ name: "known_counter", help: "c", labelNames: ["a"], heap, registers: [registry] });
  const gauges = gaugeModes.map((mode) => new Gauge({ name: `known_gauge_${mode}`, help: "g", labelNames: ["a"], heap, registers: [registry], mode }));
  const before = readFileSync(path);
  assert.throws(() => summary.observe(NaN), RangeError);
  assert.throws(() => summary.observe({ a: "x" }, NaN), RangeError);
  assert.throws(() => counter.inc(-1), RangeError);
  assert.throws(() => counter.inc(NaN), RangeError);
  for (const gauge of gauges) {
    assert.throws(() => gauge.inc(NaN), RangeError, gauge.mode);
    assert.throws(() => gauge.inc({ a: "x" }, NaN), RangeError, gauge.mode);
    assert.throws(() => gauge.set("1" as unknown as number), TypeError, gauge.mode);
  }
  assert.ok(before.equals(readFileSync(path)), "the heap file is unchanged");
  const { families } = await validScrape(registry);
  for (const family of families) assert.deepEqual(family.samples, [], `${family.name} has no series`);
}));

test("a definition too large for the directory is refused before anything is stored", withHeap(async (heap, registry, path) => {
  const before = readFileSync(path);
  const help = "h".repeat(20_000);
  for (const make of [
    () => new Info({ name: "big_info", help, heap, registers: [registry] }),
    () => new Counter({ name: "big_counter", help, heap, registers: [registry] }),
    () => new Gauge({ name: "n".repeat(20_000), help: "g", heap, registers: [registry] }),
    () => new Histogram({ name: "big_histogram", help, labelNames: ["a"], heap, registers: [registry] }),
  ]) {
    assert.throws(make, (error: unknown) => error instanceof RangeError && /takes \d+ bytes/.test(error.message));
  }
  assert.ok(before.equals(readFileSync(path)), "no allocation was left behind");
  assert.deepEqual((await validScrape(registry)).families, []);
  new Info({ name: "big_info", help: "now short", heap, registers: [registry] }).info({});
  assert.equal((await validScrape(registry)).families.length, 1, "the name is still free");
}));
