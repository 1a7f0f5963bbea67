/**
 * Storage follows what is written (issue 9): the heap file's real allocation (`stat`
 * blocks) after real writer processes of two runtimes make the same series, against
 * the targets. Before per-writer copies every series had cells in every writer slot:
 * 10,000 histograms at 256 slots took 1 GiB, 100,000 counters did not fit at all.
 *
 * The 1,000,000-series heap is written by two Bun processes in every runtime's suite
 * (a Node or Deno writer of a million label sets spends minutes in its own JS heap, not
 * in the storage); then a writer of this suite's runtime adds to 10,000 of them and this
 * runtime scrapes all of them. MPMETRICS_TEST_MILLION=0 leaves that test out locally.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { Heap, Registry } from "../src/index.ts";
import { heapUsage } from "../src/heap/usage.ts";
import { currentRuntime, type RuntimeName, runFixture, spawnFixture } from "./support/runtimes.ts";

const mib = 2 ** 20;

/** This suite's runtime and another one, so each suite has writers of two runtimes and the three suites all three. */
function writerPair(): [RuntimeName, RuntimeName] {
  const current = currentRuntime();
  const other: Record<RuntimeName, RuntimeName> = { bun: "node", deno: "bun", node: "deno" };
  return [current, other[current]];
}

/** A heap in a private folder on /dev/shm (where heaps live in production), else the temporary folder. */
function shmHeap(writerSlotsMax: number): { heap: Heap; path: string; cleanup: () => void } {
  const dir = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "mpmetrics-memory-"));
  const path = join(dir, "heap.mpm");
  const heap = Heap.open({ path, mode: "create", writerSlotsMax });
  return { heap, path, cleanup: () => { heap.close(); rmSync(dir, { recursive: true, force: true }); } };
}

/** Bytes the file system really holds for the file. */
function allocatedBytes(path: string): number {
  return statSync(path).blocks * 512;
}

/**
 * Checks the sample lines named `name{id="id<i>"}` in a text body: `count` of them,
 * each with the value `expected(i)`. A line scan, not a parse into a map: a body of a
 * million series stays cheap to check.
 */
function checkSeries(body: string, name: string, count: number, expected: (i: number) => number): void {
  const prefix = `${name}{id="id`;
  let seen = 0;
  for (let start = 0; start < body.length;) {
    let end = body.indexOf("\n", start);
    if (end < 0) end = body.length;
    if (body.startsWith(prefix, start)) {
      const close = body.indexOf('"}', start + prefix.length);
      const i = Number(body.slice(start + prefix.length, close));
      const value = Number(body.slice(close + 3, end));
      if (value !== expected(i)) assert.fail(`${name}{id="id${i}"} is ${value}, expected ${expected(i)}`);
      seen++;
    }
    start = end + 1;
  }
  assert.equal(seen, count, `series of ${name}`);
}

/**
 * Runs writers that are live at the same time (each in a slot of its own, as the workers
 * of a cluster): each writes, then holds its slot until every one has written. Returns
 * each writer's milliseconds of writing.
 */
async function writeTogether(runtimes: readonly RuntimeName[], env: Record<string, string>): Promise<number[]> {
  const writers = runtimes.map((runtime) => spawnFixture(runtime, "memory_writer", { ...env, HOLD: "1" }, { stdin: true }));
  try {
    const lines = await Promise.all(writers.map((writer) => writer.waitForLine("done ")));
    return lines.map((line) => Number(line.slice("done ".length)));
  } finally {
    for (const writer of writers) writer.process.stdin!.end();
    for (const writer of writers) {
      const { code, stderr } = await writer.exited;
      assert.equal(code, 0, stderr);
    }
  }
}

async function writeBoth(path: string, type: string, series: number): Promise<void> {
  await writeTogether(writerPair(), { MPMETRICS_HEAP: path, MEMORY_TYPE: type, MEMORY_SERIES: String(series) });
}

function report(what: string, writers: readonly RuntimeName[], path: string, heap: Heap, series: number, limitBytes: number): void {
  const allocated = allocatedBytes(path);
  console.log(
    `${what} (writers ${writers.join(" + ")}): ${allocated} bytes allocated (${(allocated / mib).toFixed(2)} MiB, ` +
      `${(allocated / series).toFixed(0)} B per series; heap size ${heapUsage(heap).allocatedBytes}, used ${heapUsage(heap).usedBytes})`,
  );
  assert.ok(allocated <= limitBytes, `${what}: ${allocated} bytes allocated, more than ${limitBytes}`);
}

test("10,000 histogram series (default buckets) by 2 processes in a heap of 256 writer slots: <= 8 MiB", { timeout: 120_000 }, async () => {
  const { heap, path, cleanup } = shmHeap(256);
  try {
    await writeBoth(path, "histogram", 10_000);
    const body = await new Registry(Registry.PROMETHEUS_CONTENT_TYPE, { heap }).metrics();
    checkSeries(body, "memory_histogram_count", 10_000, () => 2);
    checkSeries(body, "memory_histogram_sum", 10_000, (i) => 2 * (i % 7));
    report("10,000 histograms, 256 slots", writerPair(), path, heap, 10_000, 8 * mib);
  } finally {
    cleanup();
  }
});

test("100,000 counter series by 2 processes in a heap of 256 writer slots: <= 24 MiB", { timeout: 180_000 }, async () => {
  const { heap, path, cleanup } = shmHeap(256);
  try {
    await writeBoth(path, "counter", 100_000);
    checkSeries(await new Registry(Registry.PROMETHEUS_CONTENT_TYPE, { heap }).metrics(), "memory_counter", 100_000, () => 2);
    report("100,000 counters, 256 slots", writerPair(), path, heap, 100_000, 24 * mib);
  } finally {
    cleanup();
  }
});

test("10,000 counter series by 2 processes in a heap of 1,024 writer slots: <= 4 MiB (unclaimed slots cost nothing)", { timeout: 120_000 }, async () => {
  const { heap, path, cleanup } = shmHeap(1024);
  try {
    await writeBoth(path, "counter", 10_000);
    checkSeries(await new Registry(Registry.PROMETHEUS_CONTENT_TYPE, { heap }).metrics(), "memory_counter", 10_000, () => 2);
    report("10,000 counters, 1,024 slots", writerPair(), path, heap, 10_000, 4 * mib);
  } finally {
    cleanup();
  }
});

const million = Number(process.env.MPMETRICS_TEST_MILLION ?? 1_000_000);

test(`${million.toLocaleString("en-US")} counter series by 2 processes in one heap; a writer and a reader of this runtime on it`, { timeout: 600_000, skip: million === 0 }, async () => {
  const { heap, path, cleanup } = shmHeap(256);
  try {
    const env = { MPMETRICS_HEAP: path, MEMORY_TYPE: "counter", MEMORY_MAX_SERIES: String(million + 1) };
    const written = await writeTogether(["bun", "bun"], { ...env, MEMORY_SERIES: String(million) });
    const touched = Math.min(10_000, million);
    await runFixture(currentRuntime(), "memory_writer", { ...env, MEMORY_SERIES: String(touched) });
    const body = await new Registry(Registry.PROMETHEUS_CONTENT_TYPE, { heap }).metrics();
    checkSeries(body, "memory_counter", million, (i) => (i < touched ? 3 : 2));
    console.log(`${million} counters by 2 Bun writers in ${written.join(" and ")} ms, then ${touched} of them by a ${currentRuntime()} writer`);
    report(`${million.toLocaleString("en-US")} counters, 256 slots`, ["bun", "bun", currentRuntime()], path, heap, million, 160 * mib * (million / 1_000_000) + 4 * mib);
  } finally {
    cleanup();
  }
});
