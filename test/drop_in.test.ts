/**
 * The drop-in promise: code written for prom-client runs unchanged with the import
 * switched to mpmetrics, the default-import style (`client.Counter`) and named imports
 * alike, on the default heap and the default registry.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import client, { AggregatorRegistry, Counter, Histogram, register } from "../src/index.ts";
import { parseSamples } from "./support/parse_text.ts";

test("prom-client code, with only the import changed", async () => {
  // As in prom-client's README.
  const counter = new client.Counter({ name: "dropin_requests_total", help: "metric_help", labelNames: ["code"] });
  counter.inc();
  counter.inc(10);
  counter.labels("200").inc();
  counter.inc({ code: 200 });
  const gauge = new client.Gauge({ name: "dropin_gauge", help: "metric_help" });
  gauge.set(10);
  gauge.inc();
  gauge.dec(2);
  const histogram = new client.Histogram({ name: "dropin_seconds", help: "metric_help", buckets: client.linearBuckets(0, 0.5, 4) });
  histogram.observe(0.25);
  const end = histogram.startTimer();
  end();
  const summary = new client.Summary({ name: "dropin_summary", help: "metric_help", percentiles: [0.5, 0.9] });
  summary.observe(4);
  const named = new Counter({ name: "dropin_named", help: "Named imports work the same." });
  named.inc(3);
  new Histogram({ name: "dropin_exp", help: "x", buckets: client.exponentialBuckets(1, 2, 4) }).observe(3);

  assert.equal(client.register, register);
  assert.equal(register.contentType, client.prometheusContentType);
  assert.equal(client.contentType, client.prometheusContentType);
  assert.equal(client.openMetricsContentType, client.Registry.OPENMETRICS_CONTENT_TYPE);
  assert.equal(client.validateMetricName("dropin_ok"), true);
  assert.equal(client.validateMetricName("dropin-bad"), false);
  assert.throws(() => new client.Counter({ name: "dropin_requests_total", help: "again" }), /has already been registered/);

  const samples = parseSamples(await client.register.metrics());
  assert.equal(samples.get("dropin_requests_total{}"), 11);
  assert.equal(samples.get('dropin_requests_total{code="200"}'), 2);
  assert.equal(samples.get("dropin_gauge{}"), 9);
  assert.equal(samples.get('dropin_seconds_bucket{le="0.5"}'), 2, "0.25 and the timer's near-zero duration");
  assert.equal(samples.get("dropin_seconds_count{}"), 2);
  assert.equal(samples.get('dropin_summary{quantile="0.5"}'), samples.get('dropin_summary{quantile="0.9"}'));
  assert.equal(samples.get("dropin_named{}"), 3);

  // The cluster API reads the same totals (here one process; test/exact_totals shows many).
  const aggregated = parseSamples(await new AggregatorRegistry().clusterMetrics());
  assert.equal(aggregated.get("dropin_requests_total{}"), 11);
  AggregatorRegistry.setRegistries([register]);

  assert.equal(register.getSingleMetric("dropin_requests_total"), counter, "found by the name it was given");
  assert.equal(register.getSingleMetric("dropin_requests"), counter);
  const json = await register.getMetricsAsJSON();
  const requests = json.find((m) => m.name === "dropin_requests_total")!; // the name as given, as prom-client's
  assert.equal(requests.type, "counter");
  assert.deepEqual(requests.values.map((v) => [v.labels, v.value]).sort(), [[{}, 11], [{ code: "200" }, 2]].sort());
});
