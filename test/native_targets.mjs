// The six shipped native libraries, checked as users get them. Node-only (node:test),
// run once by scripts/test.mjs as its own "native" suite: it inspects binaries, builds
// the Zig tests for other targets and runs them natively or under qemu-user, and runs
// Bun's and Node's arm64 builds and Bun's musl build on the packed package, so running it
// under three runtimes would only repeat the same work.
//
// Installs what it needs itself (test/native/tools.mjs), into ~/.cache/mpmetrics/.

import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { nativeTargets } from "../scripts/build_native.mjs";
import { zigBinary } from "../scripts/setup.mjs";
import { boundSymbols, elfInfo, machoInfo, zigExports } from "./native/binary_info.mjs";
import {
  arm64Sysroot, ensureBunArm64, ensureBunMusl, ensureKoffiArm64, ensureMuslRuntime, ensureNodeArm64, ensureSystemTools,
  muslVersion, qemuAarch64, toolsDir,
} from "./native/tools.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const zigDir = join(root, "zig");
const minutes = 60_000;
const library = (folder) => {
  const target = nativeTargets.find((t) => t.folder === folder);
  return join(root, "prebuilds", folder, target.file);
};
const abi = zigExports(join(zigDir, "src", "lib.zig"));

before(() => ensureSystemTools());

describe("shipped libraries", () => {
  test("all six are built", () => {
    for (const t of nativeTargets) assert.ok(existsSync(library(t.folder)), `${library(t.folder)} is missing: run npm run build`);
  });

  test("TypeScript binds only symbols that lib.zig exports", () => {
    const missing = boundSymbols(join(root, "src", "native", "symbols.ts")).filter((name) => !abi.includes(name));
    assert.deepEqual(missing, []);
  });

  for (const folder of ["linux-x64-gnu", "linux-arm64-gnu"]) {
    test(`${folder} needs at most GLIBC_2.17`, () => {
      const versions = elfInfo(library(folder)).glibcVersions;
      const parts = (v) => v.slice("GLIBC_".length).split(".").map(Number);
      const newer = versions.filter((v) => {
        const [major, minor] = parts(v);
        return major > 2 || (major === 2 && minor > 17);
      });
      console.log(`${folder}: ${versions.join(" ")}`);
      assert.ok(versions.length > 0, "no GLIBC versions found: not linked against glibc?");
      assert.deepEqual(newer, []);
    });
  }

  const machines = { x64: "Advanced Micro Devices X86-64", arm64: "AArch64" };
  for (const folder of ["linux-x64-gnu", "linux-x64-musl", "linux-arm64-gnu", "linux-arm64-musl"]) {
    test(`${folder}: ELF for its machine, stripped, exports exactly lib.zig's C ABI`, () => {
      const info = elfInfo(library(folder));
      assert.equal(info.machine, machines[folder.split("-")[1]]);
      assert.deepEqual(info.sections.filter((s) => s === ".symtab" || s.startsWith(".debug")), []);
      assert.deepEqual(info.exports, abi);
      if (folder.endsWith("musl")) {
        assert.deepEqual(info.glibcVersions, []);
        assert.deepEqual(info.needed, ["libc.so"]);
      }
    });
  }

  // Zig's Mach-O linker adds the image header and __dso_handle to the export trie, and
  // names its arm64 branch islands to imported functions `<name>__thunk`.
  const machoLinkerExports = ["__dso_handle", "_mh_dylib_header", "_mh_execute_header"];
  for (const [folder, machine] of [["darwin-x64", "x86_64"], ["darwin-arm64", "arm64"]]) {
    test(`${folder}: Mach-O for macOS 11+, stripped, exports exactly lib.zig's C ABI`, () => {
      const info = machoInfo(library(folder));
      assert.equal(info.machine, machine);
      assert.equal(info.minOs, "11.0.0");
      assert.equal(info.debugSymbols, 0);
      assert.deepEqual(info.sections.filter((s) => s.startsWith("__DWARF") || s.includes(",__debug")), []);
      assert.deepEqual(info.localSymbols.filter((s) => !s.endsWith("__thunk")), []);
      assert.deepEqual(info.exports.filter((s) => !machoLinkerExports.includes(s)), abi);
    });
  }
});

/** Builds the Zig unit-test executable for `target` and returns its path. */
function buildZigTests(target, extraArgs = []) {
  const prefix = join(scratch, `zig-tests-${target}${extraArgs.length > 0 ? "-qemu" : ""}`);
  // Zig's cache for these builds lives beside the other test tools, not in zig/.zig-cache.
  const cache = join(toolsDir, "zig-cache");
  execFileSync(zigBinary, ["build", "test-binaries", `-Dtarget=${target}`, ...extraArgs, "--prefix", prefix, "--cache-dir", cache], {
    cwd: zigDir, stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 << 20,
  });
  return join(prefix, "bin", "mpmetrics-tests");
}

/** Runs a Zig test executable; returns its counts and output, asserting it ran to the end. */
function runZigTests(command, args) {
  const result = spawnSync(command, args, { cwd: tmpdir(), encoding: "utf8", timeout: 8 * minutes, maxBuffer: 64 << 20 });
  const output = `${result.stdout}${result.stderr}`;
  const all = output.match(/All (\d+) tests passed/);
  const some = output.match(/(\d+) passed; (\d+) skipped; (\d+) failed/);
  const counts = all ? { passed: Number(all[1]), skipped: 0, failed: 0 } : some ? { passed: Number(some[1]), skipped: Number(some[2]), failed: Number(some[3]) } : undefined;
  assert.ok(counts !== undefined && result.status === 0, `the Zig tests did not finish cleanly (${result.status ?? result.signal}):\n${output.slice(-4000)}`);
  console.log(`${[command, ...args].join(" ")}: ${counts.passed} passed, ${counts.skipped} skipped, ${counts.failed} failed`);
  return { ...counts, output };
}

let scratch = "";

describe("Zig unit tests on other targets", () => {
  before(() => (scratch = mkdtempSync(join(tmpdir(), "mpmetrics-native-"))));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  test("x86_64-linux-musl, run natively: all pass", { timeout: 15 * minutes }, () => {
    const r = runZigTests(buildZigTests("x86_64-linux-musl"), []);
    assert.equal(r.failed, 0);
    assert.equal(r.skipped, 0);
  });

  const underQemu = [
    ["aarch64-linux-musl", []], // static: no sysroot
    ["aarch64-linux-gnu.2.17", ["-L", arm64Sysroot]], // Debian's arm64 glibc
  ];
  for (const [target, qemuArgs] of underQemu) {
    test(`${target}, under qemu-user: all pass, none skipped (the heap lock needs no kernel robust list)`, { timeout: 15 * minutes }, () => {
      const r = runZigTests(qemuAarch64, [...qemuArgs, buildZigTests(target)]);
      assert.equal(r.failed, 0);
      assert.ok(r.passed > 0);
      assert.equal(r.skipped, 0);
    });
  }

  for (const [target, cpu] of [["x86_64-macos.11.0", 0x01000007], ["aarch64-macos.11.0", 0x0100000c]]) {
    test(`${target}: the test executable compiles (macOS cannot run here)`, { timeout: 10 * minutes }, () => {
      const binary = readFileSync(buildZigTests(target));
      assert.equal(binary.readUInt32LE(0), 0xfeedfacf);
      assert.equal(binary.readUInt32LE(4), cpu);
    });
  }
});

/**
 * A user project with the packed package installed: `npm pack`, extracted into
 * node_modules, with koffi (its one dependency) beside it.
 */
function packedProject() {
  const project = mkdtempSync(join(tmpdir(), "mpmetrics-native-app-"));
  execFileSync("npm", ["pack", "--silent", "--pack-destination", project], { cwd: root, stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 << 20 });
  const tarball = readdirSync(project).find((f) => f.endsWith(".tgz"));
  const installed = join(project, "node_modules", "mpmetrics");
  execFileSync("mkdir", ["-p", installed]);
  execFileSync("tar", ["xzf", join(project, tarball), "-C", installed, "--strip-components=1"]);
  rmSync(join(project, tarball));
  // Its dependency as npm would install it (the pinned version, copied from this clone).
  cpSync(join(root, "node_modules", "koffi"), join(project, "node_modules", "koffi"), { recursive: true });
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "native-app", type: "module", private: true }));
  copyFileSync(join(root, "test", "fixtures", "native_app", "app.mjs"), join(project, "app.mjs"));
  return project;
}

/** Runs app.mjs as parent (which runs itself as child) with `bun` = an argv prefix. */
function parentAndChild(project, bun) {
  const env = { ...process.env, NATIVE_CHILD_COMMAND: JSON.stringify(bun) };
  delete env.MPMETRICS_HEAP;
  const result = spawnSync(bun[0], [...bun.slice(1), join(project, "app.mjs"), "parent"], {
    cwd: project, env, encoding: "utf8", timeout: 5 * minutes, maxBuffer: 64 << 20,
  });
  assert.equal(result.status, 0, `the parent failed (${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`);
  console.log(result.stdout.split("\n").filter((l) => l.startsWith("parent") || l.startsWith("child") || l.startsWith("native_jobs")).join("\n"));
  return result.stdout;
}

function assertShared(output, project, arch, folder) {
  const shipped = join(project, "node_modules", "mpmetrics", "prebuilds", folder, "libmpmetrics.so");
  assert.match(output, new RegExp(`^parent arch=${arch} library=${shipped}$`, "m"));
  assert.match(output, new RegExp(`^child arch=${arch} library=${shipped}$`, "m"));
  assert.match(output, /^native_jobs_total\{who="parent"\} 3$/m);
  assert.match(output, /^native_jobs_total\{who="child"\} 2$/m);
}

describe("Bun and Node builds load the shipped libraries from the packed package", () => {
  let project = "";
  before(() => (project = packedProject()), { timeout: 10 * minutes });
  after(() => rmSync(project, { recursive: true, force: true }));

  test("Bun linux-aarch64 under qemu-user: parent + child share a labelled counter", { timeout: 10 * minutes }, () => {
    const bun = [qemuAarch64, "-L", arm64Sysroot, ensureBunArm64()];
    const output = parentAndChild(project, bun);
    assertShared(output, project, "arm64", "linux-arm64-gnu");
  });

  test("Node linux-arm64 under qemu-user: parent + child share a labelled counter", { timeout: 15 * minutes }, () => {
    const koffiVersion = JSON.parse(readFileSync(join(root, "node_modules", "koffi", "package.json"), "utf8")).version;
    cpSync(ensureKoffiArm64(koffiVersion), join(project, "node_modules", "@koromix", "koffi-linux-arm64"), { recursive: true });
    const node = [qemuAarch64, "-L", arm64Sysroot, ensureNodeArm64()];
    const output = parentAndChild(project, node);
    assertShared(output, project, "arm64", "linux-arm64-gnu");
  });

  test("Bun linux-x64-musl with musl >= 1.2.4: parent + child share a labelled counter", { timeout: 10 * minutes }, () => {
    const musl = ensureMuslRuntime();
    const version = muslVersion(musl.loader).split(".").map(Number);
    assert.ok(version[0] > 1 || (version[0] === 1 && (version[1] > 2 || (version[1] === 2 && version[2] >= 4))), `musl ${version.join(".")} < 1.2.4`);
    const bun = [musl.loader, "--library-path", musl.libraryPath, ensureBunMusl()];
    const output = parentAndChild(project, bun);
    assertShared(output, project, "x64", "linux-x64-musl");
  });
});
