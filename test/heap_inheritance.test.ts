/**
 * Every child finds its parent's heap, however it was started. The runtime running this
 * test is the parent (test/fixtures/inherit_parent.ts); it starts a Bun, a Deno and a Node
 * child each way its runtime has (Bun.spawn and Bun.spawnSync without env, child_process,
 * an environment scrubbed of MPMETRICS_HEAP, a shell in between, Deno.Command, cluster,
 * worker threads), and its own scrape must show every child's count exactly. Each test
 * runs in a runtime folder of its own (MPMETRICS_RUNTIME_DIR), which must be empty once
 * every process has exited: no heap file and no record is left behind.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { currentRuntime, fixtureCommand, packageRoot, runtimes, type RuntimeName } from "./support/runtimes.ts";

const runtime = currentRuntime();
const uid = process.getuid?.() ?? 0;
const iterations = 2_000;
const linux = process.platform === "linux";

interface ChildReport {
  readonly heap: string;
  readonly env: string;
  readonly value: number;
}

interface ParentRun {
  readonly code: number | null;
  readonly stderr: string;
  readonly parentHeap: string;
  readonly children: Map<string, ChildReport>;
  readonly result: { heap: string; values: Record<string, number> };
}

/** This process's environment without the variables that would decide the outcome. */
function cleanEnv(runtimeDir: string, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && name !== "MPMETRICS_HEAP" && name !== "MPMETRICS_HEAP_INHERIT") env[name] = value;
  }
  return { ...env, MPMETRICS_RUNTIME_DIR: runtimeDir, ...extra };
}

/** The command that runs a fixture under this runtime with every permission (parents spawn). */
function parentCommand(name: string): [string, string[]] {
  if (runtime !== "deno") return fixtureCommand(runtime, name);
  return [join(packageRoot, "node_modules", ".bin", "deno"), ["run", "-A", "--no-check", join(packageRoot, "test", "fixtures", `${name}.ts`)]];
}

function collect(command: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    // "close" waits for every holder of the pipes, grandchildren included.
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

function parseReports(stdout: string): Map<string, ChildReport> {
  const children = new Map<string, ChildReport>();
  for (const match of stdout.matchAll(/^child (\S+) heap=(\S+) env=(\S+) value=(\S+)$/gm)) {
    children.set(match[1], { heap: match[2], env: match[3], value: Number(match[4]) });
  }
  return children;
}

async function runParent(runtimeDir: string, method: string, tag: string, children: readonly RuntimeName[]): Promise<ParentRun> {
  const [command, args] = parentCommand("inherit_parent");
  const { code, stdout, stderr } = await collect(command, [...args, method, tag, children.join(","), String(iterations)], cleanEnv(runtimeDir));
  const resultLine = /^result (.*)$/m.exec(stdout);
  assert.ok(code === 0 && resultLine !== null, `${runtime} parent (${method}) exited ${code}:\n${stderr}\n${stdout}`);
  return {
    code,
    stderr,
    parentHeap: /^parent heap=(\S+)$/m.exec(stdout)?.[1] ?? "",
    children: parseReports(stdout),
    result: JSON.parse(resultLine[1]),
  };
}

/** The per-user folder in a runtime folder. */
function userFolder(runtimeDir: string): string {
  return join(runtimeDir, `mpmetrics-${uid}`);
}

/**
 * Runs `fn` with a fresh runtime folder; afterwards nothing may be left in it. With
 * `sweep`, first one more process creates (and removes) a default heap there, whose
 * clean-up must take whatever was left: a Deno process that exits while a
 * node:worker_threads worker still holds the heap leaves the file (Deno tells such
 * workers nothing, and their thread outlives the main isolate's unload).
 */
function inRuntimeDir(fn: (runtimeDir: string) => Promise<void>, options: { sweep?: boolean } = {}): () => Promise<void> {
  return async () => {
    const runtimeDir = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "mpmetrics-inherit-"));
    try {
      await fn(runtimeDir);
      if (options.sweep) {
        const [command, args] = fixtureCommand(runtime, "inherit_child");
        const sweep = await collect(command, [...args, "sweep", "1"], cleanEnv(runtimeDir, { MPMETRICS_HEAP_INHERIT: "0" }));
        assert.equal(sweep.code, 0, sweep.stderr);
      }
      const left = existsSync(userFolder(runtimeDir)) ? readdirSync(userFolder(runtimeDir)) : [];
      assert.deepEqual(left, [], "heap files or records left behind after every process exited");
    } finally {
      rmSync(runtimeDir, { recursive: true, force: true });
    }
  };
}

/** Methods that reach the child without MPMETRICS_HEAP in its environment. */
const withoutVariable = new Set(["bun-spawn", "bun-spawn-sync", "scrubbed", "sh", "worker-no-env"]);

const methods: Record<RuntimeName, string[]> = {
  bun: ["bun-spawn", "bun-spawn-sync", "child-process", "scrubbed", "sh", "cluster", "worker", "worker-no-env"],
  deno: ["deno-command", "child-process", "scrubbed", "sh", "cluster", "worker", "worker-no-env"],
  node: ["child-process", "scrubbed", "sh", "cluster", "worker", "worker-no-env"],
};

for (const method of methods[runtime]) {
  const single = method === "cluster" || method.startsWith("worker");
  const children = single ? [`t-${method}`] : runtimes.map((r) => `t-${r}`);
  test(`${runtime} parent, ${method}: ${single ? "the child lands" : "a Bun, a Deno and a Node child land"} on the parent's heap, exact totals`, { timeout: 180_000 }, inRuntimeDir(async (runtimeDir) => {
    const run = await runParent(runtimeDir, method, "t", runtimes);
    assert.ok(run.parentHeap.startsWith(`${userFolder(runtimeDir)}/heap-`), run.parentHeap);
    assert.equal(run.result.values["t-parent"], 1);
    for (const writer of children) {
      const report = run.children.get(writer);
      assert.ok(report !== undefined, `no report from ${writer}: ${run.stderr}`);
      assert.equal(report.heap, run.parentHeap, `${writer} attached elsewhere`);
      assert.equal(report.env, withoutVariable.has(method) ? "none" : run.parentHeap, `${writer}'s MPMETRICS_HEAP at start`);
      assert.equal(report.value, iterations);
      assert.equal(run.result.values[writer], iterations, `${writer}'s count in the parent's scrape`);
    }
    assert.equal(Object.keys(run.result.values).length, children.length + 1);
  }, { sweep: runtime === "deno" && method.startsWith("worker") }));
}

test(`${runtime} parent: MPMETRICS_HEAP_INHERIT=0 gives each child a heap of its own`, { timeout: 180_000 }, inRuntimeDir(async (runtimeDir) => {
  const run = await runParent(runtimeDir, "opt-out", "o", runtimes);
  for (const r of runtimes) {
    const report = run.children.get(`o-${r}`)!;
    assert.notEqual(report.heap, run.parentHeap);
    assert.equal(report.value, iterations);
  }
  assert.deepEqual(run.result.values, { "o-parent": 1 });
}));

test(`${runtime} parent: an opted-out child starts a tree, and its own children without MPMETRICS_HEAP share its heap`, { timeout: 180_000 }, inRuntimeDir(async (runtimeDir) => {
  const [command, args] = parentCommand("inherit_parent");
  const { code, stdout, stderr } = await collect(command, [...args, "opt-out-tree", "top", runtimes.join(","), String(iterations)], cleanEnv(runtimeDir));
  assert.equal(code, 0, stderr);
  const topHeap = /^parent heap=(\S+)$/m.exec(stdout)![1];
  const top = JSON.parse(/^result (.*)$/m.exec(stdout)![1]);
  const middleOut = stdout.split("\n").filter((l) => l.startsWith("middle ")).map((l) => l.slice("middle ".length)).join("\n");
  const middleHeap = /^parent heap=(\S+)$/m.exec(middleOut)![1];
  const middle = JSON.parse(/^result (.*)$/m.exec(middleOut)![1]);
  assert.notEqual(middleHeap, topHeap);
  assert.deepEqual(top.values, { "top-parent": 1 });
  assert.deepEqual(middle.values, Object.fromEntries([["topm-parent", 1], ...runtimes.map((r) => [`topm-${r}`, iterations])]));
  for (const [writer, report] of parseReports(middleOut)) {
    assert.equal(report.heap, middleHeap, writer);
    assert.equal(report.env, "none", writer);
  }
}));

test(`${runtime} parent: an explicit MPMETRICS_HEAP wins over the ancestor's heap`, { timeout: 180_000 }, inRuntimeDir(async (runtimeDir) => {
  const run = await runParent(runtimeDir, "explicit", "e", runtimes);
  for (const r of runtimes) {
    const report = run.children.get(`e-${r}`)!;
    const wanted = join(userFolder(runtimeDir), `explicit-e-${r}.mpm`);
    assert.equal(report.heap, wanted);
    assert.equal(report.env, wanted);
    assert.equal(report.value, iterations);
  }
  assert.deepEqual(run.result.values, { "e-parent": 1 });
}));

test(`${runtime} parents: two unrelated trees in one runtime folder keep their own heaps`, { timeout: 180_000 }, inRuntimeDir(async (runtimeDir) => {
  const [a, b] = await Promise.all([runParent(runtimeDir, "scrubbed", "a", runtimes), runParent(runtimeDir, "scrubbed", "b", runtimes)]);
  assert.notEqual(a.parentHeap, b.parentHeap);
  for (const [run, tag] of [[a, "a"], [b, "b"]] as const) {
    const expected = Object.fromEntries([[`${tag}-parent`, 1], ...runtimes.map((r) => [`${tag}-${r}`, iterations])]);
    assert.deepEqual(run.result.values, expected);
    for (const r of runtimes) assert.equal(run.children.get(`${tag}-${r}`)!.heap, run.parentHeap);
  }
}));

test(`${runtime} parent exits before its children attach: each child gets a fresh heap, no error`, { timeout: 180_000 }, inRuntimeDir(async (runtimeDir) => {
  const [command, args] = parentCommand("inherit_parent");
  const { code, stdout, stderr } = await collect(command, [...args, "after-parent-exit", "x", runtimes.join(","), String(iterations)], cleanEnv(runtimeDir));
  assert.equal(code, 0, stderr);
  assert.doesNotMatch(stderr, /Error/);
  const parentHeap = /^parent heap=(\S+)$/m.exec(stdout)![1];
  const children = parseReports(stdout);
  const heaps = new Set<string>();
  for (const r of runtimes) {
    const report = children.get(`x-${r}`);
    assert.ok(report !== undefined, `no report from x-${r}: ${stderr}`);
    assert.notEqual(report.heap, parentHeap);
    assert.equal(report.value, iterations);
    heaps.add(report.heap);
  }
  assert.equal(heaps.size, runtimes.length, "unrelated orphans share no heap");
}));

test(`${runtime} processes killed with SIGKILL leave records that the next default heap cleans up`, { timeout: 180_000 }, inRuntimeDir(async (runtimeDir) => {
  const [command, args] = fixtureCommand(runtime, "inherit_child");
  const holders = Array.from({ length: 6 }, (_, i) => {
    // The ones to kill wait for nothing: some runtimes' kill() closes the child's stdin
    // first (Deno's does), which would let a holder waiting on stdin exit cleanly.
    const killed = i % 2 === 0;
    const child = spawn(command, [...args, `h${i}`, "10", killed ? "hold-forever" : "hold"], { env: cleanEnv(runtimeDir), stdio: ["pipe", "pipe", "inherit"] });
    let output = "";
    const ready = new Promise<string>((resolve, reject) => {
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        output += chunk;
        const report = parseReports(output).get(`h${i}`);
        if (report !== undefined) resolve(report.heap);
      });
      child.once("exit", (code) => reject(new Error(`holder h${i} exited ${code} before its report`)));
    });
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    return { child, ready, exited };
  });
  const heaps = await Promise.all(holders.map((h) => h.ready));
  assert.equal(new Set(heaps).size, 6, `unrelated processes share no heap: ${heaps.join(" ")}`);
  const entries = () => readdirSync(userFolder(runtimeDir));
  assert.equal(entries().filter((e) => e.startsWith("proc-")).length, 6, entries().join(" "));
  for (const [i, holder] of holders.entries()) {
    if (i % 2 === 0) holder.child.kill("SIGKILL");
    else holder.child.stdin!.end();
  }
  await Promise.all(holders.map((h) => h.exited));
  // The killed ones could not clean up: their records and heaps stay until the next create.
  assert.equal(entries().filter((e) => e.startsWith("proc-")).length, 3, entries().join(" "));
  assert.equal(entries().filter((e) => e.startsWith("heap-")).length, 3, entries().join(" "));
  const [childCommand, childArgs] = fixtureCommand(runtime, "inherit_child");
  const last = await collect(childCommand, [...childArgs, "last", "10"], cleanEnv(runtimeDir));
  assert.equal(last.code, 0, last.stderr);
  // inRuntimeDir checks that nothing is left now.
}));

function squatCases(): { name: string; squat: (path: string) => void }[] {
  const cases = [{
    name: "a symbolic link to a folder of this user",
    squat: (path: string) => {
      const target = `${path}-target`;
      mkdirSync(target, { mode: 0o700 });
      symlinkSync(target, path);
    },
  }];
  if (uid === 0) {
    cases.push({
      name: "a folder made first by another user",
      squat: (path: string) => {
        mkdirSync(path, { mode: 0o777 });
        chownSync(path, 65534, 65534);
      },
    });
  }
  return cases;
}

for (const { name, squat } of linux ? squatCases() : []) {
  test(`${runtime}: a squatted default folder (${name}) falls back to a private one, one warning per process`, { timeout: 180_000 }, async () => {
    const runtimeDir = mkdtempSync(join("/dev/shm", "mpmetrics-squat-"));
    chmodSync(runtimeDir, 0o1777); // shared like /dev/shm
    try {
      squat(userFolder(runtimeDir));
      const warning = /cannot be used securely/g;
      // One process with a worker thread and several metrics: one warning.
      const single = await runParent(runtimeDir, "worker", "w", runtimes);
      assert.match(single.parentHeap, new RegExp(`^${userFolder(runtimeDir)}-[0-9a-f]{16}/heap-`));
      assert.equal(single.children.get("w-worker")!.heap, single.parentHeap);
      assert.equal(single.result.values["w-worker"], iterations);
      assert.equal(single.stderr.match(warning)?.length, 1, single.stderr);
      // A child without MPMETRICS_HEAP settles on the same fallback folder and finds the heap.
      const tree = await runParent(runtimeDir, "scrubbed", "s", [runtime]);
      assert.ok(tree.parentHeap.startsWith(single.parentHeap.slice(0, single.parentHeap.lastIndexOf("/"))));
      assert.equal(tree.children.get(`s-${runtime}`)!.heap, tree.parentHeap);
      assert.equal(tree.result.values[`s-${runtime}`], iterations);
      assert.equal(tree.stderr.match(warning)?.length, 2, "one warning from the parent, one from its child");
    } finally {
      rmSync(runtimeDir, { recursive: true, force: true });
    }
  });
}
