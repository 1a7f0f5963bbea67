/**
 * Spawning real child processes of each runtime on a shared heap, for the cross-process
 * tests. Works the same whichever runtime runs the test.
 *
 * Fixtures are TypeScript files under test/fixtures/; Bun and Deno run them directly,
 * Node runs their compiled copy under dist/ (built by scripts/setup.mjs).
 */

import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export type RuntimeName = "bun" | "deno" | "node";
export const runtimes: readonly RuntimeName[] = ["bun", "deno", "node"];

/** The package root, from this file in test/support/ or dist/test/support/. */
export const packageRoot = fileURLToPath(
  new URL(import.meta.url.includes("/dist/test/") ? "../../../" : "../../", import.meta.url),
);

/** The runtime running this test. */
export function currentRuntime(): RuntimeName {
  const g = globalThis as { Bun?: unknown; Deno?: unknown };
  return g.Bun !== undefined ? "bun" : g.Deno !== undefined ? "deno" : "node";
}

/** Options of a fixture run. */
export interface FixtureOptions {
  /**
   * Deno only: also grant --allow-read, which a fixture needs to start worker threads
   * from a file. The library itself runs with --allow-ffi and --allow-env alone, and
   * every other fixture proves it.
   */
  readonly denoAllowRead?: boolean;
  /** Deno only: also grant --allow-net, which a fixture that serves HTTP needs. */
  readonly denoAllowNet?: boolean;
  /** Deno only: run with --allow-all, which reading /proc/self needs (the /proc default metrics). */
  readonly denoAllowAll?: boolean;
  /** Give the child a stdin pipe (`child.process.stdin`) instead of none. */
  readonly stdin?: boolean;
}

/** The command line that runs fixture `name` (test/fixtures/<name>.ts) under `runtime`. */
export function fixtureCommand(runtime: RuntimeName, name: string, options: FixtureOptions = {}): [string, string[]] {
  const source = join(packageRoot, "test", "fixtures", `${name}.ts`);
  switch (runtime) {
    case "bun":
      return [join(packageRoot, "node_modules", ".bin", "bun"), [source]];
    case "deno":
      return [
        join(packageRoot, "node_modules", ".bin", "deno"),
        ["run", ...(options.denoAllowAll ? ["--allow-all"] : ["--allow-ffi", "--allow-env"]), ...(options.denoAllowRead ? ["--allow-read"] : []), ...(options.denoAllowNet ? ["--allow-net"] : []), "--no-check", source],
      ];
    case "node":
      return ["node", [join(packageRoot, "dist", "test", "fixtures", `${name}.js`)]];
  }
}

/** A running fixture with its collected output. */
export interface Child {
  readonly process: ChildProcess;
  /** Resolves with the exit code (or signal) and all output once the child has exited. */
  readonly exited: Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>;
  /** Resolves when the child prints a line that starts with `prefix`; with that line. */
  waitForLine(prefix: string): Promise<string>;
}

/**
 * Starts fixture `name` under `runtime` with `env` added to this process's environment.
 *
 * @example
 * ```ts
 * const child = spawnFixture("node", "count", { MPMETRICS_HEAP: path, ITERATIONS: "1000" });
 * const { code } = await child.exited;
 * ```
 */
export function spawnFixture(runtime: RuntimeName, name: string, env: Record<string, string>, options: FixtureOptions = {}): Child {
  const [command, args] = fixtureCommand(runtime, name, options);
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: [options.stdin ? "pipe" : "ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  const waiters: { prefix: string; resolve: (line: string) => void }[] = [];
  child.stdout!.setEncoding("utf8");
  child.stderr!.setEncoding("utf8");
  child.stdout!.on("data", (chunk: string) => {
    stdout += chunk;
    for (const line of stdout.split("\n")) {
      for (let i = waiters.length - 1; i >= 0; i--) {
        if (line.startsWith(waiters[i].prefix)) waiters.splice(i, 1)[0].resolve(line);
      }
    }
  });
  child.stderr!.on("data", (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return {
    process: child,
    exited,
    waitForLine: (prefix) =>
      new Promise((resolve, reject) => {
        const found = stdout.split("\n").find((line) => line.startsWith(prefix));
        if (found !== undefined) return resolve(found);
        waiters.push({ prefix, resolve });
        void exited.then(({ code, stderr }) => reject(new Error(`${runtime} fixture ${name} exited (${code}) before printing "${prefix}": ${stderr}`)));
      }),
  };
}

/** Runs a fixture to completion and fails with its stderr unless it exits 0. */
export async function runFixture(runtime: RuntimeName, name: string, env: Record<string, string>, options: FixtureOptions = {}): Promise<string> {
  const result = await spawnFixture(runtime, name, env, options).exited;
  if (result.code !== 0) {
    throw new Error(`${runtime} fixture ${name} exited with ${result.code ?? result.signal}:\n${result.stderr}\n${result.stdout}`);
  }
  return result.stdout;
}

/** A private temporary folder (mode 0700) and a heap path in it; `cleanup` removes both. */
export function temporaryHeapPath(): { path: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "mpmetrics-test-"));
  return { path: join(dir, "heap.mpm"), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
