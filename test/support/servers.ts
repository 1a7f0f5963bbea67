/**
 * Real servers for the tests (Debian's Prometheus and Pushgateway): started on a free
 * loopback port with their storage in a test's folder, waited for, and stopped.
 */

import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

export const PROMETHEUS_BINARY = "/usr/bin/prometheus";
export const PUSHGATEWAY_BINARY = "/usr/bin/prometheus-pushgateway";
const STARTUP_ATTEMPTS_MAX = 3;

/** A port nothing listens on right now: bind port 0 on loopback, read it, let it go. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  assert.ok(address !== null && typeof address === "object");
  return address.port;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns a value other than undefined; fails with `message()` after `timeoutMs`. */
export async function poll<T>(probe: () => Promise<T | undefined>, timeoutMs: number, message: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() >= deadline) throw new Error(`${message()} (after ${timeoutMs} ms)`);
    await sleep(200);
  }
}

/** Stops a child process: SIGTERM, then SIGKILL if it has not exited within 5 s. */
export async function stop(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

/** A server process started by {@link startServer}. */
export interface Server {
  readonly process: ChildProcess;
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Its log so far, for failure messages. */
  log(): string;
}

/**
 * Starts `binary` with `args(port)` on a free port and waits until `readyPath` answers
 * 200; retries on another port when the chosen one was taken meanwhile.
 */
export async function startServer(binary: string, args: (port: number, attempt: number) => string[], readyPath: string): Promise<Server> {
  let lastLog = "";
  for (let attempt = 1; attempt <= STARTUP_ATTEMPTS_MAX; attempt++) {
    const port = await freePort(); // another process may take it before the server binds: retry
    const child = spawn(binary, args(port, attempt), { stdio: ["ignore", "pipe", "pipe"] });
    let log = "";
    for (const stream of [child.stdout!, child.stderr!]) {
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => {
        log += chunk;
      });
    }
    const server: Server = { process: child, url: `http://127.0.0.1:${port}`, log: () => log };
    let exited = false;
    child.once("close", () => {
      exited = true;
    });
    child.once("error", () => {
      exited = true;
    });
    const ready = await poll(async () => {
      if (exited) return false;
      const response = await fetch(`${server.url}${readyPath}`, { signal: AbortSignal.timeout(1_000) });
      await response.body?.cancel();
      return response.ok ? true : undefined;
    }, 20_000, () => `${binary} did not get ready on ${server.url}:\n${log}`).catch(async (error) => {
      await stop(child);
      throw error;
    });
    if (ready) return server;
    lastLog = log;
    if (!/address already in use/.test(log)) break;
  }
  throw new Error(`${binary} exited at startup:\n${lastLog}`);
}

/** Starts a Pushgateway keeping its state in `dir`. */
export function startPushgateway(dir: string): Promise<Server> {
  return startServer(PUSHGATEWAY_BINARY, (port, attempt) => [
    `--web.listen-address=127.0.0.1:${port}`,
    `--persistence.file=${join(dir, `pushgateway${attempt}.data`)}`,
    "--log.level=info",
  ], "/-/ready");
}

/**
 * Starts Prometheus scraping `targets` every second as job `job` (with `honor_labels`
 * when asked, as a Pushgateway's scrape needs), storage in `dir`.
 */
export function startPrometheus(dir: string, job: string, targets: readonly string[], options: { readonly honorLabels?: boolean } = {}): Promise<Server> {
  const config = join(dir, "prometheus.yml");
  writeFileSync(config, [
    "global:",
    "  scrape_interval: 1s",
    "  scrape_timeout: 1s",
    "  evaluation_interval: 1s",
    "scrape_configs:",
    `  - job_name: ${job}`,
    ...(options.honorLabels ? ["    honor_labels: true"] : []),
    "    static_configs:",
    `      - targets: [${targets.map((t) => JSON.stringify(t)).join(", ")}]`,
    "",
  ].join("\n"));
  return startServer(PROMETHEUS_BINARY, (port, attempt) => [
    `--config.file=${config}`,
    `--storage.tsdb.path=${join(dir, `tsdb${attempt}`)}`,
    `--web.listen-address=127.0.0.1:${port}`,
    "--log.level=info",
  ], "/-/ready");
}

/** A JSON API answer's `data` (Prometheus and Pushgateway both wrap it in `{ status, data }`). */
export async function getJson(url: string): Promise<any> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  const body = (await response.json()) as { status?: string; data?: any };
  if (!response.ok || body.status !== "success") throw new Error(`${url}: ${response.status} ${JSON.stringify(body)}`);
  return body.data;
}

/** An instant query's vector as `name{label="value",...}` (labels sorted, `job` and `instance` left out) → value. */
export async function query(prometheus: Server, promql: string): Promise<Map<string, number>> {
  const data = await getJson(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(promql)}`);
  assert.equal(data.resultType, "vector");
  const samples = new Map<string, number>();
  for (const { metric, value } of data.result as { metric: Record<string, string>; value: [number, string] }[]) {
    const { __name__: name, job: _job, instance: _instance, ...labels } = metric;
    const pairs = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).sort();
    samples.set(`${name ?? ""}{${pairs.join(",")}}`, Number(value[1]));
  }
  return samples;
}
