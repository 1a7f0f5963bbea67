/**
 * OpenMetrics 1.0 and Prometheus text 0.0.4 stay what they were: with UTF-8 names
 * disabled (the default) and with them enabled, every body that a legacy scraper
 * negotiates (Prometheus 2.x's Accept header, Prometheus 3 asking for `underscores` or
 * `dots`, a `values` scheme, no Accept header) is accepted by Python's strict
 * OpenMetrics parser or by `promtool check metrics`, for a registry of every type,
 * native histograms (native-only and classic+native) included; with UTF-8 names the
 * names arrive escaped by the scheme asked for.
 */

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { Heap } from "../src/heap/heap.ts";
import { Counter } from "../src/metrics/counter.ts";
import { Gauge } from "../src/metrics/gauge.ts";
import { Histogram } from "../src/metrics/histogram.ts";
import { Info } from "../src/metrics/info.ts";
import { setNameValidationScheme } from "../src/metrics/name_scheme.ts";
import { Registry } from "../src/metrics/registry.ts";
import { StateSet } from "../src/metrics/stateset.ts";
import { Summary } from "../src/metrics/summary.ts";
import { prom3Metrics, prom3Record } from "./fixtures/prom3_lib.ts";
import * as captured from "./support/prometheus3_accept.ts";
import { temporaryHeapPath } from "./support/runtimes.ts";
import { strictParse } from "./support/strict_parser.ts";

const OM1 = "application/openmetrics-text; version=1.0.0; charset=utf-8";
const TEXT = "text/plain; version=0.0.4; charset=utf-8";

/** The lint findings prom-client's text naming brings (a counter named without `_total`). */
const ALLOWED_LINT = /^[a-zA-Z_:][a-zA-Z0-9_:]* counter metrics should have "_total" suffix$/;

/** Fails unless promtool parses `body` with no finding but the allowed lint. */
function promtoolAccepts(body: string, what: string): void {
  const run = spawnSync("promtool", ["check", "metrics"], { input: body, encoding: "utf8" });
  assert.equal(run.error, undefined, `promtool did not run: run node scripts/install_validators.mjs`);
  const findings = `${run.stdout}${run.stderr}`.split("\n").map((line) => line.trim()).filter((line) => line !== "");
  assert.ok(run.status === 0 || run.status === 3, `${what}: promtool exited ${run.status}:\n${findings.join("\n")}\n${body}`);
  for (const finding of findings) assert.match(finding, ALLOWED_LINT, `${what}: promtool: ${finding}`);
}

/** Scrapes `registry` for each Accept header and validates the body with the validator of its format. */
async function validateEach(registry: Registry, accepts: readonly [string, string | undefined, string][]): Promise<Map<string, string>> {
  const bodies = new Map<string, string>();
  for (const [what, accept, contentType] of accepts) {
    const { contentType: got, body } = await registry.scrape(accept);
    assert.equal(got, contentType, what);
    assert.equal(typeof body, "string", what);
    const text = body as string;
    if (got.startsWith(OM1)) strictParse(text);
    else promtoolAccepts(text, what);
    bodies.set(what, text);
  }
  return bodies;
}

test("UTF-8 names disabled: the strict parser and promtool accept every legacy body, native histograms included", async () => {
  const { path, cleanup } = temporaryHeapPath();
  const heap = Heap.open({ path, mode: "create" });
  try {
    const registry = new Registry(Registry.PROMETHEUS_CONTENT_TYPE, { heap });
    const registers = [registry];
    new Counter({ name: "app_jobs", help: "Jobs.", labelNames: ["queue"], heap, registers }).labels("mail").inc(3);
    new Gauge({ name: "app_temperature_celsius", help: "Temperature.", heap, registers }).set(21.5);
    const both = new Histogram({ name: "app_latency_seconds", help: "Latency.", labelNames: ["path"], buckets: [0.1, 1], nativeHistogramBucketFactor: 1.1, heap, registers });
    const nativeOnly = new Histogram({ name: "app_native_seconds", help: "Native.", buckets: [], nativeHistogramBucketFactor: 1.1, heap, registers });
    for (const value of [0, 0.05, 0.5, 2, 30]) {
      both.labels("/").observe(value);
      nativeOnly.observe(value);
    }
    new Summary({ name: "app_rpc_seconds", help: "Summary.", heap, registers }).observe(0.3);
    new Info({ name: "app_build", help: "Build.", labelNames: ["version"], heap, registers }).info({ version: "1.0" });
    new StateSet({ name: "app_mode", help: "Mode.", states: ["a", "b"], heap, registers }).state("b");
    const bodies = await validateEach(registry, [
      ["Prometheus 2.x", captured.PROMETHEUS2, OM1],
      ["Prometheus 3 default", captured.PROMETHEUS3_DEFAULT, `${OM1}; escaping=allow-utf-8`],
      ["Prometheus 3 underscores", captured.PROMETHEUS3_UNDERSCORES, `${OM1}; escaping=underscores`],
      ["no Accept", undefined, TEXT],
      ["text with allow-utf-8", "text/plain;version=0.0.4;escaping=allow-utf-8", `${TEXT}; escaping=allow-utf-8`],
    ]);
    // Nothing is quoted when no name needs it, whatever the scraper allows.
    assert.equal(bodies.get("Prometheus 3 default"), bodies.get("Prometheus 2.x"));
    assert.equal(bodies.get("text with allow-utf-8"), bodies.get("no Accept"));
    assert.match(bodies.get("Prometheus 2.x")!, /^app_native_seconds_bucket\{le="\+Inf"\} 5$/m);
  } finally {
    heap.close();
    cleanup();
  }
});

test("UTF-8 names enabled: legacy scrapers get escaped names that the strict parser and promtool accept", async () => {
  const { path, cleanup } = temporaryHeapPath();
  const heap = Heap.open({ path, mode: "create" });
  try {
    const registry = new Registry(Registry.PROMETHEUS_CONTENT_TYPE, { heap });
    prom3Record(prom3Metrics(heap, [registry]), 0);
    const bodies = await validateEach(registry, [
      ["Prometheus 2.x", captured.PROMETHEUS2, OM1],
      ["Prometheus 3 underscores", captured.PROMETHEUS3_UNDERSCORES, `${OM1}; escaping=underscores`],
      ["Prometheus 3 dots", captured.PROMETHEUS3_DOTS, `${OM1}; escaping=dots`],
      ["values", "application/openmetrics-text;version=1.0.0;escaping=values", `${OM1}; escaping=values`],
      ["no Accept", undefined, TEXT],
      ["text underscores", "text/plain;version=0.0.4;escaping=underscores", `${TEXT}; escaping=underscores`],
    ]);
    const expected: Record<string, RegExp> = {
      "Prometheus 2.x": /^http_server_duration_count\{http_route="\/größe"\} 200$/m,
      "Prometheus 3 underscores": /^http_server_duration_count\{http_route="\/größe"\} 200$/m,
      "Prometheus 3 dots": /^http_dot_server_dot_duration_count\{http_dot_route="\/größe"\} 200$/m,
      values: /^U__http_2e_server_2e_duration_count\{U__http_2e_route="\/größe"\} 200$/m,
      "no Accept": /^http_server_duration_count\{http_route="\/größe"\} 200$/m,
      "text underscores": /^http_server_duration_count\{http_route="\/größe"\} 200$/m,
    };
    for (const [what, body] of bodies) {
      assert.match(body, expected[what], what);
      assert.doesNotMatch(body, /"http\.|\{"/, `${what}: a quoted name`);
    }
    // The strict parser reads the escaped names back as ordinary families.
    const families = strictParse(bodies.get("Prometheus 3 dots")!);
    const histogram = families.find((f) => f.name === "http_dot_server_dot_duration");
    assert.equal(histogram?.type, "histogram");
    assert.deepEqual(histogram?.samples.find((s) => s[0].endsWith("_count"))?.[1], { http_dot_route: "/größe" });
  } finally {
    setNameValidationScheme("legacy");
    heap.close();
    cleanup();
  }
});
