/**
 * Shared-mode gauge updates (the default mode, src/metrics/gauge/shared.ts), in one run:
 * mpmetrics' unlabelled `set(v)`, `inc()`, `dec()` and a cached child's, against
 * prom-client 15.1.3's and @prometheus-io/client 0.16.1's same calls, and the bare limit
 * (a plain Int32Array add on the mapped heap: what an `inc()` stores).
 *
 * Target (issue 9 item 3): at least 2x faster than the faster peer. Each call alone here,
 * where the JIT specializes it; bench/mixed/ measures the same calls in a program that
 * uses every metric type.
 */

import { Gauge as PromGauge, Registry as PromRegistry } from "prom-client";
import * as promIo from "@prometheus-io/client";
import { Gauge, Heap } from "../src/index.ts";
import { measure, report } from "./_harness.ts";

const batch = 1000;
const heap = Heap.open(); // a fresh heap in the per-user runtime folder
const bareOffset = heap.withLock(() => heap.allocLocked(64, 64));
const bareInt = heap.int32View(bareOffset, 1);

const plain = new Gauge({ name: "bench_depth", help: "Bench.", heap, registers: [] });
const child = new Gauge({ name: "bench_pool", help: "Bench.", labelNames: ["pool"], heap, registers: [] }).labels("main");

const promRegistry = new PromRegistry();
const promPlain = new PromGauge({ name: "bench_depth", help: "Bench.", registers: [promRegistry] });
const promChild = new PromGauge({ name: "bench_pool", help: "Bench.", labelNames: ["pool"], registers: [promRegistry] }).labels("main");

interface PeerGauge {
  set(value: number): void;
  inc(value?: number): void;
  dec(value?: number): void;
  labels(...values: string[]): PeerGauge;
}
const io = ((promIo as unknown as { default?: typeof promIo }).default ?? promIo) as unknown as {
  Gauge: new (config: object) => PeerGauge;
  Registry: new () => object;
};
const ioRegistry = new io.Registry();
const ioPlain = new io.Gauge({ name: "bench_depth", help: "Bench.", registers: [ioRegistry] });
const ioChild = new io.Gauge({ name: "bench_pool", help: "Bench.", labelNames: ["pool"], registers: [ioRegistry] }).labels("main");

const calls = ["set(v)", "inc()", "dec()"] as const;
// Every task written out, so that each call site sees one library's objects only.
const tasks: Record<string, () => void> = {
  "bare Int32Array add on the mapped heap": () => {
    for (let i = 0; i < batch; i++) bareInt[0] += 1;
  },
  "mpmetrics unlabelled set(v)": () => {
    for (let i = 0; i < batch; i++) plain.set(i);
  },
  "mpmetrics unlabelled inc()": () => {
    for (let i = 0; i < batch; i++) plain.inc();
  },
  "mpmetrics unlabelled dec()": () => {
    for (let i = 0; i < batch; i++) plain.dec();
  },
  "mpmetrics child set(v)": () => {
    for (let i = 0; i < batch; i++) child.set(i);
  },
  "mpmetrics child inc()": () => {
    for (let i = 0; i < batch; i++) child.inc();
  },
  "mpmetrics child dec()": () => {
    for (let i = 0; i < batch; i++) child.dec();
  },
  "prom-client unlabelled set(v)": () => {
    for (let i = 0; i < batch; i++) promPlain.set(i);
  },
  "prom-client unlabelled inc()": () => {
    for (let i = 0; i < batch; i++) promPlain.inc();
  },
  "prom-client unlabelled dec()": () => {
    for (let i = 0; i < batch; i++) promPlain.dec();
  },
  "prom-client child set(v)": () => {
    for (let i = 0; i < batch; i++) promChild.set(i);
  },
  "prom-client child inc()": () => {
    for (let i = 0; i < batch; i++) promChild.inc();
  },
  "prom-client child dec()": () => {
    for (let i = 0; i < batch; i++) promChild.dec();
  },
  "@prometheus-io/client unlabelled set(v)": () => {
    for (let i = 0; i < batch; i++) ioPlain.set(i);
  },
  "@prometheus-io/client unlabelled inc()": () => {
    for (let i = 0; i < batch; i++) ioPlain.inc();
  },
  "@prometheus-io/client unlabelled dec()": () => {
    for (let i = 0; i < batch; i++) ioPlain.dec();
  },
  "@prometheus-io/client child set(v)": () => {
    for (let i = 0; i < batch; i++) ioChild.set(i);
  },
  "@prometheus-io/client child inc()": () => {
    for (let i = 0; i < batch; i++) ioChild.inc();
  },
  "@prometheus-io/client child dec()": () => {
    for (let i = 0; i < batch; i++) ioChild.dec();
  },
};

const results = await measure(batch, tasks);
const ns = Object.fromEntries(results.map((r) => [r.name, r.medianNsPerOp ?? r.nsPerOp]));
const ratios: Record<string, number> = {};
for (const form of ["unlabelled", "child"]) {
  for (const call of calls) {
    const peer = Math.min(ns[`prom-client ${form} ${call}`], ns[`@prometheus-io/client ${form} ${call}`]);
    ratios[`${form} ${call}: faster peer / mpmetrics (target >= 2)`] = peer / ns[`mpmetrics ${form} ${call}`];
  }
}
ratios["mpmetrics child inc() / bare Int32Array add"] = ns["mpmetrics child inc()"] / ns["bare Int32Array add on the mapped heap"];
report("gauge", results, ratios);
heap.close();
