/**
 * Process statistics for the default metrics, from whatever the runtime can supply.
 *
 * Each capability is present only where the runtime supplies real values, so that a
 * default metric is left out rather than reported wrong:
 *
 * | capability | Node | Bun | Deno |
 * | --- | --- | --- | --- |
 * | `/proc/self` memory, open fds, fd limit (Linux) | yes | yes | with `--allow-all` (Deno's rule for /proc/self) |
 * | event-loop delay histogram (`monitorEventLoopDelay`) | yes | yes | yes |
 * | active handles and requests (`process._getActive*`) | yes | no (always empty) | yes |
 * | active resources (`process.getActiveResourcesInfo`) | yes | no (always empty) | yes |
 * | heap spaces (`v8.getHeapSpaceStatistics`) | yes | yes | yes |
 * | garbage-collection timings (`PerformanceObserver` "gc") | yes | no | no (none emitted) |
 *
 * Deno is never asked for a permission here: `/proc/self` is read only when every
 * permission is already granted, which Deno requires for it (a prompt would stop an
 * interactive program).
 *
 * @module
 */

import { readdirSync, readFileSync } from "node:fs";
import * as perfHooks from "node:perf_hooks";
import process from "node:process";
import { setImmediate } from "node:timers";
import * as v8 from "node:v8";
import { host } from "./index.ts";

/** Memory figures of `/proc/self/status`, in bytes. */
export interface ProcMemory {
  /** `VmRSS`. */
  readonly residentBytes: number;
  /** `VmSize`. */
  readonly virtualBytes: number;
  /** `VmData`. */
  readonly heapBytes: number;
}

/** An event-loop delay histogram; figures in nanoseconds, as perf_hooks reports them. */
export interface EventLoopDelay {
  readonly count: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly stddev: number;
  percentile(percent: number): number;
  reset(): void;
}

/** One V8 heap space's sizes. */
export interface HeapSpace {
  readonly name: string;
  readonly sizeBytes: number;
  readonly usedBytes: number;
  readonly availableBytes: number;
}

/** What the runtime can tell about this process; a missing member is not available here. */
export interface ProcessStats {
  readonly procMemory?: () => ProcMemory | undefined;
  readonly openFds?: () => number;
  readonly maxFds?: number;
  /** Starts an event-loop delay histogram sampling every `resolutionMs`. */
  readonly eventLoopDelay?: (resolutionMs: number) => EventLoopDelay;
  /** Active handles, by type (the handle's class name). */
  readonly activeHandles?: () => Map<string, number>;
  /** Active requests, by type. */
  readonly activeRequests?: () => Map<string, number>;
  /** Resources keeping the event loop alive, by type. */
  readonly activeResources?: () => Map<string, number>;
  readonly heapSpaces?: () => HeapSpace[];
  /** Calls `observe(kind, seconds)` for every garbage collection; returns a stop function. */
  readonly observeGc?: (observe: (kind: string, seconds: number) => void) => () => void;
  /** The Node.js version the runtime implements (`process.version`), for example `v20.20.2`. */
  readonly version: string;
  /** Runs `callback` once the event loop has finished its current turn. */
  readonly afterTurn: (callback: () => void) => void;
}

/** Deno's permission names: reading /proc/self needs all of them (`--allow-all`). */
const DENO_PERMISSIONS = ["read", "write", "net", "env", "sys", "run", "ffi", "import"];

function readableProc(): boolean {
  if (process.platform !== "linux") return false;
  const deno = (globalThis as { Deno?: { permissions?: { querySync?(d: { name: string }): { state: string } } } }).Deno;
  const query = deno?.permissions?.querySync;
  if (query === undefined) return true;
  return DENO_PERMISSIONS.every((name) => {
    try {
      return query.call(deno!.permissions, { name }).state === "granted";
    } catch {
      return name === "import"; // a Deno that does not know this permission name
    }
  });
}

/** `VmRSS:     44608 kB` lines to bytes. */
function parseStatus(text: string): ProcMemory | undefined {
  const kib = (field: string) => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(text);
    return match === null ? undefined : Number(match[1]) * 1024;
  };
  const [residentBytes, virtualBytes, heapBytes] = [kib("VmRSS"), kib("VmSize"), kib("VmData")];
  if (residentBytes === undefined || virtualBytes === undefined || heapBytes === undefined) return undefined;
  return { residentBytes, virtualBytes, heapBytes };
}

function readMaxFds(): number | undefined {
  const line = readFileSync("/proc/self/limits", "utf8").split("\n").find((l) => l.startsWith("Max open files"));
  const soft = line === undefined ? NaN : Number(line.split(/ {2,}/)[1]);
  return Number.isFinite(soft) ? soft : undefined;
}

function countBy(items: readonly unknown[], typeOf: (item: unknown) => string | undefined): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) {
    const type = typeOf(item);
    if (type !== undefined) counts.set(type, (counts.get(type) ?? 0) + 1);
  }
  return counts;
}

const constructorName = (item: unknown) => (item === null || item === undefined ? undefined : (item as { constructor?: { name?: string } }).constructor?.name);

type InternalProcess = typeof process & { _getActiveHandles?: () => unknown[]; _getActiveRequests?: () => unknown[] };

function gcObserver(): ProcessStats["observeGc"] {
  const { PerformanceObserver, constants } = perfHooks as typeof perfHooks & { constants?: Record<string, number> };
  // Bun has no "gc" entries; Deno lists the type but never emits one.
  if (host.name !== "node" || typeof PerformanceObserver !== "function" || constants === undefined) return undefined;
  const kinds = new Map<number, string>([
    [constants.NODE_PERFORMANCE_GC_MAJOR, "major"],
    [constants.NODE_PERFORMANCE_GC_MINOR, "minor"],
    [constants.NODE_PERFORMANCE_GC_INCREMENTAL, "incremental"],
    [constants.NODE_PERFORMANCE_GC_WEAKCB, "weakcb"],
  ]);
  return (observe) => {
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        const kind = (entry as { detail?: { kind?: number } }).detail?.kind ?? (entry as { kind?: number }).kind;
        observe(kinds.get(kind ?? -1) ?? "unknown", entry.duration / 1000);
      }
    });
    observer.observe({ entryTypes: ["gc"] });
    return () => observer.disconnect();
  };
}

function buildStats(): ProcessStats {
  const proc = process as InternalProcess;
  const stats: { -readonly [K in keyof ProcessStats]: ProcessStats[K] } = {
    version: process.version,
    afterTurn: (callback) => void setImmediate(callback),
  };
  if (readableProc()) {
    try {
      if (parseStatus(readFileSync("/proc/self/status", "utf8")) !== undefined) {
        stats.procMemory = () => parseStatus(readFileSync("/proc/self/status", "utf8"));
      }
      readdirSync("/proc/self/fd");
      // One of the listed descriptors is the directory being read.
      stats.openFds = () => readdirSync("/proc/self/fd").length - 1;
      stats.maxFds = readMaxFds();
    } catch {
      // /proc is not there (a sandbox): these metrics are left out.
    }
  }
  if (typeof perfHooks.monitorEventLoopDelay === "function") {
    stats.eventLoopDelay = (resolutionMs) => {
      const histogram = perfHooks.monitorEventLoopDelay({ resolution: resolutionMs });
      histogram.enable();
      return histogram as unknown as EventLoopDelay;
    };
  }
  // Bun has these functions but they always answer empty lists.
  if (host.name !== "bun") {
    if (typeof proc._getActiveHandles === "function") stats.activeHandles = () => countBy(proc._getActiveHandles!(), constructorName);
    if (typeof proc._getActiveRequests === "function") stats.activeRequests = () => countBy(proc._getActiveRequests!(), constructorName);
    if (typeof process.getActiveResourcesInfo === "function") stats.activeResources = () => countBy(process.getActiveResourcesInfo(), (type) => String(type));
  }
  try {
    v8.getHeapSpaceStatistics();
    stats.heapSpaces = () =>
      v8.getHeapSpaceStatistics().map((space) => ({
        name: space.space_name.replace(/_space$/, ""),
        sizeBytes: space.space_size,
        usedBytes: space.space_used_size,
        availableBytes: space.space_available_size,
      }));
  } catch {
    // Not implemented by this runtime.
  }
  const observeGc = gcObserver();
  if (observeGc !== undefined) stats.observeGc = observeGc;
  return stats;
}

let cached: ProcessStats | undefined;

/**
 * This process's statistics capabilities (probed once).
 *
 * @example
 * ```ts
 * const stats = processStats();
 * if (stats.openFds !== undefined) console.log(stats.openFds());
 * ```
 */
export function processStats(): ProcessStats {
  cached ??= buildStats();
  return cached;
}
