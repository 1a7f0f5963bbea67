// @hono/prometheus (a real ESM consumer of prom-client) with hono, prom-client replaced by
// the packed mpmetrics through npm `overrides`: the same app on Bun (Bun.serve), Node
// (@hono/node-server) and Deno (Deno.serve, npm packages from node_modules) counts its
// requests and answers /metrics as the same app on the real prom-client does: the same
// families, label sets and counts, and the same text byte for byte but for the values.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, test } from "node:test";
import { integrationPins, maskedBody, printedBody, series, twinProjects, userView } from "./integrations.mjs";
import { bunBinary, denoBinary, mustRun } from "./support.mjs";

let projects;
before(() => {
  projects = twinProjects("hono", {
    hono: integrationPins.hono,
    "@hono/prometheus": integrationPins.honoPrometheus,
    "@hono/node-server": integrationPins.honoNodeServer,
  });
});

test("npm overrides put mpmetrics where @hono/prometheus imports prom-client", () => {
  const installed = (dir) => JSON.parse(readFileSync(join(dir, "node_modules", "prom-client", "package.json"), "utf8"));
  assert.equal(installed(projects.ours).name, "mpmetrics");
  assert.equal(installed(projects.theirs).version, integrationPins.promClient);
});

const runtimes = [
  ["Node", process.execPath, []],
  ["Bun", bunBinary, []],
  ["Deno", denoBinary, ["run", "--allow-net", "--allow-env", "--allow-ffi", "--allow-read", "--allow-sys"]],
];
const counted = ["http_requests_total", "http_request_duration_seconds"];

for (const [runtime, binary, flags] of runtimes) {
  test(`${runtime}: @hono/prometheus counts every request and /metrics shows what prom-client shows`, () => {
    const ours = mustRun(binary, [...flags, "app.mjs"], { cwd: projects.ours }).stdout;
    const theirs = mustRun(binary, [...flags, "app.mjs"], { cwd: projects.theirs }).stdout;
    assert.deepEqual(series(printedBody(ours), "http_requests_total"), [
      'http_requests_total{method="GET",ok="false",route="/*",status="404"} 1',
      'http_requests_total{method="GET",ok="true",route="/hello",status="200"} 3',
      'http_requests_total{method="GET",ok="true",route="/users/:id",status="200"} 2',
      'http_requests_total{method="POST",ok="true",route="/items",status="201"} 1',
    ], ours);
    assert.equal(ours.split("\n")[0], theirs.split("\n")[0], "status and Content-Type of /metrics");
    assert.deepEqual(userView(printedBody(ours), counted), userView(printedBody(theirs), counted));
    assert.equal(maskedBody(printedBody(ours)), maskedBody(printedBody(theirs)), "the body byte for byte, values aside");
  });
}
