/**
 * The one interface over libmpmetrics' C ABI (see zig/ABI.md).
 *
 * Everything above src/native/ talks to the native core through {@link NativeLibrary}
 * and to the runtime through {@link RuntimeHost}; nothing above knows whether it runs
 * on Bun, Deno or Node. Each adapter (bun.ts, deno.ts, node.ts) binds the same symbols
 * with its runtime's FFI. Hot symbols (the f64 atomics) are the FFI functions
 * themselves, never wrapped, so a call costs one FFI transition and nothing more.
 *
 * Results follow the ABI: a negative number is `-status` (see status.ts).
 *
 * @module
 */

/** How mp_heap_open treats an existing or missing file. */
export const OpenMode = {
  attachOnly: 0,
  createOnly: 1,
  attachOrCreate: 2,
} as const;
/** One of {@link OpenMode}'s values. */
export type OpenMode = (typeof OpenMode)[keyof typeof OpenMode];

/**
 * The C ABI, one method per exported symbol, with strings already encoded.
 *
 * @example
 * ```ts
 * import { native } from "./index.ts";
 * const handle = native.heapOpen("/dev/shm/my.mpm", OpenMode.attachOrCreate, 1 << 20, 2 ** 30, 64);
 * if (handle < 0) throw statusError(-handle, "open heap");
 * ```
 */
export interface NativeLibrary {
  readonly abiVersion: () => number;
  readonly heapOpen: (
    path: string,
    mode: OpenMode,
    sizeInitialBytes: number,
    sizeMaxBytes: number,
    writerSlotsMax: number,
  ) => number;
  /** Creates a heap in the per-user runtime folder (or `dir`); returns the handle and the path chosen. */
  readonly heapCreateDefault: (
    dir: string,
    sizeInitialBytes: number,
    sizeMaxBytes: number,
    writerSlotsMax: number,
  ) => { readonly handle: number; readonly path: string };
  /** flags: 1 unlink the file if this was the last attachment, 2 keep the memory mapped. */
  readonly heapClose: (handle: number, flags: number) => number;
  /** A zero-copy ArrayBuffer over the first `byteLength` mapped bytes of the heap. */
  readonly heapBuffer: (handle: number, byteLength: number) => ArrayBuffer;
  readonly heapMappedBytes: (handle: number) => number;
  readonly heapRefresh: (handle: number) => number;
  readonly heapAlloc: (handle: number, sizeBytes: number, alignBytes: number) => number;
  readonly heapAllocLocked: (handle: number, sizeBytes: number, alignBytes: number) => number;
  readonly heapLock: (handle: number) => number;
  readonly heapUnlock: (handle: number) => number;
  readonly heapVerify: (handle: number) => number;
  /** Bounds every later take of the heap lock through this handle (1..600000 ms). */
  readonly heapSetLockTimeout: (handle: number, timeoutMs: number) => number;
  /** The pid that held the lock when this handle's last take timed out (0 if none did). */
  readonly heapLockHolder: (handle: number) => number;
  readonly slotClaim: (handle: number) => number;
  readonly slotRelease: (handle: number, slot: number) => number;
  readonly slotIsLive: (handle: number, slot: number) => number;
  readonly unlinkIfUnused: (path: string) => number;
  readonly f64Add: (handle: number, offset: number, value: number) => number;
  readonly f64Store: (handle: number, offset: number, value: number) => number;
  readonly f64Max: (handle: number, offset: number, value: number) => number;
  readonly f64Min: (handle: number, offset: number, value: number) => number;
  readonly f64Load: (handle: number, offset: number) => number;
  readonly f64Cas: (handle: number, offset: number, expected: number, desired: number) => number;
  /**
   * The per-user runtime folder under `parent` ("" for /dev/shm, or $TMPDIR / /tmp off
   * Linux), made if missing. `result` is 0 for the usual folder, 1 for a private fallback
   * because the usual one is squatted (first report in this process), 2 for the fallback
   * reported before, or `-status`.
   */
  readonly defaultDir: (parent: string) => { readonly result: number; readonly path: string };
  /**
   * Records the handle's heap as this process's, for children that lack MPMETRICS_HEAP;
   * `root` for a process that opted out of inheriting (it starts a tree). 0 or `-status`.
   */
  readonly inheritRegister: (handle: number, folder: string, root: boolean) => number;
  /**
   * The heap of the nearest ancestor (this process first) recorded in `folder`, only
   * tree roots' records when `rootsOnly`: `result` 1 found, 0 none, or `-status`.
   */
  readonly inheritFind: (folder: string, rootsOnly: boolean) => { readonly result: number; readonly path: string };
  /**
   * CLOCK_MONOTONIC in milliseconds from an arbitrary origin (mp_monotonic_ms). Use
   * {@link RuntimeHost.monotonicMs}, the cheaper of this and `performance.now()` per runtime.
   */
  readonly monotonicMs: () => number;
}

/**
 * What the layers above need from the runtime itself, so that they never test for
 * `Bun`, `Deno` or `process`.
 *
 * @example
 * ```ts
 * import { host } from "./index.ts";
 * const path = host.getEnv("MPMETRICS_HEAP");
 * ```
 */
export interface RuntimeHost {
  readonly name: "bun" | "deno" | "node";
  readonly pid: number;
  /** Reads an environment variable (Deno: needs --allow-env). */
  getEnv(name: string): string | undefined;
  /** Sets an environment variable that children spawned afterwards inherit. */
  setEnv(name: string, value: string): void;
  /** Runs `callback` once when this isolate (process or worker thread) exits normally. */
  onExit(callback: () => void): void;
  /** CPU time this process has used, in microseconds. */
  cpuUsageMicros(): { readonly user: number; readonly system: number };
  /** Memory of this process and its JavaScript heap, in bytes. */
  memoryUsageBytes(): { readonly rss: number; readonly heapTotal: number; readonly heapUsed: number; readonly external: number };
  /** Seconds since this process started. */
  uptimeSeconds(): number;
  /**
   * A monotonic clock in milliseconds from an arbitrary origin, for timers: only the
   * difference of two readings means anything. It is whichever of `performance.now()`
   * and the native core's CLOCK_MONOTONIC ({@link NativeLibrary.monotonicMs}) costs less
   * on this runtime (bench/clock.bench.ts): the FFI symbol itself on Deno (whose
   * `performance.now()` is an op) and Bun, `performance.now()` on Node (a koffi call costs
   * more). A plain function value: hold it in a module constant and call it bare.
   *
   * @example
   * ```ts
   * const now = host.monotonicMs;
   * const start = now();
   * const seconds = (now() - start) / 1000;
   * ```
   */
  readonly monotonicMs: () => number;
  /** Calls `callback` every `intervalMs` without keeping the process alive; returns a stop function. */
  everyUnref(intervalMs: number, callback: () => void): () => void;
  /**
   * Whether plain typed-array stores of this isolate reach other processes in program
   * order, so that a writer's seqlock and latch may use plain stores (heap/cells.ts,
   * metrics/gauge/shared.ts) instead of `Atomics.store`, which costs 2.5-3 ns a store on
   * JSC and an 8 ns builtin call on V8 here. True on x86-64 (a CPU that never reorders
   * stores with stores, TSO) for V8 (Node, Deno) and JSC (Bun), whose optimizing JITs emit
   * typed-array stores in program order and never drop one that a later store to the same
   * cell overwrites (checked in Bun 1.4.5's FTL code for the gauge set and the seqlock with
   * `BUN_JSC_dumpFTLDisassembly=1`; the torn-read tests of every type run with writers of
   * all three runtimes). False elsewhere (ARM reorders stores).
   */
  readonly plainStoresOrdered: boolean;
}

/** The adapter each runtime module exports. */
export interface RuntimeAdapter {
  readonly native: NativeLibrary;
  readonly host: RuntimeHost;
}
