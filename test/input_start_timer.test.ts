/**
 * `startTimer(labels)` refuses an unknown label name or a bad label value when it is
 * called (prom-client's words: "Added label ... is not included in initial labelset",
 * as a TypeError), not at `end()`, and stores nothing; labels split between the start
 * and the end still work.
 */

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { Gauge, Histogram, Summary } from "../src/index.ts";
import { withHeap } from "./support/heap.ts";
import { validScrape } from "./support/validators.ts";

type Timed = { startTimer(labels?: Record<string, unknown>): (end?: Record<string, unknown>) => number };

const kinds: [string, (config: { name: string; help: string; labelNames: string[]; heap: never; registers: never[] }) => Timed][] = [
  ["histogram", (config) => new Histogram(config) as unknown as Timed],
  ["histogram with exemplars", (config) => new Histogram({ ...config, enableExemplars: true }) as unknown as Timed],
  ["summary", (config) => new Summary(config) as unknown as Timed],
  ["gauge", (config) => new Gauge(config) as unknown as Timed],
];

for (const [kind, make] of kinds) {
  test(`${kind}: startTimer({ zz: 1 }) throws at the call, stores nothing; split labels still work`, withHeap(async (heap, registry, path) => {
    const timed = make({ name: "timed", help: "t", labelNames: ["a", "b"], heap: heap as never, registers: [registry as never] });
    const before = readFileSync(path);
    assert.throws(() => timed.startTimer({ zz: 1 }), { name: "TypeError", message: /^Added label "zz" is not included in initial labelset: \[ 'a', 'b' \]/ });
    assert.throws(() => timed.startTimer({ a: "x", zz: 1 }), TypeError);
    assert.throws(() => timed.startTimer({ a: null }), TypeError);
    assert.throws(() => timed.startTimer({ a: {} }), TypeError);
    assert.throws(() => timed.startTimer(5 as never), TypeError);
    assert.ok(before.equals(readFileSync(path)), "nothing stored");
    const end = timed.startTimer({ a: "x" });
    assert.ok(end({ b: "y" }) >= 0);
    const hit = timed.startTimer({ a: "x", b: "y" }); // seen before: the hit path
    assert.ok(hit() >= 0);
    const { families } = await validScrape(registry);
    const labelSets = new Set(families[0].samples.map(([, labels]) => `${labels.a}/${labels.b}`));
    assert.deepEqual([...labelSets], ["x/y"]);
  }));
}
