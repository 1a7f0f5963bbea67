/**
 * The 100,000-path flood (issue 10): a real HTTP server of the runtime under test
 * (Bun.serve, Deno.serve, node:http; test/fixtures/flood_server.ts) labels a counter and
 * a histogram by path, and gets 100,000 requests with distinct paths: 10,000 over real
 * HTTP from this process, 90,000 driven through the same handler inside the server
 * (HTTP on 2 shared cores would make all 100,000 take minutes per runtime). Past
 * `maxSeries` (1,000) every path is counted in the overflow series.
 *
 * Shown: the server stays up and answers every request 200; no exception reaches the
 * handler; one warning per metric (two metrics: two warnings, one naming each); the heap
 * file does not grow at all once the overflow series exist, and RSS and the JS heap
 * (after a full GC) grow less than bounds; every request is counted (the series plus the overflow series sum to the
 * requests, for the counter and the histogram's count); scrapes taken during and after
 * the flood are valid under the strict OpenMetrics parser and promtool.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { statSync } from "node:fs";
import { currentRuntime, spawnFixture, temporaryHeapPath } from "./support/runtimes.ts";
import { strictParse } from "./support/strict_parser.ts";
import { parseSamples } from "./support/parse_text.ts";

const maxSeries = 1000;
const total = 100_000;
const httpFirst = 4_000; // over HTTP before the in-process part: the overflow is engaged by then
const driven = 90_000;
const httpLast = total - httpFirst - driven; // 6,000 more over HTTP at the end
const driveChunk = 10_000;
const concurrency = 8;
/**
 * Most RSS the server may gain over the last 96,000 requests (the overflowed ones): a
 * coarse bound, since allocators keep freed pages (Node's measured +39 MB here with
 * nothing retained).
 */
const rssGrowthMaxBytes = 128 * 1024 * 1024;
/**
 * Most the JS heap, after a full GC, may gain over them: the tight bound. Caching each
 * overflowed label set's handle (96,000 map entries) measured +16.7 MB under Bun; the
 * fixed code +0.7 MB under Node.
 */
const jsHeapGrowthMaxBytes = 4 * 1024 * 1024;

interface Stats {
  rssBytes: number;
  jsHeapUsedBytes: number;
  heapUsedBytes: number;
  heapAllocatedBytes: number;
  warnings: { code: string | undefined; message: string }[];
  handlerErrors: string[];
}

const openMetrics = { accept: "application/openmetrics-text;version=1.0.0" };

async function getStats(base: string): Promise<Stats> {
  return await (await fetch(`${base}/stats`)).json() as Stats;
}

/** Sends GET /p/<i> for i in [from, from + count) with `concurrency` in flight; returns the statuses seen. */
async function flood(base: string, from: number, count: number): Promise<Map<number, number>> {
  const statuses = new Map<number, number>();
  let next = from;
  const worker = async () => {
    while (next < from + count) {
      const i = next++;
      const response = await fetch(`${base}/p/${i}`);
      await response.arrayBuffer();
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return statuses;
}

function promtool(body: string): void {
  const run = spawnSync("promtool", ["check", "metrics"], { input: body, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  assert.equal(run.error, undefined, "promtool must be installed (node scripts/install_validators.mjs)");
  assert.ok(run.status === 0 || run.status === 3, `promtool exit ${run.status}: ${run.stdout}${run.stderr}`);
}

/** Sums of the counter's and the histogram's counts over every series, from a strict parse of an OpenMetrics body. */
function totals(body: string): { requests: number; observed: number; overflowRequests: number; series: number } {
  const families = strictParse(body);
  const counter = families.find((f) => f.name === "http_requests")!;
  const histogram = families.find((f) => f.name === "http_request_duration_seconds")!;
  const counts = counter.samples.filter(([name]) => name === "http_requests_total");
  return {
    requests: counts.reduce((sum, [, , value]) => sum + value, 0),
    observed: histogram.samples.filter(([name]) => name === "http_request_duration_seconds_count").reduce((sum, [, , value]) => sum + value, 0),
    overflowRequests: counts.find(([, labels]) => labels.otel_metric_overflow === "true")?.[2] ?? 0,
    series: counts.length,
  };
}

test(`a ${total.toLocaleString("en")}-path flood against a ${currentRuntime()} server labelling by path: up, bounded, one warning per metric, every request counted, scrapes valid`, async () => {
  const { path, cleanup } = temporaryHeapPath();
  const runtime = currentRuntime();
  const server = spawnFixture(runtime, "flood_server", { FLOOD_HEAP: path, FLOOD_MAX_SERIES: String(maxSeries) }, { denoAllowNet: true });
  try {
    const port = (await server.waitForLine("listening ")).split(" ")[1];
    const base = `http://127.0.0.1:${port}`;

    const first = await flood(base, 0, httpFirst);
    assert.deepEqual([...first], [[200, httpFirst]], "every request answered 200");
    const engaged = await getStats(base);
    const fileBytesEngaged = statSync(path).size;

    let scrapesDuring = 0;
    for (let from = httpFirst; from < httpFirst + driven; from += driveChunk) {
      const [driveAnswer, scrape] = await Promise.all([
        fetch(`${base}/drive?from=${from}&count=${driveChunk}`).then((r) => r.json() as Promise<{ ok: number }>),
        from % (3 * driveChunk) === httpFirst % (3 * driveChunk) ? fetch(`${base}/metrics`, { headers: openMetrics }).then((r) => r.text()) : undefined,
      ]);
      assert.equal(driveAnswer.ok, driveChunk, "every driven request handled");
      if (scrape !== undefined) {
        totals(scrape); // valid under the strict parser mid-flood
        scrapesDuring++;
      }
    }
    const last = await flood(base, httpFirst + driven, httpLast);
    assert.deepEqual([...last], [[200, httpLast]], "every request answered 200");

    const end = await getStats(base);
    assert.deepEqual(end.handlerErrors, [], "no exception reaches the handler");
    const overflowWarnings = end.warnings.filter((w) => w.code === "MPMETRICS_CARDINALITY_OVERFLOW");
    assert.equal(overflowWarnings.length, 2, `one warning per metric: ${JSON.stringify(end.warnings)}`);
    assert.match(overflowWarnings.map((w) => w.message).join("\n"), /"http_requests" reached its limit of 1000/);
    assert.match(overflowWarnings.map((w) => w.message).join("\n"), /"http_request_duration_seconds" reached its limit of 1000/);
    assert.equal(end.heapUsedBytes, engaged.heapUsedBytes, "0 heap bytes allocated for the last 96,000 paths");
    assert.equal(end.heapAllocatedBytes, engaged.heapAllocatedBytes);
    assert.equal(statSync(path).size, fileBytesEngaged, "the heap file did not grow");
    const rssGrowth = end.rssBytes - engaged.rssBytes;
    assert.ok(rssGrowth < rssGrowthMaxBytes, `RSS grew ${rssGrowth} bytes over the last 96,000 paths; at most ${rssGrowthMaxBytes} allowed`);
    const jsHeapGrowth = end.jsHeapUsedBytes - engaged.jsHeapUsedBytes;
    assert.ok(jsHeapGrowth < jsHeapGrowthMaxBytes, `the JS heap grew ${jsHeapGrowth} bytes (after GC) over the last 96,000 paths; at most ${jsHeapGrowthMaxBytes} allowed`);

    const body = await (await fetch(`${base}/metrics`, { headers: openMetrics })).text();
    const counted = totals(body);
    assert.equal(counted.requests, total, "every request counted, in its series or the overflow series");
    assert.equal(counted.observed, total, "every request timed");
    assert.equal(counted.overflowRequests, total - maxSeries);
    assert.equal(counted.series, maxSeries + 1);
    const text = await (await fetch(`${base}/metrics`)).text();
    promtool(text);
    assert.equal(parseSamples(text).get('http_requests{otel_metric_overflow="true"}'), total - maxSeries);
    assert.equal(server.process.exitCode, null, "the server is still up");
    console.log(
      `${runtime} flood: ${httpFirst + httpLast} requests over HTTP, ${driven} driven in-process, ${scrapesDuring + 2} scrapes; ` +
        `heap ${end.heapUsedBytes} bytes used (unchanged since overflow engaged), file ${fileBytesEngaged} bytes; ` +
        `RSS ${engaged.rssBytes} -> ${end.rssBytes} bytes (${rssGrowth >= 0 ? "+" : ""}${rssGrowth}), ` +
        `JS heap used after GC ${engaged.jsHeapUsedBytes} -> ${end.jsHeapUsedBytes} bytes (${jsHeapGrowth >= 0 ? "+" : ""}${jsHeapGrowth})`,
    );
  } finally {
    server.process.kill("SIGTERM");
    const { stderr } = await server.exited;
    cleanup();
    const warningLines = stderr.split("\n").filter((line) => line.includes("MPMETRICS_CARDINALITY_OVERFLOW"));
    assert.ok(warningLines.length <= 2, `at most one warning line per metric on stderr:\n${stderr}`);
    assert.ok(stderr.length < 4096, `stderr stays short (no stack traces): ${stderr.length} bytes:\n${stderr.slice(0, 2000)}`);
  }
});
