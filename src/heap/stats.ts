/**
 * Process-local counts of what the storage layers did, for operators' self-metrics
 * (metrics/self_metrics.ts reads them; the layers that do the work raise them). Plain
 * numbers in this isolate: no shared memory, no locking, nothing on a hot path beyond
 * an increment on a rare event.
 *
 * @example
 * ```ts
 * import { heapStats } from "./stats.ts";
 * heapStats.staleSlotReads++;
 * ```
 *
 * @module
 */

/** What this isolate's storage layers counted since it started. */
export interface HeapStats {
  /** Scrapes of a writer's copy that fell back to its last consistent values (writer stopped mid-update). */
  staleSlotReads: number;
  /** Label sets past a metric's `maxSeries` that were counted in its overflow series. */
  overflowedLabelSets: number;
}

/** This isolate's counts. */
export const heapStats: HeapStats = { staleSlotReads: 0, overflowedLabelSets: 0 };
