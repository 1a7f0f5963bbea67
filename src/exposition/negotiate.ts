/**
 * Content negotiation: which exposition format, and which name escaping, to answer an
 * HTTP Accept header with.
 *
 * Each supported format gets the q-value of the most specific Accept entry that covers
 * it (RFC 9110 §12.5.1): an exact type first, then `type/*`, then `*\/*`.
 * - OpenMetrics 1.0: `application/openmetrics-text` without `version` or with version
 *   `0.0.1` or `1.0.0` (as Go's `expfmt.NegotiateIncludingOpenMetrics`); `application/*`.
 *   The body always follows the 1.0.0 rules.
 * - Prometheus text: `text/plain` without `version` or with version `0.0.4`; `text/*`.
 * - `*\/*` covers both.
 * - OpenMetrics 2.0 (`application/openmetrics-text;version=2.0.0`) and the Prometheus
 *   protobuf format (`application/vnd.google.protobuf` with
 *   `proto=io.prometheus.client.MetricFamily` and `encoding=delimited`) are covered by
 *   exact entries only, so a wildcard never hands a client a format it did not name.
 *
 * The higher q wins and q=0 excludes a format. On a tie the entry that Go's sorted Accept
 * list (goautoneg: by q, then exact types before wildcards, then header order) reaches
 * first wins, so `text/plain, application/openmetrics-text` gives text and
 * `*\/*, application/openmetrics-text` gives OpenMetrics; a tie decided by one `*\/*`
 * entry, and anything unparseable or missing, gives the text format, Go's fallback.
 *
 * Escaping: the `escaping` parameter of the chosen entry; when it has none, the first
 * valid one elsewhere in the header; when there is none, `underscores` (Go's default).
 * Prometheus 3 puts its scheme on its text entries only, never on the protobuf one, but
 * means one scheme for the whole scrape: with this rule a protobuf scrape by Prometheus 3
 * gets UTF-8 names as written, which is what Prometheus stores. Unknown values are
 * ignored, as Go ignores them. The Content-Type names the scheme
 * (`...; escaping=allow-utf-8`) whenever the header carried one or the format is one of
 * the two new ones; an answer to an older scraper keeps the Content-Type it always had.
 *
 * Deliberate differences from Go: Go ignores q=0 and wildcards altogether (it would serve
 * OpenMetrics for `*\/*;q=1, application/openmetrics-text;q=0.5`); here the wildcard's
 * higher q wins, and q=0 means "not acceptable". Go takes the escaping of the entries up
 * to the matched one only (so it would escape names for Prometheus 3 over protobuf).
 *
 * @module
 */

import { ESCAPING_SCHEMES, type EscapingScheme } from "./name_escaping.ts";
import { OPENMETRICS_CONTENT_TYPE } from "./openmetrics.ts";
import { OPENMETRICS2_CONTENT_TYPE } from "./openmetrics2.ts";
import { PROMETHEUS_CONTENT_TYPE } from "./prometheus_text.ts";
import { PROMETHEUS_PROTOBUF_CONTENT_TYPE } from "./protobuf.ts";

/**
 * The exposition formats this package writes.
 *
 * @example
 * ```ts
 * const format: ExpositionFormat = "openmetrics";
 * ```
 */
export type ExpositionFormat = "openmetrics" | "prometheus" | "openmetrics2" | "protobuf";

/**
 * The outcome of {@linkcode negotiate}: which serializer to run, with which name
 * escaping, and the Content-Type to send.
 *
 * @example
 * ```ts
 * const { format, escaping, contentType }: Negotiated = negotiate(request.headers.get("accept"));
 * ```
 */
export interface Negotiated {
  readonly format: ExpositionFormat;
  /** How names outside the legacy character set are sent (see name_escaping.ts). */
  readonly escaping: EscapingScheme;
  /** The format's content type, with `; escaping=...` when the scraper asked for a scheme. */
  readonly contentType: string;
}

/** Each format's Content-Type, without an escaping parameter. */
export const FORMAT_CONTENT_TYPES: Readonly<Record<ExpositionFormat, string>> = {
  prometheus: PROMETHEUS_CONTENT_TYPE,
  openmetrics: OPENMETRICS_CONTENT_TYPE,
  openmetrics2: OPENMETRICS2_CONTENT_TYPE,
  protobuf: PROMETHEUS_PROTOBUF_CONTENT_TYPE,
};

/** Formats in the order that breaks a tie decided by one wildcard entry. */
const FORMATS: readonly ExpositionFormat[] = ["prometheus", "openmetrics", "openmetrics2", "protobuf"];

/** How closely an Accept entry names a format: lower is more specific. */
const EXACT = 0;
const SUBTYPE_WILDCARD = 1;
const FULL_WILDCARD = 2;

interface Coverage {
  q: number;
  specificity: number;
  position: number;
  escaping: EscapingScheme | undefined;
}

interface AcceptEntry {
  readonly type: string;
  readonly subtype: string;
  readonly q: number;
  readonly version: string | undefined;
  readonly proto: string | undefined;
  readonly encoding: string | undefined;
  readonly escaping: EscapingScheme | undefined;
  readonly position: number;
}

/** Accept headers longer than this are cut; real scrapers send under 300 characters. */
const ACCEPT_ENTRIES_MAX = 64;

/**
 * Picks the exposition format and name escaping for an HTTP `Accept` header.
 *
 * @example
 * ```ts
 * negotiate("application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5");
 * // { format: "openmetrics", escaping: "underscores",
 * //   contentType: "application/openmetrics-text; version=1.0.0; charset=utf-8" }
 * negotiate("application/openmetrics-text;version=2.0.0;escaping=allow-utf-8");
 * // { format: "openmetrics2", escaping: "allow-utf-8",
 * //   contentType: "application/openmetrics-text; version=2.0.0; charset=utf-8; escaping=allow-utf-8" }
 * negotiate(undefined);
 * // { format: "prometheus", escaping: "underscores", contentType: "text/plain; version=0.0.4; charset=utf-8" }
 * ```
 */
export function negotiate(accept: string | null | undefined): Negotiated {
  if (typeof accept !== "string" || accept.trim() === "") return answer("prometheus", undefined, undefined);
  const entries = parseAccept(accept);
  const coverage = new Map<ExpositionFormat, Coverage>();
  for (const entry of entries) {
    for (const format of FORMATS) {
      if (covers(format, entry)) coverage.set(format, better(coverage.get(format), entry));
    }
  }
  let chosen: ExpositionFormat = "prometheus";
  let best: Coverage | undefined;
  for (const format of FORMATS) {
    const candidate = coverage.get(format);
    if (candidate === undefined || candidate.q === 0) continue;
    // Higher q, then exact before wildcards, then header order; FORMATS' order breaks the rest.
    if (
      best === undefined || candidate.q > best.q ||
      (candidate.q === best.q && (candidate.specificity < best.specificity ||
        (candidate.specificity === best.specificity && candidate.position < best.position)))
    ) {
      best = candidate;
      chosen = format;
    }
  }
  const fallbackEscaping = entries.find((entry) => entry.escaping !== undefined)?.escaping;
  return answer(chosen, best?.escaping, fallbackEscaping);
}

function answer(format: ExpositionFormat, own: EscapingScheme | undefined, fallback: EscapingScheme | undefined): Negotiated {
  const asked = own ?? fallback;
  const escaping = asked ?? "underscores";
  const base = FORMAT_CONTENT_TYPES[format];
  const named = asked !== undefined || format === "openmetrics2" || format === "protobuf";
  return { format, escaping, contentType: named ? `${base}; escaping=${escaping}` : base };
}

function specificity(entry: AcceptEntry): number {
  if (entry.type === "*") return FULL_WILDCARD;
  return entry.subtype === "*" ? SUBTYPE_WILDCARD : EXACT;
}

function covers(format: ExpositionFormat, entry: AcceptEntry): boolean {
  const { type, subtype, version } = entry;
  switch (format) {
    case "prometheus":
      if (type === "*" && subtype === "*") return true;
      if (type !== "text") return false;
      return subtype === "*" || (subtype === "plain" && (version === undefined || version === "0.0.4"));
    case "openmetrics":
      if (type === "*" && subtype === "*") return true;
      if (type !== "application") return false;
      return subtype === "*" ||
        (subtype === "openmetrics-text" && (version === undefined || version === "0.0.1" || version === "1.0.0"));
    case "openmetrics2":
      return type === "application" && subtype === "openmetrics-text" && version === "2.0.0";
    case "protobuf":
      return type === "application" && subtype === "vnd.google.protobuf" &&
        entry.proto === "io.prometheus.client.MetricFamily" && entry.encoding === "delimited";
  }
}

/** Keeps the most specific coverage; among equally specific ones, the highest q, then the first. */
function better(current: Coverage | undefined, entry: AcceptEntry): Coverage {
  const candidate = { q: entry.q, specificity: specificity(entry), position: entry.position, escaping: entry.escaping };
  if (current === undefined) return candidate;
  if (candidate.specificity !== current.specificity) {
    return candidate.specificity < current.specificity ? candidate : current;
  }
  return candidate.q > current.q ? candidate : current;
}

/** Parses `type/subtype;param=value;q=0.5, ...`, skipping malformed entries. */
function parseAccept(header: string): AcceptEntry[] {
  const entries: AcceptEntry[] = [];
  const parts = header.split(",", ACCEPT_ENTRIES_MAX);
  for (let position = 0; position < parts.length; position++) {
    const [range, ...params] = parts[position].split(";");
    const slash = range.indexOf("/");
    const type = (slash < 0 ? range : range.slice(0, slash)).trim().toLowerCase();
    const subtype = slash < 0 ? "" : range.slice(slash + 1).trim().toLowerCase();
    if (type === "" || subtype === "" || (type === "*" && subtype !== "*")) continue;
    let q = 1;
    let version: string | undefined;
    let proto: string | undefined;
    let encoding: string | undefined;
    let escaping: EscapingScheme | undefined;
    let malformed = false;
    for (const param of params) {
      const equals = param.indexOf("=");
      if (equals < 0) continue;
      const key = param.slice(0, equals).trim().toLowerCase();
      const value = unquote(param.slice(equals + 1).trim());
      if (key === "q") {
        q = /^[0-9]*\.?[0-9]+$|^[0-9]+\.$/.test(value) ? Number(value) : Number.NaN;
        if (!(q >= 0 && q <= 1)) malformed = true;
      } else if (key === "version") {
        version = value;
      } else if (key === "proto") {
        proto = value;
      } else if (key === "encoding") {
        encoding = value;
      } else if (key === "escaping" && (ESCAPING_SCHEMES as readonly string[]).includes(value)) {
        escaping = value as EscapingScheme;
      }
    }
    if (!malformed) entries.push({ type, subtype, q, version, proto, encoding, escaping, position });
  }
  return entries;
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
}
