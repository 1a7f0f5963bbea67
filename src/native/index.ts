/**
 * Loads the adapter for the runtime this code runs on. This is the only place that
 * asks which runtime it is; everything else receives {@link native} and {@link host}.
 *
 * Synchronous on purpose: no top-level await, so that the package loads through CommonJS
 * `require()` (Node's require(esm), Bun) as well as through `import`. Each adapter module
 * reaches its runtime's FFI only when called (bun:ffi and koffi through `createRequire`,
 * `Deno.dlopen` as a global), so importing all three is safe everywhere.
 *
 * @example
 * ```ts
 * import { host, native } from "./native/index.ts";
 * console.log(host.name, native.abiVersion());
 * ```
 *
 * @module
 */

import { bunAdapter } from "./bun.ts";
import { denoAdapter } from "./deno.ts";
import type { NativeLibrary, RuntimeAdapter, RuntimeHost } from "./native.ts";
import { nodeAdapter } from "./node.ts";

function loadAdapter(): RuntimeAdapter {
  const global = globalThis as { Bun?: unknown; Deno?: unknown };
  if (global.Bun !== undefined) return bunAdapter();
  if (global.Deno !== undefined) return denoAdapter();
  return nodeAdapter();
}

const adapter = loadAdapter();

/** The C ABI bound for this runtime. */
export const native: NativeLibrary = adapter.native;
/** This runtime's process facilities (environment, pid, exit hook). */
export const host: RuntimeHost = adapter.host;

export { OpenMode } from "./native.ts";
export type { NativeLibrary, RuntimeHost } from "./native.ts";
export { check, HeapError, type StatusName } from "./status.ts";
