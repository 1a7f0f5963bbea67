/**
 * A real Prometheus 3.16 (built from the Go module and cached by scripts/install_prometheus3.mjs)
 * scrapes native histograms merged across processes: a Bun, a Deno and a Node writer
 * observe into one native-only histogram and exit; this process serves the heap over
 * protobuf and over OpenMetrics 2.0 (two jobs, `scrape_native_histograms: true`,
 * `--enable-feature=openmetrics2`). Through each protocol Prometheus must report
 * `histogram_count` exactly the writers' total and `histogram_quantile` within the
 * schema's relative error (`2^(2^-schema) - 1`) of the true quantile of all the values.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { homedir, tmpdir } from "node:os";
import process from "node:process";
import { join } from "node:path";
import { Heap } from "../src/heap/heap.ts";
import { Registry } from "../src/metrics/registry.ts";
import type { HistogramFamily } from "../src/exposition/snapshot.ts";
import { nativePromIterations, nativePromMetric, nativePromValues } from "./fixtures/native_prom_lib.ts";
import { runtimes, spawnFixture, temporaryHeapPath } from "./support/runtimes.ts";
import { freePort, poll, query, type Server, startServer, stop } from "./support/servers.ts";

/** Where scripts/install_prometheus3.mjs (run by `npm test`) leaves Prometheus 3.16. */
const prometheus3Binary = join(process.env.MPMETRICS_CACHE_DIR || join(homedir(), ".cache", "mpmetrics"), "prometheus-v0.316.0", "bin", "prometheus");

const protocols = [
  { job: "proto", path: "/proto", scrape: "PrometheusProto", contentType: Registry.PROMETHEUS_PROTOBUF_CONTENT_TYPE },
  { job: "om2", path: "/om2", scrape: "OpenMetricsText2.0.0", contentType: Registry.OPENMETRICS2_CONTENT_TYPE },
] as const;

function startPrometheus3(dir: string, target: string): Promise<Server> {
  const config = join(dir, "prometheus.yml");
  writeFileSync(config, [
    "global:",
    "  scrape_interval: 1s",
    "  scrape_timeout: 1s",
    "scrape_configs:",
    ...protocols.flatMap((p) => [
      `  - job_name: ${p.job}`,
      `    metrics_path: ${p.path}`,
      `    scrape_protocols: [${p.scrape}]`,
      "    scrape_native_histograms: true",
      "    static_configs:",
      `      - targets: [${JSON.stringify(target)}]`,
    ]),
    "",
  ].join("\n"));
  return startServer(prometheus3Binary, (port, attempt) => [
    `--config.file=${config}`,
    `--storage.tsdb.path=${join(dir, `tsdb${attempt}`)}`,
    `--web.listen-address=127.0.0.1:${port}`,
    "--enable-feature=openmetrics2",
    "--log.level=info",
  ], "/-/ready");
}

test("Prometheus 3.16 over protobuf and OpenMetrics 2.0: histogram_count exact, histogram_quantile within the schema's error, for native buckets merged from Bun, Deno and Node writers", { timeout: 180_000, skip: !existsSync(prometheus3Binary) && "Prometheus 3 is not built (npm test builds it)" }, async () => {
  const { path, cleanup } = temporaryHeapPath();
  const heap = Heap.open({ path, mode: "create" });
  const dir = mkdtempSync(join(tmpdir(), "mpmetrics-prom3-"));
  let prometheus: Server | undefined;
  const registries = protocols.map((p) => new Registry(p.contentType, { heap }));
  const server = createServer(async (request, response) => {
    const at = protocols.findIndex((p) => request.url === p.path);
    if (at < 0) return void response.writeHead(404).end();
    const protocol = protocols[at];
    const body = await registries[at].metrics();
    response.writeHead(200, { "Content-Type": protocol.contentType }).end(body);
  });
  try {
    const histogram = nativePromMetric(heap, registries);
    const results = await Promise.all(runtimes.map((runtime, w) => spawnFixture(runtime, "native_prom_writer", { MPMETRICS_HEAP: path, WRITER: String(w) }).exited));
    for (const [w, result] of results.entries()) assert.equal(result.code, 0, `${runtimes[w]} writer: ${result.stderr}`);
    const all = runtimes.flatMap((_, w) => nativePromValues(w)).sort((a, b) => a - b);
    const family = (await histogram.snapshot()) as HistogramFamily;
    const native = family.series[0].native!;
    assert.equal(native.count, nativePromIterations * runtimes.length);
    const port = await freePort();
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    prometheus = await startPrometheus3(dir, `127.0.0.1:${port}`);
    const relativeError = 2 ** (2 ** -native.schema) - 1;
    for (const { job } of protocols) {
      const count = await poll(async () => {
        const value = (await query(prometheus!, `histogram_count(mp_native_seconds{job="${job}"})`)).get("{kind=\"n\"}");
        return value === undefined ? undefined : value;
      }, 30_000, () => `no native histogram scraped by job ${job}:\n${prometheus!.log()}`);
      assert.equal(count, all.length, `${job}: histogram_count`);
      for (const q of [0.5, 0.9, 0.99]) {
        const truth = all[Math.ceil(q * all.length) - 1];
        const got: number = (await query(prometheus, `histogram_quantile(${q}, mp_native_seconds{job="${job}"})`)).get("{kind=\"n\"}")!;
        assert.ok(Math.abs(got - truth) <= truth * relativeError, `${job}: quantile ${q} ${got}, true ${truth}, schema ${native.schema} (error bound ${relativeError})`);
      }
    }
  } finally {
    await stop(prometheus?.process);
    server.close();
    heap.close();
    cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});
