/**
 * UTF-8 metric and label names, and their escaping for scrapers that cannot take them.
 *
 * Prometheus 3 stores any UTF-8 name; older scrapers take only the legacy character
 * set (`[a-zA-Z_:][a-zA-Z0-9_:]*`). A scraper says which it wants with an `escaping`
 * parameter in its Accept header (see negotiate.ts):
 *
 * - `allow-utf-8`: names are sent as written; the text formats quote those outside the
 *   legacy set (`{"my.metric",code="200"} 1`).
 * - `underscores` (the default when a scraper names no scheme): every character outside
 *   the legacy set becomes `_` (`my.metric` -> `my_metric`).
 * - `dots`: `_` becomes `__`, `.` becomes `_dot_`, any other character outside the set `__`.
 * - `values`: `U__` then the name with `_` as `__` and any other character outside the
 *   set as `_<hex code point>_` (`my.metric` -> `U__my_2e_metric`), reversible.
 *
 * As prometheus/common's `model.EscapeName` and `EscapeMetricFamily`: a name already in
 * the legacy set is never changed, whatever the scheme (so `dots` leaves `http_requests`
 * alone); label names are tested against the same set as metric names (`:` included).
 *
 * @module
 */

import type { FamilySnapshot, LabelPairs } from "./snapshot.ts";

/**
 * A name escaping scheme, as the `escaping` parameter of an Accept header spells it.
 *
 * @example
 * ```ts
 * const scheme: EscapingScheme = "underscores";
 * ```
 */
export type EscapingScheme = "allow-utf-8" | "underscores" | "dots" | "values";

/**
 * Every scheme, in the spelling of the Accept header's `escaping` parameter.
 *
 * @example
 * ```ts
 * ESCAPING_SCHEMES.includes("dots"); // true
 * ```
 */
export const ESCAPING_SCHEMES: readonly EscapingScheme[] = ["allow-utf-8", "underscores", "dots", "values"];

const legacyMetricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const legacyLabelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Whether `name` is a metric name in the legacy character set `[a-zA-Z_:][a-zA-Z0-9_:]*`,
 * which every scraper and every text format takes unquoted.
 *
 * @example
 * ```ts
 * isLegacyMetricName("http_requests"); // true
 * isLegacyMetricName("http.requests"); // false
 * ```
 */
export function isLegacyMetricName(name: string): boolean {
  return legacyMetricName.test(name);
}

/**
 * Whether `name` is a label name in the legacy character set `[a-zA-Z_][a-zA-Z0-9_]*`.
 *
 * @example
 * ```ts
 * isLegacyLabelName("code"); // true
 * isLegacyLabelName("http.code"); // false
 * ```
 */
export function isLegacyLabelName(name: string): boolean {
  return legacyLabelName.test(name);
}

function isLegacyRune(codePoint: number, index: number): boolean {
  return (codePoint >= 0x61 && codePoint <= 0x7a) || (codePoint >= 0x41 && codePoint <= 0x5a) ||
    codePoint === 0x5f || codePoint === 0x3a || (codePoint >= 0x30 && codePoint <= 0x39 && index > 0);
}

/**
 * Escapes `name` by `scheme` (prometheus/common's `EscapeName`, applied as its
 * `EscapeMetricFamily` applies it: a legacy name is returned as it is). Indexes count
 * UTF-8 bytes, as Go's do, so a digit after a multi-byte first character is kept.
 * A lone surrogate (not well-formed UTF-16) is `_FFFD_` under `values`, `_` or `__` otherwise.
 *
 * @example
 * ```ts
 * escapeName("my.metric", "underscores"); // "my_metric"
 * escapeName("my.metric", "dots"); // "my_dot_metric"
 * escapeName("my.metric", "values"); // "U__my_2e_metric"
 * escapeName("my.metric", "allow-utf-8"); // "my.metric"
 * escapeName("http_requests", "dots"); // "http_requests"
 * ```
 */
export function escapeName(name: string, scheme: EscapingScheme): string {
  if (scheme === "allow-utf-8" || name === "" || legacyMetricName.test(name)) return name;
  let out = scheme === "values" ? "U__" : "";
  let byteIndex = 0;
  for (const char of name) {
    const codePoint = char.codePointAt(0) as number;
    const lone = codePoint >= 0xd800 && codePoint <= 0xdfff;
    if (scheme === "underscores") {
      out += isLegacyRune(codePoint, byteIndex) ? char : "_";
    } else if (codePoint === 0x5f) {
      out += "__";
    } else if (scheme === "dots" && codePoint === 0x2e) {
      out += "_dot_";
    } else if (isLegacyRune(codePoint, byteIndex)) {
      out += char;
    } else if (scheme === "dots") {
      out += "__";
    } else {
      out += lone ? "_FFFD_" : `_${codePoint.toString(16)}_`;
    }
    byteIndex += utf8Length(codePoint, lone);
  }
  return out;
}

function utf8Length(codePoint: number, lone: boolean): number {
  if (lone) return 3; // Go sees U+FFFD's three bytes for an invalid sequence.
  if (codePoint < 0x80) return 1;
  if (codePoint < 0x800) return 2;
  return codePoint < 0x10000 ? 3 : 4;
}

/**
 * A name as the text formats write it under `allow-utf-8`: as it is when it is in the
 * legacy set, else in double quotes with `\`, `"` and line feed escaped.
 *
 * @example
 * ```ts
 * quoteName("code", isLegacyLabelName); // "code"
 * quoteName("http.code", isLegacyLabelName); // '"http.code"'
 * ```
 */
export function quoteName(name: string, isLegacy: (name: string) => boolean): string {
  if (isLegacy(name)) return name;
  return `"${name.replace(/[\\"\n]/g, (char) => (char === "\n" ? "\\n" : `\\${char}`))}"`;
}

/** Names seen by {@linkcode isLegacyCached}: label and metric names are few and repeat every scrape. */
const legacyCache = new Map<string, boolean>();
const LEGACY_CACHE_ENTRIES_MAX = 4096;

function isLegacyCached(name: string): boolean {
  let legacy = legacyCache.get(name);
  if (legacy === undefined) {
    legacy = legacyMetricName.test(name);
    if (legacyCache.size >= LEGACY_CACHE_ENTRIES_MAX) legacyCache.clear();
    legacyCache.set(name, legacy);
  }
  return legacy;
}

/**
 * Whether any family or label name in `families` is outside the legacy set, so that a
 * text serializer must quote (under `allow-utf-8`) or the names must be escaped.
 *
 * @example
 * ```ts
 * hasUtf8Names([{ name: "my.metric", type: "gauge", help: "", series: [] }]); // true
 * ```
 */
export function hasUtf8Names(families: readonly FamilySnapshot[]): boolean {
  for (const family of families) {
    if (!isLegacyCached(family.name)) return true;
    for (const s of family.series) {
      for (const [name] of s.labels) if (!isLegacyCached(name)) return true;
    }
  }
  return false;
}

/**
 * `families` with every family and label name escaped by `scheme` (see
 * {@linkcode escapeName}); the same array when nothing needs it or the scheme is
 * `allow-utf-8`. Label values, HELP and exemplar labels are left as they are, as
 * prometheus/common's `EscapeMetricFamily` leaves them.
 *
 * @example
 * ```ts
 * escapeFamilies([{ name: "my.metric", type: "gauge", help: "", series: [] }], "underscores")[0].name; // "my_metric"
 * ```
 */
export function escapeFamilies(families: readonly FamilySnapshot[], scheme: EscapingScheme): readonly FamilySnapshot[] {
  if (scheme === "allow-utf-8" || !hasUtf8Names(families)) return families;
  return families.map((family) => {
    const series = family.series.map((s: { readonly labels: LabelPairs }) =>
      s.labels.every(([name]) => isLegacyCached(name))
        ? s
        : { ...s, labels: s.labels.map(([name, value]) => [escapeName(name, scheme), value] as const) }
    );
    const givenName = family.givenName === undefined ? {} : { givenName: escapeName(family.givenName, scheme) };
    return { ...family, ...givenName, name: escapeName(family.name, scheme), series } as FamilySnapshot;
  });
}
