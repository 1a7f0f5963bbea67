/**
 * Writer slots are bounded by live isolates, not by isolates ever started: a process
 * that runs more short-lived worker threads than the heap has slots keeps working, and
 * every job's count is kept.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { Heap, Registry } from "../src/index.ts";
import { parseSamples } from "./support/parse_text.ts";
import { currentRuntime, runFixture, temporaryHeapPath } from "./support/runtimes.ts";

test("80 worker threads in turn on a heap of 8 writer slots: slots are reused, no count lost", { timeout: 120_000 }, async () => {
  const { path, cleanup } = temporaryHeapPath();
  const heap = Heap.open({ path, mode: "create", writerSlotsMax: 8 });
  try {
    const out = await runFixture(currentRuntime(), "worker_churn", { MPMETRICS_HEAP: path, WORKERS: "80" }, { denoAllowRead: true });
    const highWater = Number(/high-water (\d+)/.exec(out)![1]);
    assert.ok(highWater <= 8, `slots ever claimed: ${highWater}`);
    const samples = parseSamples(await new Registry(Registry.PROMETHEUS_CONTENT_TYPE, { heap }).metrics());
    assert.equal(samples.get("mp_churn_jobs{}"), 80);
  } finally {
    heap.close();
    cleanup();
  }
});
