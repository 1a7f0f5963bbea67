/**
 * Sample names that two families may not share: OpenMetrics 1.0 refuses an exposition
 * where one family's sample name is another's ("Clashing name" in the strict parser),
 * so a definition whose samples would clash with a registered family's is refused when
 * it is made, never at scrape time.
 *
 * The rule. A family named `n` of type `t` writes the samples `n + s` for `s` in
 * `suffixes(t)` and the empty suffix (a counter `x`: `x`, `x_total`, `x_created`; a
 * histogram: `x_bucket`, `x_count`, `x_sum`, `x_created`; a summary: `x_count`, `x_sum`,
 * `x_created`; an info: `x_info`; a gauge histogram: `x_bucket`, `x_gcount`, `x_gsum`),
 * the strict parser's table. Two families clash when those sets meet. A family that
 * could clash with `n` is named `n + s1 - s2` for `s1` in `n`'s suffixes and `s2` in
 * any type's (or empty): {@link clashCandidates} lists those few names, and the caller
 * looks each one up (in a registry's map, or in the heap's directory) and compares the
 * two sets with {@link clashingSample}. The family's own name is left out: a second
 * family of the same name is the duplicate error, not this one.
 *
 * @module
 */

import type { MetricType } from "../exposition/snapshot.ts";

/** The suffixes each type adds to its family name (OpenMetrics 1.0), besides the empty one. */
const suffixesByType: Readonly<Record<MetricType, readonly string[]>> = {
  counter: ["_total", "_created"],
  gauge: [],
  histogram: ["_bucket", "_count", "_sum", "_created"],
  gaugehistogram: ["_bucket", "_gcount", "_gsum"],
  summary: ["_count", "_sum", "_created"],
  info: ["_info"],
  stateset: [],
  unknown: [],
};

/** Every suffix any type adds, and the empty one. */
const anySuffix: readonly string[] = ["", ...new Set(Object.values(suffixesByType).flat())];

/**
 * The sample names a family writes in OpenMetrics 1.0.
 *
 * @example
 * ```ts
 * sampleNames("jobs", "counter"); // ["jobs", "jobs_total", "jobs_created"]
 * ```
 */
export function sampleNames(name: string, type: MetricType): string[] {
  return ["", ...(suffixesByType[type] ?? [])].map((suffix) => name + suffix);
}

/**
 * Names of the families whose samples could meet those of a family `name` of `type`
 * (its own name left out), to look up before it is defined.
 *
 * @example
 * ```ts
 * clashCandidates("jobs", "counter"); // includes "jobs_total", "jobs_created"
 * clashCandidates("jobs_total", "gauge"); // includes "jobs"
 * ```
 */
export function clashCandidates(name: string, type: MetricType): string[] {
  const found = new Set<string>();
  for (const sample of sampleNames(name, type)) {
    for (const suffix of anySuffix) {
      if (!sample.endsWith(suffix)) continue;
      const other = sample.slice(0, sample.length - suffix.length);
      if (other !== "" && other !== name) found.add(other);
    }
  }
  return [...found];
}

/**
 * The first sample name two families share, or undefined when they share none.
 *
 * @example
 * ```ts
 * clashingSample("jobs", "counter", "jobs_total", "gauge"); // "jobs_total"
 * ```
 */
export function clashingSample(name: string, type: MetricType, otherName: string, otherType: MetricType): string | undefined {
  const theirs = new Set(sampleNames(otherName, otherType));
  return sampleNames(name, type).find((sample) => theirs.has(sample));
}

/**
 * The error for a definition whose samples clash with a registered family's: a
 * TypeError (the class of this library's other definition errors), refused before
 * anything is stored. `where` says where the other family lives.
 *
 * @example
 * ```ts
 * throw clashError("jobs_total", "gauge", "jobs", "counter", "jobs_total", "this registry");
 * ```
 */
export function clashError(name: string, type: MetricType, otherName: string, otherType: MetricType, sample: string, where: string): TypeError {
  return new TypeError(
    `A metric with the name ${name} clashes with ${otherType} "${otherName}" in ${where}: both would write samples named ${sample}, which OpenMetrics forbids ("Clashing name"). Rename one of them (${type} "${name}" writes ${sampleNames(name, type).join(", ")}; ${otherType} "${otherName}" writes ${sampleNames(otherName, otherType).join(", ")})`,
  );
}
