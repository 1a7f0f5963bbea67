import { test } from "node:test";
import assert from "node:assert/strict";
import { host } from "./index.ts";
import { libraryCandidates, normalizeArch, normalizePlatform, openFirst, registerEmbeddedLibraries } from "./library_path.ts";

const gnu = { platform: "linux", arch: "x64", libc: "gnu" } as const;
const installed = "file:///app/node_modules/mpmetrics/dist/src/native/node.js";

test("an installed package looks in its own prebuilds/ first, then beside the module", () => {
  assert.deepEqual(libraryCandidates(gnu, installed, undefined), [
    "/app/node_modules/mpmetrics/prebuilds/linux-x64-gnu/libmpmetrics.so",
    "/app/node_modules/mpmetrics/dist/src/native/prebuilds/linux-x64-gnu/libmpmetrics.so",
  ]);
  assert.deepEqual(libraryCandidates({ platform: "darwin", arch: "arm64" }, "file:///r/src/native/bun.ts", ""), [
    "/r/prebuilds/darwin-arm64/libmpmetrics.dylib",
    "/r/src/native/prebuilds/darwin-arm64/libmpmetrics.dylib",
  ]);
});

test("MPMETRICS_NATIVE_LIB wins and must be absolute", () => {
  assert.deepEqual(libraryCandidates(gnu, installed, "/opt/libmpmetrics.so"), ["/opt/libmpmetrics.so"]);
  assert.throws(() => libraryCandidates(gnu, installed, "lib.so"), (e: unknown) => e instanceof TypeError && /MPMETRICS_NATIVE_LIB must be an absolute path/.test(e.message));
});

test("an embedded library comes first: absolute (compiled) or relative to the bundle (--outdir)", () => {
  registerEmbeddedLibraries({ "linux-arm64-musl": "/$bunfs/root/libmpmetrics-1.so", "darwin-x64": "./libmpmetrics-2.dylib" });
  const musl = { platform: "linux", arch: "arm64", libc: "musl" } as const;
  assert.equal(libraryCandidates(musl, "file:///$bunfs/root/app", undefined)[0], "/$bunfs/root/libmpmetrics-1.so");
  assert.equal(libraryCandidates({ platform: "darwin", arch: "x64" }, "file:///srv/out/app.js", undefined)[0], "/srv/out/libmpmetrics-2.dylib");
  // A JSR (https) module has nothing beside it: only the embedded or overridden path.
  assert.deepEqual(libraryCandidates(gnu, "https://jsr.io/@mpmetrics/mpmetrics/0.1.0/src/native/deno.ts", undefined), []);
});

test("a missing library: the error names the detected target, each path tried and MPMETRICS_NATIVE_LIB", () => {
  const tried: string[] = [];
  const open = (path: string): never => {
    tried.push(path);
    throw new Error("cannot open shared object file");
  };
  const candidates = libraryCandidates(gnu, installed, undefined);
  assert.throws(() => openFirst(gnu, candidates, open, () => false), (e: unknown) => {
    assert.ok(e instanceof Error);
    assert.match(e.message, /linux-x64-gnu \(detected platform linux, arch x64, libc gnu\)/);
    for (const path of candidates) assert.ok(e.message.includes(`${path} (cannot open shared object file)`), e.message);
    assert.match(e.message, /MPMETRICS_NATIVE_LIB/);
    assert.doesNotMatch(e.message, /npm run build/); // never told to an installed user
    return true;
  });
  assert.deepEqual(tried, candidates);
  assert.throws(() => openFirst(gnu, candidates, open, () => true), /In a clone of mpmetrics, `npm run build` builds it/);
  assert.equal(openFirst(gnu, ["/a", "/b"], (path) => (path === "/b" ? "opened /b" : open(path)), () => false), "opened /b");
});

test("platform and architecture names of all three runtimes normalize; others are a RangeError", () => {
  assert.equal(normalizeArch("x86_64"), "x64");
  assert.equal(normalizeArch("aarch64"), "arm64");
  assert.equal(normalizePlatform("darwin"), "darwin");
  assert.throws(() => normalizeArch("riscv64"), RangeError);
  assert.throws(() => normalizePlatform("win32"), RangeError);
  assert.ok(["bun", "deno", "node"].includes(host.name)); // and this runtime loaded its library
});
