/**
 * The last check before exposition: a family read from shared memory holds no value that
 * normal operation cannot produce. Values live in cells that every writer updates
 * without a lock, so no checksum covers them; but each type's updates keep invariants
 * (a counter only adds finite amounts >= 0, bucket counts are whole and cumulative, an
 * exemplar's labels are valid and short; sums may be anything, NaN included, as
 * observations may be), and a value outside them can only come from a damaged or
 * foreign file. Such a family is a {@link HeapError} (`corrupt`, at its metric record)
 * instead of a scrape that a strict parser would refuse.
 *
 * @module
 */

import { damaged } from "../heap/bounds.ts";
import type { Heap } from "../heap/heap.ts";
import type { ExemplarSnapshot, FamilySnapshot, HistogramSeries, LabelPairs, NativeHistogramSnapshot } from "../exposition/snapshot.ts";

const labelNamePattern = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** OpenMetrics' limit on an exemplar's label set, in characters of names and values. */
const exemplarLabelCharsMax = 128;

const isCount = (value: number) => Number.isInteger(value) && value >= 0;
const isTime = (value: number | undefined) => value === undefined || (Number.isFinite(value) && value >= 0);

function exemplarProblem(exemplar: ExemplarSnapshot | undefined): string | undefined {
  if (exemplar === undefined) return undefined;
  let chars = 0;
  for (const [name, value] of exemplar.labels as LabelPairs) {
    if (!labelNamePattern.test(name)) return `an exemplar label name ${JSON.stringify(name)} is invalid`;
    chars += [...name].length + [...value].length;
  }
  if (chars > exemplarLabelCharsMax) return `an exemplar's labels have ${chars} characters (at most ${exemplarLabelCharsMax})`;
  if (!isTime(exemplar.timestamp)) return `an exemplar's timestamp is ${exemplar.timestamp}`;
  return undefined;
}

function nativeProblem(native: NativeHistogramSnapshot, count: number): string | undefined {
  if (!Number.isInteger(native.schema) || native.schema < -4 || native.schema > 8) return `the native schema is ${native.schema}`;
  if (!(native.zeroThreshold >= 0) || !Number.isFinite(native.zeroThreshold)) return `the native zero threshold is ${native.zeroThreshold}`;
  if (!isCount(native.zeroCount)) return `the native zero bucket holds ${native.zeroCount}`;
  let total = native.zeroCount;
  for (const [indexes, counts] of [[native.positiveIndexes, native.positiveCounts], [native.negativeIndexes, native.negativeCounts]] as const) {
    if (indexes.length !== counts.length) return "native bucket indexes and counts differ in length";
    for (let i = 0; i < indexes.length; i++) {
      if (!Number.isInteger(indexes[i]) || (i > 0 && !(indexes[i] > indexes[i - 1]))) return "native bucket indexes are not ascending integers";
      if (!isCount(counts[i]) || counts[i] === 0) return `a native bucket holds ${counts[i]}`;
      total += counts[i];
    }
  }
  // A NaN observation is counted but has no bucket, so buckets may hold fewer.
  if (total > native.count || native.count !== count) return `native buckets hold ${total} observations, the count is ${native.count} and the classic count ${count}`;
  for (const exemplar of native.exemplars ?? []) {
    const problem = exemplarProblem(exemplar);
    if (problem !== undefined) return problem;
    if (exemplar.timestamp === undefined) return "a native exemplar has no timestamp";
  }
  return undefined;
}

function histogramProblem(series: HistogramSeries): string | undefined {
  let previous = 0;
  for (const bucket of series.buckets) {
    if (!isCount(bucket.count) || bucket.count < previous) return `bucket le=${bucket.le} holds ${bucket.count} after ${previous}`;
    previous = bucket.count;
    const problem = exemplarProblem(bucket.exemplar);
    if (problem !== undefined) return problem;
  }
  if (!isCount(series.count) || (series.buckets.length > 0 && series.count !== previous)) return `the count is ${series.count}, the +Inf bucket ${previous}`;
  if (!isTime(series.created)) return `the creation time is ${series.created}`;
  return series.native === undefined ? undefined : nativeProblem(series.native, series.count);
}

function familyProblem(family: FamilySnapshot): string | undefined {
  switch (family.type) {
    case "counter":
      for (const series of family.series) {
        if (!(series.value >= 0)) return `a counter's value is ${series.value}`;
        if (!isTime(series.created)) return `a counter's creation time is ${series.created}`;
        const problem = exemplarProblem(series.exemplar);
        if (problem !== undefined) return problem;
      }
      return undefined;
    case "histogram":
    case "gaugehistogram":
      for (const series of family.series) {
        const problem = histogramProblem(series);
        if (problem !== undefined) return problem;
      }
      return undefined;
    case "summary":
      for (const series of family.series) {
        if (!isCount(series.count)) return `a summary's count is ${series.count}`;
        if (!isTime(series.created)) return `a summary's creation time is ${series.created}`;
      }
      return undefined;
    default:
      return undefined; // gauges take any number; info and stateset values are not read from cells
  }
}

/**
 * Throws a {@link HeapError} (`corrupt`, at `record`, the family's metric record) when
 * `family` holds a value that only damage can produce; returns it otherwise.
 *
 * @example
 * ```ts
 * return checkFamilySnapshot(heap, record, reader(source));
 * ```
 */
export function checkFamilySnapshot(heap: Heap, record: number, family: FamilySnapshot): FamilySnapshot {
  const problem = familyProblem(family);
  if (problem !== undefined) throw damaged(heap, record, `metric ${family.name} reads back impossible values: ${problem}`);
  return family;
}
