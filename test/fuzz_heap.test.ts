/**
 * The fuzz target: damaged copies of a real heap (every metric type, labelled and not,
 * exemplars, a native histogram), each attached, scraped, written (a new label set) and
 * scraped again by a child process of this test's runtime (test/fixtures/fuzz_scrape.ts). The mutants (test/fuzz/mutator.ts, a
 * fixed seed) are every header byte, the lock and kind words, the roots, every field
 * and byte of every directory record, truncations at each structure, then random bit
 * flips, garbage, swapped ranges, damaged cells and shared storage, truncation and
 * extension, for MPMETRICS_FUZZ_SECONDS (default 40) of mutants.
 *
 * Good outcomes: a scrape the strict OpenMetrics parser accepts, or a HeapError. Bad: a
 * crash or signal, a hang (no answer within MPMETRICS_FUZZ_KILL_MS, default 10 s), a
 * foreign error class, or a scrape the parser refuses. The test asserts 0 bad and
 * prints the mutants tried and the count per class.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { buildBaseHeap } from "./fuzz/base_heap.ts";
import { FuzzDriver } from "./fuzz/driver.ts";
import { mutants, targetedCount } from "./fuzz/mutator.ts";
import { currentRuntime, temporaryHeapPath } from "./support/runtimes.ts";
import { strictErrors } from "./support/strict_parser.ts";

const budgetSeconds = Number(process.env.MPMETRICS_FUZZ_SECONDS ?? "40");
const killAfterMs = Number(process.env.MPMETRICS_FUZZ_KILL_MS ?? "10000");
const seed = Number(process.env.MPMETRICS_FUZZ_SEED ?? "0x5eed");
/** Bodies checked by the strict parser per Python run. */
const parseBatch = 500;

test(`fuzz: ${budgetSeconds} s of damaged heaps, each a HeapError or a valid scrape`, { timeout: (budgetSeconds + 300) * 1000 }, async () => {
  const { path, cleanup } = temporaryHeapPath();
  const runtime = currentRuntime();
  const driver = new FuzzDriver(runtime, killAfterMs);
  try {
    const base = await buildBaseHeap(path);
    assert.deepEqual(strictErrors([base.scrape]), [undefined], "the undamaged heap's scrape is valid");
    for (const family of ["fuzz_jobs", "fuzz_requests", "fuzz_depth", "fuzz_busy", "fuzz_latency_seconds", "fuzz_sizes_bytes", "fuzz_native_seconds", "fuzz_summary", "fuzz_windowed", "fuzz_build", "fuzz_phase"]) {
      assert.match(base.scrape, new RegExp(`# TYPE ${family} `), `the base heap holds ${family}`);
    }
    assert.match(base.scrape, /# \{trace_id="abc123"\}/, "and exemplars");
    const file = join(dirname(path), "mutant.mpm");
    const counts = new Map<string, number>();
    const count = (key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);
    const bad: string[] = [];
    const bodies = new Map<string, string>(); // distinct scrape body -> the first mutant that gave it
    const deadline = Date.now() + budgetSeconds * 1000;
    let tried = 0;
    for (const mutant of mutants(base.bytes, base.map, seed)) {
      if (Date.now() > deadline) break;
      tried++;
      rmSync(file, { force: true }); // a new inode: the last child may still map the old one
      writeFileSync(file, mutant.bytes, { mode: 0o600 });
      const outcome = await driver.ask(file);
      if (outcome.kind === "ok") {
        count("valid scrape");
        for (const body of outcome.bodies!) if (!bodies.has(body)) bodies.set(body, mutant.name);
        continue;
      }
      count(outcome.kind === "heap_error" ? `heap_error ${outcome.code}` : outcome.kind);
      if (outcome.kind !== "heap_error") bad.push(`${mutant.name}: ${outcome.kind} ${outcome.code ?? ""} ${outcome.message ?? ""}`);
    }
    const distinct = [...bodies];
    let invalid = 0;
    for (let i = 0; i < distinct.length; i += parseBatch) {
      const batch = distinct.slice(i, i + parseBatch);
      strictErrors(batch.map(([body]) => body)).forEach((error, j) => {
        if (error === undefined) return;
        invalid++;
        bad.push(`${batch[j][1]}: invalid exposition: ${error}`);
      });
    }
    if (invalid > 0) counts.set("invalid exposition (distinct bodies)", invalid);
    const classes = [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([key, n]) => `${key} ${n}`).join(", ");
    const targeted = targetedCount(base.bytes, base.map);
    const targetedTried = Math.min(Math.ceil(tried / 2), targeted); // the sequence alternates while targeted ones last
    console.log(
      `${runtime}: ${tried} mutants in ${budgetSeconds} s (seed ${seed}; ${targetedTried} of the ${targeted} targeted ones, ${tried - targetedTried} random): ` +
        `${classes}; ${bodies.size} distinct valid bodies parsed strictly; bad: ${bad.length}`,
    );
    assert.deepEqual(bad.slice(0, 20), [], `${bad.length} bad outcomes (first 20 shown)`);
    assert.ok(tried >= 50, `at least 50 mutants tried (${tried})`);
  } finally {
    await driver.close();
    cleanup();
  }
});
