/**
 * The Node adapter: koffi (Node 20-24 have no built-in FFI).
 *
 * koffi is loaded with a synchronous `require` (no top-level await anywhere on the load
 * path), so that CommonJS `require("mpmetrics")` works as well as `import`.
 *
 * @module
 */

import { createRequire } from "node:module";
import { isSourceCheckout, libraryCandidates, openFirst } from "./library_path.ts";
import { processDescriptor, processHost } from "./_process_host.ts";
import type { RuntimeAdapter } from "./native.ts";
import { abiSymbols, type AbiType, bindNative } from "./symbols.ts";

type Koffi = typeof import("koffi");

const koffiTypes: Record<AbiType, string> = {
  u32: "uint32_t",
  i32: "int32_t",
  f64: "double",
  pointer: "void *",
  cstring: "const char *",
  buffer: "uint8_t *",
  void: "void",
};

function cstring(text: string): string {
  if (text.includes("\0")) throw new TypeError(`A path may not contain a NUL character: ${JSON.stringify(text)}`);
  return text;
}

/**
 * Binds the library with koffi. Call on Node (or any runtime with Node's `process` and
 * koffi installed).
 *
 * @example
 * ```ts
 * const { native, host } = nodeAdapter();
 * ```
 */
export function nodeAdapter(): RuntimeAdapter {
  const require = createRequire(import.meta.url);
  const koffi = require("koffi") as Koffi;
  const descriptor = processDescriptor();
  const candidates = libraryCandidates(descriptor, import.meta.url, process.env.MPMETRICS_NATIVE_LIB);
  const { existsSync } = require("node:fs") as typeof import("node:fs");
  const library = openFirst(descriptor, candidates, (path) => koffi.load(path), () =>
    isSourceCheckout(import.meta.url, existsSync));
  const functions = new Map(
    Object.entries(abiSymbols).map(([name, sig]) => [
      name,
      library.func(name, koffiTypes[sig.result], sig.args.map((t) => koffiTypes[t])),
    ]),
  );
  const native = bindNative({
    symbol: (name) => functions.get(name) as (...args: unknown[]) => unknown,
    cstring,
    buffer: (base, byteLength) => koffi.view(base, byteLength),
  });
  // The timers' clock stays performance.now() (bound: Node's refuses another `this`): a
  // koffi call of mp_monotonic_ms took 49-68 ns against 43-57 ns (bench/clock.bench.ts and a probe).
  return { host: processHost("node", performance.now.bind(performance)), native };
}
