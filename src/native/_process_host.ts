/**
 * What Bun and Node share: both have Node's `process` global, so their runtime host and
 * their platform descriptor are the same code. (Deno's adapter has its own.)
 *
 * @module
 */

import { normalizeArch, normalizePlatform, type PlatformDescriptor } from "./library_path.ts";
import type { RuntimeHost } from "./native.ts";

/** This machine's descriptor, from `process`. */
export function processDescriptor(): PlatformDescriptor {
  const platform = normalizePlatform(process.platform);
  const arch = normalizeArch(process.arch);
  if (platform === "darwin") return { platform, arch };
  const report = process.report?.getReport?.() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return { platform, arch, libc: report?.header?.glibcVersionRuntime === undefined ? "musl" : "gnu" };
}

/**
 * The runtime host of a runtime with Node's `process`; `monotonicMs` is the timers' clock
 * the adapter chose (see {@link RuntimeHost.monotonicMs}).
 *
 * @example
 * ```ts
 * const host = processHost("bun", native.monotonicMs);
 * ```
 */
export function processHost(name: "bun" | "node", monotonicMs: () => number): RuntimeHost {
  return {
    name,
    monotonicMs,
    pid: process.pid,
    getEnv: (variable) => process.env[variable],
    setEnv: (variable, value) => {
      process.env[variable] = value;
    },
    onExit: (callback) => {
      process.once("exit", callback);
    },
    cpuUsageMicros: () => process.cpuUsage(),
    memoryUsageBytes: () => process.memoryUsage(),
    uptimeSeconds: () => process.uptime(),
    everyUnref: (intervalMs, callback) => {
      const timer = setInterval(callback, intervalMs);
      timer.unref();
      return () => clearInterval(timer);
    },
    plainStoresOrdered: (name === "node" || name === "bun") && process.arch === "x64",
  };
}
