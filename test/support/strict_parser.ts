/**
 * Python's strict OpenMetrics parser (client_python's `text_string_to_metric_families`,
 * installed by scripts/install_validators.mjs into .tools/python), for tests that must
 * show an OpenMetrics body is valid and read its samples back.
 */

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { packageRoot } from "./runtimes.ts";

/** A family as the parser read it: its samples as `[name, labels, value]`. */
export interface ParsedFamily {
  name: string;
  type: string;
  samples: [string, Record<string, string>, number][];
}

/**
 * Parses an OpenMetrics body with the strict parser; the calling test fails with the
 * parser's error when it refuses the body.
 *
 * @example
 * ```ts
 * const families = strictParse(await registry.metrics());
 * ```
 */
export function strictParse(body: string): ParsedFamily[] {
  const script = [
    "import json, sys",
    "from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse",
    "print(json.dumps([{'name': f.name, 'type': f.type, 'samples': [[s.name, s.labels, s.value] for s in f.samples]} for f in parse(sys.stdin.read())]))",
  ].join("\n");
  const run = spawnSync("python3", ["-c", script], {
    input: body,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024, // the parsed samples of a scrape of thousands of series
    env: { ...process.env, PYTHONPATH: join(packageRoot, ".tools", "python") },
  });
  assert.equal(run.status, 0, `the strict parser refused:\n${body}\n${run.stderr ?? run.error}`);
  return JSON.parse(run.stdout) as ParsedFamily[];
}

/**
 * Runs the strict parser on each of `bodies` in one Python process; per body, the
 * parser's error, or undefined when it accepts the body.
 *
 * @example
 * ```ts
 * const [error] = strictErrors([await registry.metrics()]);
 * ```
 */
export function strictErrors(bodies: readonly string[]): (string | undefined)[] {
  const script = [
    "import json, sys",
    "from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse",
    "out = []",
    "for body in json.load(sys.stdin):",
    "    try:",
    "        list(parse(body))",
    "        out.append(None)",
    "    except Exception as e:",
    "        out.append(type(e).__name__ + ': ' + str(e))",
    "print(json.dumps(out))",
  ].join("\n");
  const run = spawnSync("python3", ["-c", script], {
    input: JSON.stringify(bodies),
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, PYTHONPATH: join(packageRoot, ".tools", "python") },
  });
  assert.equal(run.status, 0, `the strict parser did not run:\n${run.stderr ?? run.error}`);
  return (JSON.parse(run.stdout) as (string | null)[]).map((error) => error ?? undefined);
}
