/**
 * The JavaScript engine's heap, per process: `nodejs_heap_size_total_bytes`,
 * `nodejs_heap_size_used_bytes`, `nodejs_external_memory_bytes`, and where the runtime
 * has `v8.getHeapSpaceStatistics` `nodejs_heap_space_size_{total,used,available}_bytes`
 * by `space`.
 *
 * @module
 */

import { host } from "../../native/index.ts";
import { processStats } from "../../native/process_stats.ts";
import { type DefaultMetricsContext, perProcessGauge, type Refresh, setOwn } from "./_context.ts";

/**
 * Creates the heap gauges; the refresh sets this process's values.
 *
 * @example
 * ```ts
 * const refresh = heapSize(context);
 * ```
 */
export function heapSize(context: DefaultMetricsContext): Refresh {
  const heapTotal = perProcessGauge(context, "nodejs_heap_size_total_bytes", "Process heap size from Node.js in bytes.");
  const heapUsed = perProcessGauge(context, "nodejs_heap_size_used_bytes", "Process heap size used from Node.js in bytes.");
  const external = perProcessGauge(context, "nodejs_external_memory_bytes", "Node.js external memory size in bytes.");
  const heapSpaces = processStats().heapSpaces;
  const spaces = heapSpaces && (["total", "used", "available"] as const).map((kind) =>
    perProcessGauge(context, `nodejs_heap_space_size_${kind}_bytes`, `Process heap space size ${kind} from Node.js in bytes.`, ["space"])
  );
  return () => {
    const memory = host.memoryUsageBytes();
    setOwn(context, heapTotal, memory.heapTotal);
    setOwn(context, heapUsed, memory.heapUsed);
    setOwn(context, external, memory.external);
    if (spaces === undefined) return;
    for (const space of heapSpaces!()) {
      const labels = { space: space.name };
      setOwn(context, spaces[0], space.sizeBytes, labels);
      setOwn(context, spaces[1], space.usedBytes, labels);
      setOwn(context, spaces[2], space.availableBytes, labels);
    }
  };
}
