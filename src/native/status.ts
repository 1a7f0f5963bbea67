/**
 * Status codes of the C ABI (zig/ABI.md) and the typed error they become.
 *
 * @module
 */

/** Status names in code order; index = code. Keep in step with zig/src/status.zig. */
const statusNames = [
  "ok",
  "invalid_argument",
  "not_found",
  "already_exists",
  "insecure",
  "not_a_heap",
  "version_mismatch",
  "layout_mismatch",
  "truncated",
  "corrupt",
  "heap_full",
  "no_space",
  "io_error",
  "no_free_slot",
  "bad_handle",
  "too_many_handles",
  "symlink",
  "busy",
  "path_too_long",
  "lock_timeout",
] as const;

/** A status name such as `"not_a_heap"`. */
export type StatusName = (typeof statusNames)[number];

const explanations: Record<StatusName, string> = {
  ok: "no error",
  invalid_argument: "an argument was out of range (a bug in mpmetrics; please report it)",
  not_found: "no heap file exists at that path",
  already_exists: "a file already exists at that path",
  insecure:
    "the file or its folder is not owned by this user or is readable by others (heap files must be mode 0600); remove it or choose another path",
  not_a_heap: "the file is not an mpmetrics heap (wrong magic number); remove it or choose another path",
  version_mismatch: "the heap was made by another format version of mpmetrics; stop the processes using it or choose another path",
  layout_mismatch: "the heap was made on a machine or libc with another memory layout",
  truncated: "the heap file is shorter than its header says (truncated or damaged); remove it",
  corrupt: "the heap header is inconsistent (damaged); remove the file",
  heap_full: "the heap reached its maximum size; raise the maximum or lower label cardinality",
  no_space:
    "the file system holding the heap is full (a small /dev/shm: Docker and Kubernetes give 64 MiB); set MPMETRICS_HEAP to a path on a larger tmpfs, " +
    "or give the container more shared memory (docker run --shm-size=512m; Kubernetes: an emptyDir volume with medium Memory on /dev/shm). " +
    "Existing series keep working",
  io_error: "a system call failed",
  no_free_slot: "every writer slot is held by a live process or thread; raise writerSlotsMax when creating the heap",
  bad_handle: "the heap is closed",
  too_many_handles: "this process has too many heaps open (64 at most)",
  symlink: "the path is a symbolic link, which heap files may not be",
  busy: "the heap file kept being removed while attaching; try again",
  path_too_long: "the path is too long",
  lock_timeout:
    "another process held the heap lock for longer than the lock timeout (it may be stopped, traced or frozen); resume or end it, or raise lockTimeoutMs",
};

/**
 * An error from the native core, with the ABI status name in `code`.
 *
 * @example
 * ```ts
 * try { openHeap({ path: "/tmp/not-a-heap" }); }
 * catch (e) { if (e instanceof HeapError && e.code === "not_a_heap") console.error(e.message, e.offset); }
 * ```
 */
export class HeapError extends Error {
  /** The ABI status name. */
  readonly code: StatusName;
  /** Byte offset in the heap file of the damaged field or record, when one is known. */
  readonly offset: number | undefined;
  constructor(code: StatusName, message: string, offset?: number) {
    super(message);
    this.name = "HeapError";
    this.code = code;
    this.offset = offset;
  }
}

/** The name of a status code (`1` -> `"invalid_argument"`). */
export function statusName(code: number): StatusName {
  return statusNames[code] ?? "io_error";
}

/**
 * Turns a negative ABI result into a {@link HeapError}; returns non-negative results as they are.
 *
 * @example
 * ```ts
 * const handle = check(native.heapOpen(path, 2, size, max, 64), `attach heap ${path}`);
 * ```
 */
export function check(result: number, action: string): number {
  if (result >= 0) return result;
  const code = statusName(-result);
  throw new HeapError(code, `Cannot ${action}: ${explanations[code]} (status ${code})`);
}
