/**
 * prom-client's object shape of a metric's values (what `metric.get()` and
 * `registry.getMetricsAsJSON()` return), made from a snapshot.
 *
 * @module
 */

import type { ExemplarSnapshot, FamilySnapshot, LabelPairs } from "../exposition/snapshot.ts";

/** An exemplar as prom-client's `get()` shows it (timestamp in Unix seconds). */
export interface MetricExemplar {
  readonly labelSet: Readonly<Record<string, string>>;
  readonly value: number;
  readonly timestamp?: number;
}

/** One value, with its labels; `metricName` names the sample where it differs from the metric's. */
export interface MetricValue {
  readonly value: number;
  readonly labels: Readonly<Record<string, string | number>>;
  readonly metricName?: string;
  /**
   * The latest exemplar of a counter series or histogram bucket, when there is one;
   * `null` on a histogram's finite bucket without one when exemplars are enabled.
   */
  readonly exemplar?: MetricExemplar | null;
}

function exemplarObject(exemplar: ExemplarSnapshot | undefined): { exemplar?: MetricExemplar } {
  if (exemplar === undefined) return {};
  const labelSet: Record<string, string> = {};
  for (const [name, value] of exemplar.labels) labelSet[name] = value;
  return { exemplar: { labelSet, value: exemplar.value, timestamp: exemplar.timestamp } };
}

/** A metric's values as prom-client returns them from `get()`. */
export interface MetricObjectWithValues {
  readonly name: string;
  readonly help: string;
  readonly type: FamilySnapshot["type"];
  readonly values: readonly MetricValue[];
  /** How the values of several processes combine. */
  readonly aggregator: string;
}

function labelsObject(pairs: LabelPairs, extra?: Record<string, string | number>): Record<string, string | number> {
  const labels: Record<string, string | number> = {};
  for (const [name, value] of pairs) labels[name] = value;
  return extra === undefined ? labels : Object.assign(labels, extra);
}

/**
 * Converts a snapshot to prom-client's shape.
 *
 * @example
 * ```ts
 * toMetricObject({ type: "gauge", name: "g", help: "G.", series: [{ labels: [], value: 1 }] });
 * // { name: "g", help: "G.", type: "gauge", values: [{ value: 1, labels: {} }], aggregator: "sum" }
 * ```
 */
export function toMetricObject(family: FamilySnapshot): MetricObjectWithValues {
  const values: MetricValue[] = [];
  const { name } = family;
  switch (family.type) {
    case "counter":
      for (const s of family.series) values.push({ value: s.value, labels: labelsObject(s.labels), ...exemplarObject(s.exemplar) });
      break;
    case "gauge":
    case "unknown":
      for (const s of family.series) values.push({ value: s.value, labels: labelsObject(s.labels) });
      break;
    case "histogram":
    case "gaugehistogram":
      for (const s of family.series) {
        for (const b of s.buckets) {
          values.push({
            value: b.count,
            labels: labelsObject(s.labels, { le: b.le === Infinity ? "+Inf" : b.le }),
            metricName: `${name}_bucket`,
            ...exemplarObject(b.exemplar),
          });
        }
        values.push({ value: s.sum, labels: labelsObject(s.labels), metricName: `${name}_sum` });
        values.push({ value: s.count, labels: labelsObject(s.labels), metricName: `${name}_count` });
      }
      break;
    case "summary":
      for (const s of family.series) {
        for (const q of s.quantiles) values.push({ value: q.value, labels: labelsObject(s.labels, { quantile: q.quantile }), metricName: name });
        values.push({ value: s.sum, labels: labelsObject(s.labels), metricName: `${name}_sum` });
        values.push({ value: s.count, labels: labelsObject(s.labels), metricName: `${name}_count` });
      }
      break;
    case "info":
      for (const s of family.series) values.push({ value: 1, labels: labelsObject(s.labels), metricName: `${name}_info` });
      break;
    case "stateset":
      for (const s of family.series) {
        for (const state of s.states) values.push({ value: state.enabled ? 1 : 0, labels: labelsObject(s.labels, { [name]: state.name }) });
      }
      break;
  }
  return { name: family.givenName ?? name, help: family.help, type: family.type, values, aggregator: "sum" };
}
