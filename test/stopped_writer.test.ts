/**
 * A writer stopped with SIGSTOP in the middle of an update never fails a scrape (issue
 * 10, item 2). Bun, Deno and Node writers observe in a tight loop into a classic
 * histogram, a histogram with native buckets and a summary (test/fixtures/stop_writer.ts);
 * this process stops one of them at a random moment, scrapes while it is stopped, and
 * resumes it, `STALE_STOPS` times (default 60, 20 per writer). Every scrape returns, and in
 * every scrape:
 * - each histogram series is consistent: `_count` == `+Inf` bucket == the sum of the
 *   non-cumulative buckets, and `_sum` == le=1 count + 4 x the (1, 4] count (the writers
 *   observe only 1 and 4); the native buckets hold `_count` and their own sum;
 * - each summary series: `_sum` == `_count` (it observes only 1);
 * - each gauge series (mode "mostrecent", set to the iteration every 64th): a multiple
 *   of 64; each shared-mode gauge series (incremented every iteration, set to the
 *   iteration count every other one): a whole number;
 * - no count goes down from the previous scrape.
 * Some of those reads found a writer mid-update and fell back to its last consistent
 * values: the stale-read count (heap stats, and the self-metric) is above 0. In the end
 * the writers stop by themselves and every total is exact.
 *
 * A second test stops writers that only update a shared gauge (`STALE_STOPS` x 2 stops,
 * sets three in a row): a stop inside a set leaves one of the copy's two set slots never
 * whole, and the reader takes the other, the set before (a stale read, counted too).
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import process from "node:process";
import { setTimeout as sleep } from "node:timers/promises";
import { Heap } from "../src/heap/heap.ts";
import { heapStats } from "../src/heap/stats.ts";
import { Registry } from "../src/metrics/registry.ts";
import { collectHeapMetrics } from "../src/metrics/self_metrics.ts";
import type { FamilySnapshot, HistogramSeries, SummaryFamily, HistogramFamily } from "../src/exposition/snapshot.ts";
import { stoppedMetrics, valueOf } from "./fixtures/stopped_lib.ts";
import { parseSamples } from "./support/parse_text.ts";
import { seededRandom } from "./support/random.ts";
import { type Child, currentRuntime, runtimes, spawnFixture, temporaryHeapPath } from "./support/runtimes.ts";

const stops = Number(process.env.STALE_STOPS ?? 60);

/** Checks one histogram series' consistency; returns its count. */
function checkHistogram(s: HistogramSeries, where: string): void {
  const [le1, le4, inf] = s.buckets.map((b) => b.count);
  if (s.buckets.length !== 3 || s.buckets[0].le !== 1 || s.buckets[1].le !== 4) assert.fail(`${where}: buckets ${JSON.stringify(s.buckets)}`);
  if (s.count !== inf) assert.fail(`${where}: _count ${s.count} != +Inf bucket ${inf}`);
  if (le4 !== inf) assert.fail(`${where}: le=4 ${le4} != +Inf ${inf} (nothing above 4 was observed)`);
  if (le1 > le4) assert.fail(`${where}: buckets not cumulative`);
  const expectedSum = le1 + 4 * (le4 - le1);
  if (s.sum !== expectedSum) assert.fail(`${where}: _sum ${s.sum}, the buckets say ${expectedSum} (a torn read)`);
  if (s.native !== undefined) {
    const native = s.native;
    const inBuckets = native.zeroCount + native.positiveCounts.reduce((a, b) => a + b, 0) + native.negativeCounts.reduce((a, b) => a + b, 0);
    if (inBuckets !== s.count) assert.fail(`${where}: native buckets hold ${inBuckets} of _count ${s.count}`);
    if (native.count !== s.count || native.sum !== s.sum) assert.fail(`${where}: native count/sum ${native.count}/${native.sum} vs ${s.count}/${s.sum}`);
  }
}

/** Checks a scrape; returns each series' count by key, none below `previous`'s. */
function checkScrape(families: FamilySnapshot[], previous: Map<string, number>, where: string): Map<string, number> {
  const seen = new Map<string, number>();
  for (const family of families) {
    if (!family.name.startsWith("mp_stop_")) continue;
    if (family.type === "histogram") {
      for (const s of (family as HistogramFamily).series) {
        const key = `${family.name}${JSON.stringify(s.labels)}`;
        checkHistogram(s, `${where}, ${key}`);
        s.buckets.forEach((b, i) => {
          const k = `${key}:${i}`;
          if (b.count < (previous.get(k) ?? 0)) assert.fail(`${where}, ${key}: le=${b.le} went down from ${previous.get(k)} to ${b.count}`);
          seen.set(k, b.count);
        });
      }
    } else if (family.type === "gauge") {
      for (const s of family.series) {
        const key = `${family.name}${JSON.stringify(s.labels)}`;
        const shared = family.name === "mp_stop_shared"; // the iterations done: any whole number, never less
        if ((shared ? !Number.isInteger(s.value) : s.value % 64 !== 0) || s.value < (previous.get(key) ?? 0)) assert.fail(`${where}, ${key}: ${s.value} after ${previous.get(key)}`);
        seen.set(key, s.value);
      }
    } else if (family.type === "summary") {
      for (const s of (family as SummaryFamily).series) {
        const key = `${family.name}${JSON.stringify(s.labels)}`;
        if (s.sum !== s.count) assert.fail(`${where}, ${key}: _sum ${s.sum} != _count ${s.count}`);
        if (s.count < (previous.get(key) ?? 0)) assert.fail(`${where}, ${key}: _count went down`);
        seen.set(key, s.count);
      }
    }
  }
  return seen;
}

/** Waits for writers that were told to stop; returns each one's iterations ("done <n>"). */
async function iterationsDone(writers: readonly Child[]): Promise<number[]> {
  return await Promise.all(writers.map(async (w) => {
    const { code, stdout, stderr } = await w.exited;
    assert.equal(code, 0, stderr);
    return Number(/done (\d+)/.exec(stdout)![1]);
  }));
}

/** Resumes and kills every writer still running (a failed test leaves none behind). */
async function killAll(writers: readonly Child[]): Promise<void> {
  for (const w of writers) {
    try {
      process.kill(w.process.pid!, "SIGCONT");
      process.kill(w.process.pid!, "SIGKILL");
    } catch {
      // already gone
    }
  }
  await Promise.all(writers.map((w) => w.exited));
}

test(`writers stopped with SIGSTOP mid-update (${stops} stops of Bun, Deno and Node writers): every scrape succeeds, consistent, nothing goes down, exact in the end`, { timeout: 300_000 }, async () => {
  const { path, cleanup } = temporaryHeapPath();
  const stopFile = `${path}.stop`;
  const heap = Heap.open({ path, mode: "create" });
  const registry = new Registry(Registry.PROMETHEUS_CONTENT_TYPE);
  const metrics = stoppedMetrics(heap, [registry]);
  collectHeapMetrics({ register: registry, heap });
  const writers: Child[] = runtimes.map((runtime) =>
    spawnFixture(runtime, "stop_writer", { MPMETRICS_HEAP: path, WRITER: runtime, STOP_FILE: stopFile }, { denoAllowRead: true }));
  const staleBefore = heapStats.staleSlotReads;
  try {
    await Promise.all(writers.map((w) => w.waitForLine("ready")));
    let previous = new Map<string, number>();
    const random = seededRandom(0x9e3779b9);
    for (let stop = 0; stop < stops; stop++) {
      const writer = writers[stop % writers.length];
      const pid = writer.process.pid!;
      await sleep(random() * 15);
      // process.kill, not ChildProcess.kill: Deno's sends only the first signal to a child.
      process.kill(pid, "SIGSTOP");
      try {
        await sleep(2); // let the stop land
        previous = checkScrape(await registry.collect(), previous, `stop ${stop} (${runtimes[stop % writers.length]} stopped)`);
        previous = checkScrape(await registry.collect(), previous, `stop ${stop}, second scrape`);
      } finally {
        process.kill(pid, "SIGCONT");
      }
    }
    const stale = heapStats.staleSlotReads - staleBefore;
    const body = await registry.metrics();
    const reported = parseSamples(body).get("mpmetrics_stale_slot_reads_total{}");
    console.log(`${currentRuntime()} reading: ${stops} stops, ${stale} stale reads of a stopped writer's copy`);
    assert.ok(stale > 0, "some scrapes found a writer stopped mid-update");
    // The scrape that reports the count may read stale copies after its collector ran.
    assert.ok(reported !== undefined && reported >= staleBefore + stale && reported <= heapStats.staleSlotReads, `the self-metric reports the stale reads: ${reported}`);

    writeFileSync(stopFile, "");
    const done = await iterationsDone(writers);
    const families = await registry.collect();
    checkScrape(families, previous, "after the writers finished");
    for (let w = 0; w < writers.length; w++) {
      const iterations = done[w];
      let fours = 0;
      for (let i = 0; i < iterations; i++) if (valueOf(i) === 4) fours++;
      for (const histogram of [metrics.classic, metrics.native]) {
        const s = (families.find((f) => f.name === histogram.name) as HistogramFamily).series.find((x) => x.labels[0][1] === runtimes[w])!;
        assert.equal(s.count, iterations, `${histogram.name} ${runtimes[w]}: every observation counted once`);
        assert.equal(s.buckets[0].count, iterations - fours);
        assert.equal(s.sum, iterations - fours + 4 * fours);
      }
      const summary = (families.find((f) => f.name === "mp_stop_summary") as SummaryFamily).series.find((x) => x.labels[0][1] === runtimes[w])!;
      assert.equal(summary.count, iterations);
      const gauge = families.find((f) => f.name === "mp_stop_gauge")!;
      assert.equal(gauge.type === "gauge" && gauge.series.find((x) => x.labels[0][1] === runtimes[w])!.value, iterations - (iterations % 64));
      const shared = families.find((f) => f.name === "mp_stop_shared")!;
      assert.equal(shared.type === "gauge" && shared.series.find((x) => x.labels[0][1] === runtimes[w])!.value, iterations, "shared gauge: every inc and set");
    }
    heap.verify();
  } finally {
    await killAll(writers);
    heap.close();
    cleanup();
  }
});

test(`writers of a shared gauge only, stopped with SIGSTOP (${stops * 2} stops): every scrape a whole number that never goes down, exact in the end`, { timeout: 300_000 }, async () => {
  const { path, cleanup } = temporaryHeapPath();
  const stopFile = `${path}.stop`;
  const heap = Heap.open({ path, mode: "create" });
  const registry = new Registry(Registry.PROMETHEUS_CONTENT_TYPE);
  stoppedMetrics(heap, [registry]);
  const writers: Child[] = runtimes.map((runtime) =>
    spawnFixture(runtime, "stop_writer", { MPMETRICS_HEAP: path, WRITER: runtime, STOP_FILE: stopFile, ONLY_SHARED: "1" }, { denoAllowRead: true }));
  const staleBefore = heapStats.staleSlotReads;
  try {
    await Promise.all(writers.map((w) => w.waitForLine("ready")));
    let previous = new Map<string, number>();
    const random = seededRandom(0x2545f491);
    for (let stop = 0; stop < stops * 2; stop++) { // a set is a few instructions: about 1 stop in 10 lands in one
      const pid = writers[stop % writers.length].process.pid!;
      await sleep(random() * 10);
      process.kill(pid, "SIGSTOP");
      try {
        await sleep(2); // let the stop land
        previous = checkScrape(await registry.collect(), previous, `shared stop ${stop} (${runtimes[stop % writers.length]} stopped)`);
      } finally {
        process.kill(pid, "SIGCONT");
      }
    }
    const stale = heapStats.staleSlotReads - staleBefore;
    console.log(`${currentRuntime()} reading shared gauges: ${stops * 2} stops, ${stale} stale reads`);
    assert.ok(stale > 0, "some scrapes found a shared gauge writer stopped in a set");
    writeFileSync(stopFile, "");
    const done = await iterationsDone(writers);
    const shared = (await registry.collect()).find((f) => f.name === "mp_stop_shared")!;
    for (let w = 0; w < writers.length; w++) {
      assert.equal(shared.type === "gauge" && shared.series.find((x) => x.labels[0][1] === runtimes[w])!.value, done[w], `${runtimes[w]}: every inc and set`);
    }
    heap.verify();
  } finally {
    await killAll(writers);
    heap.close();
    cleanup();
  }
});
