/**
 * `nodejs_version_info`: 1 per live process, labelled with the Node.js version the
 * runtime implements (`process.version`; Bun and Deno report the version they are
 * compatible with) and its major, minor and patch numbers.
 *
 * @module
 */

import { processStats } from "../../native/process_stats.ts";
import { type DefaultMetricsContext, perProcessGauge, setOwn } from "./_context.ts";

/**
 * Creates the version gauge and sets this process's series.
 *
 * @example
 * ```ts
 * nodeVersion(context);
 * ```
 */
export function nodeVersion(context: DefaultMetricsContext): void {
  const { version } = processStats();
  const [major, minor, patch] = version.replace(/^v/, "").split(".").map(Number);
  const gauge = perProcessGauge(context, "nodejs_version_info", "Node.js version info.", ["version", "major", "minor", "patch"]);
  setOwn(context, gauge, 1, { version, major, minor, patch });
}
