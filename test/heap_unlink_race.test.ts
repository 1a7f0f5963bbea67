/**
 * The last process to leave a heap unlinks it, also when several leave at once (issue
 * 9's processes exiting together, as `npm start`'s workers do on SIGTERM): each closer
 * that finds others still attached drops its attach lock and tries once more, so the
 * last of them to drop it finds no one left (zig/src/heap.zig, `unlinkIfLast`). Bun,
 * Deno and Node processes attach to one heap and are told to exit at the same moment,
 * `MPMETRICS_UNLINK_ROUNDS` times (default 12): the file is gone after every round.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { Heap } from "../src/heap/heap.ts";
import { poll } from "./support/servers.ts";
import { runtimes, spawnFixture, temporaryHeapPath } from "./support/runtimes.ts";

const rounds = Number(process.env.MPMETRICS_UNLINK_ROUNDS ?? 12);

test(`Bun, Deno and Node processes leaving a heap at once: the last unlinks it (${rounds} rounds)`, { timeout: 240_000 }, async () => {
  for (let round = 0; round < rounds; round++) {
    const { path, cleanup } = temporaryHeapPath();
    try {
      Heap.open({ path, mode: "create" }).close(false); // made, not held: the children are its only users
      const children = [...runtimes, ...runtimes].map((runtime) => spawnFixture(runtime, "attach_wait", { MPMETRICS_HEAP: path, MPMETRICS_HEAP_INHERIT: "0" }, { stdin: true }));
      try {
        await Promise.all(children.map((child) => child.waitForLine("ready")));
      } catch (error) {
        for (const child of children) child.process.kill("SIGKILL");
        throw error;
      }
      for (const child of children) child.process.stdin!.write("exit\n");
      for (const exit of await Promise.all(children.map((child) => child.exited))) assert.equal(exit.code, 0, `${JSON.stringify(exit)}`);
      await poll(async () => (existsSync(path) ? undefined : true), 5_000, () => `round ${round}: the heap file ${path} was left behind by ${children.length} processes leaving at once`);
    } finally {
      cleanup();
    }
  }
});
