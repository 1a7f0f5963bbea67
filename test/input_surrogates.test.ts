/**
 * Lone surrogates are one UTF-8 string (U+FFFD) in the exposition, so label values are
 * made well-formed before they name a series: "\ud800", "\udbff", "\udfff" and
 * "\ufffd" are one series by every path (labels object, positional, labels(), remove,
 * repeated calls through the hit cache); help and state names with lone surrogates
 * keep the exposition valid. Both bodies pass the strict parser and promtool.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { Counter, Gauge, Histogram, Info, StateSet, Summary } from "../src/index.ts";
import { withHeap } from "./support/heap.ts";
import { validScrape } from "./support/validators.ts";

const lone = ["\ud800", "\udbff", "\udfff", "\ufffd", "\udc00"];

test("counter: lone surrogates and U+FFFD are one series, by every path, many times over", withHeap(async (heap, registry) => {
  const counter = new Counter({ name: "sur_requests", help: "x", labelNames: ["a", "b"], heap, registers: [registry] });
  let expected = 0;
  for (let round = 0; round < 3; round++) { // later rounds go through the hit cache
    for (const value of lone) {
      counter.inc({ a: value, b: `k${value}` });
      counter.inc({ b: `k${value}`, a: value }, 2);
      counter.labels(value, `k${value}`).inc();
      counter.labels({ a: value, b: `k${value}` }).inc();
      expected += 5;
    }
  }
  const { families, text } = await validScrape(registry);
  const samples = families[0].samples.filter(([name]) => name === "sur_requests_total");
  assert.deepEqual(samples.map(([, labels]) => labels), [{ a: "\ufffd", b: "k\ufffd" }]);
  assert.equal((await counter.get()).values.find((v) => v.labels.a === "\ufffd")?.value, expected);
  assert.equal(text.split("\n").filter((line) => line.startsWith("sur_requests{")).length, 1, "one text sample");
  counter.remove("\udbff", "k\ud800");
  assert.deepEqual((await validScrape(registry)).families[0].samples, [], "removed by another spelling");
}));

test("every type: one series per well-formed label set, valid expositions", withHeap(async (heap, registry) => {
  const gauge = new Gauge({ name: "sur_gauge", help: "x", labelNames: ["a"], heap, registers: [registry] });
  const histogram = new Histogram({ name: "sur_seconds", help: "x", labelNames: ["a"], heap, registers: [registry] });
  const summary = new Summary({ name: "sur_summary", help: "x", labelNames: ["a"], heap, registers: [registry] });
  const info = new Info({ name: "sur_build", help: "x", labelNames: ["a"], heap, registers: [registry] });
  for (const value of lone) {
    gauge.inc({ a: value });
    histogram.observe({ a: value }, 1);
    histogram.labels(value).observe(2);
    summary.observe({ a: value }, 1);
    info.info({ a: value });
  }
  const { families } = await validScrape(registry);
  for (const family of families) {
    const values = new Set(family.samples.map(([, labels]) => labels.a));
    assert.deepEqual([...values], ["\ufffd"], family.name);
  }
  assert.equal((await gauge.get()).values[0].value, lone.length);
  const count = (await histogram.get()).values.find((v) => v.metricName === "sur_seconds_count");
  assert.equal(count?.value, 2 * lone.length);
}));

test("help with lone surrogates: a valid exposition, written as U+FFFD", withHeap(async (heap, registry) => {
  new Counter({ name: "sur_help", help: "bad \ud800 help \udfff", heap, registers: [registry] }).inc();
  const { openMetrics, text } = await validScrape(registry);
  assert.ok(openMetrics.includes("# HELP sur_help bad \ufffd help \ufffd\n"));
  assert.ok(text.includes("# HELP sur_help bad \ufffd help \ufffd\n"));
}));

test("state sets: two states that differ only in lone surrogates are refused; one is written as U+FFFD", withHeap(async (heap, registry) => {
  assert.throws(() => new StateSet({ name: "sur_dup", help: "x", states: ["s\ud800", "s\udbff"], heap, registers: [registry] }), { name: "TypeError", message: /appears twice.*lone surrogate/ });
  const set = new StateSet({ name: "sur_state", help: "x", states: ["ok", "s\ud800"], heap, registers: [registry] });
  set.state("ok");
  const { families } = await validScrape(registry);
  assert.deepEqual(families[0].samples.map(([, labels]) => labels.sur_state), ["ok", "s\ufffd"]);
}));
