/**
 * The modes of a gauge: how the values of several processes (isolates: processes and
 * worker threads) combine, how a configuration names one (`mode`, or prom-client's
 * `aggregator`), and how a descriptor records it.
 *
 * @module
 */

import type { MetricConfiguration, MetricDescriptor } from "../metric.ts";

/**
 * How a gauge combines the values of several processes (isolates: processes and worker
 * threads).
 *
 * - `"shared"` (default): one value for everyone. `set` from any process replaces it,
 *   `inc`/`dec` from any process add to it, exactly (see gauge/shared.ts).
 * - `"sum"`: every process has its own value; the scrape shows their sum over every
 *   process that ever wrote, dead ones included (a dead process's last value stays).
 * - `"livesum"`: the sum over live processes; a dead process's value drops out.
 * - `"min"` / `"max"`: the smallest / largest value of the live processes that have
 *   updated the series (NaN if one of them is NaN); when there are none, the series is
 *   left out of the scrape.
 * - `"mostrecent"`: the value of the latest update, by any process, dead ones included.
 *   Each update stamps the writer's own value with `Date.now()`; on a tie (two processes
 *   in the same millisecond) the writer in the lower writer slot wins. `inc`/`dec` move
 *   the writer's own value (which starts at 0), not the value shown. A series no process
 *   has updated is left out.
 * - `"pid"`: one series per live process that has updated the series, with a label
 *   `pid="<process id>"` added at scrape time and that process's value (its worker
 *   threads' values add up into it). `pid` is then a reserved label name.
 *
 * @example
 * ```ts
 * const mode: GaugeMode = "livesum";
 * new Gauge({ name: "busy_workers", help: "Busy workers.", mode });
 * ```
 */
export type GaugeMode = "shared" | "sum" | "livesum" | "min" | "max" | "mostrecent" | "pid";

/**
 * Every gauge mode, in the order error messages list them.
 *
 * @example
 * ```ts
 * if (!gaugeModes.includes(process.env.GAUGE_MODE as GaugeMode)) throw new Error("unknown mode");
 * ```
 */
export const gaugeModes: readonly GaugeMode[] = ["shared", "sum", "livesum", "min", "max", "mostrecent", "pid"];

/**
 * prom-client's `aggregator` values that have an equivalent mode. prom-client's cluster
 * mode sums the values of the workers that answer, so a dead worker's value drops out:
 * `"sum"` is mode `"livesum"`. `"min"` and `"max"` are the modes of the same names.
 * prom-client's `"first"`, `"average"` and `"omit"` have none and are refused.
 *
 * @example
 * ```ts
 * new Gauge({ name: "queue_depth", help: "Jobs queued.", aggregator: "max" }); // mode "max"
 * ```
 */
export type GaugeAggregator = "sum" | "min" | "max";

const aggregatorModes: Readonly<Record<string, GaugeMode>> = { sum: "livesum", min: "min", max: "max" };

/**
 * Options of a {@link Gauge}: prom-client's, plus `mode`.
 *
 * @example
 * ```ts
 * const config: GaugeConfiguration<"queue"> = { name: "depth", help: "Depth.", labelNames: ["queue"], mode: "max" };
 * ```
 */
export interface GaugeConfiguration<T extends string> extends MetricConfiguration<T> {
  /** How the values of several processes combine; default `"shared"`. See {@link GaugeMode}. */
  readonly mode?: GaugeMode;
  /** prom-client's name for the mode (see {@link GaugeAggregator}); may be given instead of `mode`. */
  readonly aggregator?: GaugeAggregator;
}

function quoted(values: readonly string[]): string {
  return values.map((value) => `"${value}"`).join(", ");
}

/**
 * The mode a configuration asks for; throws before anything is made when it is not one.
 *
 * @example
 * ```ts
 * gaugeModeOf({ name: "depth", aggregator: "max" }); // "max"
 * ```
 */
export function gaugeModeOf(config: Pick<GaugeConfiguration<string>, "name" | "mode" | "aggregator"> | undefined): GaugeMode {
  if (config === null || typeof config !== "object") return "shared"; // the base class reports it
  const name = String(config.name);
  const { mode, aggregator } = config;
  if (mode !== undefined && !gaugeModes.includes(mode)) {
    throw new TypeError(`mode of gauge "${name}" must be one of ${quoted(gaugeModes)}, got ${JSON.stringify(mode)}`);
  }
  if (aggregator === undefined) return mode ?? "shared";
  const fromAggregator = Object.hasOwn(aggregatorModes, aggregator) ? aggregatorModes[aggregator] : undefined;
  if (fromAggregator === undefined) {
    throw new TypeError(
      `aggregator of gauge "${name}" must be "sum" (mode "livesum"), "min" or "max", got ${JSON.stringify(aggregator)}; ` +
        `prom-client's "first", "average" and "omit" have no equivalent here: give a mode instead, one of ${quoted(gaugeModes)}`,
    );
  }
  if (mode !== undefined && mode !== fromAggregator) {
    throw new TypeError(`gauge "${name}" got mode "${mode}" and aggregator "${aggregator}", which means mode "${fromAggregator}": give one of them`);
  }
  return fromAggregator;
}

/**
 * The mode of a descriptor (a shared gauge's settings are empty, as before modes existed).
 *
 * @example
 * ```ts
 * modeOf(gauge.descriptor); // "shared"
 * ```
 */
export function modeOf(descriptor: MetricDescriptor): GaugeMode {
  return (descriptor.settings.mode as GaugeMode | undefined) ?? "shared";
}
