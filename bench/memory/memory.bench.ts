/**
 * The memory benchmark (issue 9): for each metric type (counter, gauge, histogram with
 * the default buckets, summary) and 1, 2 and 4 writer processes of the runtime running
 * this file, each making and writing the same `MEMORY_SERIES` series (default 10,000) in
 * one heap of `MEMORY_SLOTS` writer slots (default: the heap's default): the heap file's
 * allocated bytes (what `du` shows: tmpfs really holds them) over those of the empty
 * heap, per series, and each writer's resident set and JS heap growth per series. Against
 * prom-client 15.1.3 holding the same series in one process of the same runtime (its JS
 * heap per series: per process, since each process keeps its own). Sizes, not times: one
 * run is enough. Writers are spawned by bench/memory/_writer.ts.
 */

import { spawn } from "node:child_process";
import { statSync } from "node:fs";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { Heap } from "../../src/heap/heap.ts";
import { runtimeName } from "../_harness.ts";

const kinds = ["counter", "gauge", "histogram", "summary"] as const;
const writerCounts = [1, 2, 4];
const series = Number(process.env.MEMORY_SERIES ?? 10_000);
const slots = process.env.MEMORY_SLOTS === undefined ? undefined : Number(process.env.MEMORY_SLOTS);

interface Growth {
  readonly rssBytes: number;
  readonly jsHeapBytes: number;
}

function writerCommand(): [string, string[]] {
  const source = fileURLToPath(new URL("./_writer.ts", import.meta.url));
  switch (runtimeName()) {
    case "bun":
      return [process.execPath, [source]];
    case "deno":
      return [process.execPath, ["run", "-A", "--no-check", "--v8-flags=--expose-gc", source]];
    case "node":
      return [process.execPath, ["--expose-gc", source.replace(/\.ts$/, ".js")]];
  }
}

/** Starts a writer; resolves with its growth once it is READY, and a function that lets it exit. */
function startWriter(env: Record<string, string>): Promise<{ growth: Growth; done: () => Promise<void> }> {
  const [command, args] = writerCommand();
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "inherit"] });
  const exited = new Promise<void>((resolve) => child.on("close", () => resolve()));
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (chunk) => {
      out += chunk;
      const match = /READY (\{.*\})/.exec(out);
      if (match !== null) {
        resolve({ growth: JSON.parse(match[1]) as Growth, done: () => (child.stdin!.end(), exited) });
      }
    });
    child.on("close", (code) => {
      if (!/READY /.test(out)) reject(new Error(`memory writer exited ${code}: ${out}`));
    });
  });
}

const allocatedBytes = (path: string) => statSync(path).blocks * 512;
const perSeries = (bytes: number) => bytes / series;
const fmt = (bytes: number) => bytes.toFixed(0).padStart(9);
/** prom-client keeps at least this much JS heap per series (an object per label set); a smaller growth is a failed measurement. */
const jsHeapPerSeriesMin = 64;

const results: { name: string; bytesPerSeries: number }[] = [];
const ratios: Record<string, number> = {};
console.log(`\nmemory on ${runtimeName()} (${series} series per type; bytes per series)`);
console.log(`  ${"type".padEnd(10)} ${"writers".padStart(7)} ${"heap file".padStart(9)} ${"RSS/wr".padStart(9)} ${"JS heap/wr".padStart(10)}   (heap file total)`);
for (const kind of kinds) {
  const peer = await startWriter({ MEMORY_LIBRARY: "prom-client", MEMORY_TYPE: kind, MEMORY_SERIES: String(series) });
  await peer.done();
  for (const writers of writerCounts) {
    const heap = Heap.open(slots === undefined ? {} : { writerSlotsMax: slots });
    const empty = allocatedBytes(heap.path);
    const started = await Promise.all(
      Array.from({ length: writers }, () => startWriter({ MEMORY_LIBRARY: "mpmetrics", MEMORY_TYPE: kind, MEMORY_SERIES: String(series), MPMETRICS_HEAP: heap.path })),
    );
    const file = allocatedBytes(heap.path) - empty;
    const rss = started.reduce((sum, w) => sum + w.growth.rssBytes, 0) / writers;
    const js = started.reduce((sum, w) => sum + w.growth.jsHeapBytes, 0) / writers;
    await Promise.all(started.map((w) => w.done()));
    const slotsNote = `${heap.writerSlotsMax} slots`;
    heap.close();
    console.log(`  ${kind.padEnd(10)} ${String(writers).padStart(7)} ${fmt(perSeries(file))} ${fmt(perSeries(rss))} ${fmt(perSeries(js)).padStart(10)}   (${(file / 2 ** 20).toFixed(1)} MiB, ${slotsNote})`);
    results.push({ name: `${kind} ${writers} writers heap file`, bytesPerSeries: perSeries(file) });
    results.push({ name: `${kind} ${writers} writers RSS per writer`, bytesPerSeries: perSeries(rss) });
    results.push({ name: `${kind} ${writers} writers JS heap per writer`, bytesPerSeries: perSeries(js) });
    // Only against a JS heap figure that means something: Deno's heapUsed after gc() does
    // not follow what prom-client allocated (it can even shrink), and a ratio over it would not either.
    const peerHeapPerSeries = perSeries(peer.growth.jsHeapBytes);
    if (peerHeapPerSeries >= jsHeapPerSeriesMin) ratios[`${kind}, ${writers} writers: heap file per series / prom-client JS heap per series per process`] = file / peer.growth.jsHeapBytes;
  }
  console.log(`  ${kind.padEnd(10)} ${"prom".padStart(7)} ${"".padStart(9)} ${fmt(perSeries(peer.growth.rssBytes))} ${fmt(perSeries(peer.growth.jsHeapBytes)).padStart(10)}   (prom-client, one process)`);
  results.push({ name: `${kind} prom-client RSS`, bytesPerSeries: perSeries(peer.growth.rssBytes) });
  results.push({ name: `${kind} prom-client JS heap`, bytesPerSeries: perSeries(peer.growth.jsHeapBytes) });
}
console.log(`BENCH ${JSON.stringify({ bench: "memory", runtime: runtimeName(), results, ratios })}`);
