/**
 * Custom collectors: any object with a `name` and a `get()` (sync or async) returning
 * prom-client's MetricObject shape, registered with `registry.registerMetric()`. That
 * is how libraries add their own metrics to a prom-client registry, and what
 * prom-client's own metric objects (from another copy of the library) and
 * `Registry.aggregate()`'s results look like. A collector runs in the scraping process
 * only: its values are whatever its `get()` returns there.
 *
 * @module
 */

import type { BucketSnapshot, FamilySnapshot, LabelPairs, MetricType } from "../exposition/snapshot.ts";
import type { MetricExemplar, MetricObjectWithValues } from "./metric_object.ts";

/** One value of a collector's MetricObject, as prom-client's `get()` shapes it. */
export interface CollectorValue {
  readonly value: number;
  readonly labels?: Readonly<Partial<Record<string, string | number>>>;
  readonly metricName?: string;
  readonly exemplar?: MetricExemplar | null;
}

/** What a collector's `get()` returns: prom-client's MetricObject with its values. */
export interface CollectorMetricObject {
  readonly name: string;
  readonly help: string;
  readonly type: string;
  readonly values?: readonly CollectorValue[];
  readonly aggregator?: string;
}

/**
 * A custom collector (prom-client's `registerMetric()` of a plain object).
 *
 * @example
 * ```ts
 * import { register } from "mpmetrics";
 * register.registerMetric({
 *   name: "queue_depth",
 *   get: async () => ({ name: "queue_depth", help: "Jobs waiting.", type: "gauge", values: [{ value: 3, labels: {} }], aggregator: "sum" }),
 * });
 * ```
 */
export interface Collector {
  readonly name: string;
  get(): CollectorMetricObject | MetricObjectWithValues | Promise<CollectorMetricObject | MetricObjectWithValues>;
  readonly aggregator?: string;
  readonly type?: string;
  readonly help?: string;
  reset?(): void;
}

/** Whether `value` has what a collector needs (a string `name` and a `get` function). */
export function isCollector(value: unknown): value is Collector {
  return value !== null && typeof value === "object" && typeof (value as Collector).name === "string" && typeof (value as Collector).get === "function";
}

const knownTypes = new Set<string>(["counter", "gauge", "histogram", "gaugehistogram", "summary", "info", "stateset", "unknown"]);

function pairsOf(labels: Readonly<Partial<Record<string, string | number>>> | undefined, leaveOut?: string): [string, string][] {
  const pairs: [string, string][] = [];
  if (labels === undefined || labels === null) return pairs;
  for (const name of Object.keys(labels)) if (name !== leaveOut && labels[name] !== undefined) pairs.push([name, String(labels[name])]);
  return pairs;
}

function exemplarOf(exemplar: MetricExemplar | null | undefined) {
  if (exemplar === undefined || exemplar === null) return undefined;
  const labels: LabelPairs = Object.entries(exemplar.labelSet ?? {}).map(([name, value]) => [name, String(value)] as const);
  return { labels, value: exemplar.value, ...(typeof exemplar.timestamp === "number" ? { timestamp: exemplar.timestamp } : {}) };
}

/** Groups values by their label set (leaving out `leaveOut`), in order of first appearance. */
function group<T>(values: readonly CollectorValue[], leaveOut: string, make: () => T): { labels: LabelPairs; acc: T }[] {
  const byKey = new Map<string, { labels: LabelPairs; acc: T }>();
  for (const value of values) {
    const labels = pairsOf(value.labels, leaveOut);
    const key = JSON.stringify(labels);
    if (!byKey.has(key)) byKey.set(key, { labels, acc: make() });
  }
  return [...byKey.values()];
}

function keyOf(value: CollectorValue, leaveOut: string): string {
  return JSON.stringify(pairsOf(value.labels, leaveOut));
}

function leOf(le: string | number | undefined): number {
  if (le === "+Inf" || le === undefined) return Infinity;
  return typeof le === "number" ? le : Number(le);
}

/**
 * Turns a collector's MetricObject into a family snapshot for the serializers.
 * Unknown types are served as `unknown`; a counter's family name drops `_total`
 * (the serializers add suffixes; `givenName` keeps it for Prometheus text).
 *
 * @example
 * ```ts
 * familyOfMetricObject({ name: "g", help: "G.", type: "gauge", values: [{ value: 1, labels: {} }] });
 * ```
 */
export function familyOfMetricObject(object: CollectorMetricObject): FamilySnapshot {
  if (object === null || typeof object !== "object" || typeof object.name !== "string") {
    throw new TypeError(`A collector's get() must return an object with a name, help, type and values (prom-client's MetricObject), got ${JSON.stringify(object)}`);
  }
  const values = object.values ?? [];
  const help = typeof object.help === "string" ? object.help : "";
  const type = (knownTypes.has(object.type) ? object.type : "unknown") as MetricType;
  const name = object.name;
  switch (type) {
    case "counter":
      return {
        type,
        name: name.replace(/_total$/, ""),
        ...(name.endsWith("_total") ? { givenName: name } : {}),
        help,
        series: values.map((v) => ({ labels: pairsOf(v.labels), value: v.value, ...(exemplarOf(v.exemplar) ? { exemplar: exemplarOf(v.exemplar) } : {}) })),
      };
    case "histogram":
    case "gaugehistogram": {
      const groups = group(values, "le", () => ({ buckets: [] as BucketSnapshot[], sum: 0, count: 0 }));
      const byKey = new Map(groups.map((g) => [JSON.stringify(g.labels), g.acc]));
      for (const v of values) {
        const acc = byKey.get(keyOf(v, "le"))!;
        const metricName = v.metricName ?? name;
        if (metricName.endsWith("_sum")) acc.sum = v.value;
        else if (metricName.endsWith("_count")) acc.count = v.value;
        else {
          const exemplar = exemplarOf(v.exemplar);
          acc.buckets.push({ le: leOf(v.labels?.le), count: v.value, ...(exemplar ? { exemplar } : {}) });
        }
      }
      return { type, name, help, series: groups.map(({ labels, acc }) => ({ labels, ...acc })) };
    }
    case "summary": {
      const groups = group(values, "quantile", () => ({ quantiles: [] as { quantile: number; value: number }[], sum: 0, count: 0 }));
      const byKey = new Map(groups.map((g) => [JSON.stringify(g.labels), g.acc]));
      for (const v of values) {
        const acc = byKey.get(keyOf(v, "quantile"))!;
        const metricName = v.metricName ?? name;
        if (metricName === `${name}_sum`) acc.sum = v.value;
        else if (metricName === `${name}_count`) acc.count = v.value;
        else acc.quantiles.push({ quantile: Number(v.labels?.quantile), value: v.value });
      }
      return { type, name, help, series: groups.map(({ labels, acc }) => ({ labels, ...acc })) };
    }
    case "info":
      return { type, name: name.replace(/_info$/, ""), help, series: values.map((v) => ({ labels: pairsOf(v.labels) })) };
    case "stateset": {
      const groups = group(values, name, () => [] as { name: string; enabled: boolean }[]);
      const byKey = new Map(groups.map((g) => [JSON.stringify(g.labels), g.acc]));
      for (const v of values) byKey.get(keyOf(v, name))!.push({ name: String(v.labels?.[name]), enabled: v.value !== 0 });
      return { type, name, help, series: groups.map(({ labels, acc }) => ({ labels, states: acc })) };
    }
    default:
      return { type: type as "gauge" | "unknown", name, help, series: values.map((v) => ({ labels: pairsOf(v.labels), value: v.value })) };
  }
}
