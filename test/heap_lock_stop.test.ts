/**
 * A process stopped with SIGSTOP while it holds the heap lock blocks others only up to
 * the lock timeout. A holder fixture takes and releases the lock in a loop (3 ms held,
 * 3 ms free) and is stopped at random moments, 40 times; each time a probe process
 * creates a new label set, which either succeeds or fails with the lock_timeout
 * HeapError naming the holder, and answers before a kill timeout far beyond the bound.
 * After SIGCONT everything works and the heap verifies.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { setTimeout as sleep } from "node:timers/promises";
import { Counter, Heap, Registry } from "../src/index.ts";
import { parseSamples } from "./support/parse_text.ts";
import { Probe, type ProbeOutcome } from "./support/probe.ts";
import { currentRuntime, spawnFixture, temporaryHeapPath } from "./support/runtimes.ts";

const stops = 40;
const lockTimeoutMs = 250;
/** Far beyond the lock timeout: only a wait that ignores the bound reaches it. */
const killAfterMs = 20_000;

test("SIGSTOP while holding the heap lock: a new label set elsewhere succeeds or times out within the bound", { timeout: 600_000 }, async () => {
  const { path, cleanup } = temporaryHeapPath();
  const heap = Heap.open({ path, mode: "create" });
  const runtime = currentRuntime();
  const probe = new Probe(runtime, { PROBE_HEAP: path, LOCK_TIMEOUT_MS: String(lockTimeoutMs) }, killAfterMs);
  // The probe first: its own metric is made before anyone competes for the lock.
  await probe.start();
  const holder = spawnFixture(runtime, "hold_lock_loop", { MPMETRICS_HEAP: path });
  try {
    await holder.waitForLine("ready");
    const holderPid = holder.process.pid!;
    const outcomes: ProbeOutcome[] = [];
    for (let i = 0; i < stops; i++) {
      await sleep(Math.random() * 20);
      // process.kill, not ChildProcess.kill: Deno's sends only the first signal to a child.
      process.kill(holderPid, "SIGSTOP");
      await sleep(2); // let the stop land before asking
      try {
        outcomes.push(await probe.ask("label"));
      } finally {
        process.kill(holderPid, "SIGCONT");
      }
    }
    const timeouts = outcomes.filter((o) => o.kind === "heap_error" && o.code === "lock_timeout");
    const oks = outcomes.filter((o) => o.kind === "ok");
    const other = outcomes.filter((o) => !oks.includes(o) && !timeouts.includes(o));
    console.log(`${runtime}: ${stops} stops of the lock holder: ${oks.length} label sets made, ${timeouts.length} lock timeouts, ${other.length} other`);
    assert.deepEqual(other, [], "every outcome is a label set or the lock HeapError; no hang, crash or foreign error");
    assert.ok(timeouts.length >= 1, "the holder was stopped holding the lock at least once");
    for (const t of timeouts) assert.match(t.message!, new RegExp(`process ${holderPid} held its lock for more than ${lockTimeoutMs} ms`));

    // Resumed: the holder keeps taking the lock, a new label set succeeds, the heap verifies.
    assert.deepEqual(await probe.ask("label"), { kind: "ok" });
    process.kill(holderPid, 0); // the holder still runs (throws if it does not)
    heap.verify();
    const registry = new Registry(Registry.PROMETHEUS_CONTENT_TYPE, { heap });
    new Counter({ name: "probe", help: "New label sets while the lock holder is stopped.", labelNames: ["p"], heap, registers: [registry] });
    const samples = parseSamples(await registry.metrics());
    // Prometheus text names a counter as given (prom-client), OpenMetrics adds _total.
    const made = [...samples].filter(([key]) => /^probe(_total)?\{/.test(key));
    assert.equal(made.length, oks.length + 1, "every label set that succeeded is there, and no other");
    for (const [, value] of made) assert.equal(value, 1);
  } finally {
    if (holder.process.pid !== undefined) process.kill(holder.process.pid, "SIGKILL");
    await holder.exited;
    await probe.close();
    heap.close();
    cleanup();
  }
});
