/**
 * The default heap: the one every metric uses unless given another.
 *
 * Which heap an isolate (a process or a worker thread) gets, first rule that applies:
 * 1. `configureDefaultHeap(options)` called before any metric: that heap.
 * 2. `MPMETRICS_HEAP` names a path: the heap there (attached, or created).
 * 3. The heap of the nearest ancestor process that has one (this process first: worker
 *    threads share their process's), found through the records every process with a
 *    default heap keeps in the per-user runtime folder (zig/src/inherit.zig). This is how
 *    children that lack `MPMETRICS_HEAP` find it: `Bun.spawn` and `Bun.spawnSync` without
 *    `env` (Bun hands those its start-up environment, not `process.env`), a shell in
 *    between, an environment scrubbed by a supervisor. With `MPMETRICS_HEAP_INHERIT=0`
 *    the process starts a tree of its own instead: it takes only the heap of an ancestor
 *    that opted out too (none above it, so it makes a fresh one), and its descendants,
 *    which inherit the variable, take its heap and not the ones above it.
 * 4. A fresh heap in the per-user runtime folder.
 *
 * The isolate then sets `MPMETRICS_HEAP` (children that inherit `process.env` attach at
 * step 2) and records the heap under its process (children that do not, at step 3). The
 * heap is detached when the isolate exits; the last isolate out removes the file, and the
 * record goes with the process's last handle on it.
 *
 * @module
 */

import { HeapError, host, native } from "../native/index.ts";
import { defaultFolder } from "./default_folder.ts";
import { Heap, type HeapOptions } from "./heap.ts";

/** The environment variable that carries the default heap's path to children. */
export const heapPathVariable = "MPMETRICS_HEAP";
/**
 * Set to `0` to make a process start a heap tree of its own: it does not take the heap of
 * an ancestor (unless that ancestor opted out too), and its descendants share its heap.
 */
export const heapInheritVariable = "MPMETRICS_HEAP_INHERIT";

let current: Heap | undefined;

/**
 * The default heap, attached on first use (see the module comment for which one).
 *
 * @example
 * ```ts
 * const heap = defaultHeap();
 * console.log(heap.path); // also in process.env.MPMETRICS_HEAP now
 * ```
 */
export function defaultHeap(): Heap {
  if (current !== undefined && !current.closed) return current;
  const path = host.getEnv(heapPathVariable);
  const heap = path !== undefined && path !== "" ? Heap.open({ path }) : inheritedHeap() ?? Heap.open();
  adopt(heap);
  return heap;
}

/**
 * Makes the default heap a specific file, with options, before any metric is created.
 * Sets `MPMETRICS_HEAP` so that children attach to it too. Without `path` it is a fresh
 * heap of this process's own, whatever `MPMETRICS_HEAP` or an ancestor has.
 *
 * @example
 * ```ts
 * configureDefaultHeap({ path: "/dev/shm/myapp.mpm", writerSlotsMax: 128 });
 * ```
 */
export function configureDefaultHeap(options: HeapOptions): Heap {
  if (current !== undefined && !current.closed) {
    throw new Error(`The default heap is already open at ${current.path}: configure it before creating any metric`);
  }
  const heap = Heap.open(options);
  adopt(heap);
  return heap;
}

/** Whether this process opted out of its ancestors' heaps (and starts a tree). */
function optedOut(): boolean {
  return host.getEnv(heapInheritVariable) === "0";
}

function adopt(heap: Heap): void {
  if (host.getEnv(heapPathVariable) !== heap.path) host.setEnv(heapPathVariable, heap.path);
  offerToChildren(heap);
  host.onExit(() => heap.close());
  current = heap;
}

/**
 * The nearest ancestor's heap, or undefined: none recorded, or the heap went away with
 * its processes before this one attached (then a fresh heap is right).
 */
function inheritedHeap(): Heap | undefined {
  let found: { readonly result: number; readonly path: string };
  try {
    found = native.inheritFind(defaultFolder(), optedOut());
  } catch (error) {
    // No usable runtime folder: Heap.open() below reports that with its own error.
    if (error instanceof HeapError) return undefined;
    throw error;
  }
  // A failed walk (an unreadable /proc) leaves this process on a fresh heap, as if it had
  // no ancestor: the walk is a convenience on top of MPMETRICS_HEAP, never a new way to fail.
  if (found.result !== 1) return undefined;
  try {
    return Heap.open({ path: found.path, mode: "attach" });
  } catch (error) {
    if (error instanceof HeapError && (error.code === "not_found" || error.code === "busy")) return undefined;
    throw error;
  }
}

/** Records the heap under this process for children that lack MPMETRICS_HEAP. */
function offerToChildren(heap: Heap): void {
  try {
    native.inheritRegister(heap.handle, defaultFolder(), optedOut());
  } catch (error) {
    // A process on an explicit heap path may have no usable runtime folder; its children
    // still get MPMETRICS_HEAP through the environment.
    if (!(error instanceof HeapError)) throw error;
  }
}
