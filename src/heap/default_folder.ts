/**
 * The per-user runtime folder where default heaps live and where each process records
 * its heap for children that lack `MPMETRICS_HEAP` (see default_heap.ts).
 *
 * Linux: `/dev/shm/mpmetrics-<uid>` (elsewhere `$TMPDIR` or `/tmp`), or under the folder
 * named by `MPMETRICS_RUNTIME_DIR`. When that name is taken by something this user cannot
 * use securely (another user's folder, a symbolic link, a folder open to others), the
 * native core picks a private `mpmetrics-<uid>-<16 hex>` beside it, the same one for
 * every process of the user, and this module warns once per process.
 *
 * @module
 */

import { check, host, native } from "../native/index.ts";

/** The environment variable naming the shared folder (like /dev/shm) to make the per-user folder in. */
export const runtimeDirVariable = "MPMETRICS_RUNTIME_DIR";

let resolved: { parent: string; folder: string } | undefined;

/**
 * The per-user runtime folder, made if missing (checked private: mode 0700, this user's).
 * Throws a HeapError when no folder can be made at all, a TypeError when
 * `MPMETRICS_RUNTIME_DIR` is not an absolute path.
 *
 * @example
 * ```ts
 * console.log(defaultFolder()); // "/dev/shm/mpmetrics-1000"
 * ```
 */
export function defaultFolder(): string {
  const parent = host.getEnv(runtimeDirVariable) ?? "";
  if (resolved !== undefined && resolved.parent === parent) return resolved.folder;
  if (parent !== "" && !parent.startsWith("/")) {
    throw new TypeError(`${runtimeDirVariable} must be an absolute path, got ${JSON.stringify(parent)}`);
  }
  const { result, path } = native.defaultDir(parent);
  check(result, `make the per-user runtime folder${parent === "" ? "" : ` in ${parent}`}`);
  if (result === 1) warnFallback(path);
  resolved = { parent, folder: path };
  return path;
}

function warnFallback(folder: string): void {
  const usual = folder.slice(0, folder.lastIndexOf("-"));
  console.warn(
    `mpmetrics: ${usual} cannot be used securely (it belongs to another user, is a symbolic link, or is open to group or others); ` +
      `default heaps use the private folder ${folder} instead. Remove ${usual} (or make it a 0700 folder of this user) to silence this, ` +
      `or set MPMETRICS_HEAP to a heap path.`,
  );
}
