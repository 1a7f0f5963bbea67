/**
 * Families whose OpenMetrics sample names would clash are refused at definition with a
 * TypeError ("... clashes with counter "x" ..."), in either order, in one registry and
 * across processes sharing a heap (each runtime as the other process); the refused
 * definition leaves the heap file as it was, and the exposition stays valid.
 */

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { Counter, Gauge, Heap, Histogram, Info, Registry, Summary } from "../src/index.ts";
import { withHeap } from "./support/heap.ts";
import { runtimes, spawnFixture, temporaryHeapPath } from "./support/runtimes.ts";
import { validScrape } from "./support/validators.ts";

type Kind = "counter" | "gauge" | "histogram" | "summary" | "info";

function define(kind: Kind, name: string, heap: Heap, registry: Registry): unknown {
  const config = { name, help: "x", heap, registers: [registry] };
  switch (kind) {
    case "counter":
      return new Counter(config);
    case "gauge":
      return new Gauge(config);
    case "histogram":
      return new Histogram(config);
    case "summary":
      return new Summary(config);
    case "info":
      return new Info(config);
  }
}

/** [family kind, its name, the clashing gauge's name]: every sample name of each type. */
const clashes: [Kind, string, string][] = [
  ["counter", "x", "x_total"],
  ["counter", "x", "x_created"],
  ["counter", "x_total", "x_total"], // a counter named x_total is the family x
  ["histogram", "x", "x_bucket"],
  ["histogram", "x", "x_count"],
  ["histogram", "x", "x_sum"],
  ["histogram", "x", "x_created"],
  ["summary", "x", "x_count"],
  ["summary", "x", "x_sum"],
  ["summary", "x", "x_created"],
  ["info", "x", "x_info"],
  ["info", "x_info", "x_info"],
];

const clashMessage = /^A metric with the name \w+ clashes with \w+ "\w+" in .*: both would write samples named \w+/;

for (const [kind, name, gauge] of clashes) {
  for (const order of ["family first", "gauge first"] as const) {
    test(`one registry: ${kind} "${name}" and gauge "${gauge}", ${order}: the second is refused, the heap unchanged`, withHeap(async (heap, registry, path) => {
      if (order === "family first") define(kind, name, heap, registry);
      else define("gauge", gauge, heap, registry);
      const before = readFileSync(path);
      assert.throws(() => (order === "family first" ? define("gauge", gauge, heap, registry) : define(kind, name, heap, registry)), (error: unknown) => error instanceof TypeError && clashMessage.test(error.message));
      assert.ok(before.equals(readFileSync(path)), "the refused definition stored nothing");
      const { families } = await validScrape(registry);
      assert.equal(families.length, 1);
    }));
  }
}

test("names that only look alike do not clash: gauge x_total beside gauge x, counter x beside histogram x_total_seconds", withHeap(async (heap, registry) => {
  define("gauge", "y", heap, registry);
  define("gauge", "y_total", heap, registry);
  define("counter", "z", heap, registry);
  define("histogram", "z_total_seconds", heap, registry);
  define("summary", "w", heap, registry);
  define("gauge", "w_bucket", heap, registry);
  assert.equal((await validScrape(registry)).families.length, 6);
}));

test("separate registries that are not heap-wide are separate expositions: both definitions are allowed, as in prom-client", withHeap((heap) => {
  const a = new Registry();
  const b = new Registry();
  new Counter({ name: "sep", help: "x", heap, registers: [a] });
  new Gauge({ name: "sep_total", help: "x", heap, registers: [b] });
  assert.throws(() => b.registerMetric(new Counter({ name: "sep", help: "x", heap, registers: [] })), TypeError, "but not in one registry");
}));

for (const runtime of runtimes) {
  for (const order of ["the other process first", "this process first"] as const) {
    test(`across processes sharing a heap (${runtime} as the other): counter "shared_x" and gauge "shared_x_total", ${order}: the second is refused`, { timeout: 60_000 }, async () => {
      const { path, cleanup } = temporaryHeapPath();
      const heap = Heap.open({ path, mode: "create" });
      const registry = new Registry(Registry.OPENMETRICS_CONTENT_TYPE, { heap });
      const other = (type: string, name: string) => spawnFixture(runtime, "clash_define", { MPMETRICS_HEAP: path, CLASH_TYPE: type, CLASH_NAME: name }, { stdin: true });
      let child: ReturnType<typeof other> | undefined;
      try {
        if (order === "the other process first") {
          child = other("counter", "shared_x");
          assert.equal(await child.waitForLine("defined"), "defined");
          const before = readFileSync(path);
          assert.throws(() => new Gauge({ name: "shared_x_total", help: "x", heap, registers: [registry] }), (error: unknown) => error instanceof TypeError && clashMessage.test(error.message));
          assert.ok(before.equals(readFileSync(path)), "the refused definition stored nothing");
        } else {
          new Gauge({ name: "shared_x_total", help: "x", heap, registers: [registry] });
          child = other("counter", "shared_x");
          const line = await child.waitForLine("refused");
          assert.match(line, /^refused TypeError: A metric with the name shared_x clashes with gauge "shared_x_total"/);
        }
        const { families } = await validScrape(registry);
        assert.equal(families.length, 1, "one family in the heap-wide scrape");
        child.process.stdin!.write("exit\n");
        assert.equal((await child.exited).code, 0);
      } finally {
        child?.process.kill();
        heap.close();
        cleanup();
      }
    });
  }
}
