/**
 * The Deno adapter: Deno.dlopen. Needs `--allow-ffi` (unscoped: getArrayBuffer over
 * foreign memory requires it) and `--allow-env` for the heap path variable.
 *
 * Only u32, i32, f64, pointer and buffer cross: a 64-bit integer would drop the call off
 * V8's fast path (170 ns instead of 13 ns, measured).
 *
 * @module
 */

import process from "node:process";
import {
  isSourceCheckout,
  libraryCandidates,
  normalizeArch,
  normalizePlatform,
  openFirst,
  type PlatformDescriptor,
} from "./library_path.ts";
import type { RuntimeAdapter, RuntimeHost } from "./native.ts";
import { abiSymbols, type AbiType, bindNative, encodeCString } from "./symbols.ts";

/** The slice of Deno's API this adapter uses (declared here so tsc needs no Deno types). */
interface DenoSlice {
  readonly pid: number;
  readonly build: { readonly os: string; readonly arch: string; readonly target: string };
  readonly env: { get(name: string): string | undefined; set(name: string, value: string): void };
  dlopen(
    path: string,
    symbols: Record<string, { parameters: string[]; result: string }>,
  ): { symbols: Record<string, (...args: unknown[]) => unknown> };
  readonly UnsafePointerView: { getArrayBuffer(pointer: unknown, byteLength: number, offset?: number): ArrayBuffer };
  memoryUsage(): { rss: number; heapTotal: number; heapUsed: number; external: number };
  unrefTimer(id: number): void;
  statSync(path: string): unknown;
}

const denoTypes: Record<AbiType, string> = {
  u32: "u32",
  i32: "i32",
  f64: "f64",
  pointer: "pointer",
  cstring: "buffer",
  buffer: "buffer",
  void: "void",
};

function descriptor(deno: DenoSlice): PlatformDescriptor {
  const platform = normalizePlatform(deno.build.os);
  const arch = normalizeArch(deno.build.arch);
  if (platform === "darwin") return { platform, arch };
  return { platform, arch, libc: deno.build.target.endsWith("musl") ? "musl" : "gnu" };
}

/** Whether `path` exists; false without `--allow-read` too (it only picks a hint). */
function existsWith(deno: DenoSlice): (path: string) => boolean {
  return (path) => {
    try {
      deno.statSync(path);
      return true;
    } catch {
      return false;
    }
  };
}

/**
 * Binds the library with Deno.dlopen. Call only on Deno.
 *
 * @example
 * ```ts
 * const { native, host } = denoAdapter();
 * ```
 */
export function denoAdapter(): RuntimeAdapter {
  const deno = (globalThis as unknown as { Deno: DenoSlice }).Deno;
  const d = descriptor(deno);
  const candidates = libraryCandidates(d, import.meta.url, deno.env.get("MPMETRICS_NATIVE_LIB"));
  const definitions = Object.fromEntries(
    Object.entries(abiSymbols).map(([name, sig]) => [
      name,
      { parameters: sig.args.map((t) => denoTypes[t]), result: denoTypes[sig.result] },
    ]),
  );
  const library = openFirst(d, candidates, (path) => deno.dlopen(path, definitions), () =>
    isSourceCheckout(import.meta.url, existsWith(deno)));
  const native = bindNative({
    symbol: (name) => library.symbols[name],
    cstring: encodeCString,
    buffer: (base, byteLength) => deno.UnsafePointerView.getArrayBuffer(base, byteLength),
  });
  const host: RuntimeHost = {
    name: "deno",
    pid: deno.pid,
    getEnv: (name) => deno.env.get(name),
    setEnv: (name, value) => deno.env.set(name, value),
    onExit: (callback) => {
      globalThis.addEventListener("unload", callback, { once: true });
    },
    cpuUsageMicros: () => process.cpuUsage(),
    memoryUsageBytes: () => deno.memoryUsage(),
    uptimeSeconds: () => process.uptime(),
    // The FFI symbol itself, a V8 fast call: 33-38 ns against 94-126 ns for
    // performance.now(), which is an op on Deno (bench/clock.bench.ts).
    monotonicMs: native.monotonicMs,
    everyUnref: (intervalMs, callback) => {
      const id = setInterval(callback, intervalMs) as unknown as number;
      deno.unrefTimer(id);
      return () => clearInterval(id);
    },
    plainStoresOrdered: deno.build.arch === "x86_64",
  };
  return { host, native };
}
