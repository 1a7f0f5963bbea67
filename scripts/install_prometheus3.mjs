#!/usr/bin/env node
// Builds the real Prometheus 3 that test/prometheus3_server.test.ts scrapes with, and
// fetches the published metrics.proto that the protobuf tests decode with:
//
// - Prometheus 3.16: `go install github.com/prometheus/prometheus/cmd/prometheus@v0.316.0`
//   from the Go module proxy (about 8 minutes on a 2-core machine the first time), into
//   <cache>/prometheus-v0.316.0/bin, with GOPATH, GOCACHE and GOTMPDIR under <cache>/go.
// - prometheus/client_model v0.6.3 (`go mod download`): io/prometheus/client/metrics.proto.
//
// <cache> is $MPMETRICS_CACHE_DIR or ~/.cache/mpmetrics, outside the clone. Both are
// pinned and reused when present. The Go toolchain is `go` on PATH or /usr/local/go/bin/go.
// Node built-ins only. Runs as a CLI (`node scripts/install_prometheus3.mjs`) and exports
// `installPrometheus3()` for the test runner.

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";

export const PROMETHEUS3_MODULE_VERSION = "v0.316.0"; // Prometheus 3.16
export const CLIENT_MODEL_VERSION = "v0.6.3";
const cacheDir = process.env.MPMETRICS_CACHE_DIR || join(homedir(), ".cache", "mpmetrics");
const goDir = join(cacheDir, "go");
/** The Prometheus 3 binary, once installed. */
export const prometheus3Binary = join(cacheDir, `prometheus-${PROMETHEUS3_MODULE_VERSION}`, "bin", "prometheus");
/** The published metrics.proto (io.prometheus.client), once downloaded. */
export const metricsProtoPath = join(
  goDir, "pkg", "mod", "github.com", "prometheus", `client_model@${CLIENT_MODEL_VERSION}`, "io", "prometheus", "client", "metrics.proto",
);

function log(message) {
  console.error(`[install_prometheus3] ${message}`);
}

function goBinary() {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir !== "" && existsSync(join(dir, "go"))) return join(dir, "go");
  }
  if (existsSync("/usr/local/go/bin/go")) return "/usr/local/go/bin/go";
  throw new Error("The Go toolchain is needed to build Prometheus 3 for the tests: install Go (https://go.dev/dl) or put `go` on PATH");
}

function goEnv(extra) {
  const tmp = join(goDir, "tmp");
  mkdirSync(tmp, { recursive: true });
  return {
    ...process.env,
    GOPATH: goDir,
    GOMODCACHE: join(goDir, "pkg", "mod"),
    GOCACHE: join(goDir, "build-cache"),
    // The build's scratch space outside /tmp, which other jobs may clean meanwhile.
    GOTMPDIR: tmp,
    GOFLAGS: "-modcacherw",
    GOTOOLCHAIN: "local",
    ...extra,
  };
}

function installPrometheus() {
  if (existsSync(prometheus3Binary)) return;
  const bin = join(cacheDir, `prometheus-${PROMETHEUS3_MODULE_VERSION}`, "bin");
  // Built into a staging folder and moved: a build killed halfway leaves no binary behind.
  const staging = `${bin}.partial`;
  mkdirSync(staging, { recursive: true });
  log(`building Prometheus ${PROMETHEUS3_MODULE_VERSION} with go install (about 8 minutes the first time)`);
  const started = Date.now();
  execFileSync(goBinary(), ["install", `github.com/prometheus/prometheus/cmd/prometheus@${PROMETHEUS3_MODULE_VERSION}`], {
    env: goEnv({ GOBIN: staging }),
    stdio: ["ignore", "inherit", "inherit"],
    timeout: 40 * 60_000,
  });
  mkdirSync(bin, { recursive: true });
  renameSync(join(staging, "prometheus"), prometheus3Binary);
  writeFileSync(join(bin, ".built"), `${new Date().toISOString()} in ${Math.round((Date.now() - started) / 1000)} s\n`);
  log(`built ${prometheus3Binary} in ${Math.round((Date.now() - started) / 1000)} s`);
}

function downloadMetricsProto() {
  if (existsSync(metricsProtoPath)) return;
  log(`downloading github.com/prometheus/client_model@${CLIENT_MODEL_VERSION} for metrics.proto`);
  execFileSync(goBinary(), ["mod", "download", `github.com/prometheus/client_model@${CLIENT_MODEL_VERSION}`], {
    env: goEnv({}),
    cwd: goDir,
    stdio: ["ignore", "inherit", "inherit"],
    timeout: 5 * 60_000,
  });
  if (!existsSync(metricsProtoPath)) throw new Error(`go mod download did not leave ${metricsProtoPath}`);
}

/** Installs what is missing (idempotent) and checks that the binary runs. */
export function installPrometheus3() {
  mkdirSync(goDir, { recursive: true });
  downloadMetricsProto();
  installPrometheus();
  execFileSync(prometheus3Binary, ["--version"], { stdio: ["ignore", "ignore", "inherit"] });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  installPrometheus3();
  log(`ok: ${prometheus3Binary}; ${metricsProtoPath}`);
}
