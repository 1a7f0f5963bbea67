/**
 * Mutated heap locks, attached by real processes of this test's runtime: every
 * single-bit flip of the 64 header bytes that hold the lock (bytes 64-127), of a free
 * lock and of one a killed process held, plus chosen states (a live process's word that
 * holds nothing, a reused pid, glibc's priority-inheritance bit, garbage). Each attach
 * creates a label set (which takes the lock), scrapes and verifies: it either works or
 * fails with a HeapError before its lock timeout; never a hang (each command is killed
 * after a bound), a crash or a foreign error class.
 */

import { seededRandom as random } from "./support/random.ts";
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { Heap } from "../src/index.ts";
import { Probe, type ProbeOutcome } from "./support/probe.ts";
import { currentRuntime, spawnFixture, temporaryHeapPath } from "./support/runtimes.ts";

const lockOffsetBytes = 64;
const lockSizeBytes = 64;
const wordOffsetBytes = lockOffsetBytes + 8;
const lockTimeoutMs = 200;
/** Far beyond the lock timeout: only a hang reaches it. */
const killAfterMs = 20_000;


function withWord(base: Uint8Array, low: number, high: number): Uint8Array {
  const copy = base.slice();
  const view = new DataView(copy.buffer);
  view.setUint32(wordOffsetBytes, low, true);
  view.setUint32(wordOffsetBytes + 4, high, true);
  return copy;
}

test("every bit flip and chosen damage of the heap lock: works or a HeapError, never a hang", { timeout: 600_000 }, async () => {
  const { path, cleanup } = temporaryHeapPath();
  const folder = dirname(path);
  const runtime = currentRuntime();
  const probe = new Probe(runtime, { LOCK_TIMEOUT_MS: String(lockTimeoutMs) }, killAfterMs);
  try {
    const heap = Heap.open({ path, mode: "create", sizeInitialBytes: 65536, sizeMaxBytes: 1 << 20 });
    const free = new Uint8Array(readFileSync(path));
    // The lock word of a live process (this one) that holds nothing in the copy.
    const liveWord = heap.withLock(() => new Uint8Array(readFileSync(path)));
    heap.close(false);
    // The lock word of a process killed while holding it.
    const holder = spawnFixture(runtime, "hold_lock", { MPMETRICS_HEAP: path });
    await holder.waitForLine("locked");
    holder.process.kill("SIGKILL");
    await holder.exited;
    const deadWord = new Uint8Array(readFileSync(path));
    const liveView = new DataView(liveWord.buffer);
    const token = liveView.getUint32(wordOffsetBytes + 4, true);
    assert.equal(liveView.getUint32(wordOffsetBytes, true), process.pid, "the lock word holds the holder's pid");
    assert.ok(token >= 0x8000_0000, "and a marked start-time token");

    const mutants: { name: string; bytes: Uint8Array; expect?: (o: ProbeOutcome) => boolean }[] = [];
    for (const [baseName, base] of [["free", free], ["dead holder", deadWord]] as const) {
      for (let bit = 0; bit < lockSizeBytes * 8; bit++) {
        const bytes = base.slice();
        bytes[lockOffsetBytes + (bit >> 3)] ^= 1 << (bit & 7);
        mutants.push({ name: `${baseName}, bit ${bit} flipped`, bytes });
      }
    }
    const isOk = (o: ProbeOutcome) => o.kind === "ok";
    const isCode = (code: string) => (o: ProbeOutcome) => o.kind === "heap_error" && o.code === code;
    mutants.push(
      { name: "a dead holder", bytes: deadWord, expect: isOk },
      {
        name: "a live process's word that holds nothing",
        bytes: liveWord,
        expect: (o) => isCode("lock_timeout")(o) && o.message!.includes(`process ${process.pid} `),
      },
      { name: "pid 1 with another start time (a reused pid)", bytes: withWord(free, 1, token ^ 1), expect: isOk },
      { name: "this process's pid with another start time", bytes: withWord(free, process.pid, token ^ 0x10), expect: isOk },
      { name: "a pid past every pid_max", bytes: withWord(free, 1 << 22, token), expect: isCode("corrupt") },
      { name: "a token without its marker", bytes: withWord(free, process.pid, token & 0x7fff_ffff), expect: isCode("corrupt") },
      { name: "the poisoned word", bytes: withWord(free, 0xffff_ffff, 0xffff_ffff), expect: isCode("corrupt") },
    );
    // glibc's PTHREAD_MUTEX_PRIO_INHERIT_NP bit (32) in what was the mutex kind, with and
    // without the format version a pthread-mutex heap had.
    const pi = free.slice();
    pi[lockOffsetBytes + 16] |= 32;
    pi[lockOffsetBytes] |= 32;
    mutants.push({ name: "the priority-inheritance bit", bytes: pi, expect: isCode("corrupt") });
    const old = pi.slice();
    new DataView(old.buffer).setUint32(8, 1, true);
    mutants.push({ name: "a format-1 heap (pthread mutex)", bytes: old, expect: isCode("version_mismatch") });
    const next = random(0x5eed);
    for (let i = 0; i < 8; i++) {
      const bytes = free.slice();
      for (let j = 0; j < lockSizeBytes; j++) bytes[lockOffsetBytes + j] = Math.floor(next() * 256);
      mutants.push({ name: `garbage ${i}`, bytes });
    }
    mutants.push({ name: "all ones", bytes: (() => { const b = free.slice(); b.fill(0xff, lockOffsetBytes, lockOffsetBytes + lockSizeBytes); return b; })(), expect: isCode("corrupt") });
    mutants.push({ name: "all zeros", bytes: (() => { const b = free.slice(); b.fill(0, lockOffsetBytes, lockOffsetBytes + lockSizeBytes); return b; })(), expect: isCode("corrupt") });

    const counts = new Map<string, number>();
    const bad: string[] = [];
    for (const [index, mutant] of mutants.entries()) {
      const file = join(folder, `mutant-${index}.mpm`);
      writeFileSync(file, mutant.bytes, { mode: 0o600 });
      const outcome = await probe.ask("attach", file);
      rmSync(file, { force: true });
      const key = outcome.kind === "heap_error" ? `heap_error ${outcome.code}` : outcome.kind;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      if (outcome.kind !== "ok" && outcome.kind !== "heap_error") bad.push(`${mutant.name}: ${key} ${outcome.message ?? ""}`);
      else if (mutant.expect !== undefined && !mutant.expect(outcome)) {
        bad.push(`${mutant.name}: unexpected ${key} ${outcome.message ?? ""}`);
      }
    }
    console.log(`${runtime}: ${mutants.length} lock mutants: ${[...counts].map(([k, n]) => `${k} ${n}`).join(", ")}`);
    assert.deepEqual(bad, []);
    assert.equal((counts.get("ok") ?? 0) + [...counts].filter(([k]) => k.startsWith("heap_error")).reduce((s, [, n]) => s + n, 0), mutants.length);
  } finally {
    await probe.close();
    cleanup();
  }
});
