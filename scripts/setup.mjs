#!/usr/bin/env node
// Everything a fresh clone needs before it can run: pinned npm packages (Bun, Deno, koffi,
// TypeScript...), a pinned Zig from PyPI in .tools/, the native library, and the
// JavaScript build that Node runs. Idempotent and quick when nothing changed, so that
// `npm start`, `npm test` and `npm run bench` can all start with it.
//
// Uses only Node built-ins: it runs before node_modules exists.

import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ZIG_VERSION = "0.15.2";
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const tools = join(root, ".tools");
export const zigBinary = join(tools, `zig-${ZIG_VERSION}`, "ziglang", "zig");

function run(command, args, options = {}) {
  execFileSync(command, args, { stdio: "inherit", cwd: root, ...options });
}

function log(message) {
  console.error(`[setup] ${message}`);
}

/** Newest modification time (ms) of the files below `dir` whose names pass `keep`. */
function newestMtimeMs(dir, keep) {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith(".") || entry.name === "zig-out") continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtimeMs(path, keep));
    else if (keep(entry.name)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function mtimeMs(path) {
  return existsSync(path) ? statSync(path).mtimeMs : -1;
}

function installNpmPackages() {
  const stamp = join(root, "node_modules", ".mpmetrics-installed");
  const lock = join(root, "package-lock.json");
  if (mtimeMs(stamp) >= Math.max(mtimeMs(lock), mtimeMs(join(root, "package.json")))) return;
  log("installing npm packages (pinned in package.json, transitive ones by package-lock.json)");
  // Not `npm ci`: npm 11 leaves other platforms' optional packages (@deno/darwin-x64...)
  // out of the lock file and then refuses it as out of sync. Every dependency is pinned
  // to an exact version, and `npm install` keeps the locked transitive versions.
  run("npm", ["install", "--no-audit", "--no-fund"]);
  writeFileSync(stamp, new Date().toISOString());
}

function installZig() {
  if (existsSync(zigBinary)) return;
  log(`installing Zig ${ZIG_VERSION} from PyPI (ziglang) into .tools/`);
  mkdirSync(tools, { recursive: true });
  run("python3", [
    "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-warn-script-location",
    "--target", join(tools, `zig-${ZIG_VERSION}`), `ziglang==${ZIG_VERSION}`,
  ]);
  if (!existsSync(zigBinary)) throw new Error(`Zig was installed but ${zigBinary} is missing`);
}

/** The folder name of this machine's prebuilt library, as src/native/library_path.ts expects it. */
export function platformDescriptor() {
  const arch = process.arch;
  if (process.platform === "darwin") return `darwin-${arch}`;
  const report = process.report?.getReport?.();
  const libc = report?.header?.glibcVersionRuntime ? "gnu" : "musl";
  return `${process.platform}-${arch}-${libc}`;
}

/** All six targets' libraries into prebuilds/, from a per-user cache when sources are unchanged. */
function buildNative() {
  run(process.execPath, [join(root, "scripts", "build_native.mjs")]);
}

function buildJavaScript() {
  const stamp = join(root, "dist", ".built");
  const isTs = (name) => name.endsWith(".ts");
  const sources = Math.max(
    ...["src", "test", "bench", "demo"].map((dir) => newestMtimeMs(join(root, dir), isTs)),
    mtimeMs(join(root, "tsconfig.json")),
  );
  if (mtimeMs(stamp) >= sources) return;
  log("compiling TypeScript to dist/ for Node (tsc)");
  try {
    run(join(root, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.json"]);
  } catch {
    // tsc still wrote dist/; type errors fail `npm test` in its typecheck suite instead,
    // so that one file in progress does not stop everything else from running.
    log("tsc reported type errors (above); dist/ was written anyway. `npm test` fails on them.");
    return;
  }
  writeFileSync(stamp, new Date().toISOString());
}

export function setup() {
  installNpmPackages();
  installZig();
  buildNative();
  buildJavaScript();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  setup();
  log("ready");
}
