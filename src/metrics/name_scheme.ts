/**
 * Which metric and label names `new Counter(...)` and the other metric types accept:
 * the legacy character set (the default, as prom-client), or any UTF-8 name, which
 * Prometheus 3 stores as written (client_golang's `model.NameValidationScheme`).
 *
 * The setting is per process and read when a metric is made. Every process that defines
 * a metric with a UTF-8 name must set it (the heap stores the name either way). Scrapers
 * that cannot take UTF-8 names get them escaped (see exposition/name_escaping.ts).
 *
 * @module
 */

/**
 * `"legacy"`: metric names `[a-zA-Z_:][a-zA-Z0-9_:]*`, label names `[a-zA-Z_][a-zA-Z0-9_]*`.
 * `"utf-8"`: any non-empty, well-formed UTF-8 string (no lone surrogates).
 *
 * @example
 * ```ts
 * const scheme: NameValidationScheme = "utf-8";
 * ```
 */
export type NameValidationScheme = "legacy" | "utf-8";

let current: NameValidationScheme = "legacy";

/**
 * Sets which names metrics made from now on in this process accept.
 *
 * @throws {TypeError} for a scheme other than `"legacy"` or `"utf-8"`.
 *
 * @example
 * ```ts
 * setNameValidationScheme("utf-8");
 * new Histogram({ name: "http.server.duration", help: "Latency.", labelNames: ["http.route"] });
 * ```
 */
export function setNameValidationScheme(scheme: NameValidationScheme): void {
  if (scheme !== "legacy" && scheme !== "utf-8") {
    throw new TypeError(`Unknown name validation scheme ${JSON.stringify(scheme)}: use "legacy" or "utf-8"`);
  }
  current = scheme;
}

/**
 * The scheme set by {@linkcode setNameValidationScheme}; `"legacy"` until it is called.
 *
 * @example
 * ```ts
 * nameValidationScheme(); // "legacy"
 * ```
 */
export function nameValidationScheme(): NameValidationScheme {
  return current;
}

/**
 * Whether `name` is non-empty and well-formed UTF-16 (so it encodes to valid UTF-8).
 *
 * @example
 * ```ts
 * isUtf8Name("http.server.duration"); // true
 * isUtf8Name("a\ud800"); // false: a lone surrogate
 * ```
 */
export function isUtf8Name(name: string): boolean {
  // In a `u` regular expression a surrogate pair is one code point: only lone halves match.
  return name.length > 0 && !loneSurrogate.test(name);
}

const loneSurrogate = /[\uD800-\uDFFF]/u;
