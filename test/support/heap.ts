/** A fresh heap in a private temporary folder for one test, with a heap-wide registry of it. */

import { Heap, type HeapOptions } from "../../src/heap/heap.ts";
import { Registry } from "../../src/metrics/registry.ts";
import type { SharedDirectory } from "../../src/heap/shared_directory.ts";
import { descriptorOf } from "../../src/metrics/metric.ts";
import { temporaryHeapPath } from "./runtimes.ts";

/** Options of {@link withHeap}. */
export interface WithHeapOptions {
  /** Heap options besides path and mode (for example `writerSlotsMax`). */
  readonly heap?: Omit<HeapOptions, "path" | "mode">;
  /** Runs after the body, before the heap closes (restore a test clock, say). */
  readonly after?: () => void;
}

/**
 * Wraps a test body: opens a new heap, hands it, a registry that reports all of it and
 * its path to `fn`, then closes the heap and removes its folder.
 *
 * @example
 * ```ts
 * test("counts", withHeap(async (heap, registry) => { ... }));
 * ```
 */
export function withHeap(
  fn: (heap: Heap, registry: Registry, path: string) => Promise<void> | void,
  options: WithHeapOptions = {},
): () => Promise<void> {
  return async () => {
    const { path, cleanup } = temporaryHeapPath();
    const heap = Heap.open({ ...options.heap, path, mode: "create" });
    try {
      await fn(heap, new Registry(Registry.PROMETHEUS_CONTENT_TYPE, { heap }), path);
    } finally {
      options.after?.();
      heap.close();
      cleanup();
    }
  };
}

/**
 * The record of the first series of the metric named `name` in a heap's directory, for
 * tests that look at a series' cells directly.
 *
 * @example
 * ```ts
 * const record = firstSeriesRecord(sharedDirectory(heap), "jobs_in_flight");
 * ```
 */
export function firstSeriesRecord(shared: SharedDirectory, name: string): number {
  const listing = shared.directory.list();
  const metric = listing.metrics.find((record) => descriptorOf(shared, record).name === name);
  const series = metric === undefined ? undefined : listing.seriesByMetric.get(metric);
  if (series === undefined || series.length === 0) throw new Error(`No series of a metric named ${name} in heap ${shared.heap.path}`);
  return series[0];
}
