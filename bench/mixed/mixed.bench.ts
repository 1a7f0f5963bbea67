/**
 * The mixed benchmark (issue 9): one application using every metric type
 * (bench/mixed/_app.ts), run with mpmetrics, prom-client 15.1.3 and
 * @prometheus-io/client 0.16.1 on the runtime running this file, plus the bare limit (a
 * plain Float64Array add). Each library runs in a fresh process of its own
 * (bench/mixed/_run_library.ts: one library's objects never reach another's call sites),
 * the three in turn, `MIXED_ROUNDS` times (default 3) interleaved; each figure is the
 * lowest of its rounds' medians (each round's is the median batch of its task, as noise
 * from a busy machine only ever adds time). Prints ns per call for each call kind and library, and the ratios:
 * the faster peer over ours (the speed-up), and our cached child `inc()` over the bare add
 * measured in the same process.
 *
 * Targets (issue 9): labels-object calls >= 3x the faster peer; histogram and summary
 * `observe` and the cached child `inc()` >= 10x; the cached child within 3x of the bare add.
 */

import { spawnSync } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { type Measured, runtimeName } from "../_harness.ts";

const libraries = ["mpmetrics", "prom-client", "@prometheus-io/client"] as const;
type Library = (typeof libraries)[number];
const rounds = Number(process.env.MIXED_ROUNDS ?? 3);

/** The speed-up each call kind must reach over the faster peer. */
const targets: Record<string, number> = {
  "counter.inc({ route, status })": 3,
  "counter.labels({ route, status }).inc()": 3,
  "gauge.inc({ route }) / dec({ route })": 3,
  "gauge.set({ pool }, v)": 3,
  "gauge.set(v)": 2,
  "gauge.inc()": 2,
  "gauge.dec()": 2,
  "histogram.observe({ route }, v)": 3,
  "histogram.labels(query).observe(v)": 10,
  "histogram.observe(v) (unlabelled)": 10,
  "histogram.startTimer({ route }) + end()": 3,
  "summary.observe(v) (unlabelled)": 10,
  "summary.observe({ route }, v)": 3,
  "cached child inc()": 10,
};

function command(): [string, string[]] {
  const source = fileURLToPath(new URL("./_run_library.ts", import.meta.url));
  switch (runtimeName()) {
    case "bun":
      return [process.execPath, [source]];
    case "deno":
      return [process.execPath, ["run", "-A", "--no-check", source]];
    case "node":
      return [process.execPath, [source.replace(/\.ts$/, ".js")]];
  }
}

function runLibrary(library: Library): Record<string, number> {
  const [cmd, args] = command();
  const result = spawnSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, MIXED_LIBRARY: library } });
  const line = result.stdout.split("\n").find((l) => l.startsWith("RESULT "));
  if (result.status !== 0 || line === undefined) throw new Error(`${library} run exited ${result.status ?? result.signal}:\n${result.stdout}`);
  return JSON.parse(line.slice("RESULT ".length)) as Record<string, number>;
}

const runs: Record<Library, Record<string, number>[]> = { "mpmetrics": [], "prom-client": [], "@prometheus-io/client": [] };
for (let round = 0; round < rounds; round++) for (const library of libraries) runs[library].push(runLibrary(library));
const ns = Object.fromEntries(libraries.map((library) => {
  const kinds = Object.keys(runs[library][0]);
  return [library, Object.fromEntries(kinds.map((kind) => [kind, Math.min(...runs[library].map((run) => run[kind]))]))];
})) as Record<Library, Record<string, number>>;

const fmt = (v: number) => (v < 10 ? v.toFixed(2) : v.toFixed(0)).padStart(7);
console.log(`\nmixed program on ${runtimeName()} (ns per call, best of ${rounds} rounds' medians; speed-up = faster peer / ours)`);
console.log(`  ${"call".padEnd(42)} ${"ours".padStart(7)} ${"prom".padStart(7)} ${"p-io".padStart(7)}  speed-up  target`);
const ratios: Record<string, number> = {};
const results: Measured[] = [];
for (const kind of Object.keys(targets)) {
  const ours = ns.mpmetrics[kind];
  const peer = Math.min(ns["prom-client"][kind], ns["@prometheus-io/client"][kind]);
  const speedUp = peer / ours;
  ratios[`${kind}: faster peer / ours (target >= ${targets[kind]})`] = speedUp;
  const met = speedUp >= targets[kind] ? "met" : "NOT met";
  console.log(`  ${kind.padEnd(42)} ${fmt(ours)} ${fmt(ns["prom-client"][kind])} ${fmt(ns["@prometheus-io/client"][kind])}  ${speedUp.toFixed(1).padStart(7)}x  >= ${targets[kind]}x ${met}`);
  for (const library of libraries) results.push({ name: `${library} ${kind}`, nsPerOp: ns[library][kind], rmePercent: 0 });
}
const bare = ns.mpmetrics["bare Float64Array add"];
console.log(`  ${"bare Float64Array add".padEnd(42)} ${fmt(bare)} ${fmt(ns["prom-client"]["bare Float64Array add"])} ${fmt(ns["@prometheus-io/client"]["bare Float64Array add"])}`);
const childOverBare = ns.mpmetrics["cached child inc()"] / bare;
ratios["cached child inc() / bare add, same process (target <= 3)"] = childOverBare;
console.log(`  cached child inc() / bare add (same process): ${childOverBare.toFixed(2)}x (target <= 3x ${childOverBare <= 3 ? "met" : "NOT met"})`);
for (const library of libraries) results.push({ name: `${library} bare Float64Array add`, nsPerOp: ns[library]["bare Float64Array add"], rmePercent: 0 });
console.log(`BENCH ${JSON.stringify({ bench: "mixed", runtime: runtimeName(), results, ratios })}`);
