/**
 * Mixed runtimes on one heap: whichever runtime runs this test is the parent; a Bun, a
 * Deno and a Node child write to the same heap, and the parent's scrape has the exact
 * totals and each child's own metric.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { Heap, Registry } from "../src/index.ts";
import { expectedTotals } from "./fixtures/expected.ts";
import { parseSamples } from "./support/parse_text.ts";
import { runFixture, runtimes, temporaryHeapPath } from "./support/runtimes.ts";

test("a Bun, a Deno and a Node child on one heap: exact totals in the parent's scrape", { timeout: 120_000 }, async () => {
  const { path, cleanup } = temporaryHeapPath();
  const heap = Heap.open({ path, mode: "create" });
  try {
    const iterations = 5_000;
    await Promise.all(
      runtimes.map((runtime) => runFixture(runtime, "count", { MPMETRICS_HEAP: path, ITERATIONS: String(iterations), WRITER: runtime })),
    );
    const samples = parseSamples(await new Registry(Registry.PROMETHEUS_CONTENT_TYPE, { heap }).metrics());
    for (const [key, value] of expectedTotals(iterations, runtimes, "")) assert.equal(samples.get(key), value, key);
    heap.verify();
  } finally {
    heap.close();
    cleanup();
  }
});
