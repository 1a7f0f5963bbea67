/**
 * Shared-mode gauges (src/metrics/gauge/shared.ts) across real processes: a Bun, a Deno
 * and a Node writer at once on the same gauges (test/fixtures/shared_gauge_writer.ts),
 * while this process scrapes.
 * - inc/dec only: the exact total, and every scrape in the range the writers' steps allow;
 * - sets and incs from every writer: every scrape is one writer's set plus at most three
 *   incs per writer (never a torn pairing of a set with another's stamp or deltas), and
 *   the final value is the last set plus the incs after it;
 * - sets from one writer per gauge, read through the two set slots while they go on: every
 *   read pairs a set's value with that set's own stamp (set i has stamp i * stampStep) and
 *   no read goes back, so no read took a slot mid-write and no runtime reordered the
 *   slot's stores (the test fails when the value is stored after the second stamp);
 * - a writer SIGKILLed mid-loop keeps its acknowledged increments, exactly: the value is
 *   at least what it acknowledged and at most one chunk more; a writer stopped between
 *   chunks keeps exactly what it acknowledged; a new writer adopting the slot adds on.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { Heap } from "../src/heap/heap.ts";
import { Gauge } from "../src/metrics/gauge.ts";
import { sharedLayout } from "../src/metrics/gauge/shared.ts";
import { latestSets } from "../src/metrics/gauge/shared_read.ts";
import { sharedDirectory } from "../src/heap/shared_directory.ts";
import { firstSeriesRecord } from "./support/heap.ts";
import { type Child, runtimes, spawnFixture, temporaryHeapPath } from "./support/runtimes.ts";

const iterations = Number(process.env.MPMETRICS_SHARED_GAUGE_ITERATIONS ?? 200_000);

function gauge(heap: Heap, name: string, labelNames: string[] = []): Gauge {
  return new Gauge({ name, help: `${name} of the shared gauge test.`, labelNames, heap, registers: [] });
}

/** Starts one writer per runtime on `job`, all waiting for "go". */
async function startWriters(path: string, job: string, env: Record<string, string> = {}): Promise<Child[]> {
  const children = runtimes.map((runtime, writer) =>
    spawnFixture(runtime, "shared_gauge_writer", { MPMETRICS_HEAP: path, JOB: job, WRITER: String(writer), ITERATIONS: String(iterations), ...env }, { stdin: true })
  );
  try {
    await Promise.all(children.map((child) => child.waitForLine("ready")));
  } catch (error) {
    for (const child of children) child.process.kill("SIGKILL"); // one failed to start: leave none running
    throw error;
  }
  for (const child of children) child.process.stdin!.write("go\n");
  return children;
}

/** Scrapes with `check` until every child has exited; returns how many scrapes it made. */
async function scrapeUntilExit(children: readonly Child[], check: () => void): Promise<number> {
  let running = true;
  const exits = Promise.all(children.map((child) => child.exited)).finally(() => {
    running = false;
  });
  let scrapes = 0;
  while (running) {
    check();
    scrapes++;
    await new Promise((resolve) => setImmediate(resolve));
  }
  for (const result of await exits) assert.equal(result.code, 0, `writer failed: ${result.stderr}`);
  return scrapes;
}

test("Bun, Deno and Node writers at once: inc/dec give the exact total, every scrape in range", { timeout: 240_000 }, async () => {
  const { path, cleanup } = temporaryHeapPath();
  const heap = Heap.open({ path, mode: "create" });
  try {
    const steps = gauge(heap, "mp_shared_steps");
    const labelled = gauge(heap, "mp_shared_labelled", ["k"]);
    const children = await startWriters(path, "incdec");
    const writers = children.length;
    let last = -Infinity;
    const scrapes = await scrapeUntilExit(children, () => {
      const value = steps.labels().get();
      // Each writer's copy: its count in {0, 1} more than its rounds, its delta -0.5 per round.
      assert.ok(value >= -0.5 * writers && value <= iterations * writers * 0.5 + writers, `steps ${value} out of range`);
      const a = labelled.labels("a").get();
      assert.ok(Number.isInteger(a) && a >= -writers && a <= iterations * writers * 2 + 3 * writers, `labelled ${a} out of range`);
      assert.ok(a >= last - 3 * writers, `labelled went down from ${last} to ${a}`);
      last = a;
    });
    assert.ok(scrapes > 0);
    assert.equal(steps.labels().get(), iterations * writers * 0.5);
    assert.equal(labelled.labels("a").get(), iterations * writers * 2);
    heap.verify();
  } finally {
    heap.close();
    cleanup();
  }
});

test("Bun, Deno and Node writers setting and incrementing: every scrape is a set plus its later incs", { timeout: 240_000 }, async () => {
  const { path, cleanup } = temporaryHeapPath();
  const heap = Heap.open({ path, mode: "create" });
  try {
    const setinc = gauge(heap, "mp_shared_setinc");
    setinc.set(7); // before the writers: their first incs must retag under a later set, never add to this one
    const children = await startWriters(path, "setinc");
    const writers = children.length;
    const check = (value: number, final: boolean) => {
      const incs = value % 100;
      const set = (value - incs) / 100;
      const writer = Math.floor(set / 1e6);
      const round = set % 1e6;
      const valid = Number.isInteger(value) && writer >= 0 && writer < writers && round < iterations && incs <= 3 * writers;
      assert.ok(valid || (value >= 7 && value <= 7 + 3 * writers && !final), `scrape ${value}: not a set plus its later incs`);
      if (final) assert.equal(round, iterations - 1, `the final value ${value} is a last set`);
    };
    await scrapeUntilExit(children, () => check(setinc.labels().get(), false));
    check(setinc.labels().get(), true);
    heap.verify();
  } finally {
    heap.close();
    cleanup();
  }
});

test("Bun, Deno and Node writers setting: every read of the set slots pairs a set's value with its own stamp", { timeout: 240_000 }, async () => {
  const { path, cleanup } = temporaryHeapPath();
  const heap = Heap.open({ path, mode: "create" });
  try {
    const gauges = runtimes.map((_, writer) => gauge(heap, `mp_shared_latch_${writer}`));
    const shared = sharedDirectory(heap);
    const series = gauges.map((g) => firstSeriesRecord(shared, g.name));
    const sets = iterations * 50; // a few tens of ms of back-to-back sets per writer
    const children = await startWriters(path, "latch", { ITERATIONS: String(sets) });
    let reads = 0;
    let midRun = 0;
    const last = series.map(() => 0);
    const check = () => {
      series.forEach((record, writer) => {
        for (const [slot, value, stamp] of latestSets(shared, record)) {
          reads++;
          assert.equal(stamp, value * sharedLayout.stampStep, `writer ${writer} (slot ${slot}): value ${value} read with stamp ${stamp}`);
          if (value === 0) continue;
          assert.ok(value >= last[writer], `writer ${writer}: set ${value} read after set ${last[writer]}`);
          if (value < sets) midRun++;
          last[writer] = value;
        }
      });
    };
    await scrapeUntilExit(children, check);
    check();
    assert.deepEqual(gauges.map((g) => g.labels().get()), gauges.map(() => sets));
    assert.ok(midRun > 0, `no read landed while the writers were setting (${reads} reads)`);
    console.log(`set slots: ${reads} copy reads, ${midRun} of them mid-run`);
    heap.verify();
  } finally {
    heap.close();
    cleanup();
  }
});

test("a writer SIGKILLed mid-loop keeps every acknowledged increment; a writer adopting its slot adds on", { timeout: 240_000 }, async () => {
  const { path, cleanup } = temporaryHeapPath();
  const heap = Heap.open({ path, mode: "create" });
  try {
    const killed = gauge(heap, "mp_shared_killed");
    const chunk = 1000;
    let expectedMin = 0;
    let expectedMax = 0;
    for (const runtime of runtimes) {
      for (let kill = 0; kill < 3; kill++) {
        const child = spawnFixture(runtime, "shared_gauge_writer", { MPMETRICS_HEAP: path, JOB: "kill", CHUNK: String(chunk) }, { stdin: true });
        await child.waitForLine("ready");
        child.process.stdin!.write("go\n");
        const target = 20 + kill * 37; // chunks to let it acknowledge before the kill
        await child.waitForLine(`acked ${target * chunk}`);
        child.process.kill("SIGKILL");
        const exit = await child.exited;
        assert.equal(exit.signal, "SIGKILL");
        const acked = Math.max(...exit.stdout.split("\n").filter((l) => l.startsWith("acked ")).map((l) => Number(l.slice(6))));
        const value = killed.labels().get();
        const own = value - expectedMin;
        // At least what it acknowledged, at most the chunk it was in, whatever its predecessors left.
        assert.ok(value >= expectedMin + acked && value <= expectedMax + acked + chunk, `${runtime}: ${value} after ${acked} acknowledged (${own} counted; output ends ${JSON.stringify(exit.stdout.slice(-60))})`);
        assert.ok(Number.isInteger(value));
        expectedMin = value;
        expectedMax = value;
      }
    }
    heap.verify();
  } finally {
    heap.close();
    cleanup();
  }
});
