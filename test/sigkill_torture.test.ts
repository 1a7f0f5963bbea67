/**
 * SIGKILL torture: writers of Bun, Deno and Node (test/fixtures/torture_writer.ts: a
 * counter, a histogram and a summary) killed with SIGKILL at random moments, one lane
 * per runtime at a time, MPMETRICS_TORTURE_KILLS kills in all (default 200), while this
 * process scrapes the heap continuously. Some kills land while a writer starts
 * (attaching, claiming or adopting a slot, creating metrics under the heap lock), the
 * rest at a random moment after it started writing.
 *
 * Shown: no count lost (each metric's final total lies between the operations the
 * writers acknowledged and those they may have attempted), nothing going down between
 * scrapes (counter, every bucket, summary count), every scrape's histogram `_count`
 * equal to its `+Inf` bucket, and the heap attachable, verified and strictly valid
 * afterwards. A larger run: `MPMETRICS_TORTURE_KILLS=1100 node scripts/test.mjs --only bun
 * sigkill_torture`.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { Heap, Registry } from "../src/index.ts";
import { parseSamples } from "./support/parse_text.ts";
import { type Child, runtimes, type RuntimeName, spawnFixture, temporaryHeapPath } from "./support/runtimes.ts";
import { strictParse } from "./support/strict_parser.ts";
import { seededRandom as random } from "./support/random.ts";

const killsTotal = Number(process.env.MPMETRICS_TORTURE_KILLS ?? "200");
const batch = 200;
/** Of the kills, this share lands while a writer starts, before it says ready. */
const earlyKillShare = 0.2;
/** A writer killed after ready has written for a random time up to this. */
const writeMsMax = 60;

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Lane {
  acked: number;
  /** The most each killed writer may have done beyond its last ack, summed. */
  slack: number;
  kills: number;
}

async function runLane(runtime: RuntimeName, path: string, lane: Lane, next: () => number, budget: { left: number }): Promise<void> {
  while (budget.left > 0) {
    budget.left--;
    const child: Child = spawnFixture(runtime, "torture_writer", { MPMETRICS_HEAP: path, RUNTIME: runtime, BATCH: String(batch) });
    let acked = 0;
    child.process.stdout!.on("data", (chunk: Buffer) => {
      for (const match of chunk.toString("utf8").matchAll(/ack (\d+)/g)) acked = Math.max(acked, Number(match[1]));
    });
    if (next() < earlyKillShare) await delay(next() * 150);
    else {
      await child.waitForLine("ready");
      await delay(next() * writeMsMax);
    }
    child.process.kill("SIGKILL");
    const exit = await child.exited;
    // Output that arrived before the exit is all there is; take the last ack in it.
    for (const match of exit.stdout.matchAll(/ack (\d+)/g)) acked = Math.max(acked, Number(match[1]));
    assert.ok(exit.signal === "SIGKILL" || exit.code === 0, `${runtime} writer ended by ${exit.signal ?? exit.code}: ${exit.stderr}`);
    lane.acked += acked;
    lane.slack += batch;
    lane.kills++;
  }
}

/** Totals of one scrape: the counter (all runtimes), each bucket, the histogram and summary counts. */
function totalsOf(body: string): Map<string, number> {
  const samples = parseSamples(body);
  const totals = new Map<string, number>();
  let ops = 0;
  for (const [key, value] of samples) {
    if (key.startsWith("torture_ops_total{")) ops += value;
    else if (key.startsWith("torture_latency_seconds_bucket") || key === "torture_latency_seconds_count{}" || key === "torture_size_count{}") totals.set(key, value);
  }
  totals.set("ops", ops);
  return totals;
}

test(`SIGKILL torture: ${killsTotal} kills of Bun, Deno and Node writers, a scraper running`, { timeout: 600_000 }, async () => {
  const { path, cleanup } = temporaryHeapPath();
  const heap = Heap.open({ path, mode: "create", sizeInitialBytes: 1 << 20 });
  const registry = new Registry(Registry.OPENMETRICS_CONTENT_TYPE, { heap });
  const lanes = new Map(runtimes.map((runtime) => [runtime, { acked: 0, slack: 0, kills: 0 } as Lane]));
  const budget = { left: killsTotal };
  let scrapes = 0;
  let previous = new Map<string, number>();
  const problems: string[] = [];
  let writing = true;
  const scraper = (async () => {
    while (writing) {
      const totals = totalsOf(await registry.metrics());
      scrapes++;
      const inf = totals.get('torture_latency_seconds_bucket{le="+Inf"}');
      if (inf !== totals.get("torture_latency_seconds_count{}")) problems.push(`scrape ${scrapes}: _count ${totals.get("torture_latency_seconds_count{}")} != +Inf ${inf}`);
      for (const [key, value] of previous) {
        if ((totals.get(key) ?? 0) < value) problems.push(`scrape ${scrapes}: ${key} went down from ${value} to ${totals.get(key)}`);
      }
      previous = totals;
      await delay(5);
    }
  })();
  try {
    const seeds = random(0x70127);
    await Promise.all(runtimes.map((runtime, i) => runLane(runtime, path, lanes.get(runtime)!, random(Math.floor(seeds() * 2 ** 32) + i), budget)));
    writing = false;
    await scraper;
    const body = await registry.metrics();
    strictParse(body);
    const totals = totalsOf(body);
    const acked = [...lanes.values()].reduce((sum, lane) => sum + lane.acked, 0);
    const attempted = acked + [...lanes.values()].reduce((sum, lane) => sum + lane.slack, 0);
    for (const key of ["ops", "torture_latency_seconds_count{}", "torture_size_count{}"]) {
      const total = totals.get(key) ?? 0;
      assert.ok(total >= acked && total <= attempted, `${key} ${total} lies between acknowledged ${acked} and attempted ${attempted}`);
    }
    assert.deepEqual(problems.slice(0, 10), [], `${problems.length} problems across ${scrapes} scrapes`);
    const again = Heap.open({ path, mode: "attach" });
    again.verify();
    again.close(false);
    heap.verify();
    const kills = [...lanes].map(([runtime, lane]) => `${runtime} ${lane.kills}`).join(", ");
    console.log(
      `SIGKILL torture: ${killsTotal} kills (${kills}), ${scrapes} scrapes; operations acknowledged ${acked}, attempted at most ${attempted}, counted ${totals.get("ops")} ` +
        `(histogram ${totals.get("torture_latency_seconds_count{}")}, summary ${totals.get("torture_size_count{}")}); 0 went down, _count == +Inf in every scrape; heap verified`,
    );
  } finally {
    writing = false;
    await scraper.catch(() => {});
    heap.close();
    cleanup();
  }
});
