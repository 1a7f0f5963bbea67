#!/usr/bin/env node
// Runs every benchmark in bench/ (files named *.bench.ts, also one folder down) under Bun, Deno and Node and
// prints each one's table, then a summary of the ratios. Node runs the compiled copies
// in dist/. Benchmarks measure; they never fail a build.
//
// Usage: node scripts/bench.mjs [--only bun|deno|node]... [bench name filter]

import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const only = [];
const filters = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--only") only.push(args[++i]);
  else filters.push(args[i]);
}
const runtimes = ["bun", "deno", "node"].filter((r) => only.length === 0 || only.includes(r));
// bench/*.bench.ts and bench/<folder>/*.bench.ts (a benchmark with helpers of its own).
const benches = readdirSync(join(root, "bench"), { withFileTypes: true })
  .flatMap((e) => (e.isDirectory() ? readdirSync(join(root, "bench", e.name)).map((f) => `${e.name}/${f}`) : [e.name]))
  .filter((f) => f.endsWith(".bench.ts") && (filters.length === 0 || filters.some((x) => f.includes(x))))
  .sort();

function command(runtime, file) {
  const bin = (name) => join(root, "node_modules", ".bin", name);
  if (runtime === "bun") return [bin("bun"), [join("bench", file)]];
  if (runtime === "deno") return [bin("deno"), ["run", "-A", "--no-check", join("bench", file)]];
  return ["node", [join("dist", "bench", file.replace(/\.ts$/, ".js"))]];
}

const lines = [];
for (const file of benches) {
  for (const runtime of runtimes) {
    const [cmd, cmdArgs] = command(runtime, file);
    const result = spawnSync(cmd, cmdArgs, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, NO_COLOR: "1" } });
    process.stdout.write(result.stdout.split("\n").filter((l) => !l.startsWith("BENCH ")).join("\n"));
    if (result.status !== 0) console.log(`  (${file} on ${runtime} exited ${result.status ?? result.signal})`);
    for (const line of result.stdout.split("\n")) if (line.startsWith("BENCH ")) lines.push(JSON.parse(line.slice(6)));
  }
}

console.log("\nSummary (ratios from the same run):");
for (const entry of lines) {
  for (const [name, value] of Object.entries(entry.ratios)) {
    console.log(`  ${entry.bench.padEnd(22)} ${entry.runtime.padEnd(5)} ${name.padEnd(56)} ${value.toFixed(2)}x`);
  }
}
