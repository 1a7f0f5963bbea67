/**
 * What every default metric group shares (private to this folder): the options as
 * validated once, and the ways groups make their metrics and set this process's values.
 *
 * @module
 */

import { Counter } from "../counter.ts";
import { Gauge } from "../gauge.ts";
import { Histogram } from "../histogram.ts";
import type { MetricRegistrar } from "../metric.ts";

/** The validated options every group reads. */
export interface DefaultMetricsContext {
  readonly prefix: string;
  /** Where the metrics register; undefined: the default registry. */
  readonly registers: readonly MetricRegistrar[] | undefined;
  /** The `labels` option: added to every series this process reports. */
  readonly labels: Readonly<Record<string, string | number>>;
  readonly labelNames: readonly string[];
  readonly eventLoopMonitoringPrecision: number;
  readonly gcDurationBuckets: readonly number[] | undefined;
}

/** A group's refresh of this process's values; called periodically and before a scrape. */
export type Refresh = () => void;

/**
 * A gauge in `pid` mode (one series per live process), labelled `extraLabels` first (in
 * that order), then the `labels` option's names, as prom-client orders them.
 */
export function perProcessGauge(context: DefaultMetricsContext, name: string, help: string, extraLabels: readonly string[] = []): Gauge {
  return new Gauge({
    name: `${context.prefix}${name}`,
    help,
    labelNames: [...extraLabels, ...context.labelNames],
    mode: "pid",
    registers: context.registers,
  });
}

/**
 * A counter summed over every process that ever ran, labelled with the `labels` option's
 * names; `collect` runs before every scrape that reads it.
 */
export function allProcessesCounter(context: DefaultMetricsContext, name: string, help: string, collect?: () => void): Counter {
  return new Counter({ name: `${context.prefix}${name}`, help, labelNames: context.labelNames, registers: context.registers, ...(collect ? { collect } : {}) });
}

/** A histogram summed over every process, labelled `extraLabels` first, then the `labels` option's names. */
export function allProcessesHistogram(context: DefaultMetricsContext, name: string, help: string, extraLabels: readonly string[], buckets: readonly number[]): Histogram {
  return new Histogram({
    name: `${context.prefix}${name}`,
    help,
    labelNames: [...extraLabels, ...context.labelNames],
    buckets: [...buckets],
    registers: context.registers,
  });
}

/** The labels of one of this process's series: `extra` first, then the `labels` option. */
export function seriesLabels(context: DefaultMetricsContext, extra: Readonly<Record<string, string | number>> = {}): Record<string, string | number> {
  return { ...extra, ...context.labels };
}

/** Sets this process's value of a gauge series (the unlabelled one when there are no labels). */
export function setOwn(context: DefaultMetricsContext, gauge: Gauge, value: number, extra?: Readonly<Record<string, string | number>>): void {
  if (extra === undefined && context.labelNames.length === 0) gauge.set(value);
  else gauge.set(seriesLabels(context, extra), value);
}

/**
 * Sets a by-type gauge to this process's counts; a type that was counted before and is
 * gone now goes to 0 (prom-client drops it, but a removal would drop it for every process).
 */
export function setCounts(context: DefaultMetricsContext, gauge: Gauge, counts: ReadonlyMap<string, number>, seen: Set<string>): void {
  for (const type of seen) if (!counts.has(type)) setOwn(context, gauge, 0, { type });
  for (const [type, count] of counts) {
    setOwn(context, gauge, count, { type });
    seen.add(type);
  }
}
