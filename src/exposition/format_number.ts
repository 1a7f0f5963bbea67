/**
 * Number rendering for the exposition formats.
 *
 * Two renderings are needed:
 * - `le` and `quantile` label values are strings that Prometheus stores as given, so one
 *   number must always have one spelling. OpenMetrics asks for Go's `%g` with the shortest
 *   round-trip digits and `.0` appended when there is neither a point nor an exponent
 *   (client_golang's `writeOpenMetricsFloat`): {@linkcode formatLabelNumber}.
 * - Sample values, created timestamps and exemplars only have to parse back to the same
 *   double: {@linkcode formatSampleValue}.
 *
 * @module
 */

/**
 * Formats `value` like Go's `strconv.FormatFloat(value, 'g', -1, 64)`: the shortest digits
 * that round-trip, in fixed notation when the decimal exponent is in [-4, 6) and in
 * exponent notation (`1e+06`, `1.5e-05`, at least two exponent digits) otherwise.
 * Go's `ftoa.go` fixes the switch-over at precision 6 when the precision is "shortest";
 * JavaScript's own switch-over (at 1e21 and 1e-7) differs, hence this function.
 *
 * @example
 * ```ts
 * formatGoFloat(100000); // "100000"
 * formatGoFloat(1000000); // "1e+06"
 * formatGoFloat(0.00001); // "1e-05"
 * formatGoFloat(Infinity); // "+Inf"
 * ```
 */
export function formatGoFloat(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  if (value === 0) return Object.is(value, -0) ? "-0" : "0";
  // toExponential() with no argument yields the shortest round-trip digits, as String()
  // does, but always as `d.ddde±x`, which gives the digits and the exponent directly.
  const exponential = value.toExponential();
  const sign = value < 0 ? "-" : "";
  const e = exponential.indexOf("e");
  const mantissa = exponential.slice(sign.length, e);
  const exponent = Number(exponential.slice(e + 1));
  const digits = mantissa.length > 1 ? mantissa[0] + mantissa.slice(2) : mantissa;
  if (exponent < -4 || exponent >= 6) {
    const magnitude = Math.abs(exponent);
    const exponentText = (exponent < 0 ? "-" : "+") + (magnitude < 10 ? "0" : "") + magnitude;
    return `${sign}${mantissa}e${exponentText}`;
  }
  if (exponent < 0) return `${sign}0.${"0".repeat(-exponent - 1)}${digits}`;
  const integerDigits = exponent + 1;
  if (digits.length <= integerDigits) return sign + digits + "0".repeat(integerDigits - digits.length);
  return `${sign}${digits.slice(0, integerDigits)}.${digits.slice(integerDigits)}`;
}

/**
 * Formats an `le` or `quantile` label value canonically, as OpenMetrics asks: Go's `%g`
 * ({@linkcode formatGoFloat}) with `.0` appended when the result has neither a point nor an
 * exponent. Zero is `0.0` whatever its sign, as in client_golang.
 *
 * @example
 * ```ts
 * formatLabelNumber(1); // "1.0"
 * formatLabelNumber(0.005); // "0.005"
 * formatLabelNumber(1e6); // "1e+06"
 * formatLabelNumber(Infinity); // "+Inf"
 * ```
 */
export function formatLabelNumber(value: number): string {
  // Bucket bounds and quantiles are few and repeat in every series of every scrape.
  let text = labelNumbers.get(value);
  if (text === undefined) {
    text = canonicalLabelNumber(value);
    if (labelNumbers.size >= LABEL_NUMBERS_CACHED_MAX) labelNumbers.clear();
    labelNumbers.set(value, text);
  }
  return text;
}

/**
 * Canonical spellings already made by {@linkcode formatLabelNumber}, by value (a Map
 * compares with SameValueZero: -0 and 0 share `0.0`, as they must). Bounded, because
 * native histograms' bounds are not few.
 */
const labelNumbers = new Map<number, string>();
const LABEL_NUMBERS_CACHED_MAX = 4096;

function canonicalLabelNumber(value: number): string {
  if (value === 0) return "0.0";
  const text = formatGoFloat(value);
  if (!Number.isFinite(value) || text.includes(".") || text.includes("e")) return text;
  return `${text}.0`;
}

/**
 * Formats a sample value (or a timestamp): integers without a point (`3`, `-2`), other
 * finite values in JavaScript's shortest round-trip form (`0.25`, `1e-7`, `1e+21`),
 * and `NaN`, `+Inf`, `-Inf`. Every form is a valid OpenMetrics number, and both
 * Python's parser and Go's `strconv.ParseFloat` (promtool, Prometheus) read it back to
 * the same double. Negative zero is written `0`.
 *
 * @example
 * ```ts
 * formatSampleValue(3); // "3"
 * formatSampleValue(0.1); // "0.1"
 * formatSampleValue(-Infinity); // "-Inf"
 * ```
 */
export function formatSampleValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}
