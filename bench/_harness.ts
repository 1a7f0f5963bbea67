/**
 * Shared benchmark plumbing: tinybench with batched tasks (one task call runs `batch`
 * operations, so nanosecond operations are not lost in timer overhead), and a report of
 * nanoseconds per operation with ratios against named baselines, all from one run.
 */

import { Bench } from "tinybench";

/** One measured operation. */
export interface Measured {
  readonly name: string;
  readonly nsPerOp: number;
  /** Relative margin of error of the batch mean, percent. */
  readonly rmePercent: number;
  /** The median batch, per operation: what a run on a busy machine disturbs least. */
  readonly medianNsPerOp?: number;
}

/** The runtime running the benchmark. */
export function runtimeName(): "bun" | "deno" | "node" {
  const g = globalThis as { Bun?: unknown; Deno?: unknown };
  return g.Bun !== undefined ? "bun" : g.Deno !== undefined ? "deno" : "node";
}

/**
 * Measures each task; `fn` must do `batch` operations per call.
 *
 * @example
 * ```ts
 * const results = await measure(1000, { "bare add": () => { for (let i = 0; i < 1000; i++) cells[0] += 1; } });
 * ```
 */
export async function measure(batch: number, tasks: Record<string, () => void>, timeMs = 700): Promise<Measured[]> {
  const bench = new Bench({ time: timeMs, warmupTime: 200 });
  for (const [name, fn] of Object.entries(tasks)) bench.add(name, fn);
  await bench.run();
  return bench.tasks.map((task) => {
    const result = task.result as { latency?: { mean: number; rme: number; p50: number } } | undefined;
    if (result?.latency === undefined) throw new Error(`benchmark task ${task.name} did not complete`);
    return { name: task.name, nsPerOp: (result.latency.mean * 1e6) / batch, rmePercent: result.latency.rme, medianNsPerOp: (result.latency.p50 * 1e6) / batch };
  });
}

/** Prints a table of results and one JSON line (`BENCH {...}`) that scripts/bench.mjs collects. */
export function report(benchName: string, results: readonly Measured[], ratios: Record<string, number>): void {
  console.log(`\n${benchName} on ${runtimeName()}`);
  for (const r of results) console.log(`  ${r.name.padEnd(52)} ${r.nsPerOp.toFixed(2).padStart(9)} ns/op  ±${r.rmePercent.toFixed(1)}%`);
  for (const [name, value] of Object.entries(ratios)) console.log(`  ${name.padEnd(52)} ${value.toFixed(2).padStart(9)}x`);
  console.log(`BENCH ${JSON.stringify({ bench: benchName, runtime: runtimeName(), results, ratios })}`);
}
