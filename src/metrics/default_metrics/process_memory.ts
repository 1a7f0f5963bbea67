/**
 * Per-process gauges (one series per live process, `pid` label) from the OS:
 * `process_start_time_seconds`, `process_resident_memory_bytes`, and on Linux where
 * `/proc/self` is readable `process_virtual_memory_bytes`, `process_heap_bytes`,
 * `process_open_fds` and `process_max_fds`.
 *
 * @module
 */

import { host } from "../../native/index.ts";
import { processStats } from "../../native/process_stats.ts";
import { type DefaultMetricsContext, perProcessGauge, type Refresh, setOwn } from "./_context.ts";

/**
 * Creates the process gauges the runtime can fill; the refresh sets this process's values.
 *
 * @example
 * ```ts
 * const refresh = processMemory(context);
 * ```
 */
export function processMemory(context: DefaultMetricsContext): Refresh {
  const stats = processStats();
  const startTime = perProcessGauge(context, "process_start_time_seconds", "Start time of the process since unix epoch in seconds.");
  setOwn(context, startTime, Math.round(Date.now() / 1000 - host.uptimeSeconds()));
  const resident = perProcessGauge(context, "process_resident_memory_bytes", "Resident memory size in bytes.");
  const procMemory = stats.procMemory;
  const virtual = procMemory && perProcessGauge(context, "process_virtual_memory_bytes", "Virtual memory size in bytes.");
  const heap = procMemory && perProcessGauge(context, "process_heap_bytes", "Process heap size in bytes.");
  const openFds = stats.openFds && perProcessGauge(context, "process_open_fds", "Number of open file descriptors.");
  const maxFds = stats.maxFds === undefined ? undefined : perProcessGauge(context, "process_max_fds", "Maximum number of open file descriptors.");
  if (maxFds !== undefined) setOwn(context, maxFds, stats.maxFds!);
  return () => {
    const fromProc = procMemory?.();
    setOwn(context, resident, fromProc?.residentBytes ?? host.memoryUsageBytes().rss);
    if (fromProc !== undefined) {
      setOwn(context, virtual!, fromProc.virtualBytes);
      setOwn(context, heap!, fromProc.heapBytes);
    }
    if (openFds !== undefined) setOwn(context, openFds, stats.openFds!());
  };
}
