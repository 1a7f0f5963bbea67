/**
 * reset() and remove() made in one process reach writers in other processes that hold
 * their cached child across them: the writer's next increment starts from zero and a
 * removed series comes back with just that increment.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { Counter, Heap, Registry } from "../src/index.ts";
import { parseSamples } from "./support/parse_text.ts";
import { currentRuntime, spawnFixture, temporaryHeapPath } from "./support/runtimes.ts";

test("reset and remove in one process, seen by a writer process holding its child", { timeout: 60_000 }, async () => {
  const { path, cleanup } = temporaryHeapPath();
  const heap = Heap.open({ path, mode: "create" });
  const writer = spawnFixture(currentRuntime(), "reset_remove", { MPMETRICS_HEAP: path }, { stdin: true });
  try {
    await writer.waitForLine("ready");
    const send = async (n: number) => {
      writer.process.stdin!.write(`go ${n}\n`);
      await writer.waitForLine(`ok ${n}`);
    };
    const registry = new Registry(Registry.PROMETHEUS_CONTENT_TYPE, { heap });
    const jobs = new Counter({ name: "mp_reset_jobs", help: "Reset across processes.", labelNames: ["k"], heap, registers: [registry] });
    const value = async () => parseSamples(await registry.metrics()).get('mp_reset_jobs{k="held"}');

    await send(5);
    jobs.labels("held").inc(1);
    assert.equal(await value(), 6);

    jobs.reset();
    assert.equal(await value(), undefined, "reset() drops a labelled series, as prom-client's");
    await send(7);
    assert.equal(await value(), 7, "the writer's next increment starts from zero");

    jobs.remove("held");
    assert.equal(await value(), undefined, "removed: not in the scrape");
    await send(3);
    assert.equal(await value(), 3, "the writer's increment brings it back from zero");

    writer.process.stdin!.write("exit\n");
    assert.equal((await writer.exited).code, 0);
  } finally {
    writer.process.kill();
    heap.close();
    cleanup();
  }
});
