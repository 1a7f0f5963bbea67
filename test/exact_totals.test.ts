/**
 * Exact totals across real processes and worker threads: 4 child processes of the
 * runtime running this test, one of which starts 2 worker threads, increment labelled
 * counters and gauges on one heap while this process scrapes. Every scrape sees counters
 * that never go down; the final scrape equals the sum of all acknowledged operations,
 * and metrics defined only in a child appear in the parent's scrape.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { Heap, Registry } from "../src/index.ts";
import { expectedTotals } from "./fixtures/expected.ts";
import { parseSamples } from "./support/parse_text.ts";
import { currentRuntime, spawnFixture, temporaryHeapPath } from "./support/runtimes.ts";

test("4 processes and 2 worker threads: the scrape equals the acknowledged operations, 0 lost", { timeout: 240_000 }, async () => {
  const { path, cleanup } = temporaryHeapPath();
  const heap = Heap.open({ path, mode: "create" });
  try {
    const iterations = 20_000;
    const processes = ["p0", "p1", "p2", "p3"];
    const threads = ["p0t0", "p0t1"]; // worker threads of p0
    const children = processes.map((writer) =>
      spawnFixture(currentRuntime(), "count", {
        MPMETRICS_HEAP: path,
        ITERATIONS: String(iterations),
        WRITER: writer,
        THREADS: writer === "p0" ? "2" : "0",
      }, { denoAllowRead: writer === "p0" })
    );
    const registry = new Registry(Registry.PROMETHEUS_CONTENT_TYPE, { heap });

    let running = true;
    const all = Promise.all(children.map((c) => c.exited)).finally(() => {
      running = false;
    });
    let previous = new Map<string, number>();
    let scrapes = 0;
    while (running) {
      const samples = parseSamples(await registry.metrics());
      for (const [key, value] of samples) {
        if (key.startsWith("mp_test_ops") || key.startsWith("mp_test_only")) assert.ok(value >= (previous.get(key) ?? 0), `${key} went down from ${previous.get(key)} to ${value}`);
      }
      previous = samples;
      scrapes++;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const results = await all;
    for (const [i, result] of results.entries()) {
      assert.equal(result.code, 0, `writer ${processes[i]} failed: ${result.stderr}`);
      assert.match(result.stdout, new RegExp(`done ${processes[i]}`));
    }

    const samples = parseSamples(await registry.metrics());
    for (const [key, value] of expectedTotals(iterations, [...processes, ...threads], "")) {
      assert.equal(samples.get(key), value, `${key} after ${scrapes} concurrent scrapes`);
    }
    heap.verify();
  } finally {
    heap.close();
    cleanup();
  }
});
