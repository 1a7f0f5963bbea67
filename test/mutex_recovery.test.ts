/**
 * A process killed with SIGKILL while it holds the heap mutex: the next process that
 * needs the mutex takes it over (robust mutex, EOWNERDEAD), the heap verifies, and
 * nothing hangs.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { Counter, Heap, Registry } from "../src/index.ts";
import { parseSamples } from "./support/parse_text.ts";
import { currentRuntime, spawnFixture, temporaryHeapPath } from "./support/runtimes.ts";

test("SIGKILL while holding the directory mutex: the next process recovers it", { timeout: 60_000 }, async () => {
  const { path, cleanup } = temporaryHeapPath();
  const heap = Heap.open({ path, mode: "create" });
  try {
    const registry = new Registry(Registry.PROMETHEUS_CONTENT_TYPE, { heap });
    const before = new Counter({ name: "before_kill", help: "Made before.", heap, registers: [registry] });
    before.inc(3);

    const holder = spawnFixture(currentRuntime(), "hold_lock", { MPMETRICS_HEAP: path });
    await holder.waitForLine("locked");
    holder.process.kill("SIGKILL");
    const exit = await holder.exited;
    assert.equal(exit.signal, "SIGKILL");

    assert.equal(heap.recoveries, 0);
    const after = new Counter({ name: "after_kill", help: "Made after; needs the mutex.", heap, registers: [registry] });
    after.inc();
    assert.equal(heap.recoveries, 1, "the mutex was taken over from the dead holder");
    heap.verify();

    const samples = parseSamples(await registry.metrics());
    assert.equal(samples.get("before_kill{}"), 3);
    assert.equal(samples.get("after_kill{}"), 1);
  } finally {
    heap.close();
    cleanup();
  }
});
