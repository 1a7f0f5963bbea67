import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Heap } from "../heap/heap.ts";
import { Counter } from "../metrics/counter.ts";
import { Registry } from "../metrics/registry.ts";
import { temporaryHeapPath } from "../../test/support/runtimes.ts";
import type { MetricsHandlerOptions, ScrapeSource } from "./_respond.ts";
import { nodeMetricsHandler } from "./node.ts";

/** The Accept header Prometheus 2.x scrapes with. */
const PROMETHEUS_2_ACCEPT =
  "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

/** Serves `registry` with the node handler on a real node:http server on loopback. */
async function withServer(
  registry: ScrapeSource,
  fn: (url: string) => Promise<void>,
  options: MetricsHandlerOptions = {},
): Promise<void> {
  const handler = nodeMetricsHandler(registry, options);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => void handler(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  try {
    await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`);
  } finally {
    server.closeAllConnections?.();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function withRegistry(fn: (url: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const { path, cleanup } = temporaryHeapPath();
    const heap = Heap.open({ path, mode: "create" });
    try {
      const registry = new Registry(Registry.PROMETHEUS_CONTENT_TYPE, { heap });
      new Counter({ name: "edge_jobs", help: "Jobs done.", heap, registers: [registry] }).inc(3);
      await withServer(registry, fn);
    } finally {
      heap.close();
      cleanup();
    }
  };
}

test("node:http: Prometheus 2.x's Accept header gets OpenMetrics ending in # EOF", withRegistry(async (url) => {
  const response = await fetch(url, { headers: { accept: PROMETHEUS_2_ACCEPT } });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), Registry.OPENMETRICS_CONTENT_TYPE);
  assert.equal(response.headers.get("cache-control"), "no-store");
  assert.equal(response.headers.get("vary"), "Accept");
  const body = await response.text();
  assert.equal(response.headers.get("content-length"), String(new TextEncoder().encode(body).byteLength));
  assert.match(body, /^edge_jobs_total 3$/m);
  assert.ok(body.endsWith("\n# EOF\n"), body);
}));

test("node:http: no Accept header gets Prometheus text 0.0.4", withRegistry(async (url) => {
  const response = await fetch(url, { headers: { accept: "" } });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), Registry.PROMETHEUS_CONTENT_TYPE);
  const body = await response.text();
  assert.match(body, /^edge_jobs 3$/m);
  assert.doesNotMatch(body, /# EOF/);
}));

test("node:http: HEAD gets the headers GET would get, Content-Length included, and no body", withRegistry(async (url) => {
  const get = await fetch(url, { headers: { accept: PROMETHEUS_2_ACCEPT } });
  const length = new TextEncoder().encode(await get.text()).byteLength;
  const response = await fetch(url, { method: "HEAD", headers: { accept: PROMETHEUS_2_ACCEPT } });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-length"), String(length));
  assert.equal(response.headers.get("content-type"), Registry.OPENMETRICS_CONTENT_TYPE);
  assert.equal(response.headers.get("cache-control"), "no-store");
  assert.equal(await response.text(), "");
}));

test("node:http: other methods get 405 with Allow: GET, HEAD", withRegistry(async (url) => {
  for (const method of ["POST", "PUT", "DELETE", "OPTIONS"]) {
    const response = await fetch(url, { method, body: method === "POST" || method === "PUT" ? "x" : undefined });
    assert.equal(response.status, 405, method);
    assert.equal(response.headers.get("allow"), "GET, HEAD");
    assert.equal(response.headers.get("cache-control"), "no-store");
    assert.match(await response.text(), new RegExp(`^Method ${method} not allowed`));
  }
}));

test("node:http: collect() throws: 500, a short text body, no metrics", async () => {
  const cause = new Error("heap gone");
  const registry = new Registry();
  registry.collect = () => Promise.reject(cause);
  const reported: unknown[] = [];
  await withServer(registry, async (url) => {
    const response = await fetch(url, { headers: { accept: PROMETHEUS_2_ACCEPT } });
    assert.equal(response.status, 500);
    assert.equal(response.headers.get("content-type"), "text/plain; charset=utf-8");
    assert.equal(response.headers.get("cache-control"), "no-store");
    assert.equal(await response.text(), "Failed to collect metrics\n");
    const head = await fetch(url, { method: "HEAD" });
    assert.equal(head.status, 500);
    assert.equal(await head.text(), "");
  }, { onError: (error) => reported.push(error) });
  assert.deepEqual(reported, [cause, cause]);
});

test("node:http: the listener's promise never rejects, even on a response already started", async () => {
  const registry = new Registry();
  const reported: unknown[] = [];
  const handler = nodeMetricsHandler(registry, { onError: (error) => reported.push(error) });
  const server = createServer(async (req, res) => {
    res.writeHead(200, { "content-type": "text/plain" });
    res.write("started by someone else\n");
    await handler(req, res); // must resolve, and end the broken response
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
    await assert.rejects(fetch(url).then((response) => response.text()));
    assert.equal(reported.length, 1);
    assert.match(String(reported[0]), /already started/);
  } finally {
    server.closeAllConnections?.();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
