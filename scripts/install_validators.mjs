#!/usr/bin/env node
// Installs the two exposition validators that no one here wrote, for
// src/exposition/validators.test.ts:
//
// - Python's `prometheus_client` (its strict OpenMetrics parser), pinned, into
//   .tools/python; tests put that folder on PYTHONPATH.
// - Debian's `prometheus` package, for /usr/bin/promtool (`promtool check metrics`) and
//   /usr/bin/prometheus, when `promtool` is not on PATH.
// - Debian's `prometheus-pushgateway` package (/usr/bin/prometheus-pushgateway), for
//   src/edges/pushgateway.test.ts, when it is not on PATH.
//
// Idempotent and quick once done. Node built-ins only. Runs as a CLI
// (`node scripts/install_validators.mjs`) and exports `installValidators()` for a test runner.

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const PROMETHEUS_CLIENT_VERSION = "0.26.0";
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
/** The folder that holds `prometheus_client`; put it on PYTHONPATH. */
export const pythonPath = join(root, ".tools", "python");
const stamp = join(pythonPath, `.prometheus_client-${PROMETHEUS_CLIENT_VERSION}`);

function log(message) {
  console.error(`[install_validators] ${message}`);
}

/** The absolute path of `command` on PATH, or undefined. */
export function which(command) {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir !== "" && existsSync(join(dir, command))) return join(dir, command);
  }
  return undefined;
}

function installPythonClient() {
  if (existsSync(stamp) && existsSync(join(pythonPath, "prometheus_client", "openmetrics", "parser.py"))) {
    return;
  }
  log(`installing prometheus_client==${PROMETHEUS_CLIENT_VERSION} into ${pythonPath}`);
  // A clean target: pip --target does not replace an older version's files reliably.
  rmSync(pythonPath, { recursive: true, force: true });
  mkdirSync(pythonPath, { recursive: true });
  execFileSync("python3", [
    "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-warn-script-location",
    "--no-deps", "--target", pythonPath, `prometheus_client==${PROMETHEUS_CLIENT_VERSION}`,
  ], { stdio: "inherit" });
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
}

/** Installs Debian packages with apt-get, with every service start refused meanwhile. */
function aptInstall(packages) {
  log(`installing Debian's ${packages.join(", ")} with apt-get`);
  const asRoot = typeof process.getuid === "function" && process.getuid() === 0;
  const sudo = (args) => (asRoot ? args : ["sudo", ...args]);
  // The packages' maintainer scripts would start their services: refuse all service
  // starts for the duration, so the install neither hangs nor leaves a server running.
  // policy-rc.d is only written when there is none, and removed afterwards.
  const policy = "/usr/sbin/policy-rc.d";
  const ownPolicy = !existsSync(policy) && asRoot;
  if (ownPolicy) writeFileSync(policy, "#!/bin/sh\nexit 101\n", { mode: 0o755 });
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive", NEEDRESTART_MODE: "a" };
  const run = (args) => {
    const [command, ...rest] = sudo(args);
    execFileSync(command, rest, { stdio: "inherit", env, timeout: 900_000 });
  };
  try {
    run(["apt-get", "-o", "DPkg::Lock::Timeout=600", "update", "-q"]);
    run(["apt-get", "-o", "DPkg::Lock::Timeout=600", "install", "-y", "-q", "--no-install-recommends", ...packages]);
  } finally {
    if (ownPolicy) rmSync(policy, { force: true });
  }
}

/** The Debian package that provides each command the tests run. */
const debianPackages = [
  ["promtool", "prometheus"],
  ["prometheus-pushgateway", "prometheus-pushgateway"],
];

function installDebianTools() {
  const missing = debianPackages.filter(([command]) => !which(command));
  if (missing.length === 0) return;
  aptInstall(missing.map(([, pkg]) => pkg));
  for (const [command, pkg] of missing) {
    if (!which(command)) throw new Error(`apt-get installed ${pkg} but ${command} is still not on PATH`);
  }
}

/** Checks that both validators run; throws with the failing command's output otherwise. */
function check() {
  execFileSync("python3", ["-c", "import prometheus_client.openmetrics.parser"], {
    env: { ...process.env, PYTHONPATH: pythonPath },
    stdio: ["ignore", "ignore", "inherit"],
  });
  execFileSync("promtool", ["--version"], { stdio: ["ignore", "ignore", "inherit"] });
  execFileSync("prometheus-pushgateway", ["--version"], { stdio: ["ignore", "ignore", "inherit"] });
}

/** Installs what is missing (idempotent) and checks that both validators run. */
export function installValidators() {
  installPythonClient();
  installDebianTools();
  check();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  installValidators();
  log(`ok: prometheus_client ${PROMETHEUS_CLIENT_VERSION} in ${pythonPath}; promtool at ${which("promtool")}; pushgateway at ${which("prometheus-pushgateway")}`);
}
