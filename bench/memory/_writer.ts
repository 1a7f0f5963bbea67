/**
 * One writer of the memory benchmark. With `MEMORY_LIBRARY=mpmetrics` it attaches to
 * the heap at `MPMETRICS_HEAP`; with `prom-client` it keeps the series in its own JS heap.
 * Either way it makes `MEMORY_SERIES` series of `MEMORY_TYPE` (counter, gauge, histogram
 * with the default buckets, summary), one label `id`, writes each once, and prints
 * `READY {"rssBytes": ..., "jsHeapBytes": ...}`: what its resident set and its JS heap
 * grew by (after a full GC, where the runtime offers one). An mpmetrics writer then stays
 * alive, its writer slot live, until its stdin closes.
 */

import process from "node:process";

type Kind = "counter" | "gauge" | "histogram" | "summary";
interface Series {
  inc(value?: number): void;
  set(value: number): void;
  observe(value: number): void;
}
interface MetricClass {
  new (config: Record<string, unknown>): { labels(...values: string[]): Series };
}
interface Library {
  readonly Counter: MetricClass;
  readonly Gauge: MetricClass;
  readonly Histogram: MetricClass;
  readonly Summary: MetricClass;
}

const kind = process.env.MEMORY_TYPE as Kind;
const series = Number(process.env.MEMORY_SERIES);
const library = process.env.MEMORY_LIBRARY;

/** A full collection: Bun.gc, or V8's gc() (node --expose-gc, deno --v8-flags=--expose-gc). */
function collect(): void {
  const g = globalThis as { Bun?: { gc(force: boolean): void }; gc?: () => void };
  for (let i = 0; i < 3; i++) {
    if (g.Bun !== undefined) g.Bun.gc(true);
    else g.gc?.();
  }
}

let lib: Library;
let extra: Record<string, unknown>;
let close = () => {};
if (library === "mpmetrics") {
  const ours = await import("../../src/index.ts");
  const heap = ours.Heap.open({ path: process.env.MPMETRICS_HEAP!, mode: "attach" });
  lib = ours as unknown as Library;
  extra = { heap, registers: [] };
  close = () => heap.close();
} else if (library === "prom-client") {
  const peer = (await import("prom-client")) as unknown as Library & { default?: Library; Registry: new () => object };
  lib = peer.Counter === undefined ? peer.default! : peer;
  extra = { registers: [new peer.Registry()] };
} else throw new TypeError(`MEMORY_LIBRARY must be mpmetrics or prom-client, got ${JSON.stringify(library)}`);

const classes: Record<Kind, MetricClass> = { counter: lib.Counter, gauge: lib.Gauge, histogram: lib.Histogram, summary: lib.Summary };
const metric = new classes[kind]({ name: `memory_${kind}`, help: "Memory benchmark.", labelNames: ["id"], ...extra });
const ids = Array.from({ length: series }, (_, i) => `id${i}`); // made before measuring: the app's strings, not the library's
collect();
const before = process.memoryUsage();
const keep: Series[] = [];
for (const id of ids) {
  const child = metric.labels(id);
  if (kind === "counter") child.inc();
  else if (kind === "gauge") child.set(1);
  else child.observe(0.1);
  keep.push(child);
}
keep.length = 0; // the metric holds its series; the handles need not be kept
collect();
const after = process.memoryUsage();
console.log(`READY ${JSON.stringify({ rssBytes: after.rss - before.rss, jsHeapBytes: after.heapUsed - before.heapUsed })}`);
if (library === "mpmetrics") {
  process.stdin.resume();
  process.stdin.on("end", () => {
    close();
    process.exit(0);
  });
}
