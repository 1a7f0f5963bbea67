/**
 * Event-loop lag, per process: `nodejs_eventloop_lag_seconds` (how late a callback
 * queued at a refresh runs) and, where the runtime has `monitorEventLoopDelay`,
 * `nodejs_eventloop_lag_{min,max,mean,stddev,p50,p90,p99}_seconds` over the delays
 * sampled every `eventLoopMonitoringPrecision` ms since the previous refresh.
 *
 * @module
 */

import { host } from "../../native/index.ts";
import { processStats } from "../../native/process_stats.ts";
import { type DefaultMetricsContext, perProcessGauge, type Refresh, setOwn } from "./_context.ts";

const STATISTICS = [
  ["min", "The minimum recorded event loop delay.", (d: Delay) => d.min],
  ["max", "The maximum recorded event loop delay.", (d: Delay) => d.max],
  ["mean", "The mean of the recorded event loop delays.", (d: Delay) => d.mean],
  ["stddev", "The standard deviation of the recorded event loop delays.", (d: Delay) => d.stddev],
  ["p50", "The 50th percentile of the recorded event loop delays.", (d: Delay) => d.percentile(50)],
  ["p90", "The 90th percentile of the recorded event loop delays.", (d: Delay) => d.percentile(90)],
  ["p99", "The 99th percentile of the recorded event loop delays.", (d: Delay) => d.percentile(99)],
] as const;

type Delay = NonNullable<ReturnType<NonNullable<ReturnType<typeof processStats>["eventLoopDelay"]>>>;

/**
 * Creates the lag gauges; the refresh measures the lag and reports (then restarts) the
 * delay histogram.
 *
 * @example
 * ```ts
 * const refresh = eventLoopLag(context);
 * ```
 */
export function eventLoopLag(context: DefaultMetricsContext): Refresh {
  const stats = processStats();
  const lag = perProcessGauge(context, "nodejs_eventloop_lag_seconds", "Lag of event loop in seconds.");
  const delay = stats.eventLoopDelay?.(context.eventLoopMonitoringPrecision);
  const gauges = delay === undefined
    ? []
    : STATISTICS.map(([name, help, read]) => ({ gauge: perProcessGauge(context, `nodejs_eventloop_lag_${name}_seconds`, help), read }));
  return () => {
    const start = host.monotonicMs();
    stats.afterTurn(() => setOwn(context, lag, (host.monotonicMs() - start) / 1000));
    // No sample yet (min is then 2^63 ns): nothing to report.
    if (delay === undefined || delay.count === 0) return;
    for (const { gauge, read } of gauges) setOwn(context, gauge, read(delay) / 1e9);
    delay.reset();
  };
}
