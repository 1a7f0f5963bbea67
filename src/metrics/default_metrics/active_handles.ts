/**
 * What keeps this process's event loop busy, per process, by type and in total:
 * `nodejs_active_handles(_total)`, `nodejs_active_requests(_total)` and
 * `nodejs_active_resources(_total)`, each where the runtime can count it.
 *
 * @module
 */

import { processStats } from "../../native/process_stats.ts";
import { type DefaultMetricsContext, perProcessGauge, type Refresh, setCounts, setOwn } from "./_context.ts";

const GROUPS = [
  ["handles", "activeHandles", "Number of active libuv handles grouped by handle type. Every handle type is C++ class name.", "Total number of active handles."],
  ["requests", "activeRequests", "Number of active libuv requests grouped by request type. Every request type is C++ class name.", "Total number of active requests."],
  ["resources", "activeResources", "Number of active resources that are currently keeping the event loop alive, grouped by async resource type.", "Total number of active resources."],
] as const;

/**
 * Creates the gauges of every group the runtime can count; the refresh sets this process's counts.
 *
 * @example
 * ```ts
 * const refresh = activeHandles(context);
 * ```
 */
export function activeHandles(context: DefaultMetricsContext): Refresh {
  const stats = processStats();
  const refreshes: Refresh[] = [];
  for (const [group, capability, help, totalHelp] of GROUPS) {
    const count = stats[capability];
    if (count === undefined) continue;
    const byType = perProcessGauge(context, `nodejs_active_${group}`, help, ["type"]);
    const total = perProcessGauge(context, `nodejs_active_${group}_total`, totalHelp);
    const seen = new Set<string>();
    refreshes.push(() => {
      const counts = count();
      setCounts(context, byType, counts, seen);
      let sum = 0;
      for (const n of counts.values()) sum += n;
      setOwn(context, total, sum);
    });
  }
  return () => {
    for (const refresh of refreshes) refresh();
  };
}
