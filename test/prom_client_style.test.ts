/**
 * A test file written the way prom-client apps write theirs: the default registry,
 * `beforeEach(() => register.clear())`, the same metrics defined again in every test
 * (sometimes differently), exact values asserted, and errors matched on prom-client's
 * messages (taken from prom-client itself, side by side).
 */

import { beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import promClient from "prom-client";
import client, { collectDefaultMetrics, Counter, Gauge, Histogram, register, Summary } from "../src/index.ts";

/** The values of one metric in the default registry, as `[labels, value]` pairs (sorted). */
async function valuesOf(name: string) {
  const metric = (await register.getMetricsAsJSON()).find((m) => m.name === name);
  return metric?.values.map((v) => [{ ...v.labels }, v.value, v.metricName]).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

/** The message prom-client throws for `fn`. */
function theirMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("prom-client did not throw");
}

describe("an app's metrics, tested as prom-client users test them", () => {
  beforeEach(() => register.clear());

  test("requests are counted per method and code", async () => {
    const requests = new Counter({ name: "app_requests_total", help: "Requests.", labelNames: ["method", "code"] });
    requests.inc({ method: "GET", code: 200 });
    requests.inc({ method: "GET", code: 200 });
    requests.labels("POST", "500").inc(2);
    assert.deepEqual(await valuesOf("app_requests_total"), [[{ method: "GET", code: "200" }, 2, undefined], [{ method: "POST", code: "500" }, 2, undefined]]);
  });

  test("the same counter, defined again after clear(), starts from zero", async () => {
    const requests = new Counter({ name: "app_requests_total", help: "Requests.", labelNames: ["method", "code"] });
    assert.deepEqual(await valuesOf("app_requests_total"), []);
    requests.inc({ method: "GET", code: 200 });
    assert.deepEqual(await valuesOf("app_requests_total"), [[{ method: "GET", code: "200" }, 1, undefined]]);
  });

  test("the same name with other labels and another type is a new metric", async () => {
    const requests = new Gauge({ name: "app_requests_total", help: "In flight now.", labelNames: ["route"] });
    requests.inc({ route: "/a" });
    requests.dec({ route: "/a" }, 0.5);
    assert.deepEqual(await valuesOf("app_requests_total"), [[{ route: "/a" }, 0.5, undefined]]);
    assert.equal((await register.getMetricsAsJSON())[0].type, "gauge");
  });

  test("a histogram observes exact bucket counts and sum", async () => {
    const latency = new Histogram({ name: "app_latency_seconds", help: "Latency.", buckets: [0.1, 1] });
    latency.observe(0.05);
    latency.observe(0.5);
    latency.observe(2);
    assert.deepEqual(await valuesOf("app_latency_seconds"), [
      [{ le: "+Inf" }, 3, "app_latency_seconds_bucket"],
      [{ le: 0.1 }, 1, "app_latency_seconds_bucket"],
      [{ le: 1 }, 2, "app_latency_seconds_bucket"],
      [{}, 2.55, "app_latency_seconds_sum"],
      [{}, 3, "app_latency_seconds_count"],
    ].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))));
  });

  test("the histogram again, with other buckets, from nothing", async () => {
    const latency = new Histogram({ name: "app_latency_seconds", help: "Latency.", buckets: [5] });
    latency.observe(1);
    const values = await valuesOf("app_latency_seconds");
    assert.deepEqual(values?.filter((v) => v[2] === "app_latency_seconds_count"), [[{}, 1, "app_latency_seconds_count"]]);
    assert.equal(values?.length, 4, "buckets 5 and +Inf, sum, count");
  });

  test("a summary and a gauge timer", async () => {
    const size = new Summary({ name: "app_payload_bytes", help: "Sizes.", percentiles: [0.5] });
    size.observe(100);
    size.observe(300);
    const jobs = new Gauge({ name: "app_jobs", help: "Jobs." });
    jobs.set(10);
    jobs.inc();
    const seconds = jobs.startTimer()();
    const values = await valuesOf("app_payload_bytes");
    assert.deepEqual(values?.filter((v) => v[2] !== "app_payload_bytes").map((v) => v[1]), [2, 400]);
    assert.deepEqual(await valuesOf("app_jobs"), [[{}, seconds, undefined]]);
  });

  test("resetMetrics() between cases, as prom-client's", async () => {
    const hits = new Counter({ name: "app_hits", help: "Hits.", labelNames: ["page"] });
    const up = new Gauge({ name: "app_up", help: "Up." });
    hits.inc({ page: "home" }, 4);
    up.set(1);
    register.resetMetrics();
    assert.deepEqual(await valuesOf("app_hits"), []);
    assert.deepEqual(await valuesOf("app_up"), [[{}, 0, undefined]]);
  });

  test("clear() removes default metrics too, and they can be collected again", async () => {
    collectDefaultMetrics({ prefix: "app_" });
    assert.ok(register.getMetricsAsArray().length > 0);
    register.clear();
    assert.deepEqual(register.getMetricsAsArray(), []);
    assert.equal((await register.metrics()).trim(), "");
    collectDefaultMetrics({ prefix: "app_" });
    assert.ok((await register.getMetricsAsJSON()).some((m) => m.name.startsWith("app_process_cpu")));
  });

  test("the default export works the same, and the default labels go with clear()", async () => {
    register.setDefaultLabels({ service: "api" });
    new client.Counter({ name: "app_logins", help: "Logins." }).inc();
    assert.deepEqual(await valuesOf("app_logins"), [[{ service: "api" }, 1, undefined]]);
    register.clear();
    new client.Counter({ name: "app_logins", help: "Logins." }).inc(2);
    assert.deepEqual(await valuesOf("app_logins"), [[{}, 2, undefined]]);
    client.contentType = client.openMetricsContentType;
    assert.equal(register.contentType, client.openMetricsContentType, "client.contentType sets the default registry's, as prom-client's");
    assert.equal(client.contentType, client.openMetricsContentType);
    client.contentType = client.prometheusContentType;
  });

  test("mistakes throw with prom-client's messages", () => {
    const theirs = new promClient.Registry();
    const theirCounter = new promClient.Counter({ name: "app_errors", help: "E.", labelNames: ["kind"], registers: [theirs] });
    const counter = new Counter({ name: "app_errors", help: "E.", labelNames: ["kind"] });
    const startsWith = (fn: () => unknown, expected: string) =>
      assert.throws(fn, (error: Error) => {
        assert.ok(error.message.startsWith(expected), `"${error.message}" starts with prom-client's "${expected}"`);
        return true;
      });
    startsWith(() => counter.inc({ kind: "x" }, -1), theirMessage(() => theirCounter.inc({ kind: "x" }, -1)));
    startsWith(() => counter.inc({ kind: "x" }, Infinity), theirMessage(() => theirCounter.inc({ kind: "x" }, Infinity)));
    startsWith(() => counter.inc({ nope: "x" } as never), theirMessage(() => theirCounter.inc({ nope: "x" } as never)));
    startsWith(() => counter.labels("a", "b"), theirMessage(() => theirCounter.labels("a", "b")));
    startsWith(() => new Counter({ name: "app_errors", help: "E." }), theirMessage(() => new promClient.Counter({ name: "app_errors", help: "E.", registers: [theirs] })));
    startsWith(() => new Counter({ name: "app_x" } as never), theirMessage(() => new promClient.Counter({ name: "app_x" } as never)));
    startsWith(() => new Counter({ help: "H." } as never), theirMessage(() => new promClient.Counter({ help: "H." } as never)));
    startsWith(() => new Counter({ name: "app-x", help: "H." }), theirMessage(() => new promClient.Counter({ name: "app-x", help: "H." })));
    startsWith(() => new Counter({ name: "app_y", help: "H.", labelNames: ["a-b"] }), theirMessage(() => new promClient.Counter({ name: "app_y", help: "H.", labelNames: ["a-b"] })));
    const gauge = new Gauge({ name: "app_g", help: "G." });
    const theirGauge = new promClient.Gauge({ name: "app_g", help: "G.", registers: [theirs] });
    startsWith(() => gauge.set("1" as never), theirMessage(() => theirGauge.set("1" as never)));
    startsWith(() => gauge.inc("1" as never), theirMessage(() => theirGauge.inc("1" as never)));
    startsWith(() => new client.Registry("text/html" as never), theirMessage(() => new (promClient.Registry as unknown as new (type: string) => unknown)("text/html")));
  });
});
