/**
 * Native histogram observations, in one run: mpmetrics' native-only and classic+native
 * `observe(v)` on a cached child, the same child with classic buckets only, prom-client's
 * classic histogram (it has no native buckets), and the bare limit: a plain typed-array
 * add on memory of the mapped heap. Every task observes the same 1024 log-uniform values
 * from 1 ms to 20 s (11 default classic buckets; schema 3 native buckets, about 120 of them
 * populated, within the default budget of 160, so no resolution is lowered while it runs).
 */

import { Histogram as PromHistogram, Registry as PromRegistry } from "prom-client";
import { Heap } from "../src/heap/heap.ts";
import { Histogram } from "../src/metrics/histogram.ts";
import { measure, report } from "./_harness.ts";

const batch = 1024;
const heap = Heap.open(); // a fresh heap in the per-user runtime folder
const bareOffset = heap.withLock(() => heap.allocLocked(64, 64));
const bare = heap.float64View(bareOffset, 1);

let seed = 12345;
const values = Float64Array.from({ length: batch }, () => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return 0.001 * Math.pow(20000, seed / 2 ** 32);
});

const labelNames = ["method", "code"];
const classic = new Histogram({ name: "bench_classic", help: "Bench.", labelNames, heap, registers: [] }).labels("GET", "200");
const nativeOnly = new Histogram({ name: "bench_native", help: "Bench.", labelNames, buckets: [], nativeHistogramBucketFactor: 1.1, heap, registers: [] }).labels("GET", "200");
const both = new Histogram({ name: "bench_both", help: "Bench.", labelNames, nativeHistogramBucketFactor: 1.1, heap, registers: [] }).labels("GET", "200");
const promRegistry = new PromRegistry();
const promChild = new PromHistogram({ name: "bench_classic", help: "Bench.", labelNames, registers: [promRegistry] }).labels("GET", "200");

const results = await measure(batch, {
  "bare Float64Array add on the mapped heap": () => {
    for (let i = 0; i < batch; i++) bare[0] += values[i];
  },
  "mpmetrics native-only child observe()": () => {
    for (let i = 0; i < batch; i++) nativeOnly.observe(values[i]);
  },
  "mpmetrics classic+native child observe()": () => {
    for (let i = 0; i < batch; i++) both.observe(values[i]);
  },
  "mpmetrics classic child observe()": () => {
    for (let i = 0; i < batch; i++) classic.observe(values[i]);
  },
  "prom-client classic child observe()": () => {
    for (let i = 0; i < batch; i++) promChild.observe(values[i]);
  },
});
const ns = Object.fromEntries(results.map((r) => [r.name, r.nsPerOp]));
report("native histogram observe", results, {
  "mpmetrics native-only / mpmetrics classic": ns["mpmetrics native-only child observe()"] / ns["mpmetrics classic child observe()"],
  "mpmetrics classic+native / mpmetrics classic": ns["mpmetrics classic+native child observe()"] / ns["mpmetrics classic child observe()"],
  "prom-client classic / mpmetrics native-only": ns["prom-client classic child observe()"] / ns["mpmetrics native-only child observe()"],
  "prom-client classic / mpmetrics classic+native": ns["prom-client classic child observe()"] / ns["mpmetrics classic+native child observe()"],
  "mpmetrics native-only / bare Float64Array add": ns["mpmetrics native-only child observe()"] / ns["bare Float64Array add on the mapped heap"],
});
heap.close();
