// The libFuzzer target on the Zig attach/verify path (zig/fuzz/harness.c), run for a
// bounded time with a fixed seed: any crash (a Zig safety check, an ASan or UBSan report,
// a status outside the ABI's, a leaked handle or descriptor), hang (-timeout) or leak
// fails the test. Node-only, run once by scripts/test.mjs as its own "fuzz" suite: the
// target is native code, the same under every runtime.
//
// The seed corpus is made here, fresh each run: the header and slot table of a real heap
// that the library wrote with one metric of every type (zig/fuzz/make_seed_heap.mjs),
// with and without the rest of the file, and mutants of each header field and lock byte.
// Inputs the fuzzer once crashed on are kept in zig/fuzz/corpus/ and replayed first.
//
// MPMETRICS_ZIG_FUZZ_SECONDS bounds the run (default 60; 0 only replays the seeds and the
// kept inputs), MPMETRICS_ZIG_FUZZ_SEED picks libFuzzer's seed (default 1).

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { buildFuzzer } from "./build.mjs";

const fuzzDir = dirname(fileURLToPath(import.meta.url));
const seconds = Number(process.env.MPMETRICS_ZIG_FUZZ_SECONDS ?? 60);
const seed = Number(process.env.MPMETRICS_ZIG_FUZZ_SEED ?? 1);
if (!Number.isInteger(seconds) || seconds < 0) {
  throw new RangeError(`MPMETRICS_ZIG_FUZZ_SECONDS must be a whole number of seconds (0: replay the seeds only), got ${process.env.MPMETRICS_ZIG_FUZZ_SECONDS}`);
}
if (!Number.isInteger(seed) || seed < 1) throw new RangeError(`MPMETRICS_ZIG_FUZZ_SEED must be a positive integer, got ${process.env.MPMETRICS_ZIG_FUZZ_SEED}`);
/** libFuzzer's own per-input bound: an input that runs this long is a hang. */
const inputTimeoutS = 10;
/** Header (4096) and the largest slot table (256 x 16), and a little more for truncations. */
const inputMaxBytes = 12288;

// Header fields (zig/ABI.md).
const offsets = {
  version: 8, layout: 12, headerSize: 16, slotsMax: 20, highWater: 28, size: 32, sizeMax: 40, cursor: 48,
  lockKind: 64, lockFlags: 68, lockWord: 72, lockReserved: 80, slotTable: 4096,
};
// The options byte (harness.c): pad to size_bytes, this process's or the parent's lock
// word, the folder walk, damage after attach, inheritance records, call arguments.
const padFlag = 1;
const ownWordFlag = 2;
const parentWordFlag = 4;
const walkFlag = 8;
const damageFlag = 16;
const recordsFlag = 32;
const argumentsFlag = 64;

/** The 32 bytes of call arguments (harness.c, struct arguments). */
function callArguments({ size, align, offset, slot, timeoutMs, slots, value }) {
  const bytes = Buffer.alloc(32);
  [size, align, offset, slot, timeoutMs, slots].forEach((word, i) => bytes.writeUInt32LE(word >>> 0, 4 * i));
  bytes.writeDoubleLE(value, 24);
  return bytes;
}

/** The 16 patches {u16 offset, u16 value} of a damage input, the last one repeated. */
function patches(...pairs) {
  const bytes = Buffer.alloc(64);
  for (let i = 0; i < 16; i++) {
    const [offset, value] = pairs[Math.min(i, pairs.length - 1)];
    bytes.writeUInt16LE(offset, 4 * i);
    bytes.writeUInt16LE(value, 4 * i + 2);
  }
  return bytes;
}

/** A real heap's header and slot table, made by the library (Node build). */
function realHeapPrefix(folder) {
  const heapPath = join(folder, "seed.mpm");
  const copyPath = join(folder, "seed-copy.mpm");
  const made = spawnSync(process.execPath, [join(fuzzDir, "make_seed_heap.mjs"), heapPath, copyPath], { encoding: "utf8" });
  assert.equal(made.status, 0, `make_seed_heap.mjs failed:\n${made.stderr}`);
  const file = readFileSync(copyPath);
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const slots = view.getUint32(offsets.slotsMax, true);
  const dataStart = Math.ceil((offsets.slotTable + 16 * slots) / 4096) * 4096;
  assert.ok(Number(view.getBigUint64(offsets.cursor, true)) > dataStart, "the seed heap holds allocations");
  return file.subarray(0, dataStart);
}

function trimZeros(bytes) {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  return bytes.subarray(0, end);
}

/** One fuzzer input: the options byte, then the file's bytes. */
function input(flags, content) {
  return Buffer.concat([Buffer.from([flags]), content]);
}

/** The real prefix with `edit(view)` applied. */
function mutant(prefix, edit) {
  const copy = Buffer.from(prefix);
  edit(new DataView(copy.buffer, copy.byteOffset, copy.byteLength));
  return input(padFlag, trimZeros(copy));
}

function seeds(prefix) {
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  const size = view.getBigUint64(offsets.size, true);
  const slots = view.getUint32(offsets.slotsMax, true);
  const u32 = (offset, value) => (v) => v.setUint32(offset, value, true);
  const u64 = (offset, value) => (v) => v.setBigUint64(offset, BigInt(value), true);
  const marker = 0x8000_0000;
  const damaged = (flags, ...pairs) => input(padFlag | damageFlag | flags, Buffer.concat([trimZeros(prefix), patches(...pairs)]));
  return {
    real: input(padFlag, trimZeros(prefix)),
    "real-unpadded": input(0, prefix), // the file ends at the slot table: truncated
    "magic-only": input(0, prefix.subarray(0, 8)),
    "header-short": input(0, prefix.subarray(0, 4095)),
    "version-1": mutant(prefix, u32(offsets.version, 1)),
    "layout-other": mutant(prefix, u32(offsets.layout, view.getUint32(offsets.layout, true) ^ 0x100)),
    "header-size-0": mutant(prefix, u32(offsets.headerSize, 0)),
    "slots-0": mutant(prefix, u32(offsets.slotsMax, 0)),
    "slots-256": mutant(prefix, u32(offsets.slotsMax, 256)),
    "slots-257": mutant(prefix, u32(offsets.slotsMax, 257)),
    "high-water-past-slots": mutant(prefix, u32(offsets.highWater, slots + 1)),
    "size-plus-page": mutant(prefix, u64(offsets.size, size + 4096n)),
    "size-unaligned": mutant(prefix, u64(offsets.size, size + 1n)),
    "size-max-below-size": mutant(prefix, u64(offsets.sizeMax, size - 4096n)),
    "size-max-4gib": mutant(prefix, u64(offsets.sizeMax, 2n ** 32n)),
    "cursor-past-size": mutant(prefix, u64(offsets.cursor, size + 8n)),
    "cursor-0": mutant(prefix, u64(offsets.cursor, 0)),
    "cursor-at-size": mutant(prefix, u64(offsets.cursor, size)),
    "lock-kind": mutant(prefix, u32(offsets.lockKind, 0x4b4c504c)),
    "lock-flags": mutant(prefix, u32(offsets.lockFlags, 1)),
    "lock-reserved": mutant(prefix, (v) => v.setUint8(offsets.lockReserved + 47, 1)),
    "lock-poisoned": mutant(prefix, u64(offsets.lockWord, 2n ** 64n - 1n)),
    "lock-pid-1-other-start": mutant(prefix, (v) => {
      v.setUint32(offsets.lockWord, 1, true);
      v.setUint32(offsets.lockWord + 4, marker | 12345, true);
    }),
    "lock-pid-unused": mutant(prefix, (v) => {
      v.setUint32(offsets.lockWord, (1 << 22) - 1, true);
      v.setUint32(offsets.lockWord + 4, marker, true);
    }),
    "lock-pid-no-token": mutant(prefix, u32(offsets.lockWord, 1)),
    "slot-state-2": mutant(prefix, u32(offsets.slotTable + 8, 2)),
    "slot-pid-garbage": mutant(prefix, u32(offsets.slotTable, 0xffff_ffff)),
    "lock-own-word": input(padFlag | ownWordFlag, trimZeros(prefix)),
    "lock-parent-word": input(padFlag | parentWordFlag, trimZeros(prefix)),
    "walk-real": input(padFlag | walkFlag, trimZeros(prefix)),
    "walk-foreign": input(walkFlag, Buffer.from("not a heap file")),
    "records-regular-file": input(recordsFlag, Buffer.from("/etc/hostname\0")),
    "records-folder": input(recordsFlag, Buffer.from("/tmp\0")),
    "records-relative": input(recordsFlag, Buffer.from("heap.mpm\0")),
    "records-stale-name": input(recordsFlag, Buffer.from("1-12345\0")),
    "arguments-good": input(padFlag | argumentsFlag, Buffer.concat([trimZeros(prefix), callArguments({ size: 64, align: 8, offset: 8192, slot: 0, timeoutMs: 5, slots: 4, value: 1.5 })])),
    "arguments-bad": input(padFlag | argumentsFlag, Buffer.concat([trimZeros(prefix), callArguments({ size: 0, align: 3, offset: 9999, slot: 4, timeoutMs: 0, slots: 0, value: NaN })])),
    "arguments-edges": input(padFlag | argumentsFlag, Buffer.concat([trimZeros(prefix), callArguments({ size: 2 ** 20 - 1, align: 4096, offset: 256, slot: 2 ** 32 - 1, timeoutMs: 600_001, slots: 257, value: 1e300 })])),
    "damage-magic-walk": damaged(walkFlag, [0, 0]),
    "damage-slots-max-0": damaged(0, [offsets.slotsMax, 0]),
    "damage-slots-max-4096": damaged(0, [offsets.slotsMax, 4096]),
    "damage-high-water": damaged(0, [offsets.highWater, 300]),
    "damage-cursor-0": damaged(0, [offsets.cursor, 0], [offsets.cursor + 2, 0]),
    "damage-cursor-huge": damaged(0, [offsets.cursor + 6, 0xffff]),
    "damage-size-unaligned": damaged(0, [offsets.size, Number(size & 0xffffn) + 8]),
    "damage-size-huge": damaged(0, [offsets.size + 4, 0x7fff]),
    "damage-lock-kind": damaged(0, [offsets.lockKind, 0]),
    "damage-lock-word": damaged(0, [offsets.lockWord, 1], [offsets.lockWord + 6, 0x8000]),
  };
}

/** libFuzzer's last status line ("#N DONE cov: X ft: Y corp: A/Bb ...") and final stats. */
function figures(output) {
  const lines = [...output.matchAll(/^#(\d+)\s+\w+\s+cov: (\d+) ft: (\d+) corp: (\d+)\/(\d+\w*)/gm)];
  const last = lines.at(-1);
  const stat = (name) => Number(output.match(new RegExp(`^stat::${name}:\\s+(\\d+)`, "m"))?.[1] ?? NaN);
  return {
    executions: stat("number_of_executed_units"),
    execsPerSecond: stat("average_exec_per_sec"),
    cov: last ? Number(last[2]) : NaN,
    ft: last ? Number(last[3]) : NaN,
    corpusUnits: last ? Number(last[4]) : NaN,
    corpusSize: last ? last[5] : "?",
    peakRssMb: stat("peak_rss_mb"),
  };
}

test(`libFuzzer on attach/verify/lock/alloc/slots for ${seconds} s (seed ${seed}): no crash, hang or leak`, { timeout: (seconds + 600) * 1000 }, () => {
  const binary = buildFuzzer();
  const work = mkdtempSync(join(tmpdir(), "mpmetrics-zig-fuzz-"));
  chmodSync(work, 0o700);
  let passed = false;
  try {
    const corpus = join(work, "corpus");
    const artifacts = join(work, "artifacts");
    const heaps = join(work, "heaps");
    for (const dir of [corpus, artifacts, heaps]) mkdirSync(dir, { mode: 0o700 });
    const made = seeds(realHeapPrefix(work));
    for (const [name, bytes] of Object.entries(made)) {
      assert.ok(bytes.length <= inputMaxBytes, `seed ${name} is ${bytes.length} bytes`);
      writeFileSync(join(corpus, `seed-${name}`), bytes);
    }
    const kept = join(fuzzDir, "corpus");
    const corpora = [corpus, ...(existsSync(kept) && readdirSync(kept).length > 0 ? [kept] : [])];
    const args = [
      // libFuzzer reads -max_total_time=0 as "no limit": 0 here runs the corpus once instead.
      `-seed=${seed}`, seconds > 0 ? `-max_total_time=${seconds}` : "-runs=0", `-timeout=${inputTimeoutS}`, `-max_len=${inputMaxBytes}`,
      "-rss_limit_mb=2048", "-detect_leaks=1", "-print_final_stats=1", `-artifact_prefix=${artifacts}/`, ...corpora,
    ];
    console.log(`${binary} ${args.join(" ")}`);
    const run = spawnSync(binary, args, {
      encoding: "utf8",
      env: { ...process.env, MPMETRICS_FUZZ_DIR: heaps, ASAN_OPTIONS: "abort_on_error=0:detect_leaks=1", UBSAN_OPTIONS: "print_stacktrace=1:halt_on_error=1" },
      timeout: (seconds + 300) * 1000,
      maxBuffer: 256 << 20,
    });
    const output = `${run.stdout}\n${run.stderr}`;
    const found = readdirSync(artifacts);
    const shown = found.map((name) => `${name}: ${readFileSync(join(artifacts, name)).subarray(0, 256).toString("hex")}`);
    if (run.status !== 0 || found.length > 0) {
      // The report's start (the Zig panic message or the sanitizer's verdict) and its end.
      const lines = output.split("\n");
      const first = lines.findIndex((line) => /panic|ERROR: |mpmetrics-fuzz: |==\d+==/.test(line));
      console.log([...lines.slice(Math.max(first, 0), Math.max(first, 0) + 40), "...", ...lines.slice(-30)].join("\n"));
    }
    assert.equal(found.length, 0, `libFuzzer found crashing inputs (kept in ${artifacts}):\n${shown.join("\n")}`);
    assert.equal(run.status, 0, `the fuzzer exited ${run.status ?? run.signal}`);
    const result = figures(output);
    const corpusFiles = readdirSync(corpus);
    const corpusBytes = corpusFiles.reduce((sum, name) => sum + statSync(join(corpus, name)).size, 0);
    console.log(
      `zig fuzz: ${result.executions} executions in ${seconds} s (${result.execsPerSecond}/s), cov: ${result.cov} ft: ${result.ft}, ` +
        `corpus ${result.corpusUnits} inputs / ${result.corpusSize} (libFuzzer), ${corpusFiles.length} files / ${corpusBytes} bytes on disk, ` +
        `${Object.keys(made).length} seeds, peak RSS ${result.peakRssMb} MB, 0 crashes, hangs or leaks`,
    );
    assert.ok(result.executions > 0 && result.cov > 0 && result.ft > 0, "libFuzzer reported no executions or coverage");
    passed = true;
  } finally {
    // A failed run keeps its folder: the crashing inputs replay with `<binary> <input>`.
    if (passed) rmSync(work, { recursive: true, force: true });
  }
});
