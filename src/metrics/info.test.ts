import { test } from "node:test";
import assert from "node:assert/strict";
import { Heap } from "../heap/heap.ts";
import { parseSamples } from "../../test/support/parse_text.ts";
import { Info } from "./info.ts";
import { Registry } from "./registry.ts";
import { withHeap } from "../../test/support/heap.ts";
import { strictParse } from "../../test/support/strict_parser.ts";


const infoSamples = async (registry: Registry) => [...parseSamples(await registry.metrics())].filter(([key]) => key.startsWith("build_info"));

test("info() sets the one label set; a later info() from any isolate replaces it", withHeap(async (heap, registry, path) => {
  const build = new Info({ name: "build", help: "The build.", labelNames: ["version", "commit"], heap, registers: [registry] });
  assert.deepEqual(await infoSamples(registry), [], "nothing before the first info()");
  build.info({ version: "1.0", commit: "abc" });
  assert.deepEqual(await infoSamples(registry), [['build_info{commit="abc",version="1.0"}', 1]]);
  build.info({ version: 2 }); // numbers are label values too; a label left out is empty
  assert.deepEqual(await infoSamples(registry), [['build_info{version="2"}', 1]]);

  const other = Heap.open({ path, mode: "attach" }); // another isolate
  try {
    const view = new Info({ name: "build", help: "The build.", labelNames: ["version", "commit"], heap: other, registers: [] });
    view.info({ version: "3.0", commit: "def" });
    assert.deepEqual(await infoSamples(registry), [['build_info{commit="def",version="3.0"}', 1]]);
    build.info({ version: "1.0", commit: "abc" }); // an earlier label set again
    assert.deepEqual(await infoSamples(registry), [['build_info{commit="abc",version="1.0"}', 1]]);
  } finally {
    other.close(false);
  }
  assert.deepEqual(await build.get(), {
    name: "build",
    help: "The build.",
    type: "info",
    values: [{ value: 1, labels: { version: "1.0", commit: "abc" }, metricName: "build_info" }],
    aggregator: "sum",
  });
}));

test("a trailing _info in the name is dropped; no labels is one empty label set", withHeap(async (heap, registry) => {
  const info = new Info({ name: "runtime_info", help: "Runtime.", heap, registers: [registry] });
  assert.equal(info.name, "runtime");
  info.info();
  assert.deepEqual([...parseSamples(await registry.metrics())], [["runtime_info{}", 1]]);
  assert.match(await registry.metrics(), /^# HELP runtime_info Runtime\.\n# TYPE runtime_info gauge\nruntime_info 1\n$/);
}));

test("bad input: a clear TypeError, and the heap as it was", withHeap(async (heap, registry) => {
  const build = new Info({ name: "build", help: "The build.", labelNames: ["version"], heap, registers: [registry] });
  build.info({ version: "1.0" });
  const before = await registry.metrics();
  const mappedBefore = heap.mappedBytes;
  assert.throws(() => build.info({ nope: "x" } as never), { name: "TypeError", message: `Added label "nope" is not included in initial labelset: [ 'version' ]. Label "nope" is not a label of "build" (its labels: version)` });
  assert.throws(() => build.info({ version: {} as unknown as string }), { name: "TypeError", message: 'Label "version" of "build" must be a string or a number, got object' });
  assert.throws(() => build.info("1.0" as never), { name: "TypeError", message: 'info() of "build" takes an object of label values, got string' });
  assert.throws(() => build.info(null as never), { name: "TypeError", message: 'info() of "build" takes an object of label values, got null' });
  assert.throws(() => build.info(["1.0"] as never), { name: "TypeError", message: 'info() of "build" takes an object of label values, got an array' });
  assert.throws(() => build.labels("1.0"), { name: "TypeError", message: 'Info "build" has no labels() handles: set its label values with info({ ... })' });
  assert.equal(await registry.metrics(), before);
  assert.equal(heap.mappedBytes, mappedBefore);
  assert.throws(() => new Info({ name: "build", help: "Another help.", labelNames: ["version"], heap, registers: [] }), /another definition/);
  assert.throws(() => new Info({ name: "x-y", help: "Bad.", heap, registers: [] }), { name: "TypeError", message: /Invalid metric name "x-y"/ });
}));

test("reset() and remove() stop showing the label set; info() shows it again", withHeap(async (heap, registry, path) => {
  const build = new Info({ name: "build", help: "The build.", labelNames: ["version"], heap, registers: [registry] });
  build.info({ version: "1" });
  build.reset();
  assert.deepEqual(await infoSamples(registry), []);
  build.info({ version: "1" });
  assert.deepEqual(await infoSamples(registry), [['build_info{version="1"}', 1]]);
  build.remove("2"); // never given: nothing happens
  build.info({ version: "2" });
  build.remove({ version: "1" }); // not the current one: the current one stays
  assert.deepEqual(await infoSamples(registry), [['build_info{version="2"}', 1]]);
  build.remove("2");
  assert.deepEqual(await infoSamples(registry), []);
  const other = Heap.open({ path, mode: "attach" });
  try {
    new Info({ name: "build", help: "The build.", labelNames: ["version"], heap: other, registers: [] }).info({ version: "2" });
    assert.deepEqual(await infoSamples(registry), [['build_info{version="2"}', 1]], "a removed label set comes back with info()");
  } finally {
    other.close(false);
  }
}));

test("OpenMetrics output passes Python's strict parser as type info", withHeap(async (heap) => {
  const registry = new Registry(Registry.OPENMETRICS_CONTENT_TYPE, { heap });
  const build = new Info({ name: "build", help: "The \"build\".", labelNames: ["version", "note"], heap, registers: [registry] });
  new Info({ name: "empty", help: "Never set.", heap, registers: [registry] });
  build.info({ version: "1.0", note: 'a "quoted"\nline \\' });
  assert.deepEqual(strictParse(await registry.metrics()), [
    { name: "build", type: "info", samples: [["build_info", { version: "1.0", note: 'a "quoted"\nline \\' }, 1]] },
    { name: "empty", type: "info", samples: [] },
  ]);
}));


