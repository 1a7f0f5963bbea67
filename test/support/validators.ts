/**
 * Both exposition validators on one registry's scrape: the OpenMetrics 1.0 body through
 * Python's strict parser, the text 0.0.4 body through `promtool check metrics` (which
 * may only lint names: see `namingLints`). Installed
 * by scripts/install_validators.mjs; without them the calling test fails.
 */

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { Registry } from "../../src/metrics/registry.ts";
import { join } from "node:path";
import { packageRoot } from "./runtimes.ts";

/**
 * Naming lints (exit 3), which judge the names tests choose, not the body: a counter
 * without `_total` (prom-client's text naming), a type name or another type's suffix
 * in a name (the clash tests define such names on purpose). Anything else fails.
 */
const namingLints = [
  /^[a-zA-Z_:][a-zA-Z0-9_:]* counter metrics should have "_total" suffix$/,
  /^[a-zA-Z_:][a-zA-Z0-9_:]* metric name should not include type '\w+'$/,
  /^[a-zA-Z_:][a-zA-Z0-9_:]* non-[\w -]+ metrics should not have "_\w+" suffix$/,
];

/**
 * Fails the test unless `promtool check metrics` accepts a text 0.0.4 body.
 *
 * @example
 * ```ts
 * promtoolAccepts(await registry.metrics());
 * ```
 */
export function promtoolAccepts(body: string): void {
  const run = spawnSync("promtool", ["check", "metrics"], { input: body, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  assert.equal(run.error, undefined, "promtool must be installed (node scripts/install_validators.mjs)");
  const findings = `${run.stdout}${run.stderr}`.split("\n").map((line) => line.trim()).filter((line) => line !== "");
  assert.ok(run.status === 0 || run.status === 3, `promtool exit ${run.status}: ${findings.join("; ")}\n${body}`);
  assert.deepEqual(findings.filter((finding) => !namingLints.some((lint) => lint.test(finding))), [], `promtool findings:\n${body}`);
}

/** A family as the strict parser read it: its name, type and sample names with their label sets. */
export interface CheckedFamily {
  readonly name: string;
  readonly type: string;
  readonly samples: readonly [name: string, labels: Record<string, string>][];
}

/**
 * Fails the test unless Python's strict OpenMetrics parser accepts the body; returns
 * the families it read (values left out: NaN and infinities are not JSON).
 *
 * @example
 * ```ts
 * const families = strictParserAccepts(body);
 * ```
 */
export function strictParserAccepts(body: string): CheckedFamily[] {
  const script = [
    "import json, sys",
    "from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse",
    "print(json.dumps([{'name': f.name, 'type': f.type, 'samples': [[s.name, s.labels] for s in f.samples]} for f in parse(sys.stdin.read())]))",
  ].join("\n");
  const run = spawnSync("python3", ["-c", script], {
    input: body,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, PYTHONPATH: join(packageRoot, ".tools", "python") },
  });
  assert.equal(run.status, 0, `the strict parser refused:\n${body}\n${run.stderr ?? run.error}`);
  return JSON.parse(run.stdout) as CheckedFamily[];
}

/**
 * Scrapes `registry` in OpenMetrics 1.0 and in text 0.0.4, has both validators accept
 * the bodies, and returns the strict parser's families and both bodies.
 *
 * @example
 * ```ts
 * const { families } = await validScrape(registry);
 * ```
 */
export async function validScrape(registry: Registry): Promise<{ families: CheckedFamily[]; openMetrics: string; text: string }> {
  const before = registry.contentType;
  try {
    registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE as never);
    const openMetrics = String(await registry.metrics());
    registry.setContentType(Registry.PROMETHEUS_CONTENT_TYPE as never);
    const text = String(await registry.metrics());
    const families = strictParserAccepts(openMetrics);
    promtoolAccepts(text);
    return { families, openMetrics, text };
  } finally {
    registry.setContentType(before as never);
  }
}
