/**
 * Both handlers answer each Accept header a real Prometheus sends (captured in
 * test/support/prometheus3_accept.ts) with the format it asked for, the exact
 * Content-Type of that format and escaping, and names as the scheme wants them: quoted
 * UTF-8 under `allow-utf-8`, escaped otherwise. Protobuf bodies are decoded by protobufjs.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Heap } from "../heap/heap.ts";
import { Counter } from "../metrics/counter.ts";
import { Histogram } from "../metrics/histogram.ts";
import { setNameValidationScheme } from "../metrics/name_scheme.ts";
import { Registry } from "../metrics/registry.ts";
import { temporaryHeapPath } from "../../test/support/runtimes.ts";
import { decodeFamilies } from "../../test/support/metrics_proto.ts";
import * as captured from "../../test/support/prometheus3_accept.ts";
import { nodeMetricsHandler } from "./node.ts";
import { metricsHandler } from "./web.ts";

const OM1 = "application/openmetrics-text; version=1.0.0; charset=utf-8";
const OM2 = "application/openmetrics-text; version=2.0.0; charset=utf-8";
const TEXT = "text/plain; version=0.0.4; charset=utf-8";
const PROTOBUF = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

interface Case {
  readonly name: string;
  readonly accept: string | undefined;
  readonly contentType: string;
  /** The histogram's name as this answer must write it. */
  readonly histogram: string;
  /** The label name as this answer must write it. */
  readonly label: string;
}

const cases: readonly Case[] = [
  { name: "Prometheus 3 default", accept: captured.PROMETHEUS3_DEFAULT, contentType: `${OM1}; escaping=allow-utf-8`, histogram: '"http.server.duration"', label: '"http.route"' },
  { name: "Prometheus 3 native histograms", accept: captured.PROMETHEUS3_NATIVE_HISTOGRAMS, contentType: `${PROTOBUF}; escaping=allow-utf-8`, histogram: "http.server.duration", label: "http.route" },
  { name: "Prometheus 3 OpenMetrics 2.0", accept: captured.PROMETHEUS3_OM2, contentType: `${OM2}; escaping=allow-utf-8`, histogram: '"http.server.duration"', label: '"http.route"' },
  { name: "Prometheus 3 protobuf only", accept: captured.PROMETHEUS3_PROTO_ONLY, contentType: `${PROTOBUF}; escaping=underscores`, histogram: "http_server_duration", label: "http_route" },
  { name: "Prometheus 3 underscores", accept: captured.PROMETHEUS3_UNDERSCORES, contentType: `${OM1}; escaping=underscores`, histogram: "http_server_duration", label: "http_route" },
  { name: "Prometheus 3 dots", accept: captured.PROMETHEUS3_DOTS, contentType: `${OM1}; escaping=dots`, histogram: "http_dot_server_dot_duration", label: "http_dot_route" },
  { name: "Prometheus 2", accept: captured.PROMETHEUS2, contentType: OM1, histogram: "http_server_duration", label: "http_route" },
  { name: "no Accept", accept: undefined, contentType: TEXT, histogram: "http_server_duration", label: "http_route" },
];

/** Checks one answer's body against its case. */
function checkBody(c: Case, contentType: string, body: Uint8Array): void {
  assert.equal(contentType, c.contentType, c.name);
  if (contentType.startsWith(PROTOBUF)) {
    const families = decodeFamilies(body);
    const histogram = families.find((f) => f.name === c.histogram);
    assert.ok(histogram !== undefined, `${c.name}: no family ${c.histogram} in ${families.map((f) => f.name).join(", ")}`);
    assert.equal(histogram.type, "HISTOGRAM");
    assert.deepEqual(histogram.metric[0].label, [{ name: c.label, value: "/a.b" }]);
    assert.equal(histogram.metric[0].histogram.sampleCount, 2);
    assert.ok(families.some((f) => f.name === "edge_jobs_total" && f.metric[0].counter.value === 3));
    return;
  }
  const text = new TextDecoder().decode(body);
  const quoted = c.histogram.startsWith('"');
  const series = (suffix: string) => quoted ? `{"http.server.duration${suffix}",${c.label}="/a.b"` : `${c.histogram}${suffix}{${c.label}="/a.b"`;
  if (contentType.startsWith(OM2)) {
    assert.ok(text.includes(`${series("")}} {count:2,sum:1.5,bucket:[1.0:2,+Inf:2]}`), `${c.name}:\n${text}`);
  } else {
    assert.ok(text.includes(`${series("_count")}} 2\n`), `${c.name}:\n${text}`);
  }
  assert.match(text, /^edge_jobs(_total)? 3( st@[0-9.]+)?$/m);
  assert.equal(text.endsWith("# EOF\n"), !contentType.startsWith(TEXT), c.name);
}

test("both handlers answer each captured Prometheus Accept header with its format, Content-Type and name escaping", async () => {
  const { path, cleanup } = temporaryHeapPath();
  const heap = Heap.open({ path, mode: "create" });
  const server = createServer();
  try {
    setNameValidationScheme("utf-8");
    const registry = new Registry(Registry.PROMETHEUS_CONTENT_TYPE, { heap });
    new Counter({ name: "edge_jobs", help: "Jobs done.", heap, registers: [registry] }).inc(3);
    const histogram = new Histogram({ name: "http.server.duration", help: "Latency.", labelNames: ["http.route"], buckets: [1], heap, registers: [registry] });
    histogram.labels("/a.b").observe(0.5);
    histogram.labels("/a.b").observe(1);
    const web = metricsHandler(registry);
    const node = nodeMetricsHandler(registry);
    server.on("request", (req, res) => void node(req, res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
    for (const c of cases) {
      const headers: Record<string, string> = c.accept === undefined ? {} : { accept: c.accept };
      const fromWeb = await web(new Request(url, { headers }));
      assert.equal(fromWeb.status, 200);
      checkBody(c, fromWeb.headers.get("content-type") ?? "", new Uint8Array(await fromWeb.arrayBuffer()));
      // fetch adds `Accept: */*` when none is given: send an empty one for "no Accept".
      const fromNode = await fetch(url, { headers: c.accept === undefined ? { accept: "" } : headers });
      assert.equal(fromNode.status, 200);
      const bytes = new Uint8Array(await fromNode.arrayBuffer());
      assert.equal(fromNode.headers.get("content-length"), String(bytes.byteLength));
      checkBody(c, fromNode.headers.get("content-type") ?? "", bytes);
    }
  } finally {
    setNameValidationScheme("legacy");
    server.closeAllConnections?.();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    heap.close();
    cleanup();
  }
});

test("setNameValidationScheme: legacy by default; utf-8 accepts dotted and non-ASCII names; bad names are TypeErrors", () => {
  const { path, cleanup } = temporaryHeapPath();
  const heap = Heap.open({ path, mode: "create" });
  try {
    assert.throws(() => new Counter({ name: "a.b", help: "x", heap, registers: [] }), (e: unknown) => e instanceof TypeError && /\[a-zA-Z_:\]/.test(e.message));
    assert.throws(() => new Counter({ name: "ab", help: "x", labelNames: ["a.b"], heap, registers: [] }), TypeError);
    setNameValidationScheme("utf-8");
    assert.equal(new Counter({ name: "größe.total", help: "x", labelNames: ["http.method", "ü"], heap, registers: [] }).name, "größe.total");
    for (const bad of ["", "a\ud800"]) {
      assert.throws(() => new Counter({ name: bad, help: "x", heap, registers: [] }), (e: unknown) => e instanceof TypeError && /well-formed/.test(e.message));
      assert.throws(() => new Counter({ name: "ok", help: "x", labelNames: [bad], heap, registers: [] }), (e: unknown) => e instanceof TypeError && /well-formed/.test(e.message));
    }
    assert.throws(() => new Counter({ name: "ok2", help: "x", labelNames: ["__x.y"], heap, registers: [] }), /reserved/);
    assert.throws(() => setNameValidationScheme("utf8" as "utf-8"), TypeError);
  } finally {
    setNameValidationScheme("legacy");
    heap.close();
    cleanup();
  }
});
