/**
 * The protobuf exposition of real native histograms (merged from two isolates of one
 * heap, one of which lowered the schema), decoded by protobufjs on the published
 * metrics.proto: schema, zero bucket, spans and deltas give back exactly the merged
 * buckets, count and sum; native exemplars carry timestamps; a native-only histogram has
 * no classic buckets, one with both keeps its classic buckets.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { Heap } from "../src/heap/heap.ts";
import { Registry } from "../src/metrics/registry.ts";
import { Histogram } from "../src/metrics/histogram.ts";
import type { HistogramFamily } from "../src/exposition/snapshot.ts";
import { decodeFamilies, METRICS_PROTO_PATH } from "./support/metrics_proto.ts";
import { withHeap } from "./support/heap.ts";

/** Indexes and counts from protobuf spans and delta counts. */
function fromSpans(spans: { offset?: number; length?: number }[] = [], deltas: number[] = []): { indexes: number[]; counts: number[] } {
  const indexes: number[] = [];
  const counts: number[] = [];
  let index = 0;
  let count = 0;
  let d = 0;
  for (const span of spans) {
    index += span.offset ?? 0;
    for (let i = 0; i < (span.length ?? 0); i++) {
      count += deltas[d++];
      if (count > 0) {
        indexes.push(index);
        counts.push(count);
      }
      index++;
    }
  }
  assert.equal(d, deltas.length, "one delta per bucket of the spans");
  return { indexes, counts };
}

test("protobuf of merged native histograms, decoded by protobufjs: the same buckets, counts and sums as the snapshot", { skip: !existsSync(METRICS_PROTO_PATH) && "metrics.proto is not fetched (npm test fetches it)" }, withHeap(async (heap, _registry, path) => {
  const registry = new Registry(Registry.PROMETHEUS_PROTOBUF_CONTENT_TYPE, { heap });
  const options = { help: "x", labelNames: ["k"], nativeHistogramBucketFactor: 1.2, nativeHistogramMaxBucketNumber: 4, enableExemplars: true };
  const only = new Histogram({ ...options, name: "pb_native_seconds", buckets: [], heap, registers: [registry] });
  const both = new Histogram({ ...options, name: "pb_both_seconds", buckets: [1], heap, registers: [registry] });
  const other = Heap.open({ path, mode: "attach" });
  try {
    const otherOnly = new Histogram({ ...options, name: "pb_native_seconds", buckets: [], heap: other, registers: [] });
    for (const v of [0, 1, 1.2, -1.4]) only.observe({ k: "a" }, v);
    for (const v of [1.8, 2, 3, 5, 9, -0.5]) otherOnly.observe({ k: "a" }, v); // over budget: the schema goes down
    only.observe({ labels: { k: "a" }, value: 2.5, exemplarLabels: { trace_id: "abc" } });
    for (const v of [0.5, 2]) both.observe({ k: "b" }, v);
    const decoded = decodeFamilies(await registry.metrics());
    for (const h of [only, both]) {
      const snapshot = ((await h.snapshot()) as HistogramFamily).series[0];
      const family = decoded.find((f) => f.name === h.name)!;
      assert.equal(family.type, "HISTOGRAM");
      const m = family.metric[0].histogram;
      const native = snapshot.native!;
      assert.equal(m.schema ?? 0, native.schema);
      assert.equal(m.zeroThreshold, native.zeroThreshold);
      assert.equal(m.zeroCount ?? 0, native.zeroCount);
      assert.equal(m.sampleCount, native.count);
      assert.equal(m.sampleSum, native.sum);
      assert.deepEqual(fromSpans(m.positiveSpan, m.positiveDelta), { indexes: native.positiveIndexes, counts: native.positiveCounts });
      assert.deepEqual(fromSpans(m.negativeSpan, m.negativeDelta), { indexes: native.negativeIndexes, counts: native.negativeCounts });
    }
    const onlyNative = ((await only.snapshot()) as HistogramFamily).series[0].native!;
    assert.ok(onlyNative.schema < 2, "the other isolate lowered the schema");
    assert.equal(onlyNative.count, 11);
    const m = decoded.find((f) => f.name === "pb_native_seconds")!.metric[0].histogram;
    assert.equal((m.bucket ?? []).length, 0, "native-only: no classic buckets");
    assert.equal(m.exemplars?.length, 1);
    assert.equal(m.exemplars[0].value, 2.5);
    assert.ok(m.exemplars[0].timestamp !== undefined, "the native exemplar has a timestamp");
    const b = decoded.find((f) => f.name === "pb_both_seconds")!.metric[0].histogram;
    assert.ok((b.bucket ?? []).some((bucket: { upperBound: number; cumulativeCount: number }) => bucket.upperBound === 1 && bucket.cumulativeCount === 1), "classic buckets kept beside the native ones");
  } finally {
    other.close();
  }
}));
