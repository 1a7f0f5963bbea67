#!/usr/bin/env node
// Everything a fresh clone needs before it can run: pinned npm packages (Bun, Deno, koffi,
// TypeScript...), a pinned Zig from PyPI in .tools/, the native library, and the
// JavaScript build (dist/: what Node runs and what the npm package ships, with .d.ts).
// .tools/ is a link into a per-user cache (~/.cache/mpmetrics/tools, or
// $MPMETRICS_CACHE_DIR/tools), so a fresh clone on the same machine downloads nothing again. Idempotent and quick when nothing changed, so that
// `npm start`, `npm test` and `npm run bench` can all start with it.
//
// Uses only Node built-ins: it runs before node_modules exists.

import { execFileSync } from "node:child_process";
import {
  copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync,
  writeFileSync,
} from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ZIG_VERSION = "0.15.2";
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const tools = join(root, ".tools");
/** The per-user cache for big downloads (tools, Node binaries, npm packages of the tests). */
export const cacheDir = process.env.MPMETRICS_CACHE_DIR ||
  join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "mpmetrics");
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

/** Makes .tools/ a link to the per-user cache, unless the clone already has a .tools. */
function linkToolsCache() {
  let present = true;
  try {
    lstatSync(tools);
  } catch {
    present = false;
  }
  if (present) return;
  const shared = join(cacheDir, "tools");
  mkdirSync(shared, { recursive: true });
  log(`linking .tools/ to the per-user cache ${shared}`);
  symlinkSync(shared, tools, "dir");
}

function installZig() {
  if (existsSync(zigBinary)) return;
  log(`installing Zig ${ZIG_VERSION} from PyPI (ziglang) into .tools/`);
  mkdirSync(tools, { recursive: true });
  // Into a private folder, then renamed: two clones setting up at once share the cache.
  const final = join(tools, `zig-${ZIG_VERSION}`);
  const partial = `${final}.${process.pid}.partial`;
  rmSync(partial, { recursive: true, force: true });
  run("python3", [
    "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-warn-script-location",
    "--target", partial, `ziglang==${ZIG_VERSION}`,
  ]);
  try {
    renameSync(partial, final);
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    if (!existsSync(zigBinary)) throw error; // else another setup won the race
  }
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
    finishDist();
    return;
  }
  finishDist();
  writeFileSync(stamp, new Date().toISOString());
}

/** Every file below `dir` whose name passes `keep`. */
function filesBelow(dir, keep) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesBelow(path, keep);
    return keep(entry.name) ? [path] : [];
  });
}

/**
 * What tsc does not do for the package: the .d.ts files keep the sources' `.ts` import
 * paths (rewriteRelativeImportExtensions rewrites JavaScript only), which a user's
 * `module: nodenext` cannot resolve; and Bun's entry, which embeds the prebuilt libraries.
 */
function finishDist() {
  for (const path of filesBelow(join(root, "dist", "src"), (name) => name.endsWith(".d.ts"))) {
    const text = readFileSync(path, "utf8");
    const fixed = text.replace(/((?:from|import)\s*\(?\s*["'])(\.{1,2}\/[^"']+)\.ts(["'])/g, "$1$2.js$3");
    if (fixed !== text) writeFileSync(path, fixed);
  }
  writeBunEntry();
}

/**
 * dist/bun/: the package's `bun` export. It imports every prebuilt library present with
 * `with { type: "file" }` (a path on disk when run; the file embedded by `bun build
 * --compile`, copied by `bun build --outdir`) and registers them before the library loads.
 */
function writeBunEntry() {
  const dir = join(root, "dist", "bun");
  mkdirSync(dir, { recursive: true });
  const prebuilds = join(root, "prebuilds");
  const targets = existsSync(prebuilds)
    ? readdirSync(prebuilds).filter((t) => /^(linux|darwin)-(x64|arm64)(-(gnu|musl))?$/.test(t)).sort()
    : [];
  const libraries = targets.flatMap((target) => {
    const file = target.startsWith("darwin") ? "libmpmetrics.dylib" : "libmpmetrics.so";
    return existsSync(join(prebuilds, target, file)) ? [{ target, file }] : [];
  });
  const name = (target) => `lib_${target.replaceAll("-", "_")}`;
  const embedded = [
    "// Generated by scripts/setup.mjs from the prebuilds/ present at build time.",
    "// Evaluated before ../src/index.js (imported first by ./index.js): registers the libraries",
    "// that `bun build --compile` embeds, before the native library loads.",
    ...libraries.map(({ target, file }) =>
      `import ${name(target)} from "../../prebuilds/${target}/${file}" with { type: "file" };`),
    `import { registerEmbeddedLibraries } from "../src/native/library_path.js";`,
    `registerEmbeddedLibraries({ ${libraries.map(({ target }) => `"${target}": ${name(target)}`).join(", ")} });`,
    "",
  ].join("\n");
  const index = [
    "// Generated by scripts/setup.mjs: the package's `bun` export (see ./embedded.js).",
    `import "./embedded.js";`,
    `export * from "../src/index.js";`,
    `export { default } from "../src/index.js";`,
    "",
  ].join("\n");
  for (const [file, text] of [["embedded.js", embedded], ["index.js", index]]) {
    const path = join(dir, file);
    if (!existsSync(path) || readFileSync(path, "utf8") !== text) writeFileSync(path, text);
  }
}

export function setup() {
  linkToolsCache();
  installNpmPackages();
  installZig();
  buildNative();
  buildJavaScript();
  writeBunEntry(); // the prebuilds may have changed without any TypeScript change
}

if (import.meta.url === `file://${process.argv[1]}`) {
  setup();
  log("ready");
}
