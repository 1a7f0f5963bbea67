// Deno on the npm package: a package.json + node_modules project with the tarball; a parent
// (bare "mpmetrics") starts a child (`npm:mpmetrics`) with Deno.Command and no env option.
// The parent's scrape must show both counts. Also `deno check` of the two files.
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { copyApp, denoBinary, freshProject, mustRun, npmInstall, packedTarball, samples } from "./support.mjs";

let dir;
before(() => {
  dir = freshProject("deno", { name: "deno-app", private: true, type: "module", dependencies: { mpmetrics: `file:${packedTarball()}` } });
  npmInstall(dir);
  copyApp("deno", dir);
});

test("Deno from npm: a child from Deno.Command (no env) counts into the parent's heap", () => {
  const { stdout } = mustRun(denoBinary, ["run", "--allow-ffi", "--allow-env", "--allow-run", "parent.ts"], { cwd: dir });
  assert.deepEqual(samples(stdout, "jobs_total").sort(), ['jobs_total{who="child"} 1', 'jobs_total{who="parent"} 1'], stdout);
});

test("Deno from npm: deno check passes on the app", () => {
  mustRun(denoBinary, ["check", "parent.ts", "child.ts"], { cwd: dir });
});
