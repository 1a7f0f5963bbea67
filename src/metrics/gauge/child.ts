/**
 * The handle of one gauge series, whatever its mode: what `labels(...)` returns.
 *
 * @module
 */

import { host } from "../../native/index.ts";
import { checkNumber } from "../validate.ts";

/** The timers' clock (ms, arbitrary origin): the cheaper of performance.now() and the FFI one on this runtime. */
const monotonicMs = host.monotonicMs;

/**
 * One label set of a gauge.
 *
 * @example
 * ```ts
 * const busy = workers.labels("mail");
 * busy.inc();
 * busy.dec();
 * ```
 */
export abstract class GaugeChild {
  /** Sets the value; any number, NaN and infinities included. */
  abstract set(value: number): void;
  /** Adds `value` (default 1); it must be finite. */
  abstract inc(value?: number): void;
  /** Subtracts `value` (default 1); it must be finite. */
  abstract dec(value?: number): void;
  /**
   * The value the scrape shows for this series now (all processes). In mode `"pid"`, the
   * value of this process's series. NaN when the scrape shows none (`"min"`, `"max"`,
   * `"mostrecent"`, `"pid"` before any update).
   */
  abstract get(): number;

  /** Sets the value to the current Unix time in seconds. */
  setToCurrentTime(): void {
    this.set(Date.now() / 1000);
  }

  /**
   * Starts a timer; the returned function sets the gauge to the seconds elapsed and returns them.
   *
   * @example
   * ```ts
   * const end = lastRun.startTimer();
   * await run();
   * end();
   * ```
   */
  startTimer(): () => number {
    const start = monotonicMs();
    return () => {
      const seconds = (monotonicMs() - start) / 1000;
      this.set(seconds);
      return seconds;
    };
  }
}

/**
 * The error for a gauge update's bad value (cold path: the hot paths test the value
 * inline and call this only when it fails). `finite`: `inc`/`dec`, which refuse NaN and
 * infinities; `set` takes any number.
 *
 * @example
 * ```ts
 * if (typeof value !== "number") throw badGaugeValue("depth", "set gauge", value, false);
 * ```
 */
export function badGaugeValue(name: string, action: string, value: unknown, finite: boolean): Error {
  try {
    checkNumber(name, action, value, finite);
  } catch (error) {
    return error as Error;
  }
  return new TypeError(`Gauge "${name}" got a valid value ${String(value)} reported as bad: a bug in mpmetrics`);
}
