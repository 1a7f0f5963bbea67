/**
 * The Bun adapter: bun:ffi. Pointers are numbers here.
 *
 * bun:ffi is loaded with a synchronous `require` (no top-level await anywhere on the load
 * path), so that CommonJS `require("mpmetrics")` works as well as `import`.
 *
 * @module
 */

import { createRequire } from "node:module";
import type { Pointer } from "bun:ffi";
import { isSourceCheckout, libraryCandidates, openFirst } from "./library_path.ts";
import { processDescriptor, processHost } from "./_process_host.ts";
import type { RuntimeAdapter } from "./native.ts";
import { abiSymbols, type AbiType, bindNative, encodeCString } from "./symbols.ts";

type BunFfi = typeof import("bun:ffi");

/**
 * Binds the library with bun:ffi. Call only on Bun.
 *
 * @example
 * ```ts
 * const { native, host } = bunAdapter();
 * ```
 */
export function bunAdapter(): RuntimeAdapter {
  const require = createRequire(import.meta.url);
  const ffi = require("bun:ffi") as BunFfi;
  const { FFIType } = ffi;
  const bunTypes: Record<AbiType, BunFfi["FFIType"][keyof BunFfi["FFIType"]]> = {
    u32: FFIType.u32,
    i32: FFIType.i32,
    f64: FFIType.f64,
    pointer: FFIType.ptr,
    cstring: FFIType.ptr,
    buffer: FFIType.ptr,
    void: FFIType.void,
  };
  const definitions = Object.fromEntries(
    Object.entries(abiSymbols).map(([name, sig]) => [
      name,
      { args: sig.args.map((t) => bunTypes[t]), returns: bunTypes[sig.result] },
    ]),
  );
  const descriptor = processDescriptor();
  const candidates = libraryCandidates(descriptor, import.meta.url, process.env.MPMETRICS_NATIVE_LIB);
  const { existsSync } = require("node:fs") as typeof import("node:fs");
  const library = openFirst(descriptor, candidates, (path) => ffi.dlopen(path, definitions), () =>
    isSourceCheckout(import.meta.url, existsSync));
  const native = bindNative({
    symbol: (name) => library.symbols[name] as (...args: unknown[]) => unknown,
    cstring: encodeCString,
    buffer: (base, byteLength) => ffi.toArrayBuffer(base as Pointer, 0, byteLength),
  });
  // The timers' clock: a bun:ffi call of mp_monotonic_ms took 32-37 ns against 38-42 ns
  // for performance.now() (bench/clock.bench.ts).
  return { host: processHost("bun", native.monotonicMs), native };
}
