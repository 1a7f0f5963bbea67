// What the published package holds: what users need and no more, within a size budget;
// a lockfile that a fresh clone's `npm install` leaves as it is; `deno publish --dry-run`.
//
// Budget (the package carries the prebuilt libraries of all six targets, stripped, 64-105 KB
// each; measured at 343 KB packed, 982 KB unpacked, 123 files; after the storage, undo-log,
// damage-check and gauge-folder modules, 517,142 B packed, 1,457,125 B unpacked, 185 files;
// after the timers' native clock in all six prebuilds and the shared gauge's reader module,
// 524,200 B packed, 1,485,049 B unpacked, 187 files): packed at most 544 KiB, unpacked at
// most 1.5 MiB, at most 224 files (a .js and a .d.ts per module: one concept per file, so
// the count follows the modules, not their size). What grows it is code and its comments;
// a test, fixture or source map shipped by mistake is caught by the file list below.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { cleanEnv, denoBinary, freshProject, mustRun, npmInstall, root } from "./support.mjs";

const budget = { packedBytes: 544 * 1024, unpackedBytes: 1536 * 1024, files: 224 };

const packed = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--ignore-scripts", "--json"], {
  cwd: root,
  encoding: "utf8",
  env: cleanEnv(),
}))[0];
const paths = packed.files.map((file) => file.path);

test(`npm pack stays within the budget: packed <= ${budget.packedBytes} B, unpacked <= ${budget.unpackedBytes} B, <= ${budget.files} files`, () => {
  const measured = { packedBytes: packed.size, unpackedBytes: packed.unpackedSize, files: packed.entryCount };
  console.log(`npm pack: ${JSON.stringify(measured)}`);
  assert.ok(measured.packedBytes <= budget.packedBytes, JSON.stringify(measured));
  assert.ok(measured.unpackedBytes <= budget.unpackedBytes, JSON.stringify(measured));
  assert.ok(measured.files <= budget.files, JSON.stringify(measured));
});

test("the package holds no sources, tests, build caches or scripts", () => {
  const unwanted = paths.filter((path) =>
    /^(src|zig|scripts|test|bench|demo|node_modules|\.tools)\//.test(path) ||
    /\.test\.|zig-cache|zig-out|\.mpm$|\.tsbuildinfo$/.test(path) ||
    !/^(dist\/(src|bun)\/|prebuilds\/|LICENSE$|README\.md$|package\.json$)/.test(path));
  assert.deepEqual(unwanted, []);
});

test("the package holds its entry points, declarations, LICENSE and only libmpmetrics in prebuilds/", () => {
  for (const path of ["LICENSE", "README.md", "package.json", "dist/src/index.js", "dist/src/index.d.ts", "dist/bun/index.js", "dist/bun/embedded.js"]) {
    assert.ok(paths.includes(path), `${path} is missing from the package`);
  }
  const libraries = paths.filter((path) => path.startsWith("prebuilds/"));
  assert.ok(libraries.length >= 1, "no prebuilt library in the package");
  for (const path of libraries) {
    assert.match(path, /^prebuilds\/(linux-(x64|arm64)-(gnu|musl)|darwin-(x64|arm64))\/libmpmetrics\.(so|dylib)$/);
  }
  assert.match(readFileSync(join(root, "LICENSE"), "utf8"), /^MIT License/);
  assert.equal(JSON.parse(readFileSync(join(root, "package.json"), "utf8")).license, "MIT");
});

test("every export condition points at JavaScript, types at declarations", () => {
  const { exports } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  for (const [condition, target] of Object.entries(exports["."])) {
    assert.match(target, condition === "types" ? /\.d\.ts$/ : /\.js$/, `${condition}: ${target}`);
    assert.ok(paths.includes(target.replace(/^\.\//, "")), `${condition}: ${target} is not in the package`);
  }
});

test("npm install from package.json and package-lock.json (as on a fresh clone) leaves the lockfile unmodified", () => {
  const dir = freshProject("lockfile");
  copyFileSync(join(root, "package.json"), join(dir, "package.json"));
  copyFileSync(join(root, "package-lock.json"), join(dir, "package-lock.json"));
  npmInstall(dir, ["--package-lock-only", "--ignore-scripts"]);
  assert.equal(readFileSync(join(dir, "package-lock.json"), "utf8"), readFileSync(join(root, "package-lock.json"), "utf8"));
});

test("JSR: deno publish --dry-run passes (types, slow types, license)", () => {
  const { stdout, stderr } = mustRun(denoBinary, ["publish", "--dry-run", "--allow-dirty"], { cwd: root });
  assert.match(`${stdout}${stderr}`, /Dry run complete/);
});
