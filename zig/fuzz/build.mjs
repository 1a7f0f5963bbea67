// Builds the libFuzzer target of zig/fuzz/harness.c, once per source state, into the
// per-user cache (${XDG_CACHE_HOME:-~/.cache}/mpmetrics/zig-fuzz/<hash>/), never the clone:
//   1. the Zig core (zig/src/lib.zig) as a static library, ReleaseSafe (Zig's safety checks
//      trap: a failed assertion or overflow is a crash for libFuzzer) with -ffuzz (Zig's
//      inline 8-bit edge counters and comparison tracing, which libFuzzer reads) and
//      compiler_rt bundled;
//   2. the harness with clang-14 -fsanitize=address,undefined (not coverage-instrumented:
//      its counters would not match the PC table the harness builds for Zig's), linked
//      with -fsanitize=fuzzer for libFuzzer's main.
// Installs Debian's clang-14 and libclang-rt-14-dev (libFuzzer) with apt-get when missing.
//
// Usage as a script: node zig/fuzz/build.mjs   (prints the binary's path)

import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { cacheRoot } from "../../scripts/build_native.mjs";
import { zigBinary } from "../../scripts/setup.mjs";
import { ensureAptPackages } from "../../test/native/tools.mjs";

const fuzzDir = dirname(fileURLToPath(import.meta.url));
const zigDir = join(fuzzDir, "..");

export const clang = "/usr/bin/clang-14";
const llvmArch = { x64: "x86_64", arm64: "aarch64" }[process.arch] ?? process.arch;
const libFuzzer = `/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-${llvmArch}.a`;

const zigFlags = ["-ffuzz", "-OReleaseSafe", "-lc", "-fPIC", "-fcompiler-rt"];
const compileFlags = ["-g", "-O1", "-fsanitize=address,undefined", "-fno-sanitize-recover=undefined", "-Wall", "-Werror"];
const linkFlags = ["-fsanitize=fuzzer,address,undefined"];

function log(message) {
  console.error(`[zig-fuzz] ${message}`);
}

function run(command, args, options = {}) {
  return execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 << 20, ...options });
}

function zigSources(dir = join(zigDir, "src")) {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => entry.isDirectory() ? zigSources(join(dir, entry.name)) : [join(dir, entry.name)])
    .filter((path) => path.endsWith(".zig"))
    .sort();
}

/** A hash of everything the binary is made of: sources, harness, tools and flags. */
function buildHash() {
  const hash = createHash("sha256");
  for (const path of [...zigSources(), join(fuzzDir, "harness.c")]) {
    hash.update(path.slice(zigDir.length)).update("\0").update(readFileSync(path)).update("\0");
  }
  hash.update(run(zigBinary, ["version"])).update(run(clang, ["--version"]));
  hash.update(JSON.stringify([zigFlags, compileFlags, linkFlags]));
  return hash.digest("hex").slice(0, 16);
}

/** clang-14 and libFuzzer, from Debian's packages when this machine lacks them. */
export function ensureClang() {
  ensureAptPackages({ "clang-14": clang, "libclang-rt-14-dev": libFuzzer });
}

/** Builds the fuzzer if this source state has none cached; returns its path. */
export function buildFuzzer() {
  ensureClang();
  const dir = join(cacheRoot(), "zig-fuzz", buildHash());
  const binary = join(dir, "mpmetrics-fuzz");
  if (existsSync(binary)) return binary;
  const scratch = `${dir}.${process.pid}.tmp`;
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  const started = performance.now();
  log(`building the Zig core with ${zigFlags.join(" ")} and the harness with clang-14`);
  const library = join(scratch, "libmpmetrics-fuzz.a");
  run(zigBinary, ["build-lib", ...zigFlags, join(zigDir, "src", "lib.zig"), "--name", "mpmetrics-fuzz", `-femit-bin=${library}`], {
    cwd: scratch,
  });
  const harness = join(scratch, "harness.o");
  run(clang, [...compileFlags, "-c", join(fuzzDir, "harness.c"), "-o", harness]);
  run(clang, [...linkFlags, harness, library, "-o", join(scratch, "mpmetrics-fuzz")]);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dirname(dir), { recursive: true });
  renameSync(scratch, dir);
  log(`built in ${((performance.now() - started) / 1000).toFixed(1)} s: ${binary}`);
  return binary;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(buildFuzzer());
