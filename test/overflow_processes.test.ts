/**
 * The overflow series is shared across processes: a Bun, a Deno and a Node writer each
 * add 50 distinct label sets to one counter (maxSeries 4) in one heap, at once. The
 * scrape holds exactly 4 label sets and one overflow series, and the series sum to all
 * 150 increments; each writer warned once; the body is valid under the strict parser.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { Heap } from "../src/heap/heap.ts";
import { Registry } from "../src/metrics/registry.ts";
import "../src/metrics/counter.ts"; // the counter family reader: this process defines no counter itself
import { runtimes, runFixture, temporaryHeapPath } from "./support/runtimes.ts";
import { strictParse } from "./support/strict_parser.ts";

test("Bun, Deno and Node writers past maxSeries fold into one shared overflow series; every increment counted", async () => {
  const { path, cleanup } = temporaryHeapPath();
  const heap = Heap.open({ path, mode: "create" });
  try {
    const outputs = await Promise.all(runtimes.map((runtime) => runFixture(runtime, "overflow_writer", { MPMETRICS_HEAP: path, WRITER: runtime, COUNT: "50" })));
    for (const output of outputs) assert.match(output, /^done 1$/m, "one warning per metric per process");
    const registry = new Registry(Registry.OPENMETRICS_CONTENT_TYPE, { heap });
    const family = strictParse(await registry.metrics()).find((f) => f.name === "mp_overflow_shared")!;
    const totals = family.samples.filter(([name]) => name === "mp_overflow_shared_total");
    const overflow = totals.filter(([, labels]) => labels.otel_metric_overflow === "true");
    assert.equal(overflow.length, 1, "one overflow series, whichever process made it");
    assert.deepEqual(Object.keys(overflow[0][1]), ["otel_metric_overflow"]);
    assert.equal(totals.length, 5, "4 label sets and the overflow series");
    assert.equal(totals.reduce((sum, [, , value]) => sum + value, 0), 150);
    assert.equal(overflow[0][2], 146);
  } finally {
    heap.close();
    cleanup();
  }
});
