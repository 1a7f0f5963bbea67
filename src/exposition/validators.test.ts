/**
 * Property test against validators no one here wrote: seeded random metric sets of every
 * type are serialized in both formats, then
 * - every OpenMetrics body must pass Python's strict parser
 *   (`prometheus_client.openmetrics.parser`) and parse back to the same families, types,
 *   units, help, sample names, label sets, values and exemplars;
 * - every text 0.0.4 body must pass `promtool check metrics` with no finding but the
 *   lint that a counter's name lacks `_total` (the text format writes names as given,
 *   as prom-client does) and parse back, with client_python's text parser, to the
 *   samples the text mapping promises.
 *
 * The validators are installed by `node scripts/install_validators.mjs`; without them
 * this test fails, it never skips.
 */

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { formatLabelNumber } from "./format_number.ts";
import { serializeOpenMetrics } from "./openmetrics.ts";
import { serializePrometheusText } from "./prometheus_text.ts";
import type {
  BucketSnapshot,
  ExemplarSnapshot,
  FamilySnapshot,
  HistogramSeries,
  LabelPairs,
  MetricType,
} from "./snapshot.ts";

/** Fixed for reproducible runs; EXPOSITION_SEED=<n> explores other sets. */
const SEED = Number(process.env.EXPOSITION_SEED ?? 0x5eed_2024);
const METRIC_SETS = 200;
const INSTALL_HINT = "run `node scripts/install_validators.mjs` to install them";

// ---------------------------------------------------------------------------------------
// A tiny seeded PRNG (mulberry32) and generators.

class Random {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }
  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(probability: number): boolean {
    return this.next() < probability;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
  subset<T>(items: readonly T[], count: number): T[] {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [copy[i], copy[j]] = [copy[j], copy[i]];
    }
    return copy.slice(0, count);
  }
}

// Words that promtool's linter accepts in names: no unit abbreviations, no type names,
// no non-base units, no reserved suffixes, no camelCase, no colons.
const WORDS = ["alpha", "bravo", "delta", "echo", "http", "requests", "queue", "jobs", "cache", "disk", "node", "worker", "batch", "event", "pool", "rpc", "store", "api", "load", "open"];
const LABEL_NAMES = ["method", "code", "path", "region", "zone", "shard", "tenant", "kind", "_hidden", "x9"];
const UNITS = ["seconds", "bytes", "celsius", "joules"];
const TEXT_PIECES: readonly string[] = ["a", "Z", "0", "9", " ", "\\", '"', "\n", "{", "}", ",", "=", "#", "\t", "ü", "€", "中文", "😀", "\\n", '\\"', "le", "+Inf", "NaN", "_"];
const SPECIAL_VALUES = [0, -0, 1, -1, 0.1, 2.5, 1e21, -1e21, 2 ** 53 + 2, 5e-324, 1.7976931348623157e308, 1e-7, 123456789.125, NaN, Infinity, -Infinity];
const BOUNDS = [-10, -1, -0.5, 0, 1e-5, 0.0001, 0.005, 0.1, 0.25, 1, 2.5, 10, 999999, 100000, 1e6, 1234567, 1e21];
const QUANTILES = [0, 0.01, 0.05, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999, 1];
const TYPES: readonly MetricType[] = ["counter", "gauge", "histogram", "gaugehistogram", "summary", "info", "stateset", "unknown"];

function text(random: Random, maxPieces: number, alphabet = TEXT_PIECES): string {
  let out = "";
  const pieces = random.int(0, maxPieces);
  for (let i = 0; i < pieces; i++) out += random.pick(alphabet);
  return out;
}

function familyName(random: Random, index: number, unit: string | undefined): string {
  const words = random.subset(WORDS, random.int(1, 3));
  // The index keeps every family's sample names apart from every other family's.
  return [...words, `f${index}`, ...(unit ? [unit] : [])].join("_");
}

function finiteValue(random: Random, nonNegative: boolean): number {
  const value = random.chance(0.3) ? random.pick(SPECIAL_VALUES) : random.chance(0.5) ? random.int(0, 1000) : random.next() * 1e4;
  if (!Number.isFinite(value)) return nonNegative ? 7 : -7.5;
  return nonNegative ? Math.abs(value) : value;
}

function anyValue(random: Random): number {
  return random.chance(0.25) ? random.pick(SPECIAL_VALUES) : finiteValue(random, false);
}

function created(random: Random): number | undefined {
  return random.chance(0.6) ? 1_700_000_000 + random.int(0, 1_000_000) + random.int(0, 999) / 1000 : undefined;
}

// client_python 0.26.0 rejects an exemplar whose label values hold an odd number of
// escaped double quotes (its exemplar scanner toggles "in quotes" on every `"`, escaped or
// not), though `\"` is valid there by the OpenMetrics ABNF; so exemplar values here have
// no `"`. openmetrics.test.ts checks that case by hand.
const EXEMPLAR_PIECES = TEXT_PIECES.filter((piece) => !piece.includes('"'));

function exemplar(random: Random, value: number): ExemplarSnapshot {
  const labels: Array<[string, string]> = [];
  let budget = 128;
  for (const name of random.subset(["trace_id", "span_id", "user"], random.int(0, 2))) {
    const codePoints = [...text(random, 12, EXEMPLAR_PIECES)];
    while (name.length + codePoints.length > budget) codePoints.pop();
    budget -= name.length + codePoints.length;
    labels.push([name, codePoints.join("")]);
  }
  const timestamp = random.chance(0.5) ? 1_700_000_000 + random.int(0, 99999) / 100 : undefined;
  return timestamp === undefined ? { labels, value } : { labels, value, timestamp };
}

/** Distinct label sets over the family's fixed label names. */
function labelSets(random: Random, names: readonly string[], count: number): LabelPairs[] {
  const seen = new Set<string>();
  const sets: LabelPairs[] = [];
  for (let attempt = 0; attempt < count * 4 && sets.length < count; attempt++) {
    const labels = names.map((name) => [name, text(random, 6)] as const);
    const key = JSON.stringify(labels);
    if (seen.has(key)) continue;
    seen.add(key);
    sets.push(labels);
  }
  return sets;
}

function histogram(random: Random, labels: LabelPairs, gauge: boolean): HistogramSeries {
  const negative = random.chance(0.2);
  const pool = BOUNDS.filter((b) => negative || b >= 0);
  const bounds = [...new Set(random.subset(pool, random.int(0, 6)))].sort((a, b) => a - b);
  const buckets: BucketSnapshot[] = [];
  let count = 0;
  let previous = -Infinity;
  for (const le of [...bounds, Infinity]) {
    count += random.chance(0.3) ? 0 : random.int(0, 5);
    const inside = Number.isFinite(le) ? le : Number.isFinite(previous) ? previous + 1 : 1;
    buckets.push(random.chance(0.3) ? { le, count, exemplar: exemplar(random, inside) } : { le, count });
    previous = le;
  }
  const sum = random.chance(0.1) ? random.pick([-3, NaN]) : random.int(0, 100) / 4;
  const series = { labels, buckets, count, sum };
  const at = created(random);
  return !gauge && at !== undefined ? { ...series, created: at } : series;
}

function family(random: Random, index: number): FamilySnapshot {
  const type = random.pick(TYPES);
  const unit = type !== "info" && type !== "stateset" && random.chance(0.3) ? random.pick(UNITS) : undefined;
  const name = familyName(random, index, unit);
  const help = `${random.pick(WORDS)}${text(random, 10)}`;
  const labelNames = random.subset(LABEL_NAMES, random.int(type === "info" ? 1 : 0, 3));
  const sets = labelSets(random, labelNames, random.int(0, 4));
  const base = unit === undefined ? { name, help } : { name, help, unit };
  switch (type) {
    case "counter":
      return {
        ...base,
        type,
        series: sets.map((labels) => {
          const value = finiteValue(random, true);
          const at = created(random);
          const series = random.chance(0.3) ? { labels, value, exemplar: exemplar(random, 1) } : { labels, value };
          return at === undefined ? series : { ...series, created: at };
        }),
      };
    case "gauge":
    case "unknown":
      return { ...base, type, series: sets.map((labels) => ({ labels, value: anyValue(random) })) };
    case "histogram":
    case "gaugehistogram":
      return { ...base, type, series: sets.map((labels) => histogram(random, labels, type === "gaugehistogram")) };
    case "summary":
      return {
        ...base,
        type,
        series: sets.map((labels) => {
          const quantiles = random.subset(QUANTILES, random.int(0, 4)).sort((a, b) => a - b)
            .map((quantile) => ({ quantile, value: random.chance(0.2) ? NaN : random.chance(0.1) ? -1.5 : finiteValue(random, true) }));
          const series = { labels, quantiles, count: random.int(0, 50), sum: random.chance(0.1) ? -2 : finiteValue(random, true) };
          const at = created(random);
          return at === undefined ? series : { ...series, created: at };
        }),
      };
    case "info":
      return { ...base, type, series: sets.map((labels) => ({ labels })) };
    case "stateset": {
      const states = [...new Set(Array.from({ length: random.int(1, 4) }, () => text(random, 4)))];
      return {
        ...base,
        type,
        series: sets.map((labels) => ({ labels, states: states.map((state) => ({ name: state, enabled: random.chance(0.5) })) })),
      };
    }
  }
  throw new Error(`unreachable: ${type}`);
}

function metricSet(random: Random): FamilySnapshot[] {
  return Array.from({ length: random.int(1, 6) }, (_, i) => family(random, i));
}

// ---------------------------------------------------------------------------------------
// What each format must parse back to, derived from the snapshots and the spec's rules.

interface Sample {
  name: string;
  labels: Array<[string, string]>;
  value: number;
  exemplar?: ExemplarSnapshot;
}

function sample(name: string, labels: LabelPairs, value: number, exemplar?: ExemplarSnapshot): Sample {
  const pairs = labels.map(([k, v]) => [k, v] as [string, string]);
  return exemplar === undefined ? { name, labels: pairs, value } : { name, labels: pairs, value, exemplar };
}

function withLabel(labels: LabelPairs, name: string, value: string): LabelPairs {
  return [...labels, [name, value]];
}

function expectedOpenMetrics(f: FamilySnapshot): Sample[] {
  const out: Sample[] = [];
  const n = f.name;
  switch (f.type) {
    case "counter":
      for (const s of f.series) {
        out.push(sample(`${n}_total`, s.labels, s.value, s.exemplar));
        if (s.created !== undefined) out.push(sample(`${n}_created`, s.labels, s.created));
      }
      break;
    case "gauge":
    case "unknown":
      for (const s of f.series) out.push(sample(n, s.labels, s.value));
      break;
    case "histogram":
    case "gaugehistogram":
      for (const s of f.series) {
        for (const b of s.buckets) out.push(sample(`${n}_bucket`, withLabel(s.labels, "le", formatLabelNumber(b.le)), b.count, b.exemplar));
        const negative = s.buckets.some((b) => b.le < 0);
        if (f.type === "histogram") {
          // A Sum is a counter: it (and Count with it) must go with negative buckets or a negative or NaN sum.
          if (!negative && s.sum >= 0) out.push(sample(`${n}_count`, s.labels, s.count), sample(`${n}_sum`, s.labels, s.sum));
          if (s.created !== undefined) out.push(sample(`${n}_created`, s.labels, s.created));
        } else if (!Number.isNaN(s.sum) && (s.sum >= 0 || negative)) {
          out.push(sample(`${n}_gcount`, s.labels, s.count), sample(`${n}_gsum`, s.labels, s.sum));
        }
      }
      break;
    case "summary":
      for (const s of f.series) {
        for (const q of s.quantiles) {
          if (!(q.value < 0)) out.push(sample(n, withLabel(s.labels, "quantile", formatLabelNumber(q.quantile)), q.value));
        }
        out.push(sample(`${n}_count`, s.labels, s.count));
        if (s.sum >= 0) out.push(sample(`${n}_sum`, s.labels, s.sum));
        if (s.created !== undefined) out.push(sample(`${n}_created`, s.labels, s.created));
      }
      break;
    case "info":
      for (const s of f.series) out.push(sample(`${n}_info`, s.labels, 1));
      break;
    case "stateset":
      for (const s of f.series) for (const st of s.states) out.push(sample(n, withLabel(s.labels, n, st.name), st.enabled ? 1 : 0));
      break;
  }
  return out;
}

/** A prom-client-style number as text writes it for `le` and `quantile`: JavaScript's own. */
function jsNumber(value: number): string {
  return value === Infinity ? "+Inf" : value === -Infinity ? "-Inf" : String(value);
}

function expectedText(f: FamilySnapshot): Sample[] {
  const out: Sample[] = [];
  const n = f.name;
  const first = (name: string, value: string, labels: LabelPairs): LabelPairs => [[name, value], ...labels];
  switch (f.type) {
    case "counter":
      // The body says `n` (the name as given); client_python's text parser reports a
      // counter's samples as `n_total` whichever it read.
      for (const s of f.series) out.push(sample(`${n}_total`, s.labels, s.value));
      break;
    case "histogram":
      for (const s of f.series) {
        for (const b of s.buckets) out.push(sample(`${n}_bucket`, first("le", jsNumber(b.le), s.labels), b.count));
        out.push(sample(`${n}_sum`, s.labels, s.sum), sample(`${n}_count`, s.labels, s.count));
      }
      break;
    case "gaugehistogram":
      for (const s of f.series) {
        for (const b of s.buckets) out.push(sample(`${n}_bucket`, first("le", jsNumber(b.le), s.labels), b.count));
      }
      for (const s of f.series) out.push(sample(`${n}_gcount`, s.labels, s.count));
      for (const s of f.series) out.push(sample(`${n}_gsum`, s.labels, s.sum));
      break;
    case "summary":
      for (const s of f.series) {
        for (const q of s.quantiles) {
          out.push(sample(n, first("quantile", jsNumber(q.quantile), s.labels), Number.isNaN(q.value) ? 0 : q.value));
        }
        out.push(sample(`${n}_sum`, s.labels, s.sum), sample(`${n}_count`, s.labels, s.count));
      }
      break;
    default:
      return expectedOpenMetrics(f);
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// The validators.

function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 8; depth++) {
    if (existsSync(join(dir, "scripts", "install_validators.mjs"))) return dir;
    dir = dirname(dir);
  }
  throw new Error(`cannot find the repository root above ${fileURLToPath(import.meta.url)}`);
}

const root = repositoryRoot();
const pythonEnv = { ...process.env, PYTHONPATH: join(root, ".tools", "python") };

/** Reads {om: string[], text: string[]} as JSON on stdin, answers one result per body. */
const PYTHON_CHECKER = String.raw`
import json, math, sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_om
from prometheus_client.parser import text_string_to_metric_families as parse_text
from prometheus_client.utils import floatToGoString
from prometheus_client.samples import Timestamp

def num(v):
    return repr(float(v))

def ts(t):
    if t is None:
        return None
    if isinstance(t, Timestamp):
        return repr(float(str(t)))
    return repr(float(t))

def canonical(labels):
    bad = []
    for key in ("le", "quantile"):
        if key in labels:
            f = float(labels[key])
            if f >= 0 and floatToGoString(f) != labels[key]:
                bad.append([key, labels[key], floatToGoString(f)])
    return bad

def samples(family):
    out = []
    for s in family.samples:
        e = None
        if s.exemplar is not None:
            e = {"labels": list(s.exemplar.labels.items()), "value": num(s.exemplar.value), "timestamp": ts(s.exemplar.timestamp)}
        out.append({"name": s.name, "labels": list(s.labels.items()), "value": num(s.value), "exemplar": e, "canonical": canonical(s.labels)})
    return out

request = json.load(sys.stdin)
answer = []
for om, text in zip(request["om"], request["text"]):
    result = {}
    try:
        result["om"] = {"ok": True, "families": [
            {"name": f.name, "type": f.type, "unit": f.unit, "help": f.documentation, "samples": samples(f)}
            for f in parse_om(om)]}
    except Exception as e:
        result["om"] = {"ok": False, "error": type(e).__name__ + ": " + str(e)}
    try:
        result["text"] = {"ok": True, "samples": [s for f in parse_text(text) for s in samples(f)]}
    except Exception as e:
        result["text"] = {"ok": False, "error": type(e).__name__ + ": " + str(e)}
    answer.append(result)
json.dump(answer, sys.stdout)
`;

interface ParsedSample {
  name: string;
  labels: Array<[string, string]>;
  value: string;
  exemplar: { labels: Array<[string, string]>; value: string; timestamp: string | null } | null;
  canonical: unknown[];
}
interface ParsedFamily {
  name: string;
  type: string;
  unit: string;
  help: string;
  samples: ParsedSample[];
}
interface CheckResult {
  om: { ok: true; families: ParsedFamily[] } | { ok: false; error: string };
  text: { ok: true; samples: ParsedSample[] } | { ok: false; error: string };
}

function requireValidators(): void {
  const python = spawnSync("python3", ["-c", "import prometheus_client.openmetrics.parser"], { env: pythonEnv, encoding: "utf8" });
  if (python.error !== undefined || python.status !== 0) {
    const reason = python.error?.message ?? python.stderr.trim().split("\n").pop();
    assert.fail(`Python's prometheus_client is not importable (${reason}): ${INSTALL_HINT}`);
  }
  const promtool = spawnSync("promtool", ["--version"], { encoding: "utf8" });
  if (promtool.error !== undefined || promtool.status !== 0) {
    assert.fail(`promtool does not run (${promtool.error?.message ?? promtool.stderr.trim()}): ${INSTALL_HINT}`);
  }
}

let pythonResults: CheckResult[] | undefined;

/** Runs the Python checker once over all bodies (one process) and keeps its answer. */
function runPython(om: string[], text: string[]): CheckResult[] {
  if (pythonResults !== undefined) return pythonResults;
  const run = spawnSync("python3", ["-c", PYTHON_CHECKER], {
    env: pythonEnv,
    input: JSON.stringify({ om, text }),
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  if (run.error !== undefined || run.status !== 0) assert.fail(`the Python checker failed: ${run.error?.message ?? run.stderr}`);
  pythonResults = JSON.parse(run.stdout) as CheckResult[];
  return pythonResults;
}

function parseNumber(text: string): number {
  if (text === "nan") return NaN;
  if (text === "inf") return Infinity;
  if (text === "-inf") return -Infinity;
  return Number(text);
}

function sameNumber(actual: number, expected: number): boolean {
  return Number.isNaN(expected) ? Number.isNaN(actual) : actual === expected;
}

/** `canonical`: whether `le` and `quantile` must be canonical (OpenMetrics; text writes prom-client's). */
function compareSamples(actual: ParsedSample[], expected: Sample[], where: string, canonical = true): void {
  assert.equal(actual.length, expected.length, `${where}: sample count\n${JSON.stringify(actual.map((s) => s.name))}`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const at = `${where}, sample ${i} (${e.name})`;
    assert.equal(a.name, e.name, at);
    assert.deepEqual(a.labels, e.labels, at);
    assert.ok(sameNumber(parseNumber(a.value), e.value), `${at}: value ${a.value}, expected ${e.value}`);
    if (canonical) assert.deepEqual(a.canonical, [], `${at}: le/quantile not canonical per client_python`);
    for (const [name, value] of a.labels) {
      if (name === "le" || name === "quantile") {
        const parsed = value === "+Inf" ? Infinity : value === "-Inf" ? -Infinity : Number(value);
        assert.ok(!Number.isNaN(parsed), `${at}: ${name}="${value}" is not a number`);
      }
    }
    if (e.exemplar === undefined) {
      assert.equal(a.exemplar ?? null, null, `${at}: unexpected exemplar`);
      continue;
    }
    assert.ok(a.exemplar, `${at}: exemplar missing`);
    assert.deepEqual(a.exemplar.labels, e.exemplar.labels.map(([k, v]) => [k, v]), `${at}: exemplar labels`);
    assert.ok(sameNumber(parseNumber(a.exemplar.value), e.exemplar.value), `${at}: exemplar value`);
    const timestamp = a.exemplar.timestamp === null ? undefined : parseNumber(a.exemplar.timestamp);
    assert.equal(timestamp, e.exemplar.timestamp, `${at}: exemplar timestamp`);
  }
}

function promtool(body: string): { status: number | null; output: string } {
  const run = spawnSync("promtool", ["check", "metrics"], { input: body, encoding: "utf8" });
  if (run.error !== undefined) assert.fail(`promtool did not run (${run.error.message}): ${INSTALL_HINT}`);
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** The one lint finding the text format's prom-client naming brings: `jobs` instead of `jobs_total`. */
const COUNTER_SUFFIX_LINT = /^[a-zA-Z_:][a-zA-Z0-9_:]* counter metrics should have "_total" suffix$/;

/** promtool's findings, one per line (it prints them with no separator after its usage text). */
function promtoolFindings(output: string): string[] {
  return output.split("\n").map((line) => line.trim()).filter((line) => line !== "");
}

describe("validators", () => {
  const random = new Random(SEED);
  const sets = Array.from({ length: METRIC_SETS }, () => metricSet(random));
  const om = sets.map((set) => serializeOpenMetrics(set));
  const text = sets.map((set) => serializePrometheusText(set));

  test("the generated sets cover every type, exemplars, units and special values", () => {
    const families = sets.flat();
    for (const type of TYPES) assert.ok(families.some((f) => f.type === type && f.series.length > 0), type);
    assert.ok(families.some((f) => f.series.length === 0), "an empty family");
    assert.ok(families.some((f) => f.unit !== undefined), "a unit");
    for (const needle of [" # {", 'le="-', 'le="1e-05"', 'le="1e+06"', "NaN", "+Inf", "-Inf", "\\n", '\\"', "\\\\", "😀"]) {
      assert.ok(om.some((body) => body.includes(needle)), needle);
    }
  });

  test(`Python's strict OpenMetrics parser accepts ${METRIC_SETS} bodies and reads back the snapshots`, { timeout: 60_000 }, () => {
    requireValidators();
    const results = runPython(om, text);
    assert.equal(results.length, sets.length);
    for (let i = 0; i < sets.length; i++) {
      const result: CheckResult["om"] = results[i].om;
      const where = `set ${i} (seed ${SEED})`;
      if (!result.ok) throw new assert.AssertionError({ message: `${where}: rejected: ${result.error}\n${om[i]}` });
      assert.equal(result.families.length, sets[i].length, `${where}: family count`);
      for (let j = 0; j < sets[i].length; j++) {
        const expected = sets[i][j];
        const actual: ParsedFamily = result.families[j];
        const at = `${where}, family ${expected.name}`;
        assert.equal(actual.name, expected.name, at);
        assert.equal(actual.type, expected.type, at);
        assert.equal(actual.unit, expected.unit ?? "", at);
        assert.equal(actual.help, expected.help, at);
        compareSamples(actual.samples, expectedOpenMetrics(expected), at);
      }
    }
  });

  test(`client_python's text parser reads back ${METRIC_SETS} text 0.0.4 bodies`, { timeout: 60_000 }, () => {
    requireValidators();
    const results = runPython(om, text);
    for (let i = 0; i < sets.length; i++) {
      const result: CheckResult["text"] = results[i].text;
      const where = `set ${i} (seed ${SEED}), text format`;
      if (!result.ok) throw new assert.AssertionError({ message: `${where}: rejected: ${result.error}\n${text[i]}` });
      compareSamples(result.samples, sets[i].flatMap(expectedText), where, false);
    }
  });

  test(`promtool check metrics accepts ${METRIC_SETS} text 0.0.4 bodies`, { timeout: 60_000 }, () => {
    requireValidators();
    let linted = 0;
    for (let i = 0; i < sets.length; i++) {
      const { status, output } = promtool(text[i]);
      const findings = promtoolFindings(output);
      if (status === 3) linted++;
      assert.ok(status === 0 || status === 3, `set ${i} (seed ${SEED}): promtool exit ${status}: ${output}\n${text[i]}`);
      assert.deepEqual(findings.filter((f) => !COUNTER_SUFFIX_LINT.test(f)), [], `set ${i} (seed ${SEED}): ${output}\n${text[i]}`);
      assert.equal(status === 3, findings.length > 0, `set ${i} (seed ${SEED}): exit ${status} with findings ${findings.join("; ")}`);
    }
    assert.ok(linted > 0, "some bodies have counters without _total, which promtool lints");
  });
});
