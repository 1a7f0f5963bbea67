// Shared by the integration suites (express_cluster, hono_prometheus, fastify_metrics): real
// libraries built on prom-client, installed from npm into fresh projects twice, once with
// prom-client replaced by the packed mpmetrics through npm `overrides` and once with the real
// prom-client, so that the same app can be run on both and what a user sees compared.
//
// Builds on support.mjs (fresh projects, npm cache, clean environment); adds only what the
// comparison needs.

import { copyApp, freshProject, npmInstall, packedTarball } from "./support.mjs";

/** Pinned versions of the integrations and of the prom-client they are compared with. */
export const integrationPins = {
  promClient: "15.1.3",
  hono: "4.13.19",
  honoPrometheus: "1.0.3",
  honoNodeServer: "2.1.9",
  fastify: "5.12.8",
  fastifyMetrics: "13.2.1",
};

/**
 * Two fresh projects with the same `dependencies` and app files (test/package/apps/<app>/):
 * `ours` has prom-client overridden to the packed tarball, `theirs` to the real prom-client.
 * npm installs from its per-user cache (~/.npm), so reruns download nothing.
 */
export function twinProjects(app, dependencies) {
  const make = (side, promClient) => {
    const dir = freshProject(`${app}-${side}`, {
      name: `${app}-${side}`,
      private: true,
      dependencies,
      overrides: { "prom-client": promClient },
    });
    npmInstall(dir);
    copyApp(app, dir);
    return dir;
  };
  return { ours: make("ours", `file:${packedTarball()}`), theirs: make("theirs", integrationPins.promClient) };
}

/**
 * Parses a Prometheus text (0.0.4) body into families: name → {help, type, samples}, each
 * sample {name, labels (object), value (string, as written)}. Throws on a line it cannot read.
 */
export function parsePrometheusText(text) {
  const families = new Map();
  let current;
  const family = (name) => {
    if (!families.has(name)) families.set(name, { name, help: undefined, type: "untyped", samples: [] });
    return families.get(name);
  };
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const comment = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (comment !== null) {
      current = family(comment[2]);
      if (comment[1] === "HELP") current.help = comment[3];
      else current.type = comment[3];
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \S+)?$/.exec(line);
    if (sample === null) throw new Error(`not a Prometheus text line: ${JSON.stringify(line)}`);
    const labels = {};
    for (const [, name, value] of (sample[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[name] = value;
    const owner = current !== undefined && sample[1].startsWith(current.name) ? current : family(sample[1]);
    owner.samples.push({ name: sample[1], labels, value: sample[3] });
  }
  return families;
}

/**
 * `{a="1",b="2"}` with the label names sorted (label order is not what a user queries on).
 * `le` and `quantile` are written as the numbers they stand for (`1.0` and `1` alike): how
 * they are spelled is the business of the byte-for-byte exposition tests, not of these.
 */
function labelKey(labels) {
  const names = Object.keys(labels).sort();
  const value = (name) => (name === "le" || name === "quantile") && labels[name] !== "+Inf" ? String(Number(labels[name])) : labels[name];
  return names.length === 0 ? "" : `{${names.map((name) => `${name}="${value(name)}"`).join(",")}}`;
}

/**
 * What a Prometheus user sees of a /metrics body, one line per family and per series, sorted:
 * `TYPE name type`, `HELP name text` and `sample{labels} value`. Values are kept only where
 * they are counts that must match: samples named `<family>_count` and counter samples of the
 * families in `counted`; every other value (times, memory, CPU) is written `*`.
 */
export function userView(text, counted = []) {
  const lines = [];
  for (const family of parsePrometheusText(text).values()) {
    lines.push(`TYPE ${family.name} ${family.type}`, `HELP ${family.name} ${family.help}`);
    const exact = counted.includes(family.name);
    for (const sample of family.samples) {
      const isCount = sample.name === `${family.name}_count` || family.type === "counter";
      lines.push(`${sample.name}${labelKey(sample.labels)} ${exact && isCount ? sample.value : "*"}`);
    }
  }
  return lines.sort();
}

/**
 * The samples named `sampleName` in a /metrics body as `sampleName{labels} value` with the
 * label names sorted, sorted: exact values, whatever order the labels were written in.
 */
export function series(text, sampleName) {
  const found = [];
  for (const family of parsePrometheusText(text).values()) {
    for (const sample of family.samples) if (sample.name === sampleName) found.push(`${sample.name}${labelKey(sample.labels)} ${sample.value}`);
  }
  return found.sort();
}

/** The lines of `view` that belong to the families in `names`. */
export function viewOf(view, names) {
  return view.filter((line) => names.some((name) => {
    const subject = line.startsWith("TYPE ") || line.startsWith("HELP ") ? line.split(" ")[1] : line.split(/[{ ]/)[0];
    return subject === name || subject.startsWith(`${name}_`);
  }));
}

/**
 * A /metrics body with every sample value written `N`: the text as served, byte for byte,
 * where values (times) may differ.
 */
export function maskedBody(text) {
  return text.replace(/^([^#\n].*) \S+$/gm, "$1 N");
}

/** The body an app printed after its `status <code> <content-type>` line. */
export function printedBody(stdout) {
  const start = stdout.indexOf("\n", stdout.search(/^status /m));
  return stdout.slice(start + 1);
}
