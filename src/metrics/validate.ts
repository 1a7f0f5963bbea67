/**
 * Validation of names, labels and values, with messages that say what was expected and
 * what was given. Everything here runs before the heap is touched, so bad input changes
 * nothing.
 *
 * @module
 */

import { isUtf8Name, nameValidationScheme } from "./name_scheme.ts";

const metricNamePattern = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelNamePattern = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Whether `name` is a valid metric name. */
export function isMetricName(name: unknown): boolean {
  if (typeof name !== "string") return false;
  return nameValidationScheme() === "utf-8" ? isUtf8Name(name) : metricNamePattern.test(name);
}

/** Throws a TypeError unless `name` is a valid metric name. */
export function checkMetricName(name: unknown): string {
  if (name === undefined) throw new TypeError("Missing mandatory name parameter: a metric needs a name (a string such as \"http_requests\")");
  if (typeof name !== "string") throw new TypeError(`Invalid metric name: a metric name must be a string, got ${typeof name}`);
  if (nameValidationScheme() === "utf-8") {
    if (!isUtf8Name(name)) throw new TypeError(`Invalid metric name ${JSON.stringify(name)}: under the "utf-8" name scheme it must be a non-empty, well-formed string`);
  } else if (!metricNamePattern.test(name)) {
    throw new TypeError(`Invalid metric name "${name}": it must match [a-zA-Z_:][a-zA-Z0-9_:]*`);
  }
  return name;
}

/** Throws unless `labelNames` is an array of distinct valid label names that `reserved` does not hold. */
export function checkLabelNames(metric: string, labelNames: unknown, reserved: readonly string[]): string[] {
  if (labelNames === undefined) return [];
  if (!Array.isArray(labelNames)) throw new TypeError(`labelNames of "${metric}" must be an array of strings`);
  const seen = new Set<string>();
  const utf8 = nameValidationScheme() === "utf-8";
  for (const label of labelNames) {
    if (utf8 && (typeof label !== "string" || !isUtf8Name(label))) {
      throw new TypeError(`Invalid label name ${JSON.stringify(label)} for "${metric}": under the "utf-8" name scheme it must be a non-empty, well-formed string`);
    }
    if (!utf8 && (typeof label !== "string" || !labelNamePattern.test(label))) {
      throw new TypeError(`Invalid label name ${JSON.stringify(label)} for "${metric}": it must match [a-zA-Z_][a-zA-Z0-9_]*`);
    }
    if (label.startsWith("__")) throw new TypeError(`Invalid label name "${label}" for "${metric}": names starting with __ are reserved`);
    if (reserved.includes(label)) throw new TypeError(`Invalid label name "${label}" for "${metric}": it is reserved for this metric type`);
    if (seen.has(label)) throw new TypeError(`Label name "${label}" appears twice in labelNames of "${metric}"`);
    seen.add(label);
  }
  return [...labelNames];
}

/**
 * Throws unless `help` is a string; returns it well-formed (lone surrogates as U+FFFD,
 * what its UTF-8 in the exposition and in the shared descriptor holds either way).
 *
 * @example
 * ```ts
 * checkHelp("jobs", "Jobs done."); // "Jobs done."
 * ```
 */
export function checkHelp(metric: string, help: unknown): string {
  if (help === undefined) throw new TypeError(`Missing mandatory help parameter: help of "${metric}" must be a string, got undefined`);
  if (typeof help !== "string") throw new TypeError(`help of "${metric}" must be a string, got ${typeof help}`);
  return help.toWellFormed();
}

/**
 * A label value as prom-client accepts it: a string or a number (stored as its string).
 * A string is made well-formed first (each lone surrogate becomes U+FFFD), as the UTF-8
 * of the exposition will have it: `"\ud800"`, `"\udfff"` and `"\ufffd"` are one series.
 *
 * @example
 * ```ts
 * labelValueString("jobs", "queue", "a\ud800"); // "a\ufffd"
 * ```
 */
export function labelValueString(metric: string, label: string, value: unknown): string {
  if (typeof value === "string") return value.toWellFormed();
  if (typeof value === "number") return String(value);
  throw new TypeError(`Label "${label}" of "${metric}" must be a string or a number, got ${value === null ? "null" : typeof value}`);
}

/** prom-client's rendering of a label-name list in its messages (`util.inspect`). */
export function inspectNames(names: readonly string[]): string {
  return names.length === 0 ? "[]" : `[ ${names.map((name) => `'${name}'`).join(", ")} ]`;
}

/** The error for a counter increment that is negative or not finite (prom-client's words first). */
export function badIncrement(metric: string, value: unknown): Error {
  if (typeof value !== "number") return new TypeError(`Value is not a valid number: ${String(value)}. Cannot increment counter "${metric}" by ${String(value)}: increments must be numbers`);
  if (value < 0) return new RangeError(`It is not possible to decrease a counter. Cannot increment counter "${metric}" by ${value}: increments must be finite and >= 0`);
  return new RangeError(`Value is not a valid number: ${value}. Cannot increment counter "${metric}" by ${value}: increments must be finite and >= 0`);
}

/** Throws unless `value` is a number; `finite` also rejects NaN and infinities. */
export function checkNumber(metric: string, action: string, value: unknown, finite: boolean): number {
  const what = action.startsWith("increment") || action.startsWith("decrement") ? "Delta" : "Value"; // prom-client's words
  if (typeof value !== "number") throw new TypeError(`${what} is not a valid number: ${String(value)}. Cannot ${action} "${metric}" with ${String(value)}: the value must be a number`);
  if (finite && !Number.isFinite(value)) throw new RangeError(`${what} is not a valid number: ${value}. Cannot ${action} "${metric}" with ${value}: the value must be finite`);
  return value;
}
