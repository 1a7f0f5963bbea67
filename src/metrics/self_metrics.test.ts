import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { statSync } from "node:fs";
import { withHeap } from "../../test/support/heap.ts";
import { parseSamples } from "../../test/support/parse_text.ts";
import { strictParse } from "../../test/support/strict_parser.ts";
import { heapStats } from "../heap/stats.ts";
import { Heap } from "../heap/heap.ts";
import { Counter } from "./counter.ts";
import { Histogram } from "./histogram.ts";
import { Registry } from "./registry.ts";
import { collectHeapMetrics } from "./self_metrics.ts";

function promtool(body: string): void {
  const run = spawnSync("promtool", ["check", "metrics"], { input: body, encoding: "utf8" });
  assert.equal(run.error, undefined, "promtool must be installed (node scripts/install_validators.mjs)");
  assert.ok(run.status === 0 || run.status === 3, `promtool exit ${run.status}: ${run.stdout}${run.stderr}\n${body}`);
}

test("collectHeapMetrics reports heap bytes, writer slots, series per metric, overflow, process counts and scrape duration; valid in both formats", withHeap(async (heap, registry, path) => {
  collectHeapMetrics({ register: registry, heap, prefix: "app_" });
  const c = new Counter({ name: "jobs", help: "J.", labelNames: ["queue"], maxSeries: 2, heap, registers: [registry] });
  const h = new Histogram({ name: "lat_seconds", help: "L.", labelNames: ["path"], heap, registers: [registry] });
  for (const queue of ["a", "b", "c", "d"]) c.inc({ queue });
  h.observe({ path: "/" }, 0.1);
  const other = Heap.open({ path, mode: "attach" }); // a second writer
  try {
    const overflowedBefore = heapStats.overflowedLabelSets;
    await registry.metrics(); // a scrape for the duration to report
    const samples = parseSamples(await registry.metrics());
    assert.equal(samples.get("app_mpmetrics_heap_allocated_bytes{}"), statSync(path).size, "allocated bytes are the file's size");
    const used = samples.get("app_mpmetrics_heap_used_bytes{}")!;
    assert.ok(used > 4096 && used <= statSync(path).size, `used bytes ${used} within the file`);
    assert.equal(samples.get("app_mpmetrics_heap_max_bytes{}"), 2 ** 30);
    assert.equal(samples.get("app_mpmetrics_writer_slots{}"), heap.writerSlotsMax);
    assert.equal(samples.get("app_mpmetrics_writer_slots_claimed{}"), 2);
    assert.equal(samples.get("app_mpmetrics_writer_slots_live{}"), 2);
    assert.equal(samples.get('app_mpmetrics_series{metric="jobs"}'), 2, "the overflow series is not a label set");
    assert.equal(samples.get('app_mpmetrics_series{metric="lat_seconds"}'), 1);
    assert.equal(samples.get('app_mpmetrics_cardinality_overflowing{metric="jobs"}'), 1);
    assert.equal(samples.get('app_mpmetrics_cardinality_overflowing{metric="lat_seconds"}'), 0);
    assert.equal(samples.get("app_mpmetrics_overflowed_label_sets_total{}"), overflowedBefore);
    assert.equal(samples.get("app_mpmetrics_stale_slot_reads_total{}"), heapStats.staleSlotReads);
    const seconds = samples.get("app_mpmetrics_scrape_duration_seconds{}")!;
    assert.ok(seconds > 0 && seconds < 60, `scrape duration ${seconds}`);
    other.close(false);
    assert.equal(parseSamples(await registry.metrics()).get("app_mpmetrics_writer_slots_live{}"), 1, "a detached writer is no longer live");
    promtool(await registry.metrics());
    registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    const families = strictParse(await registry.metrics());
    assert.deepEqual(
      families.filter((f) => f.name.startsWith("app_mpmetrics_")).map((f) => `${f.name} ${f.type}`).sort(),
      [
        "app_mpmetrics_cardinality_overflowing gauge",
        "app_mpmetrics_heap_allocated_bytes gauge",
        "app_mpmetrics_heap_max_bytes gauge",
        "app_mpmetrics_heap_used_bytes gauge",
        "app_mpmetrics_overflowed_label_sets counter",
        "app_mpmetrics_scrape_duration_seconds gauge",
        "app_mpmetrics_series gauge",
        "app_mpmetrics_stale_slot_reads counter",
        "app_mpmetrics_writer_slots gauge",
        "app_mpmetrics_writer_slots_claimed gauge",
        "app_mpmetrics_writer_slots_live gauge",
      ],
    );
  } finally {
    other.close(false);
  }
}));

test("collectHeapMetrics is opt-in, refuses a bad prefix and a second call on one registry", withHeap((heap, registry) => {
  assert.equal(registry.getMetricsAsArray().length, 0);
  assert.throws(() => collectHeapMetrics({ register: registry, heap, prefix: "bad-" }), { name: "TypeError", message: /prefix of collectHeapMetrics/ });
  collectHeapMetrics({ register: registry, heap });
  assert.throws(() => collectHeapMetrics({ register: registry, heap }), { name: "DuplicateMetricError" });
}));
