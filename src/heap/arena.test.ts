/**
 * Per-slot arenas and per-writer copies across real processes of the three runtimes:
 * adoption continues a dead writer's copies and chunk, a writer that first touches a
 * series after a reset or a removal counts from zero, and a full tmpfs is a clear error.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HeapError } from "../native/index.ts";
import { Counter } from "../metrics/counter.ts";
import { Registry } from "../metrics/registry.ts";
import { parseSamples } from "../../test/support/parse_text.ts";
import { currentRuntime, runFixture, type RuntimeName, runtimes, spawnFixture, temporaryHeapPath } from "../../test/support/runtimes.ts";
import { chunkBytesMin } from "./arena.ts";
import { linkBytes } from "./copies.ts";
import { Directory, RecordField } from "./directory.ts";
import { Heap } from "./heap.ts";
import { heapUsage } from "./usage.ts";
import { retiredEpoch } from "./epochs.ts";

interface ArenaState {
  readonly chunkOffset: number;
  readonly chunkBytes: number;
  readonly usedBytes: number;
}
interface WriterState {
  readonly slot: number;
  readonly claims: number;
  readonly copyOfFirst: number;
  readonly copyOfLast: number;
  readonly before: ArenaState;
  readonly after: ArenaState;
}

/** The three runtimes, this one first, so every suite has writers of all three. */
function writers(): RuntimeName[] {
  const current = currentRuntime();
  return [current, ...runtimes.filter((runtime) => runtime !== current)];
}

function stateOf(output: string): WriterState {
  const line = output.split("\n").find((l) => l.startsWith("STATE "));
  assert.ok(line !== undefined, `no STATE line in ${output}`);
  return JSON.parse(line.slice("STATE ".length)) as WriterState;
}

/** Each copy on a series' list, newest first: its slot and its epoch word. */
function copiesOf(heap: Heap, record: number): { slot: number; epoch: number; offset: number }[] {
  const copies = [];
  let copy = Atomics.load(heap.i32, (record + RecordField.copies) / 4) >>> 0;
  while (copy !== 0) {
    heap.ensure(copy + 16);
    copies.push({ offset: copy, slot: heap.u32[copy / 4 + 1], epoch: heap.i32[copy / 4 + 2] });
    copy = heap.u32[copy / 4];
  }
  return copies;
}

/** The series records of metric `name`'s first instance, in creation order. */
function seriesRecords(heap: Heap): number[] {
  const listing = new Directory(heap).list();
  assert.equal(listing.metrics.length, 1);
  return listing.seriesByMetric.get(listing.metrics[0]) ?? [];
}

const copyBytes = linkBytes + 3 * 8; // a counter's copy: link word, control cell, 2 data cells

test("an adopted slot continues the dead writer's copies and arena chunk: counts never go back", { timeout: 120_000 }, async () => {
  const { path, cleanup } = temporaryHeapPath();
  const heap = Heap.open({ path, mode: "create", writerSlotsMax: 16 }); // slot 0: this test, which writes nothing
  try {
    const [a, b] = writers();
    // 700 copies of 32 bytes do not fit the first 16 KiB chunk: the dead writer's arena has a second one.
    const first = spawnFixture(a, "arena_writer", { MPMETRICS_HEAP: path, SERIES: "700", INC: "5", HOLD: "1" }, { stdin: true });
    const dead = stateOf(await first.waitForLine("STATE "));
    first.process.kill("SIGKILL");
    await first.exited;
    assert.equal(dead.slot, 1);
    assert.deepEqual(dead.before, { chunkOffset: 0, chunkBytes: 0, usedBytes: 0 }, "a new slot has no arena yet");
    assert.equal(dead.after.chunkBytes, 2 * chunkBytesMin, "the second chunk is twice the first");

    const adopter = stateOf(await runFixture(b, "arena_writer", { MPMETRICS_HEAP: path, SERIES: "701", INC: "3" }));
    assert.equal(adopter.slot, 1, "the dead writer's slot is adopted");
    assert.equal(adopter.claims, 2);
    assert.equal(adopter.copyOfFirst, dead.copyOfFirst, "the adopter writes the predecessor's copy of id0");
    assert.deepEqual(adopter.before, dead.after, "and continues its arena chunk");
    assert.equal(adopter.copyOfLast, dead.after.chunkOffset + dead.after.usedBytes + linkBytes, "its one new copy (id700) follows the dead writer's last");
    assert.equal(adopter.after.usedBytes, dead.after.usedBytes + copyBytes);

    const samples = parseSamples(await new Registry(Registry.PROMETHEUS_CONTENT_TYPE, { heap }).metrics());
    assert.equal(samples.get('arena{id="id0"}'), 5 + 3, "the adopter counted on from the dead writer's value");
    assert.equal(samples.get('arena{id="id1"}'), 2);
    assert.equal(samples.get('arena{id="id699"}'), 2);
    assert.equal(samples.get('arena{id="id700"}'), 1);
    const records = seriesRecords(heap);
    assert.equal(records.length, 701);
    for (const record of [records[0], records[699], records[700]]) {
      assert.deepEqual(copiesOf(heap, record).map((copy) => copy.slot), [1], "one copy per slot that wrote the series, none for slots that did not");
    }
  } finally {
    heap.close();
    cleanup();
  }
});

test("a writer that first touches a series after a reset or a removal counts from zero in the current epoch", { timeout: 120_000 }, async () => {
  const { path, cleanup } = temporaryHeapPath();
  const heap = Heap.open({ path, mode: "create", writerSlotsMax: 16 });
  let holder: ReturnType<typeof spawnFixture> | undefined;
  try {
    const [a, , c] = writers();
    holder = spawnFixture(a, "arena_writer", { MPMETRICS_HEAP: path, SERIES: "3", INC: "5", HOLD: "1" }, { stdin: true });
    assert.equal(stateOf(await holder.waitForLine("STATE ")).slot, 1);
    const registry = new Registry(Registry.PROMETHEUS_CONTENT_TYPE, { heap });
    const counter = new Counter({ name: "arena", help: "Arena test.", labelNames: ["id"], heap, registers: [] });
    assert.equal(parseSamples(await registry.metrics()).get('arena{id="id0"}'), 5);
    counter.reset(); // every series to a new epoch, left out until its next update
    assert.equal(parseSamples(await registry.metrics()).size, 0);

    // Slot 1 stays live, so the late writer gets slot 2: it has no copy of any series yet.
    const late = stateOf(await runFixture(c, "arena_writer", { MPMETRICS_HEAP: path, SERIES: "2", INC: "4" }));
    assert.equal(late.slot, 2);
    const samples = parseSamples(await registry.metrics());
    assert.equal(samples.get('arena{id="id0"}'), 4, "the first writer's 5 belong to the old epoch");
    assert.equal(samples.get('arena{id="id1"}'), 1);
    assert.equal(samples.has('arena{id="id2"}'), false, "a series nobody updated since the reset stays out");

    const [id0] = seriesRecords(heap);
    const epoch = new Directory(heap).loadField(id0, RecordField.epoch) | 0;
    assert.deepEqual(copiesOf(heap, id0).map(({ slot, epoch }) => ({ slot, epoch })), [{ slot: 2, epoch }, { slot: 1, epoch: retiredEpoch }], "the reset retired the first writer's copy (heap/epochs.ts)");

    counter.remove("id1");
    const again = stateOf(await runFixture(c, "arena_writer", { MPMETRICS_HEAP: path, SERIES: "2", INC: "1" }));
    assert.equal(again.slot, 2, "the late writer's slot, free again, is adopted");
    assert.equal(parseSamples(await registry.metrics()).get('arena{id="id1"}'), 1, "a removed series comes back from zero");
    holder.process.stdin!.end();
    assert.equal((await holder.exited).code, 0);
  } finally {
    holder?.process.kill(); // a failed assertion leaves it holding: it would keep the test process alive
    heap.close();
    cleanup();
  }
});

test("a full tmpfs: a new label set fails with HeapError no_space naming the remedy; existing series keep working", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "mpmetrics-tmpfs-"));
  const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", dir], { encoding: "utf8" });
  if (mounted.status !== 0) {
    console.log(`skipped: mounting a 1 MiB tmpfs was refused (${(mounted.stderr || mounted.error?.message || "").trim()})`);
    rmdirSync(dir);
    t.skip("mount refused");
    return;
  }
  try {
    const heap = Heap.open({ path: join(dir, "heap.mpm"), mode: "create", sizeInitialBytes: 65536, sizeMaxBytes: 64 * 2 ** 20 });
    try {
      const registry = new Registry(Registry.PROMETHEUS_CONTENT_TYPE, { heap });
      const counter = new Counter({ name: "fill", help: "Fill.", labelNames: ["id"], maxSeries: 1_000_000, heap, registers: [registry] });
      let made = 0;
      let failure: unknown;
      for (; made < 1_000_000; made++) {
        try {
          counter.labels(`id${made}`).inc();
        } catch (error) {
          failure = error;
          break;
        }
      }
      assert.ok(failure instanceof HeapError, `expected a HeapError, got ${failure}`);
      assert.equal(failure.code, "no_space");
      assert.match(failure.message, /MPMETRICS_HEAP/);
      assert.match(failure.message, /--shm-size/);
      assert.ok(made > 2000, `a 1 MiB tmpfs held only ${made} series`);
      console.log(`1 MiB tmpfs: ${made} counter series, then no_space: ${failure.message}`);

      const usedBytes = heapUsage(heap).usedBytes;
      assert.throws(() => counter.labels(`id${made}`), (error: unknown) => error instanceof HeapError && error.code === "no_space", "the same label set fails the same way");
      assert.equal(heapUsage(heap).usedBytes, usedBytes, "a failed label set publishes nothing");
      counter.labels("id0").inc(2);
      counter.inc({ id: `id${made - 1}` }, 3);
      heap.verify();
      const samples = parseSamples(await registry.metrics());
      assert.equal(samples.size, made, "every series made before the failure, and none after");
      assert.equal(samples.get('fill{id="id0"}'), 3);
      assert.equal(samples.get(`fill{id="id${made - 1}"}`), 4);
    } finally {
      heap.close();
    }
  } finally {
    spawnSync("umount", ["-l", dir]); // lazily: a closed heap stays mapped until this process exits
    rmdirSync(dir);
  }
});
