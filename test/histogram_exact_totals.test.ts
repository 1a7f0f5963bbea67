/**
 * Exact histogram totals across real processes of all three runtimes: a Bun, a Deno and
 * a Node writer (two of the runtime running this test) observe the same cycle of values,
 * four of them on bucket bounds, into a cached child, labels objects and the unlabelled
 * series, while this process scrapes. Every scrape has `_count` equal to `+Inf` and
 * nothing going down; the final one equals the sum of all the writers' observations,
 * bucket by bucket, with exemplars that belong to their buckets. A native histogram with
 * a budget below the cycle's buckets makes every writer lower the shared schema while the
 * others count: its merged buckets are exact at the schema they agree on.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { Heap } from "../src/heap/heap.ts";
import { Registry } from "../src/metrics/registry.ts";
import { defaultBuckets } from "../src/metrics/histogram.ts";
import type { CounterFamily, HistogramFamily } from "../src/exposition/snapshot.ts";
import { checkExemplar, cycle, expectedPerWriter, histogramMetrics } from "./fixtures/histogram_lib.ts";
import { nativeBucketIndex } from "../src/metrics/native_schema.ts";
import { currentRuntime, runtimes, spawnFixture, temporaryHeapPath } from "./support/runtimes.ts";

test("4 writer processes of 3 runtimes: every bucket, _count and _sum exact, 0 lost", { timeout: 240_000 }, async () => {
  const { path, cleanup } = temporaryHeapPath();
  const heap = Heap.open({ path, mode: "create" });
  try {
    const registry = new Registry(Registry.PROMETHEUS_CONTENT_TYPE);
    const metrics = histogramMetrics(heap, [registry]);
    const iterations = 30_000;
    const writers = [...runtimes, currentRuntime()].map((runtime, i) => ({ runtime, name: `w${i}` }));
    const children = writers.map(({ runtime, name }) =>
      spawnFixture(runtime, "histogram_writer", { MPMETRICS_HEAP: path, MODE: "exact", ITERATIONS: String(iterations), WRITER: name })
    );
    let running = true;
    const all = Promise.all(children.map((c) => c.exited)).finally(() => {
      running = false;
    });
    let previous = new Map<string, number>();
    let scrapes = 0;
    while (running) {
      const seen = new Map<string, number>();
      for (const family of await registry.collect()) {
        if (family.type !== "histogram") continue;
        for (const s of (family as HistogramFamily).series) {
          const key: string = `${family.name}${JSON.stringify(s.labels)}`;
          if (s.native !== undefined) {
            const inBuckets = s.native.zeroCount + [...s.native.positiveCounts, ...s.native.negativeCounts].reduce((a, b) => a + b, 0);
            assert.equal(inBuckets, s.count, `${key}: native buckets hold _count`);
            assert.ok(s.count >= (previous.get(key) ?? 0), `${key}: _count went down`);
            seen.set(key, s.count);
            if (s.buckets.length === 0) continue;
          }
          assert.equal(s.count, s.buckets[s.buckets.length - 1].count, `${key}: _count == +Inf`);
          s.buckets.forEach((b, i) => {
            if (i > 0) assert.ok(b.count >= s.buckets[i - 1].count, `${key}: cumulative`);
            seen.set(`${key}${b.le}`, b.count);
            assert.ok(b.count >= (previous.get(`${key}${b.le}`) ?? 0), `${key} le=${b.le} went down`);
          });
        }
      }
      previous = seen;
      scrapes++;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    for (const [i, result] of (await all).entries()) {
      assert.equal(result.code, 0, `${writers[i].runtime} writer failed: ${result.stderr}`);
      assert.match(result.stdout, new RegExp(`done ${writers[i].name}`));
    }

    const one = expectedPerWriter(iterations, defaultBuckets);
    const values = (await metrics.values.snapshot()) as HistogramFamily;
    assert.deepEqual(values.series.map((s) => s.labels), [[["kind", "child"]], [["kind", "object"]], []]);
    for (const s of values.series) {
      let cumulative = 0;
      const expectedBuckets = one.counts.map((count, i) => ({ le: i < defaultBuckets.length ? defaultBuckets[i] : Infinity, count: (cumulative += count * writers.length) }));
      assert.deepEqual(s.buckets, expectedBuckets, `buckets of ${JSON.stringify(s.labels)} after ${scrapes} concurrent scrapes`);
      assert.equal(s.count, iterations * writers.length);
      assert.equal(s.sum, one.sum * writers.length);
    }

    // Native: every writer lowered the schema on its own while the others counted; the
    // merge is exact at the schema they agreed on (each value's bucket at that schema).
    const native = ((await metrics.native.snapshot()) as HistogramFamily).series[0].native!;
    assert.ok(native.schema < 3 && native.positiveIndexes.length + native.negativeIndexes.length <= 6, `schema ${native.schema}, ${native.positiveIndexes.length} buckets`);
    const expectedNative = new Map<number, number>();
    for (let i = 0; i < iterations; i++) {
      const value = cycle[i % cycle.length];
      const key = Math.sign(value) * (nativeBucketIndex(Math.abs(value), native.schema) + 10000);
      expectedNative.set(key, (expectedNative.get(key) ?? 0) + writers.length);
    }
    const side = (sign: number) => [...expectedNative].filter(([k]) => Math.sign(k) === sign).map(([k, c]) => [Math.abs(k) - 10000, c]).sort((a, b) => a[0] - b[0]);
    assert.deepEqual([native.positiveIndexes, native.positiveCounts], [side(1).map(([i]) => i), side(1).map(([, c]) => c)], "positive native buckets exact");
    assert.deepEqual([native.negativeIndexes, native.negativeCounts], [side(-1).map(([i]) => i), side(-1).map(([, c]) => c)], "negative native buckets exact");
    assert.equal(native.count, iterations * writers.length);
    assert.equal(native.sum, one.sum * writers.length);
    assert.equal(native.zeroCount, 0);

    const exemplarSeries = ((await metrics.exemplars.snapshot()) as HistogramFamily).series[0];
    assert.equal(exemplarSeries.count, (iterations / 100) * writers.length);
    for (const b of exemplarSeries.buckets) {
      if (b.exemplar === undefined) continue;
      checkExemplar(b.exemplar, "final scrape");
      assert.ok(b.exemplar.value <= b.le, `exemplar ${b.exemplar.value} inside le=${b.le}`);
    }
    assert.ok(exemplarSeries.buckets[0].exemplar !== undefined, "the first bucket has an exemplar");
    const counter = ((await metrics.exemplarCounter.snapshot()) as CounterFamily).series[0];
    checkExemplar(counter.exemplar!, "counter exemplar");
    heap.verify();
  } finally {
    heap.close();
    cleanup();
  }
});
