/**
 * A real Prometheus server scrapes a multi-process target on loopback.
 *
 * Writer processes of the runtime running this test count on one heap and exit; a
 * server process of the same runtime attaches to the heap and serves /metrics with the
 * package's handler (Bun.serve, Deno.serve or node:http); Prometheus (Debian's package,
 * which `npm test` installs) scrapes it every second. Its HTTP API must then report the
 * target up with no error, the scrape in OpenMetrics, and exactly the values the writers
 * left, including metrics defined only in a writer.
 *
 * The second test runs the `npm start` demo itself (Bun workers sharing a port) and has
 * Prometheus read its request counts back.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { Heap, Registry } from "../src/index.ts";
import { expectedTotals } from "./fixtures/expected.ts";
import { currentRuntime, packageRoot, runFixture, spawnFixture, temporaryHeapPath } from "./support/runtimes.ts";
import { freePort, getJson, poll, PROMETHEUS_BINARY, query, type Server as Prometheus, startPrometheus as startServer, stop } from "./support/servers.ts";

/** The Accept header Prometheus 2.x scrapes with. */
const PROMETHEUS_2_ACCEPT =
  "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
const JOB = "mpmetrics";
const ITERATIONS = 2_500;
const WRITERS = ["p0", "p1", "p2"];
const SCRAPES_MIN = 3;

/** Starts Prometheus scraping `target` every second as job {@link JOB}, with its storage in `dir`. */
const startPrometheus = (dir: string, target: string) => startServer(dir, JOB, [target]);

/** Rejects with `message` if `promise` has not settled within `timeoutMs`. */
async function within<T>(promise: Promise<T>, timeoutMs: number, message: () => string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message()} (after ${timeoutMs} ms)`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}


test("a real Prometheus scrapes a multi-process target: up, OpenMetrics, the writers' exact values", { timeout: 60_000 }, async () => {
  assert.ok(
    existsSync(PROMETHEUS_BINARY),
    `${PROMETHEUS_BINARY} is missing: this test needs a real Prometheus server. Install Debian's prometheus package ` +
      "(node scripts/install_validators.mjs does, and npm test runs it).",
  );
  const runtime = currentRuntime();
  const startedSeconds = Date.now() / 1000;
  const { path, cleanup } = temporaryHeapPath();
  const heap = Heap.open({ path, mode: "create" });
  let server: ReturnType<typeof spawnFixture> | undefined;
  let prometheus: Prometheus | undefined;
  try {
    await within(
      Promise.all(WRITERS.map((writer) => runFixture(runtime, "count", { MPMETRICS_HEAP: path, ITERATIONS: String(ITERATIONS), WRITER: writer, THREADS: "0" }))),
      20_000,
      () => `the ${runtime} writers did not finish`,
    );

    server = spawnFixture(runtime, "serve", { MPMETRICS_HEAP: path }, { denoAllowNet: true });
    const listening = await within(server.waitForLine("listening "), 15_000, () => `the ${runtime} serve fixture did not start listening`);
    const [, port, implementation] = listening.split(" ");
    const target = `127.0.0.1:${port}`;

    // What Prometheus gets when it asks as Prometheus 2.x does.
    const direct = await fetch(`http://${target}/metrics`, { headers: { accept: PROMETHEUS_2_ACCEPT }, signal: AbortSignal.timeout(5_000) });
    assert.equal(direct.status, 200, `${implementation} answered ${direct.status}`);
    assert.equal(direct.headers.get("content-type"), Registry.OPENMETRICS_CONTENT_TYPE, implementation);
    assert.ok((await direct.text()).endsWith("\n# EOF\n"), `${implementation}: the OpenMetrics body must end with # EOF`);

    prometheus = await startPrometheus(dirname(path), target);
    const p = prometheus;
    const active = await poll(async () => {
      const [found] = (await getJson(`${p.url}/api/v1/targets?state=active`)).activeTargets as Record<string, any>[];
      return found !== undefined && found.health !== "unknown" ? found : undefined;
    }, 15_000, () => `Prometheus did not scrape ${target}:\n${p.log()}`);
    assert.equal(active.scrapeUrl, `http://${target}/metrics`);
    assert.equal(active.labels.job, JOB);
    assert.equal(active.lastError, "", `the scrape of ${implementation} failed`);
    assert.equal(active.health, "up");

    // A few scrape intervals, all successful.
    await poll(async () => {
      const scrapes = (await query(p, `count_over_time(up{job="${JOB}"}[1m])`)).get("{}") ?? 0;
      return scrapes >= SCRAPES_MIN ? scrapes : undefined;
    }, 15_000, () => `Prometheus did not scrape ${SCRAPES_MIN} times`);
    assert.equal((await query(p, `min_over_time(up{job="${JOB}"}[1m])`)).get("{}"), 1, "every scrape succeeded");
    const [after] = (await getJson(`${p.url}/api/v1/targets?state=active`)).activeTargets as Record<string, any>[];
    assert.equal(after.health, "up");
    assert.equal(after.lastError, "");

    // The values, exactly: counter totals over all writers, gauges, one metric per writer
    // defined only in it. `_created` series exist only because the scrape was OpenMetrics
    // (the text format leaves them out, and Prometheus 2.x stores them as series).
    const all = await query(p, `{job="${JOB}", __name__=~"mp_test_.+"}`);
    const values = new Map([...all].filter(([key]) => !/^[a-zA-Z0-9_:]+_created\{/.test(key)));
    const created = new Map([...all].filter(([key]) => /^[a-zA-Z0-9_:]+_created\{/.test(key)));
    assert.deepEqual(
      Object.fromEntries([...values].sort()),
      Object.fromEntries([...expectedTotals(ITERATIONS, WRITERS)].sort()),
      "Prometheus's values against the writers' operations",
    );
    const counterSeries = [...values.keys()].filter((key) => key.includes("_total{"));
    assert.deepEqual(
      [...created.keys()].sort(),
      counterSeries.map((key) => key.replace("_total{", "_created{")).sort(),
      "one _created series per counter series (OpenMetrics was negotiated)",
    );
    for (const [key, seconds] of created) {
      assert.ok(seconds >= startedSeconds - 5 && seconds <= Date.now() / 1000 + 5, `${key} = ${seconds} is not a creation time of this test`);
    }
  } finally {
    await Promise.all([prometheus && stop(prometheus.process), server && stop(server.process)]);
    heap.close();
    cleanup();
  }
});

test("a real Prometheus scrapes the npm start demo: up, and its request counts exactly", { timeout: 90_000 }, async () => {
  assert.ok(existsSync(PROMETHEUS_BINARY), `${PROMETHEUS_BINARY} is missing: run node scripts/install_validators.mjs (npm test does)`);
  const { path, cleanup } = temporaryHeapPath(); // a folder for Prometheus's storage
  const port = await freePort();
  const env: Record<string, string | undefined> = { ...process.env, DEMO_PORT: String(port), DEMO_SECONDS: "60" };
  delete env.MPMETRICS_HEAP; // the demo makes its own default heap, as `npm start` does
  env.MPMETRICS_HEAP_INHERIT = "0"; // and does not take this test process's (an ancestor's) heap
  const demo = spawn(join(packageRoot, "node_modules", ".bin", "bun"), [join(packageRoot, "demo", "main.ts")], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  demo.stdout!.setEncoding("utf8");
  demo.stdout!.on("data", (chunk: string) => (output += chunk));
  demo.stderr!.setEncoding("utf8");
  demo.stderr!.on("data", (chunk: string) => (output += chunk));
  let prometheus: Prometheus | undefined;
  try {
    const sent = await poll(async () => {
      const match = /sent (\d+) requests to \//.exec(output);
      return match === null ? undefined : Number(match[1]);
    }, 30_000, () => `the demo did not send its traffic:\n${output}`);
    const heapPath = /default heap: (\S+)/.exec(output)![1];
    assert.ok(existsSync(heapPath), "the demo's default heap exists while it runs");

    prometheus = await startPrometheus(dirname(path), `127.0.0.1:${port}`);
    const p = prometheus;
    await poll(async () => {
      const scrapes = (await query(p, `count_over_time(up{job="${JOB}"}[1m])`)).get("{}") ?? 0;
      return scrapes >= SCRAPES_MIN ? scrapes : undefined;
    }, 20_000, () => `Prometheus did not scrape the demo ${SCRAPES_MIN} times:\n${p.log()}`);
    const [target] = (await getJson(`${p.url}/api/v1/targets?state=active`)).activeTargets as Record<string, any>[];
    assert.equal(target.health, "up");
    assert.equal(target.lastError, "");
    assert.equal((await query(p, `min_over_time(up{job="${JOB}"}[1m])`)).get("{}"), 1, "every scrape succeeded");

    // Whichever worker Prometheus reached, it reported the totals of all three.
    assert.equal((await query(p, `sum(demo_http_requests_total{job="${JOB}", route="/"})`)).get("{}"), sent);
    assert.equal((await query(p, `count(demo_http_requests_total{job="${JOB}", route="/"})`)).get("{}"), 3, "one series per worker");
    assert.equal((await query(p, `demo_workers_up{job="${JOB}"}`)).get("demo_workers_up{}"), 3);
    assert.equal((await query(p, `demo_http_requests_in_flight{job="${JOB}"}`)).get("demo_http_requests_in_flight{}"), 0);

    await stop(demo);
    await poll(async () => (existsSync(heapPath) ? undefined : true), 10_000, () => `the demo left its heap file ${heapPath} behind`);
  } finally {
    await Promise.all([prometheus && stop(prometheus.process), stop(demo)]);
    cleanup();
  }
});
