/**
 * collectDefaultMetrics across processes of the runtime running this test: every
 * prom-client default metric the runtime can supply is there with prom-client's name
 * and type, values are plausible, the `prefix`, `labels` and `gcDurationBuckets`
 * options apply, CPU seconds are summed over every process and do not drop when one
 * exits, and per-process series appear and vanish with their process.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { collectDefaultMetrics as promCollectDefaultMetrics, Registry as PromRegistry } from "prom-client";
import { Heap, Registry } from "../src/index.ts";
import { parseSamples } from "./support/parse_text.ts";
import { currentRuntime, type RuntimeName, spawnFixture, temporaryHeapPath } from "./support/runtimes.ts";

const COUNTERS = ["process_cpu_user_seconds_total", "process_cpu_system_seconds_total", "process_cpu_seconds_total"];
const EVERYWHERE = [
  "process_start_time_seconds", "process_resident_memory_bytes", "process_virtual_memory_bytes", "process_heap_bytes",
  "process_open_fds", "process_max_fds", "nodejs_eventloop_lag_seconds",
  ...["min", "max", "mean", "stddev", "p50", "p90", "p99"].map((s) => `nodejs_eventloop_lag_${s}_seconds`),
  "nodejs_heap_size_total_bytes", "nodejs_heap_size_used_bytes", "nodejs_external_memory_bytes",
  "nodejs_heap_space_size_total_bytes", "nodejs_heap_space_size_used_bytes", "nodejs_heap_space_size_available_bytes",
  "nodejs_version_info",
];
const ACTIVE = ["nodejs_active_handles", "nodejs_active_handles_total", "nodejs_active_requests", "nodejs_active_requests_total", "nodejs_active_resources", "nodejs_active_resources_total"];

/** The gauge families each runtime can supply (besides the CPU counters and, on Node, the GC histogram). */
function expectedGauges(runtime: RuntimeName): string[] {
  // Bun's process._getActiveHandles() and friends always answer empty lists: left out.
  return runtime === "bun" ? EVERYWHERE : [...EVERYWHERE, ...ACTIVE];
}

/** `# TYPE` lines of a text body: family name → type. */
function familyTypes(body: string): Map<string, string> {
  return new Map([...body.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map(([, name, type]) => [name, type]));
}

/** `# HELP` and `# TYPE` lines of a text body by family name. */
function familyHeaders(body: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const [line, name] of body.matchAll(/^# (?:HELP|TYPE) (\S+) .*$/gm)) headers.set(name, `${headers.get(name) ?? ""}${line}\n`);
  return headers;
}

/** A sample key as parseSamples writes it (labels sorted). */
function key(name: string, labels: Record<string, string>): string {
  return `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).sort().join(",")}}`;
}

/** The samples of `name` (exactly that sample name) with their label text. */
function samplesOf(samples: Map<string, number>, name: string): Array<[string, number]> {
  return [...samples].filter(([key]) => key.startsWith(`${name}{`));
}

test("every default metric the runtime supplies, with prom-client's names and types; prefix, labels and gcDurationBuckets apply", { timeout: 60_000 }, async () => {
  const runtime = currentRuntime();
  const { path, cleanup } = temporaryHeapPath();
  const heap = Heap.open({ path, mode: "create" });
  const options = { prefix: "app_", labels: { service: "api", zone: 3 }, gcDurationBuckets: [0.0001, 1], eventLoopMonitoringPrecision: 5 };
  const child = spawnFixture(runtime, "default_metrics_child", { MPMETRICS_HEAP: path, DEFAULT_METRICS_OPTIONS: JSON.stringify(options) }, { stdin: true, denoAllowAll: true });
  try {
    const report = (await child.waitForLine("cpu ")).split(" ");
    const [pid, version] = [report[3], report[5]];
    const body = await new Registry(Registry.PROMETHEUS_CONTENT_TYPE, { heap }).metrics();
    const types = familyTypes(body);
    const samples = parseSamples(body);
    const expected = new Map<string, string>([
      ...COUNTERS.map((name) => [`app_${name}`, "counter"] as [string, string]),
      ...expectedGauges(runtime).map((name) => [`app_${name}`, "gauge"] as [string, string]),
      ...(runtime === "node" ? [["app_nodejs_gc_duration_seconds", "histogram"] as [string, string]] : []),
    ]);
    assert.deepEqual(new Map([...types].sort()), new Map([...expected].sort()), `${runtime}: the families\n${body}`);

    // prom-client's own collectDefaultMetrics, in this process of the same runtime: the
    // same names, help and types; on Node exactly the same families.
    const promRegistry = new PromRegistry();
    promCollectDefaultMetrics({ ...options, register: promRegistry });
    const theirs = familyHeaders(await promRegistry.metrics());
    const ours = familyHeaders(body);
    for (const [name, headers] of ours) assert.equal(headers, theirs.get(name), `${runtime}: ${name} as prom-client declares it`);
    if (runtime === "node") assert.deepEqual([...ours.keys()].sort(), [...theirs.keys()].sort(), "every family of prom-client's, no other");
    promRegistry.clear();

    const own = { pid, service: "api", zone: "3" };
    for (const name of COUNTERS) assert.ok(samples.get(`app_${name}{service="api",zone="3"}`)! >= 0, name);
    assert.ok(samples.get(`app_process_cpu_seconds_total{service="api",zone="3"}`)! > 0.05, "the child burnt 150 ms of CPU");
    const value = (name: string) => samples.get(key(`app_${name}`, own));
    assert.ok(value("process_resident_memory_bytes")! > 1e6);
    assert.ok(value("process_virtual_memory_bytes")! >= value("process_resident_memory_bytes")!);
    assert.ok(value("process_heap_bytes")! > 0);
    assert.ok(value("process_open_fds")! > 2 && value("process_open_fds")! <= value("process_max_fds")!);
    assert.ok(Math.abs(value("process_start_time_seconds")! - Date.now() / 1000) < 120, "started within the last two minutes");
    assert.ok(value("nodejs_eventloop_lag_seconds")! >= 0);
    const [min, mean, max] = ["min", "mean", "max"].map((s) => value(`nodejs_eventloop_lag_${s}_seconds`)!);
    // (Bun's histogram computes the mean from its buckets: up to 1% off the exact min and max.)
    assert.ok(min > 0 && min <= max && mean >= min * 0.99 && mean <= max * 1.01 && max < 10, `lag min ${min} mean ${mean} max ${max}`);
    assert.ok(value("nodejs_heap_size_used_bytes")! > 0 && value("nodejs_heap_size_used_bytes")! <= value("nodejs_heap_size_total_bytes")!);
    assert.ok(value("nodejs_external_memory_bytes")! >= 0);
    assert.ok(samples.get(key("app_nodejs_heap_space_size_used_bytes", { ...own, space: "old" }))! > 0, "heap spaces by name, without _space");
    const [, major, minor, patch] = /^v(\d+)\.(\d+)\.(\d+)/.exec(version)!;
    assert.equal(samples.get(key("app_nodejs_version_info", { ...own, version, major, minor, patch })), 1);
    if (runtime !== "bun") {
      assert.ok(samplesOf(samples, "app_nodejs_active_handles_total").length === 1, "one total per process");
      assert.ok(samplesOf(samples, "app_nodejs_active_resources").length > 0, "resources by type");
    }
    if (runtime === "node") {
      const buckets = samplesOf(samples, "app_nodejs_gc_duration_seconds_bucket");
      assert.ok(buckets.length > 0, "the child's garbage collections were observed");
      assert.ok(buckets.every(([key]) => /le="(0\.0001|1|\+Inf)"/.test(key) && /kind="(major|minor|incremental|weakcb)"/.test(key)), JSON.stringify(buckets));
    }
    // Every series carries the labels option (and, per process, the pid).
    for (const [sample] of samples) assert.ok(sample.includes('service="api"') && sample.includes('zone="3"'), sample);
    // Labels in prom-client's order within a series: its own labels first, then the option's.
    assert.match(body, new RegExp(`^app_nodejs_version_info\\{version="${version.replace(/\./g, "\\.")}",major="${major}",minor="${minor}",patch="${patch}",service="api",zone="3",pid="${pid}"\\} 1$`, "m"));
  } finally {
    child.process.kill();
    heap.close();
    cleanup();
  }
});

test("default metrics of several processes: CPU summed and kept after exit, per-process series vanish with their process", { timeout: 60_000 }, async () => {
  const runtime = currentRuntime();
  const { path, cleanup } = temporaryHeapPath();
  const heap = Heap.open({ path, mode: "create" });
  // Deno without --allow-all: the /proc metrics are left out, and nothing fails.
  const children = [0, 1].map(() => spawnFixture(runtime, "default_metrics_child", { MPMETRICS_HEAP: path }, { stdin: true }));
  try {
    const reports = await Promise.all(children.map((c) => c.waitForLine("cpu ")));
    const cpu = reports.map((line) => Number(line.split(" ")[1]));
    const pids = reports.map((line) => line.split(" ")[3]);
    const registry = new Registry(Registry.PROMETHEUS_CONTENT_TYPE, { heap });

    let samples = parseSamples(await registry.metrics());
    const cpuWhileAlive = samples.get("process_cpu_seconds_total{}")!;
    assert.ok(cpuWhileAlive >= cpu[0] + cpu[1], `CPU total ${cpuWhileAlive} covers both children (${cpu})`);
    assert.ok(
      Math.abs(samples.get("process_cpu_user_seconds_total{}")! + samples.get("process_cpu_system_seconds_total{}")! - cpuWhileAlive) < 1e-6,
      "user + system = total",
    );
    for (const pid of pids) {
      assert.ok(samples.get(`process_resident_memory_bytes{pid="${pid}"}`)! > 1e6, `resident memory of ${pid}`);
      assert.ok(samples.get(`nodejs_heap_size_used_bytes{pid="${pid}"}`)! > 0);
      assert.ok(samples.get(`process_start_time_seconds{pid="${pid}"}`)! > 1.6e9);
      assert.equal(samples.has(`process_virtual_memory_bytes{pid="${pid}"}`), runtime !== "deno", "Deno reads /proc/self only with --allow-all");
    }

    children[0].process.stdin!.write("exit\n");
    assert.equal((await children[0].exited).code, 0);
    samples = parseSamples(await registry.metrics());
    assert.ok(samples.get("process_cpu_seconds_total{}")! >= cpuWhileAlive, "CPU seconds do not drop when a process exits");
    assert.deepEqual([...samples.keys()].filter((key) => key.includes(`pid="${pids[0]}"`)), [], "the exited process's series drop out");
    assert.ok(samples.get(`process_resident_memory_bytes{pid="${pids[1]}"}`)! > 1e6, "the live one stays");
    const version = reports[1].split(" ")[5];
    const [major, minor, patch] = version.slice(1).split(".");
    assert.equal(samples.get(key("nodejs_version_info", { version, major, minor, patch, pid: pids[1] })), 1);
  } finally {
    for (const child of children) child.process.kill();
    heap.close();
    cleanup();
  }
});
