/**
 * The protobuf scrape against the text formats, and our hand-written protobuf encoder
 * against protobufjs, in one run, for a realistic registry of every type: 1,000 series
 * (300 labelled counter series, 200 gauges, 150 classic histograms with the 11 default
 * buckets, 100 classic+native and 100 native-only histograms, 100 summaries, an info and
 * 49 state sets of 3 states), each histogram with a few hundred observations.
 *
 * Timed, per scrape, from the same collected snapshot (`registry.collect()`), each
 * ending in the bytes that go on the wire:
 * - protobuf, hand-written encoder (src/exposition/protobuf.ts);
 * - protobufjs 7 (reflection on the published metrics.proto) encoding the same
 *   messages: from the snapshot (mapping plus encoding, what a protobufjs-based
 *   serializer would do), and the encoding alone of prebuilt message objects;
 * - OpenMetrics 1.0, Prometheus text 0.0.4 and OpenMetrics 2.0 text, UTF-8 encoded;
 * - the bare limit: copying the protobuf body's bytes.
 * And the whole negotiated scrape (collect + serialize) from the heap for Prometheus 3's
 * protobuf and Prometheus 2's OpenMetrics Accept headers, against prom-client's and
 * @prometheus-io/client's `registry.metrics()` for the same series (their histograms
 * classic only: neither has native histograms, info or state sets).
 *
 * Sizes in bytes (raw and gzipped, as Prometheus asks for gzip) are printed and their
 * ratios to protobuf reported. The protobufjs output is checked to decode to the same
 * families as ours before anything is timed.
 */

import { gzipSync } from "node:zlib";
import protobuf from "protobufjs";
import * as promClient from "prom-client";
import * as prometheusIo from "@prometheus-io/client";
import { Heap } from "../src/heap/heap.ts";
import { Counter } from "../src/metrics/counter.ts";
import { Gauge } from "../src/metrics/gauge.ts";
import { Histogram } from "../src/metrics/histogram.ts";
import { Info } from "../src/metrics/info.ts";
import { Registry } from "../src/metrics/registry.ts";
import { StateSet } from "../src/metrics/stateset.ts";
import { Summary } from "../src/metrics/summary.ts";
import { serializeOpenMetrics } from "../src/exposition/openmetrics.ts";
import { serializeOpenMetrics2 } from "../src/exposition/openmetrics2.ts";
import { serializePrometheusText } from "../src/exposition/prometheus_text.ts";
import { serializeProtobuf } from "../src/exposition/protobuf.ts";
import type { ExemplarSnapshot, FamilySnapshot, HistogramSeries, LabelPairs, NativeHistogramSnapshot } from "../src/exposition/snapshot.ts";
import { decodeFamilies, metricFamilyType } from "../test/support/metrics_proto.ts";
import { PROMETHEUS2, PROMETHEUS3_NATIVE_HISTOGRAMS } from "../test/support/prometheus3_accept.ts";
import { measure, report } from "./_harness.ts";

// ---------------------------------------------------------------------------------------
// The registry: ours on a fresh heap, and the same classic series in both peers.

const heap = Heap.open();
const registry = new Registry(Registry.PROMETHEUS_CONTENT_TYPE, { heap });
const registers = [registry];
const peers = [
  { name: "prom-client", lib: promClient as unknown as typeof promClient, registry: new promClient.Registry() },
  { name: "@prometheus-io/client", lib: prometheusIo as unknown as typeof promClient, registry: new (prometheusIo as unknown as typeof promClient).Registry() },
];

let seed = 42;
const random = () => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 2 ** 32;
};
const latency = () => 0.001 * 10000 ** random(); // 1 ms to 10 s, log-uniform

const routes = Array.from({ length: 50 }, (_, i) => `/api/v1/resource${i}`);
const methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"];

const requests = new Counter({ name: "http_requests", help: "HTTP requests.", labelNames: ["route", "method"], heap, registers });
const peerRequests = peers.map((p) => new p.lib.Counter({ name: "http_requests_total", help: "HTTP requests.", labelNames: ["route", "method"], registers: [p.registry] }));
for (const route of routes) {
  for (const method of methods) {
    const n = 1 + Math.floor(random() * 1000);
    requests.labels(route, method).inc(n);
    for (const c of peerRequests) c.labels(route, method).inc(n);
  }
}
const inflight = new Gauge({ name: "queue_depth", help: "Queue depth.", labelNames: ["queue"], mode: "sum", heap, registers });
const peerInflight = peers.map((p) => new p.lib.Gauge({ name: "queue_depth", help: "Queue depth.", labelNames: ["queue"], registers: [p.registry] }));
for (let i = 0; i < 200; i++) {
  const v = Math.floor(random() * 100);
  inflight.labels(`q${i}`).set(v);
  for (const g of peerInflight) g.labels(`q${i}`).set(v);
}
type Observer = { labels(...values: string[]): { observe(v: number): void } };
function histograms(name: string, count: number, ours: Observer, theirs: Observer[]): void {
  for (let i = 0; i < count; i++) {
    for (let k = 0; k < 300; k++) {
      const v = latency();
      ours.labels(routes[i % routes.length], methods[Math.floor(i / routes.length)]).observe(v);
      for (const h of theirs) h.labels(routes[i % routes.length], methods[Math.floor(i / routes.length)]).observe(v);
    }
  }
  void name;
}
const peerHistogram = (name: string) => peers.map((p) => new p.lib.Histogram({ name, help: "Latency.", labelNames: ["route", "method"], registers: [p.registry] }) as unknown as Observer);
histograms("classic", 150, new Histogram({ name: "http_classic_seconds", help: "Latency.", labelNames: ["route", "method"], heap, registers }), peerHistogram("http_classic_seconds"));
histograms("both", 100, new Histogram({ name: "http_both_seconds", help: "Latency.", labelNames: ["route", "method"], nativeHistogramBucketFactor: 1.1, heap, registers }), peerHistogram("http_both_seconds"));
histograms("native", 100, new Histogram({ name: "http_native_seconds", help: "Latency.", labelNames: ["route", "method"], buckets: [], nativeHistogramBucketFactor: 1.1, heap, registers }), peerHistogram("http_native_seconds"));
const peerSummary = peers.map((p) => new p.lib.Summary({ name: "rpc_seconds", help: "RPC latency.", labelNames: ["route", "method"], registers: [p.registry] }) as unknown as Observer);
histograms("summary", 100, new Summary({ name: "rpc_seconds", help: "RPC latency.", labelNames: ["route", "method"], heap, registers }), peerSummary);
new Info({ name: "build", help: "Build.", labelNames: ["version", "commit"], heap, registers }).info({ version: "1.4.0", commit: "1e90376" });
const modes = new StateSet({ name: "worker_mode", help: "Worker mode.", labelNames: ["worker"], states: ["idle", "busy", "draining"], heap, registers });
for (let i = 0; i < 49; i++) modes.labels(`w${i}`).state(i % 2 === 0 ? "idle" : "busy");

const families = await registry.collect();
const seriesCount = families.reduce((n, f) => n + f.series.length, 0);
if (seriesCount !== 1000) throw new Error(`expected 1000 series, got ${seriesCount}`);

// ---------------------------------------------------------------------------------------
// protobufjs: the same mapping to MetricFamily messages as protobuf.ts, then its encoder.

type Message = Record<string, unknown>;
const type = metricFamilyType();
const COUNTER = 0, GAUGE = 1, SUMMARY = 2, UNTYPED = 3, HISTOGRAM = 4, GAUGE_HISTOGRAM = 5;

const labelPairs = (labels: LabelPairs) => labels.map(([name, value]) => ({ name, value }));
function timestamp(unixSeconds: number): Message {
  const seconds = Math.floor(unixSeconds);
  return { seconds, nanos: Math.round((unixSeconds - seconds) * 1e9) };
}
function exemplar(e: ExemplarSnapshot): Message {
  return { label: labelPairs(e.labels), value: e.value, ...(e.timestamp === undefined ? {} : { timestamp: timestamp(e.timestamp) }) };
}
function spans(indexes: readonly number[]): Message[] {
  const out: Message[] = [];
  let next = 0;
  for (let i = 0; i < indexes.length;) {
    let length = 1;
    while (i + length < indexes.length && indexes[i + length] === indexes[i] + length) length++;
    out.push({ offset: i === 0 ? indexes[i] : indexes[i] - next, length });
    next = indexes[i] + length;
    i += length;
  }
  return out;
}
const deltas = (counts: readonly number[]) => counts.map((c, i) => c - (i === 0 ? 0 : counts[i - 1]));
function nativeFields(n: NativeHistogramSnapshot): Message {
  const empty = n.positiveIndexes.length === 0 && n.negativeIndexes.length === 0;
  return {
    schema: n.schema, zeroThreshold: n.zeroThreshold, zeroCount: n.zeroCount,
    negativeSpan: spans(n.negativeIndexes), negativeDelta: deltas(n.negativeCounts),
    positiveSpan: empty ? [{ offset: 0, length: 0 }] : spans(n.positiveIndexes), positiveDelta: deltas(n.positiveCounts),
    exemplars: (n.exemplars ?? []).map(exemplar),
  };
}
function histogram(s: HistogramSeries): Message {
  return {
    label: labelPairs(s.labels),
    histogram: {
      sampleCount: s.count, sampleSum: s.sum,
      bucket: s.buckets.map((b) => ({ cumulativeCount: b.count, upperBound: b.le, ...(b.exemplar === undefined ? {} : { exemplar: exemplar(b.exemplar) }) })),
      ...(s.native === undefined ? {} : nativeFields(s.native)),
      ...(s.created === undefined ? {} : { createdTimestamp: timestamp(s.created) }),
    },
  };
}
function toMessage(f: FamilySnapshot): Message {
  const head = { help: f.help, ...(f.unit === undefined ? {} : { unit: f.unit }) };
  switch (f.type) {
    case "counter":
      return { ...head, name: `${f.name}_total`, type: COUNTER, metric: f.series.map((s) => ({ label: labelPairs(s.labels), counter: { value: s.value, ...(s.exemplar === undefined ? {} : { exemplar: exemplar(s.exemplar) }), ...(s.created === undefined ? {} : { createdTimestamp: timestamp(s.created) }) } })) };
    case "gauge":
      return { ...head, name: f.name, type: GAUGE, metric: f.series.map((s) => ({ label: labelPairs(s.labels), gauge: { value: s.value } })) };
    case "unknown":
      return { ...head, name: f.name, type: UNTYPED, metric: f.series.map((s) => ({ label: labelPairs(s.labels), untyped: { value: s.value } })) };
    case "histogram":
    case "gaugehistogram":
      return { ...head, name: f.name, type: f.type === "histogram" ? HISTOGRAM : GAUGE_HISTOGRAM, metric: f.series.map(histogram) };
    case "summary":
      return {
        ...head, name: f.name, type: SUMMARY,
        metric: f.series.map((s) => ({ label: labelPairs(s.labels), summary: { sampleCount: s.count, sampleSum: s.sum, quantile: s.quantiles.map((q) => ({ quantile: q.quantile, value: q.value })), ...(s.created === undefined ? {} : { createdTimestamp: timestamp(s.created) }) } })),
      };
    case "info":
      return { ...head, name: `${f.name}_info`, type: GAUGE, metric: f.series.map((s) => ({ label: labelPairs(s.labels), gauge: { value: 1 } })) };
    case "stateset":
      return { ...head, name: f.name, type: GAUGE, metric: f.series.flatMap((s) => s.states.map((state) => ({ label: labelPairs([...s.labels, [f.name, state.name]]), gauge: { value: state.enabled ? 1 : 0 } }))) };
  }
}
function encodeWithProtobufjs(messages: readonly Message[]): Uint8Array {
  const writer = protobuf.Writer.create();
  for (const message of messages) type.encodeDelimited(message, writer);
  return writer.finish();
}

// ---------------------------------------------------------------------------------------
// Checks, sizes, timings.

const encoder = new TextEncoder();
const ours = serializeProtobuf(families);
const prebuilt = families.map(toMessage);
const theirs = encodeWithProtobufjs(prebuilt);
if (JSON.stringify(decodeFamilies(ours)) !== JSON.stringify(decodeFamilies(theirs))) throw new Error("protobufjs and the hand-written encoder disagree on the decoded families");
const bodies = {
  protobuf: ours,
  "OpenMetrics 1.0": encoder.encode(serializeOpenMetrics(families)),
  "Prometheus text 0.0.4": encoder.encode(serializePrometheusText(families)),
  "OpenMetrics 2.0": encoder.encode(serializeOpenMetrics2(families)),
};
console.log(`\n1000 series, sizes of one scrape (protobufjs: ${theirs.byteLength} bytes, ${theirs.byteLength === ours.byteLength ? "same size as ours" : "differs"}):`);
const sizes: Record<string, number> = {};
for (const [name, bytes] of Object.entries(bodies)) {
  const gzipped = gzipSync(bytes).byteLength;
  sizes[name] = bytes.byteLength;
  sizes[`${name} gzip`] = gzipped;
  console.log(`  ${name.padEnd(24)} ${String(bytes.byteLength).padStart(9)} bytes   gzip ${String(gzipped).padStart(8)} bytes`);
}

const results = await measure(1, {
  "protobuf, hand-written encoder": () => void serializeProtobuf(families),
  "protobufjs from the snapshot (map + encode)": () => void encodeWithProtobufjs(families.map(toMessage)),
  "protobufjs encode only (messages prebuilt)": () => void encodeWithProtobufjs(prebuilt),
  "OpenMetrics 1.0 text + UTF-8 encode": () => void encoder.encode(serializeOpenMetrics(families)),
  "Prometheus text 0.0.4 + UTF-8 encode": () => void encoder.encode(serializePrometheusText(families)),
  "OpenMetrics 2.0 text + UTF-8 encode": () => void encoder.encode(serializeOpenMetrics2(families)),
  "bare limit: copy the protobuf body's bytes": () => void ours.slice(),
}, 1500);
const scrapes = await measure(1, {
  "scrape(Prometheus 3 native-histogram Accept): protobuf": async () => void (await registry.scrape(PROMETHEUS3_NATIVE_HISTOGRAMS)),
  "scrape(Prometheus 2 Accept): OpenMetrics 1.0": async () => void (await registry.scrape(PROMETHEUS2)),
  "prom-client registry.metrics() (text)": async () => void (await peers[0].registry.metrics()),
  "@prometheus-io/client registry.metrics() (text)": async () => void (await peers[1].registry.metrics()),
}, 1500);
const all = [...results, ...scrapes];
// Ratios of medians: what a run on a busy (shared) machine disturbs least.
const ns = Object.fromEntries(all.map((r) => [r.name, r.medianNsPerOp ?? r.nsPerOp]));
for (const r of all) console.log(`  median ${r.name.padEnd(56)} ${((r.medianNsPerOp ?? r.nsPerOp) / 1e6).toFixed(3).padStart(9)} ms`);
const hand = ns["protobuf, hand-written encoder"];
const scrape = ns["scrape(Prometheus 3 native-histogram Accept): protobuf"];
report("protobuf", all, {
  "protobufjs (map + encode) / hand-written": ns["protobufjs from the snapshot (map + encode)"] / hand,
  "protobufjs (encode only) / hand-written": ns["protobufjs encode only (messages prebuilt)"] / hand,
  "OpenMetrics 1.0 / protobuf (time)": ns["OpenMetrics 1.0 text + UTF-8 encode"] / hand,
  "Prometheus text / protobuf (time)": ns["Prometheus text 0.0.4 + UTF-8 encode"] / hand,
  "OpenMetrics 2.0 / protobuf (time)": ns["OpenMetrics 2.0 text + UTF-8 encode"] / hand,
  "hand-written / bare copy": hand / ns["bare limit: copy the protobuf body's bytes"],
  "OpenMetrics 1.0 / protobuf (bytes)": sizes["OpenMetrics 1.0"] / sizes.protobuf,
  "Prometheus text / protobuf (bytes)": sizes["Prometheus text 0.0.4"] / sizes.protobuf,
  "OpenMetrics 2.0 / protobuf (bytes)": sizes["OpenMetrics 2.0"] / sizes.protobuf,
  "OpenMetrics 1.0 / protobuf (gzip bytes)": sizes["OpenMetrics 1.0 gzip"] / sizes["protobuf gzip"],
  "scrape OM1 / scrape protobuf": ns["scrape(Prometheus 2 Accept): OpenMetrics 1.0"] / scrape,
  "prom-client metrics() / our protobuf scrape": ns["prom-client registry.metrics() (text)"] / scrape,
  "@prometheus-io/client metrics() / our protobuf scrape": ns["@prometheus-io/client registry.metrics() (text)"] / scrape,
});
heap.close();
