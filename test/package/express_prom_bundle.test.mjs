// express-prom-bundle (a real CommonJS consumer of prom-client) with prom-client replaced
// by the packed mpmetrics through npm `overrides`: requests counted, /metrics answered,
// under Node and Bun.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, test } from "node:test";
import { bunBinary, copyApp, freshProject, mustRun, npmInstall, packedTarball, pins, samples } from "./support.mjs";

let dir;
before(() => {
  dir = freshProject("express", {
    name: "express-app",
    private: true,
    dependencies: { express: pins.express, "express-prom-bundle": pins.expressPromBundle },
    overrides: { "prom-client": `file:${packedTarball()}` },
  });
  npmInstall(dir);
  copyApp("express", dir);
});

test("npm overrides put mpmetrics where express-prom-bundle requires prom-client", () => {
  const installed = JSON.parse(readFileSync(join(dir, "node_modules", "prom-client", "package.json"), "utf8"));
  assert.equal(installed.name, "mpmetrics");
});

for (const [runtime, binary] of [["Node", process.execPath], ["Bun", bunBinary]]) {
  test(`${runtime}: express-prom-bundle counts requests and answers /metrics`, () => {
    const { stdout } = mustRun(binary, ["app.cjs"], { cwd: dir });
    assert.match(stdout, /^status 200 text\/plain/m, stdout);
    const counts = samples(stdout, "http_request_duration_seconds_count");
    assert.deepEqual(counts, ['http_request_duration_seconds_count{status_code="200",method="GET",path="/hello"} 3'], stdout);
  });
}
