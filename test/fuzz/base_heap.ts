/**
 * The heap every fuzz mutant starts from: one real heap holding every metric type,
 * labelled and not, with exemplars and a native histogram, written by this process, and
 * a map of where its structures lie (for the mutator's targeted damage).
 */

import { readFileSync } from "node:fs";
import { Counter, Gauge, Heap, Histogram, Info, Registry, StateSet, Summary } from "../../src/index.ts";
import { Directory, RecordField, RecordKind } from "../../src/heap/directory.ts";
import { Root } from "../../src/heap/layout.ts";

/** Where things are in the base heap's bytes. */
export interface HeapMap {
  /** The used part of the file: bytes below the allocation cursor. */
  readonly usedBytes: number;
  readonly writerSlotsMax: number;
  readonly directoryTable: number;
  /** Every record's offset, its kind, and its key and value lengths. */
  readonly records: readonly { offset: number; kind: number; keyBytes: number; valueBytes: number }[];
  /** Every series' cell block: offset, stride and cell count. */
  readonly cells: readonly { offset: number; strideBytes: number; count: number }[];
  /** Shared storage offsets (gauges, histogram areas, sketches, exemplars). */
  readonly shared: readonly number[];
}

/** The base heap's bytes, taken while its writer is attached, and its map. */
export interface BaseHeap {
  readonly bytes: Uint8Array;
  readonly map: HeapMap;
  /** The OpenMetrics scrape of the base heap itself (what an undamaged mutant gives). */
  readonly scrape: string;
}

/**
 * Writes every metric type into a new heap at `path` and returns its bytes.
 *
 * @example
 * ```ts
 * const base = await buildBaseHeap("/tmp/x/base.mpm");
 * ```
 */
export async function buildBaseHeap(path: string): Promise<BaseHeap> {
  const heap = Heap.open({ path, mode: "create", sizeInitialBytes: 262144, sizeMaxBytes: 1 << 22, writerSlotsMax: 4 });
  const registry = new Registry(Registry.OPENMETRICS_CONTENT_TYPE, { heap });
  const registers = [registry];
  const jobs = new Counter({ name: "fuzz_jobs", help: "Jobs.", heap, registers });
  jobs.inc(3);
  const requests = new Counter({ name: "fuzz_requests", help: "Requests.", labelNames: ["path", "code"], enableExemplars: true, heap, registers });
  requests.inc({ labels: { path: "/a", code: "200" }, value: 2, exemplarLabels: { trace_id: "abc123" } });
  requests.labels("/b", "500").inc();
  requests.inc({ code: "404", path: "/c" }); // another label order than labelNames
  const depth = new Gauge({ name: "fuzz_depth", help: "Depth.", labelNames: ["queue"], heap, registers });
  depth.labels("q1").set(5);
  depth.labels("q2").dec(2.5);
  const busy = new Gauge({ name: "fuzz_busy", help: "Busy.", mode: "sum", heap, registers });
  busy.set(7);
  const latency = new Histogram({ name: "fuzz_latency_seconds", help: "Latency.", labelNames: ["route"], buckets: [0.01, 0.1, 1], enableExemplars: true, heap, registers });
  latency.observe({ labels: { route: "r" }, value: 0.05, exemplarLabels: { trace_id: "t1" } });
  latency.labels("r").observe(0.5);
  latency.labels("s").observe(2);
  const sizes = new Histogram({ name: "fuzz_sizes_bytes", help: "Sizes.", buckets: [100, 1000], nativeHistogramBucketFactor: 1.1, heap, registers });
  for (const value of [0, 3, 50, 150, 700, 5000, -2]) sizes.observe(value);
  const native = new Histogram({ name: "fuzz_native_seconds", help: "Native only.", buckets: [], nativeHistogramBucketFactor: 1.1, heap, registers });
  for (const value of [0.001, 0.02, 0.3, 4]) native.observe(value);
  const summary = new Summary({ name: "fuzz_summary", help: "Summary.", labelNames: ["op"], percentiles: [0.5, 0.9], heap, registers });
  for (const value of [1, 2, 3, 40]) summary.labels("read").observe(value);
  const windowed = new Summary({ name: "fuzz_windowed", help: "Windowed.", percentiles: [0.99], maxAgeSeconds: 600, ageBuckets: 3, heap, registers });
  windowed.observe(0.25);
  new Info({ name: "fuzz_build", help: "Build.", labelNames: ["version"], heap, registers }).info({ version: "1.2.3" });
  const phase = new StateSet({ name: "fuzz_phase", help: "Phase.", states: ["idle", "busy"], labelNames: ["worker"], heap, registers });
  phase.labels("w1").set({ busy: true });
  const scrape = await registry.metrics();
  const bytes = new Uint8Array(readFileSync(path));
  const map = mapOf(heap, bytes);
  heap.close(false);
  return { bytes, map, scrape };
}

function mapOf(heap: Heap, bytes: Uint8Array): HeapMap {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const directory = new Directory(heap);
  const listing = directory.list();
  const offsets = [...listing.metrics, ...[...listing.seriesByMetric.values()].flat()].sort((a, b) => a - b);
  const records = offsets.map((offset) => ({
    offset,
    kind: directory.field(offset, RecordField.kind),
    keyBytes: directory.field(offset, RecordField.keyBytes),
    valueBytes: directory.field(offset, RecordField.valueBytes),
  }));
  // Each writer's copy of each series (heap/copies.ts): its cells after the 8-byte link word.
  const cells = records
    .filter((r) => r.kind === RecordKind.series && directory.field(r.offset, RecordField.cellsCount) > 0)
    .flatMap((r) => {
      const found: { offset: number; strideBytes: number; count: number }[] = [];
      const count = directory.field(r.offset, RecordField.cellsCount);
      for (let copy = directory.field(r.offset, RecordField.copies); copy !== 0 && found.length < heap.writerSlotsMax; copy = heap.u32[copy / 4]) {
        heap.ensure(copy + 8 + count * 8);
        found.push({ offset: copy + 8, strideBytes: 0, count });
      }
      return found;
    });
  const shared = records.map((r) => directory.field(r.offset, RecordField.sharedOffset)).filter((offset) => offset !== 0);
  return {
    usedBytes: view.getUint32(48, true),
    writerSlotsMax: heap.writerSlotsMax,
    directoryTable: heap.root(Root.directoryTable),
    records,
    cells,
    shared,
  };
}
