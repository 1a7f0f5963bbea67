import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, openSync, readFileSync, statSync, symlinkSync, writeFileSync, closeSync, ftruncateSync } from "node:fs";
import { HeapError } from "../native/index.ts";
import { temporaryHeapPath } from "../../test/support/runtimes.ts";
import { Heap } from "./heap.ts";

function expectHeapError(code: string, open: () => unknown): void {
  assert.throws(open, (error: unknown) => {
    assert.ok(error instanceof HeapError, `expected a HeapError, got ${error}`);
    assert.equal(error.code, code, error.message);
    return true;
  });
}

test("a created heap file is mode 0600 and owned by this user; the last close removes it", () => {
  const { path, cleanup } = temporaryHeapPath();
  try {
    const heap = Heap.open({ path, mode: "create" });
    const stat = statSync(path);
    assert.equal(stat.mode & 0o777, 0o600);
    assert.equal(stat.uid, process.getuid!());
    const second = Heap.open({ path, mode: "attach" });
    assert.notEqual(second.slot, heap.slot, "each attachment claims its own writer slot");
    heap.close();
    assert.ok(statSync(path).isFile(), "still attached by the second handle");
    second.close();
    assert.throws(() => statSync(path), "the last close unlinks the file");
  } finally {
    cleanup();
  }
});

test("attach-only on a missing file and create-only on an existing one fail clearly", () => {
  const { path, cleanup } = temporaryHeapPath();
  try {
    expectHeapError("not_found", () => Heap.open({ path, mode: "attach" }));
    const heap = Heap.open({ path, mode: "create" });
    expectHeapError("already_exists", () => Heap.open({ path, mode: "create" }));
    heap.close();
  } finally {
    cleanup();
  }
});

test("a file that is not a heap, an empty one, a truncated one, another version: clear errors, no crash", () => {
  const { path, cleanup } = temporaryHeapPath();
  try {
    const random = new Uint8Array(8192);
    for (let i = 0; i < random.length; i++) random[i] = (i * 7919 + 13) & 0xff;
    writeFileSync(path, random, { mode: 0o600 });
    expectHeapError("not_a_heap", () => Heap.open({ path, mode: "attach" }));
    expectHeapError("not_a_heap", () => Heap.open({ path })); // open-or-create must not overwrite it either
    assert.deepEqual(new Uint8Array(readFileSync(path)), random, "the foreign file is left as it was");

    writeFileSync(path, new Uint8Array(0), { mode: 0o600 });
    expectHeapError("not_a_heap", () => Heap.open({ path, mode: "attach" }));

    writeFileSync(path, new Uint8Array(0));
    const heap = Heap.open({ path: `${path}.real`, mode: "create" });
    heap.close(false);
    const real = readFileSync(`${path}.real`);

    writeFileSync(path, real.subarray(0, 5000), { mode: 0o600 });
    expectHeapError("truncated", () => Heap.open({ path, mode: "attach" }));

    const otherVersion = new Uint8Array(real);
    new DataView(otherVersion.buffer).setUint32(8, 99, true);
    writeFileSync(path, otherVersion, { mode: 0o600 });
    expectHeapError("version_mismatch", () => Heap.open({ path, mode: "attach" }));
    new DataView(otherVersion.buffer).setUint32(8, 2, true); // format 2: every slot's cells in fixed stripes
    writeFileSync(path, otherVersion, { mode: 0o600 });
    expectHeapError("version_mismatch", () => Heap.open({ path, mode: "attach" }));

    const otherLayout = new Uint8Array(real);
    new DataView(otherLayout.buffer).setUint32(12, 0xdead, true);
    writeFileSync(path, otherLayout, { mode: 0o600 });
    expectHeapError("layout_mismatch", () => Heap.open({ path, mode: "attach" }));
  } finally {
    cleanup();
  }
});

test("a heap file readable by others, or reached through a symlink, is refused", () => {
  const { path, cleanup } = temporaryHeapPath();
  try {
    const heap = Heap.open({ path, mode: "create" });
    chmodSync(path, 0o644);
    expectHeapError("insecure", () => Heap.open({ path, mode: "attach" }));
    chmodSync(path, 0o600);
    symlinkSync(path, `${path}.link`);
    expectHeapError("symlink", () => Heap.open({ path: `${path}.link`, mode: "attach" }));
    heap.close();
  } finally {
    cleanup();
  }
});

test("a heap shrunk under a live attachment gives an error on the next growth, never SIGBUS", () => {
  const { path, cleanup } = temporaryHeapPath();
  try {
    const heap = Heap.open({ path, mode: "create", sizeInitialBytes: 1 << 16 });
    const other = Heap.open({ path, mode: "attach" });
    const grown = heap.withLock(() => heap.allocLocked(1 << 18, 8)); // beyond other's mapping
    const fd = openSync(path, "r+");
    ftruncateSync(fd, 1 << 16); // damage: the file is now shorter than its header says
    closeSync(fd);
    const end = grown + (1 << 18);
    assert.ok(end > other.mappedBytes, "the growth lies beyond the second attachment's mapping");
    expectHeapError("truncated", () => other.ensure(end));
    other.close(false);
    heap.close(false);
  } finally {
    cleanup();
  }
});

test("growth: views made before the heap grows keep their memory and values", () => {
  const { path, cleanup } = temporaryHeapPath();
  try {
    const heap = Heap.open({ path, mode: "create", sizeInitialBytes: 1 << 16 });
    const first = heap.withLock(() => heap.allocLocked(64, 8));
    const early = heap.float64View(first, 8);
    early[3] = 42.5;
    const offsets: number[] = [];
    for (let i = 0; i < 40; i++) offsets.push(heap.withLock(() => heap.allocLocked(32 * 1024, 8)));
    assert.ok(heap.mappedBytes >= 40 * 32 * 1024, `grew to ${heap.mappedBytes}`);
    early[4] = 7;
    assert.equal(heap.f64[first / 8 + 3], 42.5);
    assert.equal(heap.f64[first / 8 + 4], 7);
    const other = Heap.open({ path, mode: "attach" });
    other.ensure(offsets[39] + 8);
    assert.equal(other.f64[first / 8 + 3], 42.5);
    other.close();
    heap.close();
  } finally {
    cleanup();
  }
});

test("writer slots: 1,024 by default, up to 4,096; an unclaimed slot costs its 16-byte slot-table entry only", () => {
  const { path, cleanup } = temporaryHeapPath();
  try {
    const heap = Heap.open({ path, mode: "create", sizeInitialBytes: 65536 });
    assert.equal(heap.writerSlotsMax, 1024);
    heap.close();
    const big = Heap.open({ path, mode: "create", writerSlotsMax: 4096, sizeInitialBytes: 65536 });
    assert.equal(big.writerSlotsMax, 4096);
    assert.ok(statSync(path).blocks * 512 <= 4096 + 4096 * 16 + 4096, `a new heap of 4,096 slots allocates ${statSync(path).blocks * 512} bytes`);
    big.close();
    assert.throws(() => Heap.open({ path, mode: "create", writerSlotsMax: 4097 }), RangeError);
    assert.throws(() => Heap.open({ path, mode: "create", writerSlotsMax: 0 }), RangeError);
  } finally {
    cleanup();
  }
});
