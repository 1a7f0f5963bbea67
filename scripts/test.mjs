#!/usr/bin/env node
// Runs every suite: the Zig unit tests, then the same TypeScript test files under Bun,
// Deno and Node (Node runs their compiled copies in dist/). Prints a count per suite and
// one closing line, "N passed, N failed". Exits non-zero if anything failed or a runner
// could not report.
//
// Expects scripts/setup.mjs to have run (npm test runs it first). Installs the exposition
// validators (promtool, Python's prometheus_client) itself.
//
// The fuzz suite (zig/fuzz/fuzz.test.mjs, Node's runner, once) runs libFuzzer on the Zig
// core for MPMETRICS_ZIG_FUZZ_SECONDS (default 60) and installs clang-14 when missing.
//
// The package suite (test/package/*.test.mjs, Node's runner, once: each file drives every
// runtime itself) installs the packed tarball into fresh projects outside the repository.
//
// Usage: node scripts/test.mjs [--only typecheck|zig|bun|deno|node|native|fuzz|package]... [file filter substring]

import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { installValidators, pythonPath } from "./install_validators.mjs";
import { installPrometheus3 } from "./install_prometheus3.mjs";
import { zigBinary } from "./setup.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => join(root, "node_modules", ".bin", name);

const args = process.argv.slice(2);
const only = [];
const filters = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--only") only.push(args[++i]);
  else filters.push(args[i]);
}
const wanted = (suite) => only.length === 0 || only.includes(suite);

function testFiles(dir) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...testFiles(path));
    else if (entry.name.endsWith(".test.ts")) found.push(relative(root, path));
  }
  return found;
}

const files = ["src", "test"]
  .flatMap((dir) => testFiles(join(root, dir)))
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
  .sort();

const env = {
  ...process.env,
  NO_COLOR: "1",
  FORCE_COLOR: "0",
  PYTHONPATH: [pythonPath, process.env.PYTHONPATH].filter(Boolean).join(":"),
};

/** Runs one suite, streaming its output, and returns its counts. */
function runSuite(name, command, commandArgs, parse, options = {}) {
  console.log(`\n=== ${name}: ${[command, ...commandArgs].map((a) => relative(root, a) || a).join(" ").slice(0, 300)}`);
  const result = spawnSync(command, commandArgs, {
    cwd: options.cwd ?? root,
    env,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 256 * 1024 * 1024,
  });
  process.stdout.write(result.stdout ?? "");
  process.stdout.write(result.stderr ?? "");
  const output = `${result.stdout ?? ""}\n${result.stderr ?? ""}`.replace(/\x1b\[[0-9;]*m/g, "");
  const counts = parse(output);
  const broken = result.status !== 0 && counts.failed === 0;
  if (broken) counts.failed = 1; // the runner failed without reporting a failed test: count it
  console.log(`=== ${name}: ${counts.passed} passed, ${counts.failed} failed${broken ? ` (runner exited ${result.status ?? result.signal})` : ""}`);
  return counts;
}

const lastNumber = (output, pattern) => {
  const matches = [...output.matchAll(pattern)];
  return matches.length === 0 ? 0 : Number(matches[matches.length - 1][1]);
};

installValidators();
installPrometheus3();

const results = [];
if (wanted("typecheck")) {
  results.push(runSuite("typecheck", bin("tsc"), ["-p", "tsconfig.json", "--noEmit"], (out) => ({
    passed: /error TS\d+/.test(out) ? 0 : 1,
    failed: /error TS\d+/.test(out) ? 1 : 0,
  })));
}
if (wanted("zig")) {
  results.push(runSuite("zig", zigBinary, ["build", "test", "--summary", "all"], (out) => ({
    passed: lastNumber(out, /(\d+)\/\d+ tests passed/g) || lastNumber(out, /(\d+) passed/g),
    failed: lastNumber(out, /(\d+) failed/g),
  }), { cwd: join(root, "zig") }));
}
if (wanted("bun")) {
  results.push(runSuite("bun", bin("bun"), ["test", "--timeout", "300000", ...files.map((f) => `./${f}`)], (out) => ({
    passed: lastNumber(out, /^\s*(\d+) pass$/gm),
    failed: lastNumber(out, /^\s*(\d+) fail$/gm),
  })));
}
if (wanted("deno")) {
  results.push(runSuite("deno", bin("deno"), ["test", "-A", "--no-check", ...files], (out) => ({
    passed: lastNumber(out, /(\d+) passed/g),
    failed: lastNumber(out, /(\d+) failed/g),
  })));
}
if (wanted("node")) {
  const compiled = files.map((f) => join("dist", f.replace(/\.ts$/, ".js")));
  results.push(runSuite("node", "node", ["--test", "--test-reporter=tap", "--test-concurrency=1", ...compiled], (out) => ({
    passed: lastNumber(out, /^# pass (\d+)$/gm),
    failed: lastNumber(out, /^# fail (\d+)$/gm),
  })));
}

// The shipped libraries of all six targets, Zig tests under qemu-user, Bun and Node on
// arm64 and Bun on musl: Node only, once (test/native_targets.mjs says why).
const nativeSuite = "test/native_targets.mjs";
if (wanted("native") && (filters.length === 0 || filters.some((f) => nativeSuite.includes(f)))) {
  results.push(runSuite("native", "node", ["--test", "--test-reporter=tap", nativeSuite], (out) => ({
    passed: lastNumber(out, /^# pass (\d+)$/gm),
    failed: lastNumber(out, /^# fail (\d+)$/gm),
  })));
}

// libFuzzer on the Zig attach/verify path for MPMETRICS_ZIG_FUZZ_SECONDS (default 60):
// Node only, once (zig/fuzz/fuzz.test.mjs says why).
const fuzzSuite = "zig/fuzz/fuzz.test.mjs";
if (wanted("fuzz") && (filters.length === 0 || filters.some((f) => fuzzSuite.includes(f)))) {
  results.push(runSuite("fuzz", "node", ["--test", "--test-reporter=tap", fuzzSuite], (out) => ({
    passed: lastNumber(out, /^# pass (\d+)$/gm),
    failed: lastNumber(out, /^# fail (\d+)$/gm),
  })));
}

if (wanted("package")) {
  const packageFiles = readdirSync(join(root, "test", "package"))
    .filter((name) => name.endsWith(".test.mjs"))
    .map((name) => join("test", "package", name))
    .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
    .sort();
  if (packageFiles.length > 0) {
    // One tarball for every suite of the run.
    const packDir = mkdtempSync(join(tmpdir(), "mpmetrics-pack-"));
    const packed = spawnSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", packDir], { cwd: root, encoding: "utf8" });
    if (packed.status === 0) env.MPMETRICS_TEST_TARBALL = join(packDir, JSON.parse(packed.stdout)[0].filename);
    else console.error(`npm pack failed:\n${packed.stderr}`);
    results.push(runSuite("package", "node", ["--test", "--test-reporter=tap", "--test-concurrency=1", ...packageFiles], (out) => ({
      passed: lastNumber(out, /^# pass (\d+)$/gm),
      failed: lastNumber(out, /^# fail (\d+)$/gm),
    })));
    rmSync(packDir, { recursive: true, force: true });
  }
}

const passed = results.reduce((sum, r) => sum + r.passed, 0);
const failed = results.reduce((sum, r) => sum + r.failed, 0);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
