/**
 * `process_cpu_user_seconds_total`, `process_cpu_system_seconds_total` and
 * `process_cpu_seconds_total`: counters summed over every process that ever ran. Each
 * process adds the CPU time it used since its last refresh to its own writer cell, so
 * the total does not drop when a process exits (its cell stays; a process that adopts
 * its slot adds on).
 *
 * @module
 */

import { host } from "../../native/index.ts";
import { allProcessesCounter, type DefaultMetricsContext, type Refresh, seriesLabels } from "./_context.ts";

/**
 * Creates the CPU counters; the refresh adds this process's CPU time since the last one.
 *
 * @example
 * ```ts
 * const refresh = processCpu(context, () => refreshAll());
 * refresh();
 * ```
 */
export function processCpu(context: DefaultMetricsContext, beforeScrape: () => void): Refresh {
  // The first default metric carries the callback that refreshes them all before a scrape.
  const user = allProcessesCounter(context, "process_cpu_user_seconds_total", "Total user CPU time spent in seconds.", beforeScrape);
  const system = allProcessesCounter(context, "process_cpu_system_seconds_total", "Total system CPU time spent in seconds.");
  const total = allProcessesCounter(context, "process_cpu_seconds_total", "Total user and system CPU time spent in seconds.");
  const labels = seriesLabels(context);
  let reported = { user: 0, system: 0 };
  return () => {
    const now = host.cpuUsageMicros();
    const userSeconds = Math.max(0, now.user - reported.user) / 1e6;
    const systemSeconds = Math.max(0, now.system - reported.system) / 1e6;
    reported = now;
    user.inc(labels, userSeconds);
    system.inc(labels, systemSeconds);
    total.inc(labels, userSeconds + systemSeconds);
  };
}
