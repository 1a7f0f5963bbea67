/**
 * The identity rule across real processes (src/metrics/identity.ts): module-level
 * metrics defined the same way share one storage; a process's clear() and redefinition
 * starts it from nothing and withdraws what it defined from the heap-wide scrape of the
 * others, who keep their values; a later process joins the first definition still held;
 * the n-th definition in one process meets the n-th in another.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { Counter, Heap, Registry } from "../src/index.ts";
import { parseSamples } from "./support/parse_text.ts";
import { currentRuntime, runtimes, spawnFixture, temporaryHeapPath, type Child } from "./support/runtimes.ts";

test("two processes share module-level metrics; clear() and redefinition in one starts it from nothing", { timeout: 120_000 }, async () => {
  const { path, cleanup } = temporaryHeapPath();
  const heap = Heap.open({ path, mode: "create" });
  const children: Child[] = [];
  let commands = 0;
  const send = async (child: Child, command: string): Promise<number> => {
    const id = ++commands;
    const [word, ...rest] = command.split(" ");
    child.process.stdin!.write(`${[word, id, ...rest].join(" ")}\n`);
    return Number((await child.waitForLine(`ok ${id} `)).split(" ")[2]);
  };
  const start = async (runtime: (typeof runtimes)[number], childValue: string) => {
    const child = spawnFixture(runtime, "identity", { MPMETRICS_HEAP: path, CHILD_VALUE: childValue }, { stdin: true });
    children.push(child);
    await child.waitForLine("ready");
    return child;
  };
  try {
    // This process plays the parent: its registry is heap-wide, as the default one is.
    let registry = new Registry(Registry.PROMETHEUS_CONTENT_TYPE, { heap });
    const define = () => new Counter({ name: "mp_identity_jobs", help: "Jobs, shared by every process.", labelNames: ["k"], heap, registers: [registry] });
    let jobs = define();
    const scrape = async () => parseSamples(await registry.metrics());
    const other = runtimes.find((r) => r !== currentRuntime())!;

    const first = await start(currentRuntime(), "7");
    jobs.inc({ k: "a" }, 2);
    assert.equal(await send(first, "inc 3"), 5, "the child's counter is the parent's");
    let samples = await scrape();
    assert.equal(samples.get('mp_identity_jobs{k="a"}'), 5);
    assert.equal(samples.get("mp_identity_child_only{}"), 7, "a metric defined only in the child is in the parent's scrape");

    assert.equal(await send(first, "redefine"), 0, "clear() and the same definition again: the child starts from nothing");
    assert.equal(await send(first, "inc 1"), 1);
    samples = await scrape();
    assert.equal(samples.get('mp_identity_jobs{k="a"}'), 5, "the parent keeps its metric and every value counted in it");
    assert.equal(samples.has("mp_identity_child_only{}"), false, "what the child cleared left the parent's scrape");

    const second = await start(other, "9");
    assert.equal(await send(second, "inc 4"), 9, `a later ${other} process joins the first definition still held`);
    assert.equal((await scrape()).get('mp_identity_jobs{k="a"}'), 9);
    assert.equal((await scrape()).get("mp_identity_child_only{}"), 9);

    registry.clear();
    registry = new Registry(Registry.PROMETHEUS_CONTENT_TYPE, { heap });
    jobs = define();
    jobs.inc({ k: "a" }, 10);
    assert.equal((await scrape()).get('mp_identity_jobs{k="a"}'), 11, "the parent's second definition meets the child's second: 1 + 10");
    assert.equal(await send(first, "inc 0"), 11);
    assert.equal(await send(second, "inc 0"), 9, "the second child is still on the first definition");

    for (const child of children) child.process.stdin!.write("exit\n");
    for (const child of children) assert.equal((await child.exited).code, 0);
  } finally {
    for (const child of children) child.process.kill();
    heap.close();
    cleanup();
  }
});
