// fastify-metrics 13 (the line for Node >= 20) on Fastify 5, prom-client replaced by the
// packed mpmetrics through npm `overrides`, run beside the same app on the real prom-client:
// route histogram and summary count every request with the same names, label sets and counts;
// /metrics is answered with the same Content-Type; the default metrics the plugin turns on
// are prom-client's families with its types and help (their values are per process: the
// gauges carry a `pid` label here, one series per live process).
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { before, test } from "node:test";
import { integrationPins, parsePrometheusText, printedBody, series, twinProjects, userView, viewOf } from "./integrations.mjs";
import { mustRun } from "./support.mjs";

let projects;
let ours;
let theirs;
before(() => {
  projects = twinProjects("fastify", { fastify: integrationPins.fastify, "fastify-metrics": integrationPins.fastifyMetrics });
  ours = mustRun(process.execPath, ["app.cjs"], { cwd: projects.ours }).stdout;
  theirs = mustRun(process.execPath, ["app.cjs"], { cwd: projects.theirs }).stdout;
});

const routeFamilies = ["http_request_duration_seconds", "http_request_summary_seconds"];

test("npm overrides put mpmetrics where fastify-metrics requires prom-client (and no @platformatic/prom-client)", () => {
  const installed = JSON.parse(readFileSync(join(projects.ours, "node_modules", "prom-client", "package.json"), "utf8"));
  assert.equal(installed.name, "mpmetrics");
  // fastify-metrics prefers this optional peer when present: it must not be what we measure.
  assert.equal(existsSync(join(projects.ours, "node_modules", "@platformatic", "prom-client")), false);
});

test("Node: fastify-metrics counts every registered route's requests in its histogram and summary", () => {
  assert.match(ours, /^status 200 text\/plain; version=0\.0\.4; charset=utf-8$/m, ours);
  const expected = [
    '{method="GET",route="/hello",status_code="200"} 3',
    '{method="GET",route="/users/:id",status_code="200"} 2',
    '{method="POST",route="/items",status_code="201"} 1',
  ];
  for (const family of routeFamilies) {
    const counts = series(printedBody(ours), `${family}_count`).map((line) => line.slice(`${family}_count`.length));
    assert.deepEqual(counts, expected, ours);
  }
});

test("Node: /metrics shows the route metrics as prom-client does (names, types, help, label sets, counts)", () => {
  assert.equal(ours.split("\n")[0], theirs.split("\n")[0], "status and Content-Type of /metrics");
  const view = (stdout) => viewOf(userView(printedBody(stdout), routeFamilies), routeFamilies);
  assert.deepEqual(view(ours), view(theirs));
});

test("Node: the default metrics the plugin turns on are prom-client's families, with its types and help", () => {
  const oursFamilies = parsePrometheusText(printedBody(ours));
  const theirsFamilies = parsePrometheusText(printedBody(theirs));
  const header = (families) => [...families.values()]
    .filter((family) => !routeFamilies.includes(family.name))
    .map((family) => `${family.name} ${family.type} ${family.help}`)
    .sort();
  assert.deepEqual(header(oursFamilies), header(theirsFamilies));
  assert.ok(header(oursFamilies).length >= 20, printedBody(ours));
});
