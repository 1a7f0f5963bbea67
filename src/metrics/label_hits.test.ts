import { test } from "node:test";
import assert from "node:assert/strict";
import { withHeap } from "../../test/support/heap.ts";
import { parseSamples } from "../../test/support/parse_text.ts";
import { Counter } from "./counter.ts";
import { Gauge } from "./gauge.ts";
import { Histogram } from "./histogram.ts";
import { LabelHits } from "./label_hits.ts";

test("numbers and strings naming the same value reach one child, by object and by position, before and after a hit", withHeap(async (heap, registry) => {
  const c = new Counter({ name: "hits_requests", help: "H.", labelNames: ["route", "status"], heap, registers: [registry] });
  const first = c.labels({ route: "/a", status: 200 });
  for (let i = 0; i < 3; i++) {
    assert.equal(c.labels({ route: "/a", status: "200" }), first);
    assert.equal(c.labels({ status: 200, route: "/a" }), first, "key order does not matter");
    assert.equal(c.labels("/a", 200), first);
    assert.equal(c.labels("/a", "200"), first);
  }
  c.inc({ route: "/a", status: 200 });
  c.inc({ route: "/a", status: "200" }, 2);
  c.labels("/a", 200).inc(4);
  assert.equal(parseSamples(await registry.metrics()).get('hits_requests{route="/a",status="200"}'), 7);
  assert.notEqual(c.labels({ route: "/a", status: 201 }), first);
}));

test("after a hit, an unknown label is still prom-client's TypeError, and nothing is made", withHeap(async (heap, registry) => {
  const h = new Histogram({ name: "hits_latency", help: "H.", labelNames: ["route"], buckets: [1], heap, registers: [registry] });
  h.observe({ route: "/a" }, 0.5);
  h.observe({ route: "/a" }, 0.5); // a hit now
  for (const bad of [{ route: "/a", method: "GET" }, { method: "GET" }]) {
    assert.throws(() => h.observe(bad as { route: string }, 1), (e: unknown) => e instanceof TypeError && /Added label "method" is not included in initial labelset: \[ 'route' \]/.test(e.message));
  }
  const inherited = Object.create({ route: "/a" }) as { route: string };
  assert.equal(h.labels(inherited), h.labels({ route: "/a" }), "an inherited enumerable label counts, as for-in sees it");
  const samples = parseSamples(await registry.metrics());
  assert.equal(samples.get('hits_latency_count{route="/a"}'), 2);
  assert.equal([...samples.keys()].filter((k) => k.includes("method")).length, 0);
}));

test("a label left out is empty; given as undefined in an object it is too, but not as a positional value", withHeap(async (heap, registry) => {
  const g = new Gauge({ name: "hits_pool", help: "H.", labelNames: ["pool", "zone"], heap, registers: [registry] });
  const partial = g.labels({ pool: "main" });
  assert.equal(g.labels({ pool: "main" }), partial);
  assert.equal(g.labels({ pool: "main", zone: undefined }), partial);
  assert.equal(g.labels("main", ""), partial);
  assert.throws(() => g.labels("main", undefined as unknown as string), TypeError, "the hit cache's left-out key never answers a positional call");
  assert.throws(() => g.labels({ pool: "main", zone: null } as unknown as { pool: string }), /must be a string or a number, got null/);
  g.set({ pool: "main" }, 3);
  assert.equal(parseSamples(await registry.metrics()).get('hits_pool{pool="main"}'), 3);
}));

test("a hit child keeps working across reset() and remove()", withHeap(async (heap, registry) => {
  const c = new Counter({ name: "hits_reset", help: "H.", labelNames: ["k"], heap, registers: [registry] });
  c.inc({ k: "a" }, 5);
  c.reset();
  c.inc({ k: "a" }); // from the hit cache
  assert.equal(parseSamples(await registry.metrics()).get('hits_reset{k="a"}'), 1);
  c.remove({ k: "a" });
  c.inc({ k: "a" }, 2);
  assert.equal(parseSamples(await registry.metrics()).get('hits_reset{k="a"}'), 2);
}));

test("LabelHits remembers only exact paths: the normalized string, a number whose string it is, or undefined for empty", () => {
  const hits = new LabelHits<string>(["a", "b"]);
  hits.remember(["x", 200], ["x", "200"], "child");
  assert.equal(hits.byObject({ a: "x", b: 200 }), "child");
  assert.equal(hits.byValues(["x", 200]), "child");
  assert.equal(hits.byObject({ a: "x", b: "200" }), undefined, "the string path is a path of its own, added when first used");
  hits.remember(["x\uD800", "y"], ["x\uFFFD", "y"], "normalized"); // a raw value that normalization changed
  assert.equal(hits.byObject({ a: "x\uD800", b: "y" }), undefined, "never: many raw values could name that series");
  hits.remember([{ toString: () => "o" }, "y"], ["o", "y"], "object");
  assert.equal(hits.byValues(["o", "y"]), undefined);
  hits.remember(["x", undefined], ["x", ""], "empty");
  assert.equal(hits.byObject({ a: "x" }), "empty");
  assert.equal(hits.byValues(["x", undefined]), undefined);
  assert.equal(hits.byObject({ a: "x", c: 1 }), undefined, "an extra key is the slow path's to judge");
  assert.throws(() => new LabelHits([]), RangeError);
});

test("paths of many values at every level find their children; NaN and -0 name theirs as a Map does", () => {
  const hits = new LabelHits<string>(["route", "status"]);
  const routes = Array.from({ length: 20 }, (_, i) => `/r${i}`);
  const statuses: unknown[] = [200, 201, 304, 404, 500, NaN, -0, "x", 7, 8, 9];
  for (const route of routes) {
    for (const status of statuses) hits.remember([route, status], [route, String(status)], `${route} ${String(status)}`);
  }
  for (const route of routes) {
    for (const status of statuses) {
      assert.equal(hits.byValues([route, status]), `${route} ${String(status)}`);
      assert.equal(hits.byObject({ route, status }), `${route} ${String(status)}`);
    }
    assert.equal(hits.byValues([route, 0]), `${route} 0`, "0 finds -0's path");
    assert.equal(hits.byValues([route, 202]), undefined);
  }
  assert.equal(hits.byValues(["/r99", 200]), undefined);
  const small = new LabelHits<string>(["k"]);
  small.remember(["a"], ["a"], "A");
  small.remember(["a"], ["a"], "A again"); // a path set twice keeps one key
  assert.equal(small.byObject({ k: "a" }), "A again");
});
