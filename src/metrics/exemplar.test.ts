import { test } from "node:test";
import assert from "node:assert/strict";
import type { Heap } from "../heap/heap.ts";
import { slotEntryBytes, slotTableOffsetBytes } from "../heap/layout.ts";
import type { CounterFamily } from "../exposition/snapshot.ts";
import { Counter } from "./counter.ts";
import {
  allocExemplarsLocked,
  encodeExemplarLabels,
  exemplarLabelBytesMax,
  exemplarSlotBytes,
  ExemplarWriter,
  isExemplarForm,
  readExemplar,
} from "./exemplar.ts";
import { Registry } from "./registry.ts";
import { withHeap } from "../../test/support/heap.ts";


/** Records labels in a fresh slot and reads them back. */
function roundTrip(heap: Heap, labels: Record<string, string | number>) {
  const writer = new ExemplarWriter(heap);
  const offset = heap.withLock(() => allocExemplarsLocked(heap, 1));
  const used = encodeExemplarLabels("m", labels, writer.labels);
  assert.equal(writer.record(offset, 0, 2.5, 1700000000.25, used), true);
  return { used, exemplar: readExemplar(heap, offset, 0) };
}

test("labels round-trip through the slot: quotes, newlines, astral characters, numbers", withHeap((heap) => {
  const { exemplar } = roundTrip(heap, { trace_id: 'a"b\\c\nd', emoji: "😀中文", n: 42, empty: "" });
  assert.deepEqual(exemplar, {
    labels: [["trace_id", 'a"b\\c\nd'], ["emoji", "😀中文"], ["n", "42"], ["empty", ""]],
    value: 2.5,
    timestamp: 1700000000.25,
  });
  assert.deepEqual(roundTrip(heap, { lone: "\ud800x" }).exemplar?.labels, [["lone", "\ufffdx"]], "a lone surrogate becomes U+FFFD, as in any UTF-8");
}, { heap: { writerSlotsMax: 8 } }));

test("the byte budget holds any 128 code points: the worst cases fill it exactly", withHeap((heap) => {
  assert.equal(exemplarSlotBytes, 544);
  assert.equal(exemplarLabelBytesMax, 4 * 128);
  const oneName = { a: "😀".repeat(127) }; // 1 + 1 + 2 + 508 bytes
  assert.equal(roundTrip(heap, oneName).used, 512);
  assert.equal(roundTrip(heap, oneName).exemplar?.labels[0][1], oneName.a);
  const names = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_";
  const manyPairs: Record<string, string> = {};
  for (let i = 0; i < 64; i++) manyPairs[names[i % 53] + (i < 53 ? "" : "0")] = ""; // 53 one-letter, 11 two-letter names
  const cps = Object.keys(manyPairs).join("").length;
  assert.ok(cps <= 128);
  const { used, exemplar } = roundTrip(heap, manyPairs);
  assert.equal(used, 64 * 3 + cps);
  assert.equal(exemplar?.labels.length, 64);
}, { heap: { writerSlotsMax: 8 } }));

test("validation: a clear error before anything is written", () => {
  const out = new Uint8Array(exemplarLabelBytesMax);
  assert.equal(encodeExemplarLabels("m", {}, out), 0, "no labels: no exemplar");
  assert.throws(() => encodeExemplarLabels("m", { a: "x".repeat(128) }, out), {
    name: "RangeError",
    message: 'Cannot record an exemplar for "m": its label names and values hold 129 code points; at most 128 are allowed',
  });
  assert.equal(encodeExemplarLabels("m", { a: "x".repeat(127) }, out), 131);
  assert.equal(encodeExemplarLabels("m", { ab: "😀".repeat(126) }, out), 1 + 2 + 2 + 504, "code points, not UTF-16 units (252)");
  assert.throws(() => encodeExemplarLabels("m", { ab: "😀".repeat(127) }, out), { name: "RangeError", message: /hold 129 code points/ });
  assert.throws(() => encodeExemplarLabels("m", null, out), { name: "TypeError", message: 'Exemplar labels of "m" must be an object of label names to values, got null' });
  assert.throws(() => encodeExemplarLabels("m", ["a"], out), { name: "TypeError", message: /got an array/ });
  assert.throws(() => encodeExemplarLabels("m", "a=b", out), TypeError);
  assert.throws(() => encodeExemplarLabels("m", { "1x": "v" }, out), { name: "TypeError", message: 'Invalid exemplar label name "1x" for "m": it must match [a-zA-Z_][a-zA-Z0-9_]*' });
  assert.throws(() => encodeExemplarLabels("m", { a: true }, out), { name: "TypeError", message: 'Exemplar label "a" of "m" must be a string or a number, got boolean' });
  assert.equal(isExemplarForm({ labels: {}, value: 1, exemplarLabels: {} }), true);
  assert.equal(isExemplarForm({}), true);
  assert.equal(isExemplarForm({ value: 1, route: "/" }), false);
});

test("the latest exemplar wins by timestamp; another epoch's is stale", withHeap((heap) => {
  const writer = new ExemplarWriter(heap);
  const offset = heap.withLock(() => allocExemplarsLocked(heap, 1));
  assert.equal(readExemplar(heap, offset, 0), undefined, "empty slot");
  const put = (trace: string, timestamp: number, epoch = 0) => writer.record(offset, epoch, 1, timestamp, encodeExemplarLabels("m", { trace }, writer.labels));
  assert.equal(put("a", 200), true);
  assert.equal(put("older", 100), false, "an older exemplar does not replace a newer one");
  assert.equal(put("same time", 200), true, "a tie goes to the later writer");
  assert.deepEqual(readExemplar(heap, offset, 0)?.labels, [["trace", "same time"]]);
  assert.equal(readExemplar(heap, offset, 1), undefined, "after a reset (epoch 1) the exemplar is stale");
  assert.equal(put("after reset", 50, 1), true, "a new epoch's exemplar replaces an old epoch's, whatever its time");
  assert.deepEqual(readExemplar(heap, offset, 1)?.labels, [["trace", "after reset"]]);
}, { heap: { writerSlotsMax: 8 } }));

test("a lock left by a dead holder is taken over; a live holder's is respected; a half-written slot is never read", withHeap((heap) => {
  const writer = new ExemplarWriter(heap);
  const offset = heap.withLock(() => allocExemplarsLocked(heap, 1));
  const lock = offset / 4;
  const version = lock + 1;
  const put = (trace: string) => writer.record(offset, 0, 1, 1000, encodeExemplarLabels("m", { trace }, writer.labels));
  assert.equal(put("first"), true);
  const claims = Atomics.load(heap.i32, (slotTableOffsetBytes + heap.slot * slotEntryBytes + 4) / 4);

  // This isolate's own holder word: a live holder. The write is dropped, the slot unchanged.
  Atomics.store(heap.i32, lock, 1 + heap.slot + 256 * claims);
  assert.equal(put("while held"), false);
  assert.deepEqual(readExemplar(heap, offset, 0)?.labels, [["trace", "first"]]);

  // A holder that died mid-write: slot 5 (never claimed), version left odd.
  Atomics.store(heap.i32, lock, 1 + 5);
  Atomics.store(heap.i32, version, Atomics.load(heap.i32, version) + 1);
  assert.equal(readExemplar(heap, offset, 0), undefined, "a half-written exemplar is left out");
  assert.equal(put("taken over"), true);
  assert.equal(Atomics.load(heap.i32, lock), 0, "released");
  assert.equal(Atomics.load(heap.i32, version) % 2, 0, "version even again");
  assert.deepEqual(readExemplar(heap, offset, 0)?.labels, [["trace", "taken over"]]);

  // A holder whose slot was claimed again since (this slot, an older claim count): dead.
  Atomics.store(heap.i32, lock, 1 + heap.slot + 256 * (claims - 1));
  assert.equal(put("after adoption"), true);
  assert.deepEqual(readExemplar(heap, offset, 0)?.labels, [["trace", "after adoption"]]);
}, { heap: { writerSlotsMax: 8 } }));

test("counter exemplars: inc({ labels, value, exemplarLabels }); inc() and inc(labels, n) unchanged", withHeap(async (heap) => {
  const registry = new Registry(Registry.OPENMETRICS_CONTENT_TYPE, { heap });
  const c = new Counter({ name: "jobs", help: "Jobs.", labelNames: ["queue"], enableExemplars: true, heap, registers: [registry] });
  const t0 = Date.now() / 1000;
  c.inc({ labels: { queue: "mail" }, value: 2, exemplarLabels: { trace_id: "abc" } });
  c.inc({ labels: { queue: "mail" }, exemplarLabels: { trace_id: "def" } }); // value defaults to 1
  c.inc({ queue: "mail" }, 3); // the labels form still works
  c.inc({ queue: "sms" }); // a labels object, not the exemplar form
  c.inc({ value: 0.5, exemplarLabels: { trace_id: "plain" } }); // the series without labels
  c.inc();
  c.labels("mail").inc();
  const family = (await c.snapshot()) as CounterFamily;
  const byQueue = new Map(family.series.map((s) => [s.labels.map(([, v]) => v).join(), s]));
  assert.equal(byQueue.get("mail")?.value, 7);
  assert.deepEqual(byQueue.get("mail")?.exemplar?.labels, [["trace_id", "def"]]);
  assert.equal(byQueue.get("mail")?.exemplar?.value, 1);
  assert.ok(byQueue.get("mail")!.exemplar!.timestamp! >= t0);
  assert.equal(byQueue.get("sms")?.value, 1);
  assert.equal(byQueue.get("sms")?.exemplar, undefined);
  assert.equal(byQueue.get("")?.value, 1.5);
  assert.equal(byQueue.get("")?.exemplar?.value, 0.5);
  assert.match(await registry.metrics(), /^jobs_total\{queue="mail"\} 7 # \{trace_id="def"\} 1 \d+(\.\d+)?$/m);

  const before = await registry.metrics();
  assert.throws(() => c.inc({ labels: { queue: "new" }, value: -1, exemplarLabels: { a: "b" } }), { name: "RangeError", message: /by -1/ });
  assert.throws(() => c.inc({ labels: { queue: "new" }, exemplarLabels: { trace_id: "😀".repeat(121) } }), { name: "RangeError", message: /hold 129 code points/ });
  assert.equal(await registry.metrics(), before, "refused increments change nothing");
  c.reset();
  assert.ok(((await c.snapshot()) as CounterFamily).series.every((s) => s.exemplar === undefined), "reset() drops exemplars");

  const plain = new Counter({ name: "plain", help: "No exemplars.", labelNames: ["value"], heap, registers: [] });
  plain.inc({ value: "x" }); // a label named "value": without exemplars, a labels object
  assert.equal(((await plain.snapshot()) as CounterFamily).series[0].value, 1);
  assert.throws(() => new Counter({ name: "jobs", help: "Jobs.", labelNames: ["queue"], heap, registers: [] }), /another definition/, "exemplars are part of the definition");
}, { heap: { writerSlotsMax: 8 } }));
