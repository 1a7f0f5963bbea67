/**
 * The C ABI's symbols in a runtime-neutral notation, translated once by each adapter
 * into its FFI's type names, and the one place that turns raw symbols into a
 * {@link NativeLibrary}.
 *
 * @module
 */

import type { NativeLibrary, OpenMode } from "./native.ts";

/** Argument and result kinds used by the ABI. */
export type AbiType = "u32" | "i32" | "f64" | "pointer" | "cstring" | "buffer" | "void";

/** One symbol's signature. */
export interface AbiSignature {
  readonly args: readonly AbiType[];
  readonly result: AbiType;
}

/** Every symbol TypeScript binds, with its signature. zig/ABI.md is the reference. */
export const abiSymbols = {
  mp_abi_version: { args: [], result: "u32" },
  mp_heap_open: { args: ["cstring", "u32", "u32", "f64", "u32"], result: "i32" },
  mp_heap_create_default: { args: ["cstring", "buffer", "u32", "u32", "f64", "u32"], result: "i32" },
  mp_heap_close: { args: ["u32", "u32"], result: "i32" },
  mp_heap_base: { args: ["u32"], result: "pointer" },
  mp_heap_mapped_bytes: { args: ["u32"], result: "f64" },
  mp_heap_refresh: { args: ["u32"], result: "f64" },
  mp_heap_alloc: { args: ["u32", "u32", "u32"], result: "f64" },
  mp_heap_alloc_locked: { args: ["u32", "u32", "u32"], result: "f64" },
  mp_heap_lock: { args: ["u32"], result: "i32" },
  mp_heap_unlock: { args: ["u32"], result: "i32" },
  mp_heap_verify: { args: ["u32"], result: "i32" },
  mp_slot_claim: { args: ["u32"], result: "i32" },
  mp_slot_release: { args: ["u32", "u32"], result: "i32" },
  mp_slot_is_live: { args: ["u32", "u32"], result: "i32" },
  mp_heap_unlink_if_unused: { args: ["cstring"], result: "i32" },
  mp_f64_add: { args: ["u32", "u32", "f64"], result: "i32" },
  mp_f64_store: { args: ["u32", "u32", "f64"], result: "i32" },
  mp_f64_max: { args: ["u32", "u32", "f64"], result: "i32" },
  mp_f64_min: { args: ["u32", "u32", "f64"], result: "i32" },
  mp_f64_load: { args: ["u32", "u32"], result: "f64" },
  mp_f64_cas: { args: ["u32", "u32", "f64", "f64"], result: "i32" },
  mp_default_dir: { args: ["cstring", "buffer", "u32"], result: "i32" },
  mp_inherit_register: { args: ["u32", "cstring", "u32"], result: "i32" },
  mp_inherit_find: { args: ["cstring", "u32", "buffer", "u32"], result: "i32" },
  mp_heap_set_lock_timeout: { args: ["u32", "u32"], result: "i32" },
  mp_heap_lock_holder: { args: ["u32"], result: "i32" },
  mp_monotonic_ms: { args: [], result: "f64" },
} as const satisfies Record<string, AbiSignature>;

/** The symbol names. */
export type AbiSymbolName = keyof typeof abiSymbols;

/** The ABI version this TypeScript was written for. */
export const abiVersion = 1;

/** Longest path mp_heap_create_default may write, NUL included (Linux PATH_MAX). */
const pathCapacityBytes = 4096;

// deno-lint-ignore no-explicit-any
type RawFunction = (...args: any[]) => any;

/** What an adapter hands to {@link bindNative}. */
export interface RawBindings {
  /** The FFI function for a symbol. */
  readonly symbol: (name: AbiSymbolName) => RawFunction;
  /** Turns a string into what the FFI takes for a `cstring` argument. */
  readonly cstring: (text: string) => unknown;
  /** A zero-copy ArrayBuffer over `byteLength` bytes at the heap's base address. */
  readonly buffer: (base: unknown, byteLength: number) => ArrayBuffer;
}

/**
 * Builds the {@link NativeLibrary} from an adapter's raw bindings. Hot symbols are
 * returned as the FFI functions themselves.
 *
 * @example
 * ```ts
 * const native = bindNative({ symbol: (n) => lib.symbols[n], cstring: encodeCString, buffer: toBuffer });
 * ```
 */
export function bindNative(raw: RawBindings): NativeLibrary {
  const s = raw.symbol;
  const version = s("mp_abi_version")() as number;
  if (version !== abiVersion) {
    throw new Error(
      `libmpmetrics speaks ABI version ${version} but this mpmetrics needs ${abiVersion}: rebuild it with \`npm run build\``,
    );
  }
  const open = s("mp_heap_open");
  const createDefault = s("mp_heap_create_default");
  const base = s("mp_heap_base");
  const unlinkIfUnused = s("mp_heap_unlink_if_unused");
  const defaultDir = s("mp_default_dir");
  const inheritRegister = s("mp_inherit_register");
  const inheritFind = s("mp_inherit_find");
  /** Calls a symbol that writes a NUL-terminated path; the path is "" unless it returned >= 0. */
  const withPathOut = (call: (out: Uint8Array) => number) => {
    const out = new Uint8Array(pathCapacityBytes);
    const result = call(out);
    const end = out.indexOf(0);
    return { result, path: result >= 0 && end > 0 ? new TextDecoder().decode(out.subarray(0, end)) : "" };
  };
  return {
    abiVersion: () => version,
    heapOpen: (path: string, mode: OpenMode, initial: number, max: number, slots: number) =>
      open(raw.cstring(path), mode, initial, max, slots) as number,
    heapCreateDefault: (dir: string, initial: number, max: number, slots: number) => {
      const out = new Uint8Array(pathCapacityBytes);
      const handle = createDefault(raw.cstring(dir), out, out.byteLength, initial, max, slots) as number;
      const end = out.indexOf(0);
      return { handle, path: handle > 0 ? new TextDecoder().decode(out.subarray(0, end)) : "" };
    },
    heapClose: s("mp_heap_close"),
    heapBuffer: (handle: number, byteLength: number) => raw.buffer(base(handle), byteLength),
    heapMappedBytes: s("mp_heap_mapped_bytes"),
    heapRefresh: s("mp_heap_refresh"),
    heapAlloc: s("mp_heap_alloc"),
    heapAllocLocked: s("mp_heap_alloc_locked"),
    heapLock: s("mp_heap_lock"),
    heapUnlock: s("mp_heap_unlock"),
    heapVerify: s("mp_heap_verify"),
    slotClaim: s("mp_slot_claim"),
    slotRelease: s("mp_slot_release"),
    slotIsLive: s("mp_slot_is_live"),
    unlinkIfUnused: (path: string) => unlinkIfUnused(raw.cstring(path)) as number,
    f64Add: s("mp_f64_add"),
    f64Store: s("mp_f64_store"),
    f64Max: s("mp_f64_max"),
    f64Min: s("mp_f64_min"),
    f64Load: s("mp_f64_load"),
    f64Cas: s("mp_f64_cas"),
    defaultDir: (parent: string) => withPathOut((out) => defaultDir(raw.cstring(parent), out, out.byteLength) as number),
    inheritRegister: (handle: number, folder: string, root: boolean) => inheritRegister(handle, raw.cstring(folder), root ? 1 : 0) as number,
    inheritFind: (folder: string, rootsOnly: boolean) =>
      withPathOut((out) => inheritFind(raw.cstring(folder), rootsOnly ? 1 : 0, out, out.byteLength) as number),
    heapSetLockTimeout: s("mp_heap_set_lock_timeout"),
    heapLockHolder: s("mp_heap_lock_holder"),
    monotonicMs: s("mp_monotonic_ms"),
  };
}

/** A NUL-terminated UTF-8 copy of `text`; rejects embedded NULs, which C would cut at. */
export function encodeCString(text: string): Uint8Array {
  if (text.includes("\0")) throw new TypeError(`A path may not contain a NUL character: ${JSON.stringify(text)}`);
  return new TextEncoder().encode(`${text}\0`);
}
