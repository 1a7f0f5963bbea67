import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { decodeFamilies } from "../../test/support/metrics_proto.ts";
import { serializeProtobuf } from "./protobuf.ts";
import type { FamilySnapshot, NativeHistogramSnapshot } from "./snapshot.ts";

// Every family is decoded by protobufjs on the published metrics.proto, not by this code.

/** A decoded google.protobuf.Timestamp: fields at their default (0) are absent. */
const timestamp = (seconds: number, nanos: number) => (nanos === 0 ? { seconds } : { seconds, nanos });

describe("protobuf exposition, decoded by protobufjs on metrics.proto", () => {
  test("counter: <name>_total, labels, value, exemplar with timestamp, created timestamp", () => {
    const [family] = decodeFamilies(serializeProtobuf([{
      name: "jobs",
      type: "counter",
      help: "Jobs done.",
      unit: "",
      series: [
        { labels: [["queue", "mail"], ["code", "200"]], value: 3, created: 1700000000.25, exemplar: { labels: [["trace_id", "abc"]], value: 1, timestamp: 1700000001.5 } },
        { labels: [], value: 0 },
      ],
    }]));
    assert.equal(family.name, "jobs_total");
    assert.equal(family.help, "Jobs done.");
    assert.equal(family.type, "COUNTER");
    assert.equal(family.unit, undefined);
    assert.deepEqual(family.metric[0].label, [{ name: "queue", value: "mail" }, { name: "code", value: "200" }]);
    assert.deepEqual(family.metric[0].counter, {
      value: 3,
      exemplar: { label: [{ name: "trace_id", value: "abc" }], value: 1, timestamp: timestamp(1700000001, 500000000) },
      createdTimestamp: timestamp(1700000000, 250000000),
    });
    assert.deepEqual(family.metric[1].label, []);
    assert.deepEqual(family.metric[1].counter, { value: 0 });
  });

  test("gauge, unknown (UNTYPED), unit, special values, an empty family", () => {
    const families = decodeFamilies(serializeProtobuf([
      { name: "temp_celsius", type: "gauge", help: "", unit: "celsius", series: [{ labels: [["room", "a"]], value: -1.5 }, { labels: [], value: NaN }, { labels: [["x", "y"]], value: -Infinity }] },
      { name: "raw", type: "unknown", help: "Raw.", series: [{ labels: [], value: 2 ** 60 }] },
      { name: "nothing", type: "gauge", help: "None yet.", series: [] },
    ]));
    assert.deepEqual(families.map((f) => [f.name, f.type, f.unit]), [["temp_celsius", "GAUGE", "celsius"], ["raw", "UNTYPED", undefined], ["nothing", "GAUGE", undefined]]);
    assert.equal(families[0].metric[0].gauge.value, -1.5);
    assert.ok(Number.isNaN(families[0].metric[1].gauge.value));
    assert.equal(families[0].metric[2].gauge.value, -Infinity);
    assert.equal(families[1].metric[0].untyped.value, 2 ** 60);
    assert.deepEqual(families[2].metric, []);
  });

  test("classic histogram and gauge histogram: cumulative buckets, +Inf, exemplars, sum, count, created", () => {
    const [histogram, gaugeHistogram] = decodeFamilies(serializeProtobuf([
      {
        name: "latency_seconds", type: "histogram", help: "Latency.", unit: "seconds",
        series: [{
          labels: [["route", "/"]],
          buckets: [{ le: 0.1, count: 2, exemplar: { labels: [["trace_id", "t"]], value: 0.05, timestamp: 1700000000 } }, { le: 1, count: 5 }, { le: Infinity, count: 6 }],
          count: 6, sum: 7.25, created: 1690000000,
        }],
      },
      { name: "queue_size", type: "gaugehistogram", help: "", series: [{ labels: [], buckets: [{ le: -1, count: 1 }, { le: Infinity, count: 4 }], count: 4, sum: -3 }] },
    ]));
    assert.equal(histogram.type, "HISTOGRAM");
    assert.equal(histogram.unit, "seconds");
    const h = histogram.metric[0].histogram;
    assert.equal(h.sampleCount, 6);
    assert.equal(h.sampleSum, 7.25);
    assert.deepEqual(h.bucket, [
      { cumulativeCount: 2, upperBound: 0.1, exemplar: { label: [{ name: "trace_id", value: "t" }], value: 0.05, timestamp: timestamp(1700000000, 0) } },
      { cumulativeCount: 5, upperBound: 1 },
      { cumulativeCount: 6, upperBound: Infinity },
    ]);
    assert.deepEqual(h.createdTimestamp, timestamp(1690000000, 0));
    // A classic histogram has no native fields: Prometheus must not read it as native.
    assert.equal(h.schema, undefined);
    assert.deepEqual(h.positiveSpan, []);
    assert.equal(gaugeHistogram.type, "GAUGE_HISTOGRAM");
    assert.equal(gaugeHistogram.metric[0].histogram.sampleSum, -3);
  });

  test("native histogram: schema, zero bucket, spans and deltas on both sides, exemplars, with classic buckets", () => {
    const native: NativeHistogramSnapshot = {
      schema: 3, zeroThreshold: 2.938735877055719e-39, zeroCount: 2, count: 14, sum: 12.5,
      positiveIndexes: [-3, -2, 0, 1, 2, 9], positiveCounts: [1, 4, 2, 2, 1, 1],
      negativeIndexes: [5], negativeCounts: [1],
      exemplars: [{ labels: [["trace_id", "n1"]], value: 1.1, timestamp: 1700000002.125 }],
    };
    const [family] = decodeFamilies(serializeProtobuf([{
      name: "rpc_seconds", type: "histogram", help: "",
      series: [{ labels: [["m", "get"]], buckets: [{ le: 1, count: 10 }, { le: Infinity, count: 14 }], count: 14, sum: 12.5, native, created: 1700000000 }],
    }]));
    const h = family.metric[0].histogram;
    assert.equal(h.schema, 3);
    assert.equal(h.zeroThreshold, 2.938735877055719e-39);
    assert.equal(h.zeroCount, 2);
    assert.equal(h.sampleCount, 14);
    // -3,-2 | gap 1 | 0,1,2 | gap 6 | 9
    assert.deepEqual(h.positiveSpan, [{ offset: -3, length: 2 }, { offset: 1, length: 3 }, { offset: 6, length: 1 }]);
    assert.deepEqual(h.positiveDelta, [1, 3, -2, 0, -1, 0]);
    assert.deepEqual(h.negativeSpan, [{ offset: 5, length: 1 }]);
    assert.deepEqual(h.negativeDelta, [1]);
    assert.deepEqual(h.exemplars, [{ label: [{ name: "trace_id", value: "n1" }], value: 1.1, timestamp: timestamp(1700000002, 125000000) }]);
    assert.equal(h.bucket.length, 2);
    assert.deepEqual(h.createdTimestamp, timestamp(1700000000, 0));
    // Counts rebuilt from the deltas match the snapshot.
    let running = 0;
    assert.deepEqual(h.positiveDelta.map((d: number) => (running += d)), native.positiveCounts);
  });

  test("native-only histogram without observations: schema and a no-op span, so it reads as native", () => {
    const [family] = decodeFamilies(serializeProtobuf([{
      name: "empty_native", type: "histogram", help: "",
      series: [{
        labels: [], buckets: [], count: 0, sum: 0,
        native: { schema: 0, zeroThreshold: 0, zeroCount: 0, count: 0, sum: 0, positiveIndexes: [], positiveCounts: [], negativeIndexes: [], negativeCounts: [] },
      }],
    }]));
    const h = family.metric[0].histogram;
    assert.equal(h.schema, 0);
    assert.deepEqual(h.positiveSpan, [{}]);
    assert.deepEqual(h.bucket, []);
  });

  test("summary: count, sum, quantiles (NaN for an empty window), created", () => {
    const [family] = decodeFamilies(serializeProtobuf([{
      name: "rpc_size", type: "summary", help: "",
      series: [
        { labels: [["m", "a"]], quantiles: [{ quantile: 0.5, value: 3 }, { quantile: 0.99, value: 9 }], count: 10, sum: 40, created: 1700000000.5 },
        { labels: [["m", "b"]], quantiles: [{ quantile: 0.5, value: NaN }], count: 0, sum: 0 },
      ],
    }]));
    assert.equal(family.type, "SUMMARY");
    const [a, b] = family.metric.map((m: { summary: unknown }) => m.summary);
    assert.deepEqual(a, { sampleCount: 10, sampleSum: 40, quantile: [{ quantile: 0.5, value: 3 }, { quantile: 0.99, value: 9 }], createdTimestamp: timestamp(1700000000, 500000000) });
    assert.ok(Number.isNaN(b.quantile[0].value));
  });

  test("info and state set become gauges, as in the text format", () => {
    const [info, stateset] = decodeFamilies(serializeProtobuf([
      { name: "build", type: "info", help: "Build.", series: [{ labels: [["version", "1.2"]] }] },
      { name: "mode", type: "stateset", help: "", series: [{ labels: [["svc", "x"]], states: [{ name: "on", enabled: true }, { name: "off", enabled: false }] }] },
    ]));
    assert.deepEqual([info.name, info.type, info.metric[0].gauge.value], ["build_info", "GAUGE", 1]);
    assert.deepEqual(info.metric[0].label, [{ name: "version", value: "1.2" }]);
    assert.equal(stateset.type, "GAUGE");
    assert.deepEqual(stateset.metric.map((m: { label: unknown; gauge: { value: number } }) => [m.label, m.gauge.value]), [
      [[{ name: "svc", value: "x" }, { name: "mode", value: "on" }], 1],
      [[{ name: "svc", value: "x" }, { name: "mode", value: "off" }], 0],
    ]);
  });

  test("UTF-8 names, values and HELP; long strings and large messages (multi-byte lengths)", () => {
    const long = "x".repeat(300) + "é😀";
    const series = Array.from({ length: 3000 }, (_, i) => ({ labels: [["my.label", `v${i}`], ["path", long]] as const, value: i }));
    const bytes = serializeProtobuf([
      { name: "my.app.requests", type: "counter", help: "Requêtes 😀 \"q\"\n", series: [{ labels: [["señal", "día"]], value: 1 }] },
      { name: "big", type: "gauge", help: long, series },
    ]);
    assert.ok(bytes.byteLength > 3000 * 300, "the second family's length needs three varint bytes");
    const [utf8, big] = decodeFamilies(bytes);
    assert.equal(utf8.name, "my.app.requests_total");
    assert.equal(utf8.help, "Requêtes 😀 \"q\"\n");
    assert.deepEqual(utf8.metric[0].label, [{ name: "señal", value: "día" }]);
    assert.equal(big.help, long);
    assert.equal(big.metric.length, 3000);
    assert.deepEqual(big.metric[2999].label, [{ name: "my.label", value: "v2999" }, { name: "path", value: long }]);
    assert.equal(big.metric[2999].gauge.value, 2999);
  });

  test("counts past 2^32 and up to 2^53 survive the varint", () => {
    const counts = [2 ** 31, 2 ** 32 + 5, 2 ** 53 - 1];
    const families: FamilySnapshot[] = counts.map((count, i) => ({
      name: `s${i}`, type: "summary", help: "", series: [{ labels: [], quantiles: [], count, sum: 1 }],
    }));
    const decoded = decodeFamilies(serializeProtobuf(families));
    assert.deepEqual(decoded.map((f) => f.metric[0].summary.sampleCount), counts);
  });

  test("a timestamp before 1970 or not finite is a RangeError", () => {
    assert.throws(() => serializeProtobuf([{ name: "c", type: "counter", help: "", series: [{ labels: [], value: 1, created: -1 }] }]), RangeError);
    assert.throws(() => serializeProtobuf([{ name: "c", type: "counter", help: "", series: [{ labels: [], value: 1, created: NaN }] }]), RangeError);
  });

  test("no families: an empty body", () => {
    assert.equal(serializeProtobuf([]).byteLength, 0);
  });
});
