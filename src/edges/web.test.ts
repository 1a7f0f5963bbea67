import { test } from "node:test";
import assert from "node:assert/strict";
import { Heap } from "../heap/heap.ts";
import { Counter } from "../metrics/counter.ts";
import { Registry } from "../metrics/registry.ts";
import type { FamilySnapshot } from "../exposition/snapshot.ts";
import { temporaryHeapPath } from "../../test/support/runtimes.ts";
import { metricsHandler } from "./web.ts";

/** The Accept header Prometheus 2.x scrapes with. */
const PROMETHEUS_2_ACCEPT =
  "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
const url = "http://127.0.0.1/metrics";

function withRegistry(fn: (registry: Registry) => Promise<void>): () => Promise<void> {
  return async () => {
    const { path, cleanup } = temporaryHeapPath();
    const heap = Heap.open({ path, mode: "create" });
    try {
      const registry = new Registry(Registry.PROMETHEUS_CONTENT_TYPE, { heap });
      new Counter({ name: "edge_jobs", help: "Jobs done.", heap, registers: [registry] }).inc(3);
      await fn(registry);
    } finally {
      heap.close();
      cleanup();
    }
  };
}

/** A registry whose collect() fails, and the errors it reported. */
function failing(collect: () => Promise<FamilySnapshot[]>): Registry {
  const registry = new Registry();
  registry.collect = collect;
  return registry;
}

test("Prometheus 2.x's Accept header gets OpenMetrics ending in # EOF", withRegistry(async (registry) => {
  const response = await metricsHandler(registry)(new Request(url, { headers: { accept: PROMETHEUS_2_ACCEPT } }));
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), Registry.OPENMETRICS_CONTENT_TYPE);
  assert.equal(response.headers.get("cache-control"), "no-store");
  assert.equal(response.headers.get("vary"), "Accept");
  const body = await response.text();
  assert.match(body, /^edge_jobs_total 3$/m);
  assert.match(body, /^edge_jobs_created /m);
  assert.ok(body.endsWith("\n# EOF\n"), body);
}));

test("no Accept header gets Prometheus text 0.0.4", withRegistry(async (registry) => {
  const response = await metricsHandler(registry)(new Request(url));
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), Registry.PROMETHEUS_CONTENT_TYPE);
  assert.equal(response.headers.get("cache-control"), "no-store");
  const body = await response.text();
  assert.match(body, /^# TYPE edge_jobs counter$/m);
  assert.match(body, /^edge_jobs 3$/m);
  assert.doesNotMatch(body, /# EOF/);
}));

test("HEAD: the headers GET would get, no body", withRegistry(async (registry) => {
  const handler = metricsHandler(registry);
  for (const accept of [PROMETHEUS_2_ACCEPT, undefined]) {
    const headers: Record<string, string> = accept === undefined ? {} : { accept };
    const get = await handler(new Request(url, { headers }));
    const head = await handler(new Request(url, { method: "HEAD", headers }));
    assert.equal(head.status, 200);
    assert.equal(head.headers.get("content-type"), get.headers.get("content-type"));
    assert.equal(head.headers.get("cache-control"), "no-store");
    assert.equal(head.headers.get("content-length"), String(new TextEncoder().encode(await get.text()).byteLength));
    assert.equal(head.body, null);
    assert.equal(await head.text(), "");
  }
}));

test("other methods: 405 with Allow: GET, HEAD", withRegistry(async (registry) => {
  const handler = metricsHandler(registry);
  for (const method of ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"]) {
    const response = await handler(new Request(url, { method }));
    assert.equal(response.status, 405, method);
    assert.equal(response.headers.get("allow"), "GET, HEAD");
    assert.equal(response.headers.get("cache-control"), "no-store");
    assert.match(await response.text(), new RegExp(`^Method ${method} not allowed`));
  }
}));

test("collect() throws: 500, a short text body, the error reported", async () => {
  const cause = new Error("heap gone");
  const reported: unknown[] = [];
  const handler = metricsHandler(failing(() => Promise.reject(cause)), { onError: (error) => reported.push(error) });
  for (const accept of [PROMETHEUS_2_ACCEPT, undefined]) {
    const response = await handler(new Request(url, { headers: accept === undefined ? {} : { accept } }));
    assert.equal(response.status, 500);
    assert.equal(response.headers.get("content-type"), "text/plain; charset=utf-8");
    assert.equal(response.headers.get("cache-control"), "no-store");
    assert.equal(await response.text(), "Failed to collect metrics\n");
  }
  const head = await handler(new Request(url, { method: "HEAD" }));
  assert.equal(head.status, 500);
  assert.equal(head.body, null);
  assert.deepEqual(reported, [cause, cause, cause]);
});

test("a serializer that fails after the first family: 500, no part of the metrics body", async () => {
  const good: FamilySnapshot = { type: "counter", name: "edge_fine", help: "Serializes.", series: [{ labels: [], value: 1 }] };
  const bad: FamilySnapshot = {
    type: "counter",
    name: "edge_broken",
    help: "Its exemplar is over 128 code points.",
    series: [{ labels: [], value: 1, exemplar: { labels: [["trace_id", "x".repeat(200)]], value: 1 } }],
  };
  const reported: unknown[] = [];
  const handler = metricsHandler(failing(() => Promise.resolve([good, bad])), { onError: (error) => reported.push(error) });
  const response = await handler(new Request(url, { headers: { accept: PROMETHEUS_2_ACCEPT } }));
  assert.equal(response.status, 500);
  const body = await response.text();
  assert.equal(body, "Failed to collect metrics\n");
  assert.equal(reported.length, 1);
  assert.ok(reported[0] instanceof RangeError, String(reported[0]));
});

test("an onError that throws still gets a 500", async () => {
  const handler = metricsHandler(failing(() => Promise.reject(new Error("x"))), {
    onError: () => {
      throw new Error("reporter broken");
    },
  });
  const response = await handler(new Request(url));
  assert.equal(response.status, 500);
  assert.equal(await response.text(), "Failed to collect metrics\n");
});
