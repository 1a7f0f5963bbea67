/**
 * Torn reads: writer processes observe as fast as they can while this process scrapes
 * thousands of times (into classic histograms and into one with native buckets too, whose
 * budget makes the writers lower its schema while the scrapes run). In every scrape:
 * - `_count` equals the `+Inf` bucket, buckets are cumulative, and no bucket and no
 *   `_count` is below the previous scrape's;
 * - every observation is 1, so `_sum` equals `_count` (a read in the middle of an update
 *   would show the bucket counted and the sum not yet added, or the other way round);
 * - every exemplar's labels match its value (both derived from one number), so a
 *   half-written exemplar shows;
 * - native buckets: `_count` == zero bucket + every bucket, classic and native cumulative
 *   counts equal on every native bound, no native bucket below the previous scrape's
 *   merged down to the current schema, and the schema never going up (checkNative).
 * Then writers are killed with SIGKILL at random points while scraping, and replaced
 * (the replacements adopt the dead writers' slots and write another series): every
 * scrape returns, and the same invariants hold with no observation half done: readers
 * undo a dead writer's interrupted update from its slot's undo log, and the adopter
 * rolls it back in the copy (heap/undo_log.ts); the heap verifies.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { Heap } from "../src/heap/heap.ts";
import { Registry } from "../src/metrics/registry.ts";
import type { CounterFamily, FamilySnapshot, HistogramFamily, HistogramSeries } from "../src/exposition/snapshot.ts";
import { reduceIndex } from "../src/metrics/native_schema.ts";
import { checkExemplar, histogramMetrics } from "./fixtures/histogram_lib.ts";
import { type Child, currentRuntime, spawnFixture, temporaryHeapPath } from "./support/runtimes.ts";

/** Checks one scrape against the previous; returns this scrape's values by key. */
function checkScrape(families: FamilySnapshot[], previous: Map<string, number>, halfDoneMax: number, scrape: number): Map<string, number> {
  const seen = new Map<string, number>();
  const where = `scrape ${scrape}`;
  for (const family of families) {
    if (family.type === "counter") {
      for (const s of family.series) {
        if (s.exemplar !== undefined) checkExemplar(s.exemplar, `${where}, ${family.name}`);
        assert.ok(s.value >= (previous.get(family.name) ?? 0), `${where}: ${family.name} went down`);
        seen.set(family.name, s.value);
      }
      continue;
    }
    if (family.type !== "histogram") continue;
    for (const s of (family as HistogramFamily).series) {
      const key = `${family.name}${JSON.stringify(s.labels)}`;
      const inf = s.buckets[s.buckets.length - 1].count;
      if (s.count !== inf) assert.fail(`${where}, ${key}: _count ${s.count} != +Inf bucket ${inf}`);
      for (let i = 0; i < s.buckets.length; i++) {
        const b = s.buckets[i];
        if (i > 0 && b.count < s.buckets[i - 1].count) assert.fail(`${where}, ${key}: le=${b.le} below the bucket before`);
        const before = previous.get(`${key}${b.le}`) ?? 0;
        if (b.count < before) assert.fail(`${where}, ${key}: le=${b.le} went down from ${before} to ${b.count}`);
        seen.set(`${key}${b.le}`, b.count);
        if (b.exemplar !== undefined) {
          checkExemplar(b.exemplar, `${where}, ${key} le=${b.le}`);
          assert.ok(b.exemplar.value <= b.le, `${where}: exemplar outside its bucket`);
        }
      }
      if (s.native !== undefined) checkNative(s, key, previous, seen, halfDoneMax, where);
      if (family.name === "mp_hist_ones") {
        assert.equal(s.buckets[0].count, 0, `${where}: nothing below 1`);
        if (s.sum > s.count || s.sum < s.count - halfDoneMax) assert.fail(`${where}, ${key}: _sum ${s.sum} with _count ${s.count} (half-done allowed: ${halfDoneMax})`);
      }
    }
  }
  return seen;
}

/**
 * The native part of a mp_hist_native_torn series, read in the same consistent state as
 * its classic part: `_count` == zero bucket + every bucket, the classic cumulative count
 * equal to the native one on every native bound (both count the same powers of two),
 * and no bucket below the previous scrape's once that is merged down to this schema.
 * A writer killed mid-update may leave its one observation counted classically but not
 * natively: up to `halfDoneMax` apart.
 */
function checkNative(s: HistogramSeries, key: string, previous: Map<string, number>, seen: Map<string, number>, halfDoneMax: number, where: string): void {
  const native = s.native!;
  assert.deepEqual(native.negativeIndexes, [], `${where}, ${key}: no negative values were observed`);
  const inBuckets = native.zeroCount + native.positiveCounts.reduce((a, b) => a + b, 0);
  if (inBuckets > s.count || inBuckets < s.count - halfDoneMax) assert.fail(`${where}, ${key}: native buckets hold ${inBuckets} of _count ${s.count} (half-done allowed: ${halfDoneMax})`);
  assert.ok(native.schema <= 0, `${where}, ${key}: schema ${native.schema}`);
  const step = 2 ** -native.schema; // powers of two per native bucket
  let cumulative = native.zeroCount;
  for (let n = 0; n < native.positiveIndexes.length; n++) {
    const index = native.positiveIndexes[n];
    cumulative += native.positiveCounts[n];
    if (n + 1 < native.positiveIndexes.length && native.positiveIndexes[n + 1] === index) assert.fail(`${where}, ${key}: index ${index} twice`);
    const bucket = s.buckets.find((b) => b.le === 2 ** (index * step));
    if (bucket === undefined) continue;
    if (bucket.count < cumulative || bucket.count > cumulative + halfDoneMax) {
      assert.fail(`${where}, ${key}: classic le=${bucket.le} holds ${bucket.count}, native up to bucket ${index} (schema ${native.schema}) ${cumulative}`);
    }
  }
  const before = previous.get(`${key}:schema`);
  if (before !== undefined) {
    if (native.schema > before) assert.fail(`${where}, ${key}: schema went up from ${before} to ${native.schema} without a reset`);
    const merged = new Map<number, number>();
    for (const [k, count] of previous) {
      if (!k.startsWith(`${key}:native:`)) continue;
      const index = reduceIndex(Number(k.slice(key.length + 8)), before - native.schema);
      merged.set(index, (merged.get(index) ?? 0) + count);
    }
    for (const [index, count] of merged) {
      const now = native.positiveCounts[native.positiveIndexes.indexOf(index)] ?? 0;
      if (now < count) assert.fail(`${where}, ${key}: native bucket ${index} (schema ${native.schema}) went down from ${count} to ${now}`);
    }
  }
  seen.set(`${key}:schema`, native.schema);
  native.positiveIndexes.forEach((index, n) => seen.set(`${key}:native:${index}`, native.positiveCounts[n]));
  for (const exemplar of native.exemplars ?? []) {
    checkExemplar(exemplar, `${where}, ${key} native exemplar`);
    assert.ok(exemplar.timestamp !== undefined, "native exemplars carry timestamps");
  }
}

function startWriter(path: string, name: string, series = "one"): Child {
  return spawnFixture(currentRuntime(), "histogram_writer", { MPMETRICS_HEAP: path, MODE: "torn", WRITER: name, SERIES: series });
}

async function stop(children: Iterable<Child>): Promise<void> {
  for (const child of children) child.process.kill("SIGKILL");
  await Promise.all([...children].map((child) => child.exited));
}

test("4 writers observing flat out, 3000 scrapes: no torn read, nothing goes down, sum == count", { timeout: 240_000 }, async () => {
  const { path, cleanup } = temporaryHeapPath();
  const heap = Heap.open({ path, mode: "create" });
  const writers = ["w0", "w1", "w2", "w3"].map((name) => startWriter(path, name));
  try {
    const registry = new Registry(Registry.PROMETHEUS_CONTENT_TYPE);
    histogramMetrics(heap, [registry]);
    await Promise.all(writers.map((w, i) => w.waitForLine(`ready w${i}`)));
    let previous = new Map<string, number>();
    let exemplarsSeen = 0;
    for (let scrape = 0; scrape < 3000; scrape++) {
      const families = await registry.collect();
      previous = checkScrape(families, previous, 0, scrape);
      exemplarsSeen += families.filter((f) => f.type === "counter" && (f as CounterFamily).series[0]?.exemplar !== undefined).length;
      if (scrape % 100 === 0) await new Promise((resolve) => setTimeout(resolve, 1)); // let the writers' output drain
    }
    const ones = previous.get(`mp_hist_ones${JSON.stringify([["kind", "one"]])}Infinity`) ?? 0;
    assert.ok(ones > 100_000, `the writers observed only ${ones} times during the scrapes`);
    assert.ok(exemplarsSeen > 1000, `exemplars seen in ${exemplarsSeen} scrapes`);
  } finally {
    await stop(writers);
    heap.verify();
    heap.close();
    cleanup();
  }
});

test("writers killed with SIGKILL mid-observation and replaced: every scrape returns, no observation half done", { timeout: 240_000 }, async () => {
  const { path, cleanup } = temporaryHeapPath();
  const heap = Heap.open({ path, mode: "create" });
  const live = new Map<string, Child>();
  let next = 0;
  const start = async (series = "one") => {
    const name = `w${next++}`;
    const child = startWriter(path, name, series);
    live.set(name, child);
    await child.waitForLine(`ready ${name}`);
  };
  try {
    const registry = new Registry(Registry.PROMETHEUS_CONTENT_TYPE);
    histogramMetrics(heap, [registry]);
    await Promise.all([start(), start(), start()]);
    let previous = new Map<string, number>();
    let scrapes = 0;
    const kills = 12;
    let seed = 0x2545f491;
    const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    for (let kill = 1; kill <= kills; kill++) {
      // Scrape for a random while, then kill a random writer (it is almost always inside observe()).
      const until = performance.now() + 20 + random() * 80;
      while (performance.now() < until) {
        previous = checkScrape(await registry.collect(), previous, 0, scrapes++);
        await new Promise((resolve) => setImmediate(resolve));
      }
      const names = [...live.keys()];
      const victim = names[Math.floor(random() * names.length)];
      const child = live.get(victim)!;
      live.delete(victim);
      child.process.kill("SIGKILL");
      assert.equal((await child.exited).signal, "SIGKILL");
      // The replacement adopts the dead writer's slot, and writes another series: the one
      // the dead writer was in the middle of stays as it left it. Scrape while it starts.
      const replacement = start("two");
      let starting = true;
      void replacement.finally(() => (starting = false));
      while (starting) {
        previous = checkScrape(await registry.collect(), previous, 0, scrapes++);
        await new Promise((resolve) => setImmediate(resolve));
      }
      await replacement;
    }
    for (let i = 0; i < 200; i++) previous = checkScrape(await registry.collect(), previous, 0, scrapes++);
    assert.ok(scrapes > 500, `${scrapes} scrapes`);
    const one = ((await registry.collect()).find((f) => f.name === "mp_hist_ones") as HistogramFamily).series.find((s) => s.labels[0][1] === "one")!;
    console.log(`${kills} kills, ${scrapes} scrapes, ${one.count - one.sum} observations left half done`);
    assert.equal(one.count - one.sum, 0, "the undo log leaves no observation half done (readers undo it, adopters roll it back)");
    assert.ok(heap.slotsHighWater() <= 1 + 3 + 1, `slots were adopted, not added: high water ${heap.slotsHighWater()}`);
  } finally {
    await stop(live.values());
    heap.verify();
    heap.close();
    cleanup();
  }
});
