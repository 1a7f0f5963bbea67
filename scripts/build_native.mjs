#!/usr/bin/env node
// Builds libmpmetrics for every platform the package ships, from the pinned Zig, in one
// step: linux x64 and arm64 for glibc (against glibc 2.17, so any distribution from
// 2014 on loads it) and for musl, and macOS x64 and arm64. ReleaseSafe and stripped.
//
// Output: prebuilds/<platform>-<arch>[-<libc>]/libmpmetrics.{so,dylib}, the folder names
// src/native/library_path.ts looks for.
//
// Built libraries are cached outside the clone, in
// ${XDG_CACHE_HOME:-~/.cache}/mpmetrics/prebuilds/<hash>/, keyed by a hash of the Zig
// sources, the Zig version and the build flags: when nothing changed, nothing is built,
// and a fresh clone on the same machine only copies. All six build at once by default:
// from cold on a 2-core machine, one at a time took 30.3 s, two at a time 21.0 s and six
// at a time 17.7 s (each Zig build has serial phases that the others fill).
//
// Uses only Node built-ins. Usage: node scripts/build_native.mjs [--force] [--jobs N] [--sizes]

import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
  copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync,
} from "node:fs";
import { homedir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const zigDir = join(root, "zig");

/** Optimisation mode of the shipped libraries: safety checks stay on (see README). */
export const optimizeMode = "ReleaseSafe";

/**
 * Every shipped target: its prebuilds/ folder, its Zig target triple, its file name.
 * glibc builds name 2.17 so that Zig links against that version's symbol set; macOS
 * builds name 11.0, the oldest macOS that Node 20 and Apple silicon support.
 */
export const nativeTargets = [
  { folder: "linux-x64-gnu", zigTarget: "x86_64-linux-gnu.2.17", file: "libmpmetrics.so" },
  { folder: "linux-x64-musl", zigTarget: "x86_64-linux-musl", file: "libmpmetrics.so" },
  { folder: "linux-arm64-gnu", zigTarget: "aarch64-linux-gnu.2.17", file: "libmpmetrics.so" },
  { folder: "linux-arm64-musl", zigTarget: "aarch64-linux-musl", file: "libmpmetrics.so" },
  { folder: "darwin-x64", zigTarget: "x86_64-macos.11.0", file: "libmpmetrics.dylib" },
  { folder: "darwin-arm64", zigTarget: "aarch64-macos.11.0", file: "libmpmetrics.dylib" },
];

function log(message) {
  console.error(`[build-native] ${message}`);
}

/** The per-user cache folder of mpmetrics' build and test tools (outside any clone). */
export function cacheRoot() {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(base, "mpmetrics");
}

/** Paths of the files that determine the libraries, sorted, relative to zig/. */
function sourceFiles(dir = zigDir) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    // zig/fuzz/ is the fuzz harness (zig/fuzz/build.mjs): no part of the libraries.
    if (entry.name.startsWith(".") || entry.name === "zig-out" || (dir === zigDir && entry.name === "fuzz")) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...sourceFiles(path));
    else if (/\.(zig|zon|c|h)$/.test(entry.name)) found.push(relative(zigDir, path));
  }
  return found.sort();
}

/** A hash of everything a build depends on: sources, Zig version, flags, target list. */
export function sourceHash(zigVersion) {
  const hash = createHash("sha256");
  hash.update(`zig ${zigVersion}\n${optimizeMode} strip\n${JSON.stringify(nativeTargets)}\n`);
  for (const file of sourceFiles()) {
    hash.update(`${file}\0`);
    hash.update(readFileSync(join(zigDir, file)));
    hash.update("\0");
  }
  return hash.digest("hex").slice(0, 16);
}

/** Runs one Zig build; resolves with its wall time in ms, rejects with its output. */
function zigBuild(zig, target, prefix) {
  const args = ["build", `-Doptimize=${optimizeMode}`, `-Dtarget=${target.zigTarget}`, "-Dstrip=true", "--prefix", prefix];
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(zig, args, { cwd: zigDir, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (code === 0) resolve(performance.now() - started);
      else reject(new Error(`zig ${args.join(" ")} failed (${code ?? signal}):\n${output}`));
    });
  });
}

/**
 * Attempts of one build. Parallel `zig build`s in one folder share its .zig-cache, and one
 * may execute the build runner while another is still writing it: the spawn fails with
 * `FileBusy` (ETXTBSY) and nothing is wrong with the build. Only that error is retried.
 */
const busyAttemptsMax = 4;

/** {@link zigBuild}, retried (after a short pause) when it failed only on a busy build runner. */
async function zigBuildRetried(zig, target, prefix) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await zigBuild(zig, target, prefix);
    } catch (error) {
      if (attempt >= busyAttemptsMax || !/FileBusy/.test(String(error?.message))) throw error;
      log(`${target.folder}: the build runner was busy (another build was writing it); attempt ${attempt + 1} of ${busyAttemptsMax}`);
      await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
    }
  }
}

/** Builds one target into the cache folder; a partly built one never looks finished. */
async function buildIntoCache(zig, target, cacheDir) {
  const scratch = join(cacheDir, `.${target.folder}.${process.pid}.tmp`);
  rmSync(scratch, { recursive: true, force: true });
  const ms = await zigBuildRetried(zig, target, scratch);
  const finalDir = join(cacheDir, target.folder);
  mkdirSync(finalDir, { recursive: true });
  renameSync(join(scratch, "lib", target.file), join(finalDir, target.file));
  rmSync(scratch, { recursive: true, force: true });
  log(`${target.folder}: built in ${(ms / 1000).toFixed(1)} s, ${statSync(join(finalDir, target.file)).size} bytes`);
}

/** Runs `tasks` (functions returning promises) with at most `jobs` at a time. */
async function inParallel(tasks, jobs) {
  const queue = [...tasks];
  const workers = Array.from({ length: Math.min(jobs, queue.length) }, async () => {
    while (queue.length > 0) await queue.shift()();
  });
  await Promise.all(workers);
}

/** Copies a cached library into prebuilds/ unless the same bytes are there already. */
function install(cached, installed) {
  if (existsSync(installed) && readFileSync(installed).equals(readFileSync(cached))) return false;
  mkdirSync(dirname(installed), { recursive: true });
  // Copy, then rename over: a process that has the old library loaded keeps its (now
  // unlinked) file intact, where overwriting in place would corrupt its mapped code.
  const temporary = `${installed}.${process.pid}.tmp`;
  copyFileSync(cached, temporary);
  renameSync(temporary, installed);
  return true;
}

/**
 * Builds (or takes from the cache) all six libraries and installs them in prebuilds/.
 *
 * @param {{ zig: string, zigVersion: string, force?: boolean, jobs?: number }} options
 * @returns {Promise<{ built: string[], libraries: { folder: string, path: string, sizeBytes: number }[] }>}
 */
export async function buildNativeTargets({ zig, zigVersion, force = false, jobs = nativeTargets.length }) {
  const cacheDir = join(cacheRoot(), "prebuilds", sourceHash(zigVersion));
  const cachedPath = (t) => join(cacheDir, t.folder, t.file);
  const missing = nativeTargets.filter((t) => force || !existsSync(cachedPath(t)));
  if (missing.length > 0) {
    log(`building ${missing.map((t) => t.folder).join(", ")} with Zig ${zigVersion} (${optimizeMode}, stripped, ${jobs} at a time)`);
    const started = performance.now();
    mkdirSync(cacheDir, { recursive: true });
    await inParallel(missing.map((t) => () => buildIntoCache(zig, t, cacheDir)), jobs);
    log(`all built in ${((performance.now() - started) / 1000).toFixed(1)} s, cached in ${cacheDir}`);
  }
  const libraries = nativeTargets.map((t) => {
    const path = join(root, "prebuilds", t.folder, t.file);
    if (install(cachedPath(t), path)) log(`installed ${relative(root, path)}`);
    return { folder: t.folder, path, sizeBytes: statSync(path).size };
  });
  return { built: missing.map((t) => t.folder), libraries };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { zigBinary, ZIG_VERSION } = await import("./setup.mjs");
  const args = process.argv.slice(2);
  const jobsAt = args.indexOf("--jobs");
  const jobs = jobsAt >= 0 ? Number(args[jobsAt + 1]) : nativeTargets.length;
  if (!Number.isInteger(jobs) || jobs < 1) throw new RangeError(`--jobs takes a whole number >= 1, got ${args[jobsAt + 1]}`);
  const { built, libraries } = await buildNativeTargets({ zig: zigBinary, zigVersion: ZIG_VERSION, force: args.includes("--force"), jobs });
  if (built.length > 0 || args.includes("--sizes")) {
    const total = libraries.reduce((sum, b) => sum + b.sizeBytes, 0);
    for (const b of libraries) log(`${b.folder.padEnd(17)} ${String(b.sizeBytes).padStart(8)} bytes`);
    log(`${"total".padEnd(17)} ${String(total).padStart(8)} bytes`);
  }
}
