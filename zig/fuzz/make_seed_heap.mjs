#!/usr/bin/env node
// Makes a real heap for the fuzzer's seed corpus: a small default heap (4 writer slots,
// 64 KiB to start, the least it takes) holding one metric of every type with values and label sets, so the
// directory, cells and growth are what the library writes. Runs the Node build (dist/).
// Copies the file to the path given (the heap itself is removed when this process exits).
//
// Usage: node zig/fuzz/make_seed_heap.mjs <heap path> <copy path>

import { copyFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const [heapPath, copyPath] = process.argv.slice(2);
if (!heapPath || !copyPath) throw new TypeError("usage: make_seed_heap.mjs <heap path> <copy path>");

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const client = await import(pathToFileURL(join(root, "dist", "src", "index.js")).href);
const { configureDefaultHeap, Counter, Gauge, Histogram, Summary, Info, StateSet, register } = client;

configureDefaultHeap({ path: heapPath, mode: "create", writerSlotsMax: 4, sizeInitialBytes: 65536, sizeMaxBytes: 1 << 20 });
const counter = new Counter({ name: "seed_requests", help: "Requests.", labelNames: ["route"] });
counter.inc({ route: "/a" });
counter.inc({ route: "/b" }, 2);
const gauge = new Gauge({ name: "seed_in_flight", help: "In flight.", labelNames: ["pool"] });
gauge.set({ pool: "x" }, 3);
gauge.dec({ pool: "y" });
const maxGauge = new Gauge({ name: "seed_peak", help: "Peak.", mode: "max" });
maxGauge.set(7);
const histogram = new Histogram({ name: "seed_latency_seconds", help: "Latency.", labelNames: ["code"], buckets: [0.1, 1] });
histogram.observe({ code: "200" }, 0.05);
histogram.observe({ code: "500" }, 2);
const native = new Histogram({ name: "seed_native_seconds", help: "Native.", nativeHistogramBucketFactor: 1.1 });
native.observe(0.3);
native.observe(0);
const summary = new Summary({ name: "seed_size_bytes", help: "Sizes.", percentiles: [0.5, 0.9] });
summary.observe(10);
summary.observe(20);
new Info({ name: "seed_build", help: "Build.", labelNames: ["version"] }).info({ version: "1.2.3" });
const states = new StateSet({ name: "seed_state", help: "State.", states: ["ready", "draining"] });
states.state("ready");
await register.metrics(); // a scrape: whatever a reader writes (nothing, if it writes nothing)
copyFileSync(heapPath, copyPath);
