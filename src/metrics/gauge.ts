/**
 * Gauge: a value that goes up and down, combined over processes in one of seven modes.
 * The code is in gauge/ (one file per mode family); this module keeps the imports of
 * `metrics/gauge.ts` valid.
 *
 * @module
 */

export { Gauge } from "./gauge/gauge.ts";
export { GaugeChild } from "./gauge/child.ts";
export { type GaugeAggregator, type GaugeConfiguration, type GaugeMode, gaugeModes } from "./gauge/modes.ts";
