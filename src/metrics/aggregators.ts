/**
 * prom-client's `aggregators`: functions that combine the MetricObjects of several
 * registries (one per cluster worker, in prom-client) into one, by sample name and
 * label set. With mpmetrics the shared heap already combines the processes, so these
 * matter only for {@link Registry.aggregate} over JSON gathered some other way.
 *
 * @module
 */

import type { CollectorMetricObject, CollectorValue } from "./collector.ts";

/** One aggregator: combines metric objects of one name into one, or `undefined` to leave the metric out. */
export type AggregatorFunction = (metrics: readonly CollectorMetricObject[]) => CollectorMetricObject | undefined;

/** The names prom-client gives its aggregators. */
export type Aggregator = "omit" | "sum" | "first" | "min" | "max" | "average";

function labelKey(labels: Readonly<Partial<Record<string, string | number>>> | undefined): string {
  const names = Object.keys(labels ?? {}).sort();
  return JSON.stringify(names.map((name) => [name, labels![name]]));
}

/**
 * Makes an aggregator from a function over the values of one sample (prom-client's
 * `AggregatorFactory`): values are grouped by `metricName` and label set, in order of
 * first appearance; timestamps and exemplars are dropped.
 *
 * @example
 * ```ts
 * const median = AggregatorFactory((values) => values[Math.floor(values.length / 2)].value);
 * ```
 */
export function AggregatorFactory(combine: (values: readonly CollectorValue[]) => number): AggregatorFunction {
  return (metrics) => {
    if (metrics.length === 0) return undefined;
    const groups = new Map<string, CollectorValue[]>();
    for (const metric of metrics) {
      for (const value of metric.values ?? []) {
        const key = `${value.metricName}\0${labelKey(value.labels)}`;
        const list = groups.get(key);
        if (list === undefined) groups.set(key, [value]);
        else list.push(value);
      }
    }
    const values: CollectorValue[] = [];
    for (const group of groups.values()) {
      const first = group[0];
      values.push({ value: combine(group), labels: first.labels ?? {}, ...(first.metricName !== undefined ? { metricName: first.metricName } : {}) });
    }
    const { help, name, type, aggregator } = metrics[0];
    return { help, name, type, values, aggregator };
  };
}

/**
 * prom-client's aggregators by name.
 *
 * @example
 * ```ts
 * import { aggregators } from "mpmetrics";
 * const total = aggregators.sum([workerA, workerB]);
 * ```
 */
export const aggregators: Readonly<Record<Aggregator, AggregatorFunction>> = {
  sum: AggregatorFactory((v) => v.reduce((total, c) => total + c.value, 0)),
  first: AggregatorFactory((v) => v[0].value),
  omit: () => undefined,
  average: AggregatorFactory((v) => v.reduce((total, c) => total + c.value, 0) / v.length),
  min: AggregatorFactory((v) => v.reduce((least, c) => Math.min(least, c.value), Infinity)),
  max: AggregatorFactory((v) => v.reduce((most, c) => Math.max(most, c.value), -Infinity)),
};
