/**
 * The timers' clock, in one run: `performance.now()`, the native core's CLOCK_MONOTONIC
 * through this runtime's FFI (`native.monotonicMs`, mp_monotonic_ms), and the one the
 * adapter chose for timers (`host.monotonicMs`), each called bare through a module
 * constant as the timer sites do. `Date.now()` (a builtin, no FFI) is there for scale.
 * The adapters pick their clock from these figures; a
 * `startTimer()` + `end()` reads the clock twice (bench/mixed has the whole call).
 */

import { host, native } from "../src/native/index.ts";
import { measure, report } from "./_harness.ts";

const batch = 1000;
const ffiClock = native.monotonicMs;
const hostClock = host.monotonicMs;
let sink = 0;

const results = await measure(batch, {
  "performance.now()": () => {
    for (let i = 0; i < batch; i++) sink += performance.now();
  },
  "native.monotonicMs() (FFI, mp_monotonic_ms)": () => {
    for (let i = 0; i < batch; i++) sink += ffiClock();
  },
  "host.monotonicMs() (the timers' clock)": () => {
    for (let i = 0; i < batch; i++) sink += hostClock();
  },
  "Date.now() (a builtin, for scale)": () => {
    for (let i = 0; i < batch; i++) sink += Date.now();
  },
});
if (sink === 0) console.log(sink); // keeps the reads alive
const ns = Object.fromEntries(results.map((r) => [r.name, r.medianNsPerOp ?? r.nsPerOp]));
report("clock", results, {
  "performance.now / FFI (median)": ns["performance.now()"] / ns["native.monotonicMs() (FFI, mp_monotonic_ms)"],
  "host clock / cheaper of the two (median)": ns["host.monotonicMs() (the timers' clock)"] /
    Math.min(ns["performance.now()"], ns["native.monotonicMs() (FFI, mp_monotonic_ms)"]),
});
