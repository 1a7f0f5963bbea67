/**
 * A real Prometheus 3.16 (built from the Go module and cached by scripts/install_prometheus3.mjs)
 * scrapes a multi-process target: a Bun, a Deno and a Node writer record into every
 * metric type on one heap and exit; this process serves the heap with
 * `nodeMetricsHandler`, which negotiates each scrape from Prometheus's own Accept header.
 * One Prometheus, five jobs on the same target:
 *
 * - `om1`: default scrape protocols: OpenMetrics 1.0 with `escaping=allow-utf-8` (the reference
 *   for classic series);
 * - `proto`: `scrape_native_histograms: true`: protobuf, UTF-8 names;
 * - `om2`: `scrape_protocols: [OpenMetricsText2.0.0, ...]` with `--enable-feature=openmetrics2`;
 * - `legacy`: `metric_name_validation_scheme: legacy`, `metric_name_escaping_scheme: underscores`;
 * - `text`: `scrape_protocols: [PrometheusText0.0.4]` (prom-client's text: the counter
 *   under the name it was given, `mp_jobs`, not `mp_jobs_total`).
 *
 * Through the HTTP API it asserts: every target up with no error; the Accept headers
 * are the ones the unit tests use (test/support/prometheus3_accept.ts) and each answer's
 * Content-Type is exactly the negotiated format's; over protobuf and OpenMetrics 2.0,
 * `histogram_count` exactly the writers' total, `histogram_quantile` within the
 * schema's relative error (`2^(2^-schema) - 1`) of the true quantile, and each writer's
 * native exemplar (`--enable-feature=exemplar-storage`, `/api/v1/query_exemplars`); the dotted metric
 * name `http.server.duration` and label name `http.route` stored as written (and as
 * `http_server_duration`/`http_route` by the legacy job); and every classic series (a
 * counter's `_total`, a classic histogram's `_bucket`/`_count`/`_sum`, a gauge, a
 * summary's quantiles, `_count` and `_sum`, an info and a state set) with the same
 * values in every job as over OpenMetrics 1.0, and the exact values the writers imply.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type ServerResponse } from "node:http";
import { homedir, tmpdir } from "node:os";
import process from "node:process";
import { join } from "node:path";
import { nodeMetricsHandler } from "../src/edges/node.ts";
import { Heap } from "../src/heap/heap.ts";
import { setNameValidationScheme } from "../src/metrics/name_scheme.ts";
import { Registry } from "../src/metrics/registry.ts";
import type { HistogramFamily } from "../src/exposition/snapshot.ts";
import { nativePromIterations, nativePromValues } from "./fixtures/native_prom_lib.ts";
import {
  prom3GaugeValue, prom3JobIncrement, prom3Metrics, prom3SmallIterations, prom3SmallValues, utf8HistogramName, utf8LabelName,
  utf8LabelValue, writerRuntimes,
} from "./fixtures/prom3_lib.ts";
import * as captured from "./support/prometheus3_accept.ts";
import { runtimes, spawnFixture, temporaryHeapPath } from "./support/runtimes.ts";
import { freePort, getJson, poll, query, type Server, startServer, stop } from "./support/servers.ts";

/** Where scripts/install_prometheus3.mjs (run by `npm test`) leaves Prometheus 3.16. */
const prometheus3Binary = join(process.env.MPMETRICS_CACHE_DIR || join(homedir(), ".cache", "mpmetrics"), "prometheus-v0.316.0", "bin", "prometheus");

const OM1 = "application/openmetrics-text; version=1.0.0; charset=utf-8";
const OM2 = "application/openmetrics-text; version=2.0.0; charset=utf-8";
const TEXT = "text/plain; version=0.0.4; charset=utf-8";
const PROTOBUF = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

interface Job {
  readonly job: string;
  readonly config: readonly string[];
  /** The Accept header the real Prometheus must send (undefined: not captured). */
  readonly accept: string | undefined;
  readonly contentType: string;
  readonly native: boolean;
}

const jobs: readonly Job[] = [
  { job: "om1", config: [], accept: captured.PROMETHEUS3_DEFAULT, contentType: `${OM1}; escaping=allow-utf-8`, native: false },
  { job: "proto", config: ["scrape_native_histograms: true"], accept: captured.PROMETHEUS3_NATIVE_HISTOGRAMS, contentType: `${PROTOBUF}; escaping=allow-utf-8`, native: true },
  {
    job: "om2", config: ["scrape_protocols: [OpenMetricsText2.0.0, PrometheusText0.0.4]", "scrape_native_histograms: true"],
    accept: captured.PROMETHEUS3_OM2, contentType: `${OM2}; escaping=allow-utf-8`, native: true,
  },
  {
    job: "legacy", config: ["metric_name_validation_scheme: legacy", "metric_name_escaping_scheme: underscores"],
    accept: captured.PROMETHEUS3_UNDERSCORES, contentType: `${OM1}; escaping=underscores`, native: false,
  },
  { job: "text", config: ["scrape_protocols: [PrometheusText0.0.4]"], accept: undefined, contentType: TEXT, native: false },
];

function startPrometheus3(dir: string, target: string): Promise<Server> {
  const config = join(dir, "prometheus.yml");
  writeFileSync(config, [
    "global:",
    "  scrape_interval: 1s",
    "  scrape_timeout: 1s",
    "scrape_configs:",
    ...jobs.flatMap((j) => [
      `  - job_name: ${j.job}`,
      `    metrics_path: /${j.job}`,
      ...j.config.map((line) => `    ${line}`),
      "    static_configs:",
      `      - targets: [${JSON.stringify(target)}]`,
    ]),
    "",
  ].join("\n"));
  return startServer(prometheus3Binary, (port, attempt) => [
    `--config.file=${config}`,
    `--storage.tsdb.path=${join(dir, `tsdb${attempt}`)}`,
    `--web.listen-address=127.0.0.1:${port}`,
    "--enable-feature=openmetrics2,exemplar-storage",
    "--log.level=info",
  ], "/-/ready");
}

/** An instant query's raw result (native histograms carry `histogram`, not `value`). */
async function rawQuery(prometheus: Server, promql: string): Promise<{ metric: Record<string, string>; value?: [number, string]; histogram?: [number, { count: string; sum: string }] }[]> {
  const data = await getJson(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(promql)}`);
  return data.result;
}

/** 3 counter series, 4 buckets + count + sum, a gauge, 3 quantiles + count + sum, an info, 2 states. */
const classicSeriesCount = 18;

/** The classic series of a job, by name and labels (job and instance left out). */
const classicSeries = '__name__=~"mp_jobs(_total)?|mp_classic_seconds_(bucket|count|sum)|mp_temperature_celsius|mp_rpc_seconds(_count|_sum)?|mp_build_info|mp_feature"';

test("Prometheus 3.16 scrapes Bun, Deno and Node writers over OpenMetrics 1.0, protobuf, OpenMetrics 2.0, escaped OpenMetrics and text: native histograms exact, UTF-8 names as written, classic series unchanged", { timeout: 180_000, skip: !existsSync(prometheus3Binary) && "Prometheus 3 is not built (npm test builds it)" }, async () => {
  const { path, cleanup } = temporaryHeapPath();
  const heap = Heap.open({ path, mode: "create" });
  const dir = mkdtempSync(join(tmpdir(), "mpmetrics-prom3-"));
  let prometheus: Server | undefined;
  const registry = new Registry(Registry.OPENMETRICS_CONTENT_TYPE, { heap });
  const handler = nodeMetricsHandler(registry);
  /** Per path: the Accept headers received and the Content-Types answered. */
  const seen = new Map<string, { accepts: Set<string>; contentTypes: Set<string> }>();
  const server = createServer((request, response: ServerResponse) => {
    const job = jobs.find((j) => request.url === `/${j.job}`);
    if (job === undefined) return void response.writeHead(404).end();
    const record = seen.get(job.job) ?? { accepts: new Set(), contentTypes: new Set() };
    seen.set(job.job, record);
    record.accepts.add(request.headers.accept ?? "");
    const writeHead = response.writeHead.bind(response) as (status: number, headers: Record<string, string>) => ServerResponse;
    (response as { writeHead: unknown }).writeHead = (status: number, headers: Record<string, string>) => {
      record.contentTypes.add(`${status} ${headers["content-type"]}`);
      return writeHead(status, headers);
    };
    void handler(request, response);
  });
  try {
    const metrics = prom3Metrics(heap, [registry]);
    const results = await Promise.all(runtimes.map((runtime, w) => spawnFixture(runtime, "prom3_writer", { MPMETRICS_HEAP: path, WRITER: String(w) }).exited));
    for (const [w, result] of results.entries()) assert.equal(result.code, 0, `${runtimes[w]} writer: ${result.stderr}`);
    assert.deepEqual([...runtimes], [...writerRuntimes]);
    const all = runtimes.flatMap((_, w) => nativePromValues(w)).sort((a, b) => a - b);
    const small = runtimes.flatMap((_, w) => prom3SmallValues(w));
    const family = (await metrics.native.snapshot()) as HistogramFamily;
    const native = family.series[0].native!;
    assert.equal(native.count, nativePromIterations * runtimes.length);

    const port = await freePort();
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    prometheus = await startPrometheus3(dir, `127.0.0.1:${port}`);
    const p = prometheus;

    // Every job scraped the whole target: its last series (the state set) is in.
    for (const { job } of jobs) {
      await poll(async () => ((await query(p, `count({job="${job}", ${classicSeries}})`)).get("{}") === classicSeriesCount ? true : undefined), 30_000,
        () => `job ${job} did not store its ${classicSeriesCount} classic series: ${JSON.stringify([...(seen.get(job)?.contentTypes ?? [])])}\n${p.log().slice(-3000)}`);
    }
    const targets = await getJson(`${p.url}/api/v1/targets?state=active`);
    for (const t of targets.activeTargets as { labels: { job: string }; health: string; lastError: string }[]) {
      assert.equal(t.health, "up", `${t.labels.job}: ${t.lastError}`);
      assert.equal(t.lastError, "", t.labels.job);
    }

    // Negotiation: the Accept headers the unit tests use, the exact Content-Type per format.
    for (const j of jobs) {
      const record = seen.get(j.job)!;
      if (j.accept !== undefined) assert.deepEqual([...record.accepts], [j.accept], `${j.job}: Accept`);
      assert.deepEqual([...record.contentTypes], [`200 ${j.contentType}`], `${j.job}: Content-Type`);
    }

    // Classic series: the same in every job as over OpenMetrics 1.0, and the values the writers imply.
    const reference = await query(p, `{job="om1", ${classicSeries}}`);
    const sorted = [...small].sort((a, b) => a - b);
    const sum = small.reduce((a, b) => a + b, 0);
    for (const [w, runtime] of writerRuntimes.entries()) assert.equal(reference.get(`mp_jobs_total{runtime="${runtime}"}`), prom3JobIncrement(w));
    const count = prom3SmallIterations * runtimes.length;
    for (const le of [0.01, 0.1, 1]) {
      const key = `mp_classic_seconds_bucket{le="${le === 1 ? "1.0" : String(le)}"}`;
      assert.equal(reference.get(key), small.filter((v) => v <= le).length, key);
    }
    assert.equal(reference.get('mp_classic_seconds_bucket{le="+Inf"}'), count);
    assert.equal(reference.get("mp_classic_seconds_count{}"), count);
    assert.ok(Math.abs(reference.get("mp_classic_seconds_sum{}")! - sum) <= 1e-9 * sum);
    assert.equal(reference.get("mp_temperature_celsius{}"), runtimes.reduce((a, _, w) => a + prom3GaugeValue(w), 0));
    assert.equal(reference.get("mp_rpc_seconds_count{}"), count);
    for (const q of [0.5, 0.9, 0.99]) {
      const got = reference.get(`mp_rpc_seconds{quantile="${q}"}`)!;
      const truth = sorted[Math.ceil(q * sorted.length) - 1];
      assert.ok(Math.abs(got - truth) <= 0.05 * truth, `summary quantile ${q}: ${got}, true ${truth}`);
    }
    assert.equal(reference.get('mp_build_info{version="1.2.3"}'), 1);
    assert.equal(reference.get('mp_feature{mp_feature="on"}'), 1);
    assert.equal(reference.get('mp_feature{mp_feature="off"}'), 0);
    assert.equal(reference.size, classicSeriesCount);
    for (const { job } of jobs.slice(1)) {
      const got = await query(p, `{job="${job}", ${classicSeries}}`);
      const renamed = new Map([...got].map(([key, value]) => [job === "text" ? key.replace(/^mp_jobs\{/, "mp_jobs_total{") : key, value]));
      assert.deepEqual(renamed, reference, `${job}: classic series`);
    }

    // Native histograms over protobuf and OpenMetrics 2.0.
    const relativeError = 2 ** (2 ** -native.schema) - 1;
    for (const { job } of jobs.filter((j) => j.native)) {
      assert.equal((await query(p, `histogram_count(mp_native_seconds{job="${job}"})`)).get('{kind="n"}'), all.length, `${job}: histogram_count`);
      for (const q of [0.5, 0.9, 0.99]) {
        const truth = all[Math.ceil(q * all.length) - 1];
        const got = (await query(p, `histogram_quantile(${q}, mp_native_seconds{job="${job}"})`)).get('{kind="n"}')!;
        assert.ok(Math.abs(got - truth) <= truth * relativeError, `${job}: quantile ${q} ${got}, true ${truth}, schema ${native.schema} (error bound ${relativeError})`);
      }
      // The dotted UTF-8 metric and label names, stored as written, as a native histogram.
      const stored = await rawQuery(p, `{"${utf8HistogramName}", job="${job}"}`);
      assert.equal(stored.length, 1, `${job}: ${JSON.stringify(stored)}`);
      assert.equal(stored[0].metric.__name__, utf8HistogramName);
      assert.equal(stored[0].metric[utf8LabelName], utf8LabelValue);
      assert.equal(Number(stored[0].histogram![1].count), count, `${job}: native count of ${utf8HistogramName}`);
    }
    // Native exemplars over protobuf and OpenMetrics 2.0: one per writer, with its value.
    const now = Date.now() / 1000;
    for (const { job } of jobs.filter((j) => j.native)) {
      const data = await getJson(`${p.url}/api/v1/query_exemplars?query=${encodeURIComponent(`{"${utf8HistogramName}", job="${job}"}`)}&start=${now - 600}&end=${now + 60}`);
      const exemplars = (data as { exemplars: { labels: { trace_id: string }; value: string }[] }[]).flatMap((s) => s.exemplars);
      assert.deepEqual(exemplars.map((e) => e.labels.trace_id).sort(), [...writerRuntimes], `${job}: exemplars ${JSON.stringify(data)}`);
      for (const e of exemplars) {
        // Each writer computed its value with its own engine's `**`: equal to the last bit or two.
        const expected = prom3SmallValues(writerRuntimes.indexOf(e.labels.trace_id as typeof writerRuntimes[number]))[prom3SmallIterations - 1];
        assert.ok(Math.abs(Number(e.value) - expected) <= 1e-12 * expected, `${job}: exemplar of ${e.labels.trace_id}: ${e.value}, observed ${expected}`);
      }
    }
    // Over OpenMetrics 1.0 with allow-utf-8: the classic series under the dotted names.
    const om1Utf8 = await rawQuery(p, `{"${utf8HistogramName}_count", job="om1"}`);
    assert.deepEqual(om1Utf8.map((r) => [r.metric.__name__, r.metric[utf8LabelName], Number(r.value![1])]), [[`${utf8HistogramName}_count`, utf8LabelValue, count]]);
    // The legacy job asked for underscores: escaped names, same values.
    const escaped = await rawQuery(p, `http_server_duration_count{job="legacy"}`);
    assert.deepEqual(escaped.map((r) => [r.metric.__name__, r.metric.http_route, Number(r.value![1])]), [["http_server_duration_count", utf8LabelValue, count]]);
    assert.deepEqual(await rawQuery(p, `{"${utf8HistogramName}_count", job="legacy"}`), []);
  } finally {
    setNameValidationScheme("legacy");
    await stop(prometheus?.process);
    server.closeAllConnections?.();
    server.close();
    heap.close();
    cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});
