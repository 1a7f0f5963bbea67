/**
 * Self-metrics for operators (opt-in: {@link collectHeapMetrics}); prom-client's default
 * metrics are left as they are.
 *
 * Every one is a collector (registry.ts): read when scraped, in the scraping process,
 * with no storage of its own in the heap, so watching the heap never fills it.
 *
 * - Heap-wide (the same whichever process scrapes): `mpmetrics_heap_used_bytes`,
 *   `mpmetrics_heap_allocated_bytes`, `mpmetrics_heap_max_bytes`,
 *   `mpmetrics_writer_slots`, `mpmetrics_writer_slots_claimed`,
 *   `mpmetrics_writer_slots_live`, `mpmetrics_series{metric}` (label sets stored per
 *   metric name, what counts against `maxSeries`; the overflow series left out) and
 *   `mpmetrics_cardinality_overflowing{metric}` (1 once the metric has its overflow
 *   series).
 * - Counted in the scraping process (heap/stats.ts): `mpmetrics_overflowed_label_sets_total`,
 *   `mpmetrics_stale_slot_reads_total`, and `mpmetrics_scrape_duration_seconds` (the
 *   previous scrape of the registry by this process).
 *
 * @module
 */

import type { Heap } from "../heap/heap.ts";
import { defaultHeap } from "../heap/default_heap.ts";
import { RecordField, RecordKind } from "../heap/directory.ts";
import { sharedDirectory } from "../heap/shared_directory.ts";
import { heapStats } from "../heap/stats.ts";
import { heapUsage } from "../heap/usage.ts";
import type { Collector, CollectorMetricObject, CollectorValue } from "./collector.ts";
import { instanceName } from "./identity.ts";
import { overflowKeyBytes } from "./overflow.ts";
import { register as defaultRegister, type Registry } from "./registry.ts";

/**
 * Options of {@link collectHeapMetrics}.
 *
 * @example
 * ```ts
 * const options: HeapMetricsConfiguration = { prefix: "app_", register };
 * ```
 */
export interface HeapMetricsConfiguration {
  /** The registry to register with; default the default registry. */
  readonly register?: Registry;
  /** Prefix for every name (before `mpmetrics_`), e.g. `"app_"`; default none. */
  readonly prefix?: string;
  /** The heap to report; default the default heap. */
  readonly heap?: Heap;
}

/** Series per metric name and whether each overflows, of instances someone holds. */
function seriesByName(heap: Heap): Map<string, { series: number; overflowing: boolean }> {
  const shared = sharedDirectory(heap);
  const { directory } = shared;
  const byName = new Map<string, { series: number; overflowing: boolean }>();
  for (const record of directory.list().metrics) {
    if (directory.loadField(record, RecordField.holders) === 0) continue; // a released instance, kept for recycling
    const overflowing = directory.find(RecordKind.series, record, overflowKeyBytes) !== 0;
    const series = directory.loadField(record, RecordField.seriesCount) - (overflowing ? 1 : 0);
    const name = instanceName(shared, record);
    const entry = byName.get(name) ?? { series: 0, overflowing: false };
    byName.set(name, { series: entry.series + series, overflowing: entry.overflowing || overflowing });
  }
  return byName;
}

function collector(name: string, help: string, type: "gauge" | "counter", values: () => CollectorValue[]): Collector {
  return {
    name,
    help,
    type,
    get: (): CollectorMetricObject => ({ name, help, type, values: values(), aggregator: "sum" }),
  };
}

/**
 * Registers the self-metrics (see the module comment) with a registry. Call it once per
 * registry, in the process that serves the scrape.
 *
 * @example
 * ```ts
 * import { collectHeapMetrics, register } from "mpmetrics";
 * collectHeapMetrics({ register });
 * // mpmetrics_heap_used_bytes 1284167
 * // mpmetrics_series{metric="http_requests"} 1000
 * ```
 */
export function collectHeapMetrics(config: HeapMetricsConfiguration = {}): void {
  if (config === null || typeof config !== "object") throw new TypeError("collectHeapMetrics takes an options object ({ register, prefix, heap })");
  const prefix = config.prefix ?? "";
  if (typeof prefix !== "string" || !/^([a-zA-Z_:][a-zA-Z0-9_:]*)?$/.test(prefix)) {
    throw new TypeError(`prefix of collectHeapMetrics must be a metric-name prefix matching [a-zA-Z_:][a-zA-Z0-9_:]*, got ${JSON.stringify(prefix)}`);
  }
  const registry = config.register ?? defaultRegister;
  const heapOf = () => config.heap ?? defaultHeap();
  const name = (suffix: string) => `${prefix}mpmetrics_${suffix}`;
  const one = (value: number | undefined): CollectorValue[] => (value === undefined ? [] : [{ value, labels: {} }]);
  const collectors = [
    collector(name("heap_used_bytes"), "Bytes of the heap file handed out by its allocator.", "gauge", () => one(heapUsage(heapOf()).usedBytes)),
    collector(name("heap_allocated_bytes"), "Bytes of the heap file allocated on its file system (what it costs in /dev/shm).", "gauge", () => one(heapUsage(heapOf()).allocatedBytes)),
    collector(name("heap_max_bytes"), "The most bytes the heap file may grow to.", "gauge", () => one(heapUsage(heapOf()).maxBytes)),
    collector(name("writer_slots"), "Writer slots of the heap file.", "gauge", () => one(heapUsage(heapOf()).writerSlotsMax)),
    collector(name("writer_slots_claimed"), "Writer slots claimed by some process or worker at some time.", "gauge", () => one(heapUsage(heapOf()).writerSlotsClaimed)),
    collector(name("writer_slots_live"), "Writer slots held by a live process or worker now.", "gauge", () => one(heapUsage(heapOf()).writerSlotsLive)),
    collector(name("series"), "Label sets stored per metric, what counts against maxSeries (the overflow series left out).", "gauge", () =>
      [...seriesByName(heapOf())].map(([metric, { series }]) => ({ value: series, labels: { metric } }))),
    collector(name("cardinality_overflowing"), "1 for a metric whose label sets past maxSeries are counted in its otel_metric_overflow series.", "gauge", () =>
      [...seriesByName(heapOf())].map(([metric, { overflowing }]) => ({ value: overflowing ? 1 : 0, labels: { metric } }))),
    collector(name("overflowed_label_sets_total"), "Label-set lookups past maxSeries counted in an overflow series, in the scraping process.", "counter", () =>
      one(heapStats.overflowedLabelSets)),
    collector(name("stale_slot_reads_total"), "Reads of a writer's last consistent values because it was stopped mid-update, in the scraping process.", "counter", () =>
      one(heapStats.staleSlotReads)),
    collector(name("scrape_duration_seconds"), "Seconds the previous scrape of this registry took in the scraping process.", "gauge", () =>
      one(registry.lastScrapeDurationSeconds)),
  ];
  for (const c of collectors) registry.registerMetric(c);
}
