/**
 * Which native library to load, chosen at run time from {platform, arch, libc}:
 *
 * 1. `MPMETRICS_NATIVE_LIB` when set (an absolute path);
 * 2. a library embedded into a Bun bundle or single-file executable (the package's `bun`
 *    entry registers one per target with {@link registerEmbeddedLibraries});
 * 3. `prebuilds/<platform>-<arch>[-<libc>]/libmpmetrics.<ext>` at the package root;
 * 4. the same `prebuilds/…` folder beside the running module, for a bundle moved with it.
 *
 * @module
 */

/** What picks the prebuilt library for this machine. */
export interface PlatformDescriptor {
  readonly platform: "linux" | "darwin";
  readonly arch: "x64" | "arm64";
  /** Linux only. */
  readonly libc?: "gnu" | "musl";
}

/**
 * Folder name of a descriptor, as the prebuilds/ folder names it.
 *
 * @example
 * ```ts
 * descriptorFolder({ platform: "linux", arch: "x64", libc: "musl" }); // "linux-x64-musl"
 * ```
 */
export function descriptorFolder(d: PlatformDescriptor): string {
  return d.libc ? `${d.platform}-${d.arch}-${d.libc}` : `${d.platform}-${d.arch}`;
}

/**
 * File name of the shared library on a platform.
 *
 * @example
 * ```ts
 * libraryFileName("darwin"); // "libmpmetrics.dylib"
 * ```
 */
export function libraryFileName(platform: PlatformDescriptor["platform"]): string {
  return platform === "darwin" ? "libmpmetrics.dylib" : "libmpmetrics.so";
}

const embedded = new Map<string, string>();

/**
 * Records libraries a bundler embedded, by descriptor folder (`linux-x64-gnu`): the
 * package's `bun` entry calls it with paths from `import … with { type: "file" }`, so that
 * `bun build --compile` carries the libraries inside the executable.
 *
 * @example
 * ```ts
 * registerEmbeddedLibraries({ "linux-x64-gnu": "/$bunfs/root/libmpmetrics-1a2b.so" });
 * ```
 */
export function registerEmbeddedLibraries(paths: Readonly<Record<string, string>>): void {
  for (const [folder, path] of Object.entries(paths)) embedded.set(folder, path);
}

/**
 * The library paths to try for this descriptor, best first.
 *
 * @param moduleUrl `import.meta.url` of a module in src/native/ (or its compiled copy in dist/src/native/).
 * @param override the value of `MPMETRICS_NATIVE_LIB`, if set; it must be absolute.
 *
 * @example
 * ```ts
 * libraryCandidates({ platform: "linux", arch: "x64", libc: "gnu" }, import.meta.url, undefined);
 * // ["/…/mpmetrics/prebuilds/linux-x64-gnu/libmpmetrics.so", …]
 * ```
 */
export function libraryCandidates(d: PlatformDescriptor, moduleUrl: string, override: string | undefined): string[] {
  if (override !== undefined && override !== "") {
    if (!override.startsWith("/")) {
      throw new TypeError(`MPMETRICS_NATIVE_LIB must be an absolute path to libmpmetrics, got "${override}"`);
    }
    return [override];
  }
  const relative = `prebuilds/${descriptorFolder(d)}/${libraryFileName(d.platform)}`;
  const candidates: string[] = [];
  const embeddedPath = embedded.get(descriptorFolder(d));
  const isFile = moduleUrl.startsWith("file:");
  const here = new URL(".", isFile ? moduleUrl : "file:///");
  if (embeddedPath !== undefined) {
    // `bun build --outdir` writes the path relative to the bundle, whose import.meta.url
    // every bundled module shares; --compile writes an absolute /$bunfs/ path.
    const relativeToBundle = embeddedPath.startsWith("./") || embeddedPath.startsWith("../");
    candidates.push(relativeToBundle && isFile ? decodeURIComponent(new URL(embeddedPath, here).pathname) : embeddedPath);
  }
  if (!isFile) return candidates; // a JSR or https import has no files beside it
  // src/native/x.ts sits two folders below the package root; dist/src/native/x.js three.
  const up = here.pathname.endsWith("/dist/src/native/") ? "../../../" : "../../";
  for (const base of [new URL(up, here), here]) {
    const path = decodeURIComponent(new URL(relative, base).pathname);
    if (!candidates.includes(path)) candidates.push(path);
  }
  return candidates;
}

/**
 * Normalizes the runtime's names for architectures (`x86_64` → `x64`, `aarch64` → `arm64`).
 *
 * @example
 * ```ts
 * normalizeArch("aarch64"); // "arm64"
 * ```
 */
export function normalizeArch(arch: string): PlatformDescriptor["arch"] {
  if (arch === "x64" || arch === "x86_64") return "x64";
  if (arch === "arm64" || arch === "aarch64") return "arm64";
  throw new RangeError(`mpmetrics has no native library for the ${arch} architecture (x64 and arm64 only)`);
}

/**
 * Normalizes a platform name; Linux and macOS only.
 *
 * @example
 * ```ts
 * normalizePlatform("darwin"); // "darwin"
 * ```
 */
export function normalizePlatform(platform: string): PlatformDescriptor["platform"] {
  if (platform === "linux") return "linux";
  if (platform === "darwin") return "darwin";
  throw new RangeError(`mpmetrics has no native library for ${platform} (Linux and macOS only)`);
}

/**
 * Opens the first candidate that `open` accepts, or throws one error that names what was
 * detected, every path looked for (with the loader's reason), and `MPMETRICS_NATIVE_LIB`.
 * Opening is the existence test: it needs no file-system permission (Deno's `--allow-read`),
 * and an embedded path (`/$bunfs/…`) is not on disk at all.
 *
 * @param sourceCheckout whether to suggest `npm run build` (a clone, never an installed package).
 *
 * @example
 * ```ts
 * const lib = openFirst(descriptor, candidates, (path) => dlopen(path, symbols), false);
 * ```
 */
export function openFirst<T>(
  d: PlatformDescriptor,
  candidates: readonly string[],
  open: (path: string) => T,
  sourceCheckout: () => boolean,
): T {
  const failures: string[] = [];
  for (const path of candidates) {
    try {
      return open(path);
    } catch (cause) {
      failures.push(`${path} (${cause instanceof Error ? cause.message : String(cause)})`);
    }
  }
  const hint = sourceCheckout()
    ? "In a clone of mpmetrics, `npm run build` builds it."
    : "If the file is missing from node_modules, reinstall the package.";
  return fail(
    `Cannot load the mpmetrics native library for ${descriptorFolder(d)} ` +
      `(detected platform ${d.platform}, arch ${d.arch}${d.libc ? `, libc ${d.libc}` : ""}). ` +
      `Looked for: ${failures.length === 0 ? "nothing (no file: URL to look beside)" : failures.join("; ")}. ` +
      `Set MPMETRICS_NATIVE_LIB to the absolute path of a libmpmetrics built for this machine ` +
      `(prebuilds/${descriptorFolder(d)}/${libraryFileName(d.platform)} in the npm package). ${hint}`,
  );
}

function fail(message: string): never {
  throw new Error(message);
}

/**
 * Whether the package root above `moduleUrl` is a clone of the repository (it has the Zig
 * sources), where a build step can make the library; an installed package has none.
 *
 * @example
 * ```ts
 * isSourceCheckout(import.meta.url, existsSync);
 * ```
 */
export function isSourceCheckout(moduleUrl: string, exists: (path: string) => boolean): boolean {
  if (!moduleUrl.startsWith("file:")) return false;
  const here = new URL(".", moduleUrl);
  const up = here.pathname.endsWith("/dist/src/native/") ? "../../../" : "../../";
  return exists(decodeURIComponent(new URL(`${up}zig/build.zig`, here).pathname));
}
