import { test } from "node:test";
import assert from "node:assert/strict";
import { HeapError } from "../index.ts";
import type { FamilySnapshot, HistogramSeries } from "../exposition/snapshot.ts";
import { checkFamilySnapshot } from "./snapshot_check.ts";
import { withHeap } from "../../test/support/heap.ts";

const record = 4242;
const base = { name: "x", help: "X." };
const histogram = (series: Partial<HistogramSeries>): FamilySnapshot => ({
  ...base,
  type: "histogram",
  series: [{ labels: [], buckets: [{ le: 1, count: 2 }, { le: Infinity, count: 3 }], count: 3, sum: 4, ...series }],
});

test("values normal operation makes pass, NaN sums and any gauge value included", withHeap((heap) => {
  const sound: FamilySnapshot[] = [
    { ...base, type: "counter", series: [{ labels: [], value: 0.5, created: 1 }] },
    { ...base, type: "gauge", series: [{ labels: [], value: NaN }, { labels: [], value: -Infinity }] },
    histogram({}),
    histogram({ sum: NaN }),
    { ...base, type: "summary", series: [{ labels: [], quantiles: [{ quantile: 0.5, value: NaN }], count: 0, sum: 0 }] },
  ];
  for (const family of sound) assert.equal(checkFamilySnapshot(heap, record, family), family);
}));

test("values only damage makes are a HeapError at the metric's record", withHeap((heap) => {
  const native = { schema: 3, zeroThreshold: 0, zeroCount: 1, count: 3, sum: 1, positiveIndexes: [1, 2], positiveCounts: [1, 1], negativeIndexes: [], negativeCounts: [] };
  assert.ok(checkFamilySnapshot(heap, record, histogram({ native })));
  const damaged: [FamilySnapshot, RegExp][] = [
    [{ ...base, type: "counter", series: [{ labels: [], value: -1 }] }, /counter's value is -1/],
    [{ ...base, type: "counter", series: [{ labels: [], value: NaN }] }, /counter's value is NaN/],
    [{ ...base, type: "counter", series: [{ labels: [], value: 1, created: NaN }] }, /creation time is NaN/],
    [{ ...base, type: "counter", series: [{ labels: [], value: 1, exemplar: { labels: [["bad name", "v"]], value: 1 } }] }, /exemplar label name/],
    [{ ...base, type: "counter", series: [{ labels: [], value: 1, exemplar: { labels: [["a", "v".repeat(200)]], value: 1 } }] }, /201 characters/],
    [histogram({ buckets: [{ le: 1, count: 3 }, { le: Infinity, count: 2 }], count: 2 }), /holds 2 after 3/],
    [histogram({ buckets: [{ le: 1, count: 0.5 }, { le: Infinity, count: 3 }] }), /holds 0.5/],
    [histogram({ count: 4 }), /count is 4, the \+Inf bucket 3/],
    [histogram({ native: { ...native, schema: 12 } }), /native schema is 12/],
    [histogram({ native: { ...native, positiveIndexes: [2, 1] } }), /not ascending/],
    [histogram({ native: { ...native, positiveCounts: [1, -1] } }), /native bucket holds -1/],
    [histogram({ native: { ...native, zeroCount: 5 } }), /native buckets hold 7 observations/],
    [{ ...base, type: "summary", series: [{ labels: [], quantiles: [], count: -2, sum: 0 }] }, /summary's count is -2/],
  ];
  for (const [family, pattern] of damaged) {
    assert.throws(() => checkFamilySnapshot(heap, record, family), (error: unknown) => {
      assert.ok(error instanceof HeapError && error.code === "corrupt" && error.offset === record, String(error));
      assert.match(error.message, pattern);
      return true;
    });
  }
}));
