import { test } from "node:test";
import assert from "node:assert/strict";
import { host, native } from "./index.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test("the native clock and the timers' clock never go back over many reads", () => {
  for (const [name, clock] of [["native.monotonicMs", native.monotonicMs], ["host.monotonicMs", host.monotonicMs]] as const) {
    let previous = clock();
    assert.ok(Number.isFinite(previous) && previous > 0, `${name}: ${previous}`);
    let steps = 0;
    for (let i = 0; i < 200_000; i++) {
      const now = clock();
      if (now < previous) assert.fail(`${name} went back from ${previous} to ${now} at read ${i}`);
      if (now > previous) steps += 1;
      previous = now;
    }
    // A clock of millisecond granularity would step a few times in 200,000 reads at most.
    assert.ok(steps > 1_000, `${name} stepped only ${steps} times in 200,000 reads`);
  }
});

test("over a 50 ms sleep both clocks advance as much as performance.now()", async () => {
  // Each clock's two reads lie between two performance.now() reads, so its interval is
  // inside performance.now()'s: never longer (give or take a step), and shorter only by
  // the time between neighbouring reads (a descheduling on a busy machine: the best of
  // three tries counts). A wrong unit (seconds, microseconds) is off by a factor of 1000.
  for (const [name, clock] of [["native.monotonicMs", native.monotonicMs], ["host.monotonicMs", host.monotonicMs]] as const) {
    let best = { clockMs: 0, performanceMs: 0, shortByMs: Infinity };
    for (let attempt = 0; attempt < 3 && best.shortByMs > 2; attempt++) {
      const outerStart = performance.now();
      const start = clock();
      await sleep(50);
      const end = clock();
      const outerEnd = performance.now();
      const clockMs = end - start;
      const performanceMs = outerEnd - outerStart;
      assert.ok(clockMs <= performanceMs + 0.01, `${name}: ${clockMs} ms inside a ${performanceMs} ms interval`);
      if (performanceMs - clockMs < best.shortByMs) best = { clockMs, performanceMs, shortByMs: performanceMs - clockMs };
    }
    assert.ok(best.performanceMs >= 45, `performance.now() saw ${best.performanceMs} ms of a 50 ms sleep`);
    assert.ok(best.shortByMs <= 2, `${name} advanced ${best.clockMs} ms while performance.now() advanced ${best.performanceMs} ms`);
  }
});

test("the timers' clock is the FFI symbol itself on Deno and Bun, performance.now() on Node", () => {
  // bench/clock.bench.ts: Deno's performance.now() is an op (2.4x the FFI call); on Bun
  // the FFI call is a little cheaper; on Node a koffi call is not.
  if (host.name === "node") {
    assert.notEqual(host.monotonicMs, native.monotonicMs);
    const before = performance.now();
    const reading = host.monotonicMs();
    assert.ok(reading >= before && reading <= performance.now(), "Node's timers' clock reads performance.now()");
  } else {
    assert.equal(host.monotonicMs, native.monotonicMs);
  }
});
