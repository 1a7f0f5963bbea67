/**
 * A heap: one attached heap file, seen through typed views that follow its growth.
 *
 * The native core maps the file at an address that never moves, so a typed array made
 * over already-mapped bytes stays valid forever; growth only adds bytes. {@link Heap.ensure}
 * extends this isolate's mapping when another process has grown the file, and replaces
 * the whole-heap views; views made earlier (metric cells) keep working.
 *
 * Each heap claims one writer slot for this isolate when it opens: the slot whose copies
 * of series cells, in its own arena, only this isolate writes (see cells.ts, arena.ts).
 * Adopting a dead isolate's slot runs the hooks registered with {@link onSlotAdopted}
 * (cells.ts repairs the copies it finds there), so this file imports nothing above it.
 *
 * @module
 */

import { check, HeapError, native, OpenMode } from "../native/index.ts";
import { rootsOffsetBytes, slotEntryBytes, slotsHighWaterOffsetBytes, slotTableOffsetBytes, writerSlotsMaxOffsetBytes } from "./layout.ts";
import { defaultFolder } from "./default_folder.ts";

/** How a heap is opened. */
export interface HeapOptions {
  /**
   * Path of the heap file. Omitted: a new file in the per-user runtime folder
   * (`/dev/shm/mpmetrics-<uid>/` on Linux; see default_folder.ts).
   */
  readonly path?: string;
  /** Attach only (`"attach"`), create only (`"create"`) or either (`"open"`, the default). */
  readonly mode?: "attach" | "create" | "open";
  /** Size of a new heap file. Default 1 MiB. */
  readonly sizeInitialBytes?: number;
  /** Largest size the heap may grow to. Default 1 GiB; at most 4 GiB - 4 KiB. */
  readonly sizeMaxBytes?: number;
  /**
   * How many isolates (processes and worker threads) may write at once. Default 1024, at
   * most 4096. A slot no isolate claimed costs its 16-byte slot-table entry only.
   */
  readonly writerSlotsMax?: number;
  /**
   * How long creating a metric or a new label set may wait for the heap lock while
   * another process holds it, in milliseconds (1 to 600000). Default 3000. Past it the
   * call throws a {@link HeapError} with code `"lock_timeout"` naming the holder's pid.
   */
  readonly lockTimeoutMs?: number;
}

/** mp_heap_close flags (zig/ABI.md). */
const closeUnlinkIfLast = 1;
const closeKeepMapping = 2;
/** The lock_timeout status (zig/ABI.md). */
const lockTimeoutStatus = 19;

const defaults = { sizeInitialBytes: 1 << 20, sizeMaxBytes: 2 ** 30, writerSlotsMax: 1024, lockTimeoutMs: 3000 };
/** Slot-table entry limit of the native core (zig/src/header.zig writer_slots_limit). */
const writerSlotsLimit = 4096;

/** What runs when this isolate's new slot was a dead isolate's (see {@link onSlotAdopted}). */
const slotAdoptedHooks: ((heap: Heap) => void)[] = [];

/**
 * Registers a hook run once whenever a heap opens in a writer slot that a dead isolate
 * held, before anything is written through it. The layer that owns the cells registers
 * its repair here (cells.ts), so this file does not import it.
 *
 * @example
 * ```ts
 * onSlotAdopted((heap) => console.log(`adopted slot ${heap.slot} of ${heap.path}`));
 * ```
 */
export function onSlotAdopted(hook: (heap: Heap) => void): void {
  if (!slotAdoptedHooks.includes(hook)) slotAdoptedHooks.push(hook);
}

const modes = { attach: OpenMode.attachOnly, create: OpenMode.createOnly, open: OpenMode.attachOrCreate } as const;

function checkOption(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`Heap option ${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
  return value;
}

/**
 * An attached heap file.
 *
 * @example
 * ```ts
 * const heap = Heap.open({ path: "/dev/shm/app.mpm" });
 * const offset = heap.withLock(() => heap.allocLocked(64, 8));
 * heap.close();
 * ```
 */
export class Heap {
  /** Absolute path of the heap file. */
  readonly path: string;
  /** Native handle (process-local). */
  readonly handle: number;
  /** This isolate's writer slot. */
  readonly slot: number;
  /** Number of writer slots, fixed when the file was made. */
  readonly writerSlotsMax: number;
  /** Times this isolate took the heap mutex from a dead owner. */
  recoveries = 0;
  /** The bound on one wait for the heap lock ({@link HeapOptions.lockTimeoutMs}). */
  readonly lockTimeoutMs: number;

  #mappedBytes = 0;
  #buffer!: ArrayBuffer;
  #u8!: Uint8Array;
  #u32!: Uint32Array;
  #i32!: Int32Array;
  #f64!: Float64Array;
  #closed = false;
  #holdsLock = false;

  private constructor(path: string, handle: number, lockTimeoutMs: number) {
    this.path = path;
    this.handle = handle;
    this.lockTimeoutMs = lockTimeoutMs;
    if (lockTimeoutMs !== defaults.lockTimeoutMs) {
      const set = native.heapSetLockTimeout(handle, lockTimeoutMs);
      if (set < 0) native.heapClose(handle, 0);
      check(set, `set the lock timeout of heap ${path}`);
    }
    this.#remap(native.heapMappedBytes(handle));
    this.writerSlotsMax = this.#u32[writerSlotsMaxOffsetBytes / 4];
    try {
      this.slot = check(native.slotClaim(handle), `claim a writer slot in heap ${path}`);
    } catch (error) {
      native.heapClose(handle, 0);
      throw error;
    }
    const claims = Atomics.load(this.#i32, (slotTableOffsetBytes + this.slot * slotEntryBytes + 4) / 4);
    if (claims > 1) {
      try {
        for (const hook of slotAdoptedHooks) hook(this); // a writer killed mid-update may have left its sequence words odd
      } catch (error) {
        native.slotRelease(handle, this.slot);
        native.heapClose(handle, 0);
        throw error;
      }
    }
  }

  /**
   * Opens (attaches to or creates) a heap file and claims a writer slot in it.
   *
   * @example
   * ```ts
   * const heap = Heap.open({ path: "/dev/shm/app.mpm", mode: "attach" });
   * ```
   */
  static open(options: HeapOptions = {}): Heap {
    const initial = checkOption("sizeInitialBytes", options.sizeInitialBytes ?? defaults.sizeInitialBytes, 65536, 2 ** 32 - 4096);
    const max = checkOption("sizeMaxBytes", options.sizeMaxBytes ?? defaults.sizeMaxBytes, initial, 2 ** 32 - 4096);
    const slots = checkOption("writerSlotsMax", options.writerSlotsMax ?? defaults.writerSlotsMax, 1, writerSlotsLimit);
    const lockTimeoutMs = checkOption("lockTimeoutMs", options.lockTimeoutMs ?? defaults.lockTimeoutMs, 1, 600_000);
    if (options.path === undefined) {
      const made = native.heapCreateDefault(defaultFolder(), initial, max, slots);
      check(made.handle, "create a heap in the per-user runtime folder");
      return new Heap(made.path, made.handle, lockTimeoutMs);
    }
    const path = options.path;
    if (typeof path !== "string" || !path.startsWith("/")) {
      throw new TypeError(`Heap path must be an absolute path, got ${JSON.stringify(path)}`);
    }
    const mode = modes[options.mode ?? "open"];
    if (mode === undefined) throw new TypeError(`Heap mode must be "attach", "create" or "open", got ${JSON.stringify(options.mode)}`);
    const handle = check(native.heapOpen(path, mode, initial, max, slots), `open heap ${path}`);
    return new Heap(path, handle, lockTimeoutMs);
  }

  /** Bytes of the heap this isolate has mapped. */
  get mappedBytes(): number {
    return this.#mappedBytes;
  }
  /** Whole-heap byte view (replaced when the mapping grows: do not keep it). */
  get u8(): Uint8Array {
    return this.#u8;
  }
  /** Whole-heap u32 view (replaced when the mapping grows: do not keep it). */
  get u32(): Uint32Array {
    return this.#u32;
  }
  /** Whole-heap i32 view for `Atomics` (replaced when the mapping grows: do not keep it). */
  get i32(): Int32Array {
    return this.#i32;
  }
  /** Whole-heap f64 view (replaced when the mapping grows: do not keep it). */
  get f64(): Float64Array {
    return this.#f64;
  }

  /**
   * Makes sure bytes up to `endOffset` are mapped in this isolate, following growth made
   * by other processes. A damaged offset beyond the file is an error, never a fault.
   */
  ensure(endOffset: number): void {
    if (endOffset <= this.#mappedBytes) return;
    this.#assertOpen();
    const mapped = check(native.heapRefresh(this.handle), `map the grown heap ${this.path}`);
    this.#remap(mapped);
    if (endOffset > mapped) {
      throw new HeapError("corrupt", `Heap ${this.path} refers to byte ${endOffset} but holds only ${mapped} bytes: the file is damaged`);
    }
  }

  /** A Float64Array over `count` doubles at `offset`, valid for as long as the heap is open. */
  float64View(offset: number, count: number): Float64Array {
    this.ensure(offset + count * 8);
    return new Float64Array(this.#buffer, offset, count);
  }

  /** An Int32Array over `count` words at `offset`, valid for as long as the heap is open. */
  int32View(offset: number, count: number): Int32Array {
    this.ensure(offset + count * 4);
    return new Int32Array(this.#buffer, offset, count);
  }

  /**
   * Runs `fn` holding the heap's process-shared lock. Cold paths only: allocation and
   * directory inserts. When the previous holder died holding it, the native core has
   * verified the header; everything this layer publishes is append-then-publish, so
   * nothing else needs repair. Waits at most {@link lockTimeoutMs}, then throws a
   * {@link HeapError} (`"lock_timeout"`) naming the holding process.
   */
  withLock<T>(fn: () => T): T {
    this.#assertOpen();
    const taken = native.heapLock(this.handle);
    if (taken === -lockTimeoutStatus) throw this.#lockTimeoutError();
    check(taken, `lock heap ${this.path}`);
    if (taken === 1) this.recoveries++;
    this.#holdsLock = true;
    try {
      return fn();
    } finally {
      this.#holdsLock = false;
      native.heapUnlock(this.handle);
    }
  }

  /**
   * Allocates zeroed bytes, taking the heap lock unless this isolate holds it already
   * (inside {@link withLock}).
   *
   * @example
   * ```ts
   * const chunk = heap.alloc(16384, 4096);
   * ```
   */
  alloc(sizeBytes: number, alignBytes = 8): number {
    if (this.#holdsLock) return this.allocLocked(sizeBytes, alignBytes);
    return this.withLock(() => this.allocLocked(sizeBytes, alignBytes));
  }

  /**
   * Allocates zeroed bytes; the caller holds the lock ({@link withLock}). Bytes past the
   * cursor are zero in a sound heap (never used before); they are zeroed here anyway, so
   * that damage there cannot reach a new structure.
   */
  allocLocked(sizeBytes: number, alignBytes = 8): number {
    const offset = check(native.heapAllocLocked(this.handle, sizeBytes, alignBytes), `allocate ${sizeBytes} bytes in heap ${this.path}`);
    this.ensure(offset + sizeBytes);
    this.#u8.fill(0, offset, offset + sizeBytes);
    return offset;
  }

  /** Reads a root word (see layout.ts). */
  root(index: number): number {
    return Atomics.load(this.#i32, rootsOffsetBytes / 4 + index) >>> 0;
  }

  /** Publishes a root word; the caller holds the lock. */
  setRoot(index: number, value: number): void {
    Atomics.store(this.#i32, rootsOffsetBytes / 4 + index, value | 0);
  }

  /** One more than the highest writer slot ever claimed: the slots a reader must sum. */
  slotsHighWater(): number {
    return Atomics.load(this.#i32, slotsHighWaterOffsetBytes / 4);
  }

  /** Whether a live isolate holds writer slot `slot`. */
  slotIsLive(slot: number): boolean {
    return check(native.slotIsLive(this.handle, slot), `check writer slot ${slot}`) === 1;
  }

  /** Checks the header against the file. Throws a {@link HeapError} when damaged. */
  verify(): void {
    this.#assertOpen();
    check(native.heapVerify(this.handle), `verify heap ${this.path}`);
  }

  /**
   * Releases this isolate's slot and detaches; the last isolate to detach removes the file.
   * The memory stays mapped until the process exits, so a metric used after its heap is
   * closed (an exit hook that runs late, say) writes to memory nobody reads instead of
   * faulting.
   */
  close(unlinkIfLast = true): void {
    if (this.#closed) return;
    this.#closed = true;
    native.slotRelease(this.handle, this.slot);
    native.heapClose(this.handle, (unlinkIfLast ? closeUnlinkIfLast : 0) | closeKeepMapping);
  }

  /** Whether {@link close} has run. */
  get closed(): boolean {
    return this.#closed;
  }

  #lockTimeoutError(): HeapError {
    const pid = native.heapLockHolder(this.handle);
    return new HeapError(
      "lock_timeout",
      `Cannot lock heap ${this.path}: process ${pid} held its lock for more than ${this.lockTimeoutMs} ms. ` +
        `It may be stopped (SIGSTOP, a debugger, a frozen container): resume it (kill -CONT ${pid}) or end it, ` +
        `or give this heap a larger lockTimeoutMs (status lock_timeout)`,
    );
  }

  #assertOpen(): void {
    if (this.#closed) throw new HeapError("bad_handle", `Heap ${this.path} is closed`);
  }

  #remap(mappedBytes: number): void {
    this.#mappedBytes = mappedBytes;
    this.#buffer = native.heapBuffer(this.handle, mappedBytes);
    this.#u8 = new Uint8Array(this.#buffer);
    this.#u32 = new Uint32Array(this.#buffer);
    this.#i32 = new Int32Array(this.#buffer);
    this.#f64 = new Float64Array(this.#buffer);
  }
}

