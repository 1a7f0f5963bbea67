/**
 * Pushgateway against a real Pushgateway (Debian's `prometheus-pushgateway`, which
 * `npm test` installs), started on a free port with its own storage, and a real
 * Prometheus scraping it (`honor_labels: true`, as the Pushgateway's docs ask), which
 * must read back the pushed values with their job and grouping labels.
 *
 * What the Pushgateway cannot show (the auth header, a timeout) is checked against a
 * node:http server of the test's own that records what it receives.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { Agent as HttpAgent, createServer, type IncomingMessage, type Server as HttpServer } from "node:http";
import { Agent as HttpsAgent, createServer as createHttpsServer } from "node:https";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { gunzipSync } from "node:zlib";
import client, { Counter, Gauge, Heap, Histogram, Pushgateway, Registry, setNameValidationScheme } from "../src/index.ts";
import { parseSamples } from "./support/parse_text.ts";
import { temporaryHeapPath } from "./support/runtimes.ts";
import { poll, PUSHGATEWAY_BINARY, query, type Server, startPrometheus, startPushgateway, stop } from "./support/servers.ts";

/** The pushed samples the Pushgateway now serves (its own metrics left out). */
async function gatewaySamples(gateway: Server): Promise<Map<string, number>> {
  const response = await fetch(`${gateway.url}/metrics`, { signal: AbortSignal.timeout(5_000) });
  assert.equal(response.status, 200);
  const all = parseSamples(await response.text());
  return new Map([...all].filter(([key]) => key.startsWith("pg_")));
}

/** A sample key as parseSamples writes it (labels sorted). */
function key(name: string, labels: Record<string, string>): string {
  return `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).sort().join(",")}}`;
}

/** The value of a pushed sample; the Pushgateway writes a grouping label left out as `label=""`, or not at all. */
function pushed(samples: Map<string, number>, name: string, labels: Record<string, string>): number | undefined {
  return samples.get(key(name, labels)) ?? samples.get(key(name, { ...labels, instance: "" }));
}

test("push, pushAdd and delete against a real Pushgateway, read back by Prometheus", { timeout: 90_000 }, async () => {
  assert.ok(existsSync(PUSHGATEWAY_BINARY), `${PUSHGATEWAY_BINARY} is missing: node scripts/install_validators.mjs installs it (npm test runs it)`);
  const { path, cleanup } = temporaryHeapPath();
  const heap = Heap.open({ path, mode: "create" });
  let gateway: Server | undefined;
  let prometheus: Server | undefined;
  try {
    gateway = await startPushgateway(dirname(path));
    const registry = new Registry();
    const registers = [registry];
    const jobs = new Counter({ name: "pg_jobs", help: "Jobs done.", labelNames: ["queue"], heap, registers });
    jobs.inc({ queue: "mail" }, 3);
    jobs.inc({ queue: "sms" });
    const last = new Gauge({ name: "pg_last_success_seconds", help: "Last success.", heap, registers });
    last.set(1700000000);
    const duration = new Histogram({ name: "pg_duration_seconds", help: "Duration.", buckets: [1, 10], heap, registers });
    duration.observe(0.5);
    duration.observe(5);

    const pusher = new Pushgateway(gateway.url, { timeout: 10_000 }, registry);
    const groupings = { instance: "host/1", stage: "" }; // a "/" and an empty value: the Pushgateway's base64 form
    const added = await pusher.pushAdd({ jobName: "nightly", groupings });
    assert.equal(added.resp.statusCode, 200, added.body);
    assert.equal(typeof added.body, "string");
    const group = { instance: "host/1", job: "nightly", stage: "" };
    let samples = await gatewaySamples(gateway);
    assert.equal(pushed(samples, "pg_jobs", { ...group, queue: "mail" }), 3);
    assert.equal(pushed(samples, "pg_jobs", { ...group, queue: "sms" }), 1);
    assert.equal(pushed(samples, "pg_last_success_seconds", group), 1700000000);
    assert.equal(pushed(samples, "pg_duration_seconds_bucket", { ...group, le: "10" }), 2);
    assert.equal(pushed(samples, "pg_duration_seconds_count", group), 2);

    // pushAdd again after more work: the group's metrics are replaced by name.
    jobs.inc({ queue: "mail" }, 4);
    await pusher.pushAdd({ jobName: "nightly", groupings });
    // A second group of the same job, and a job name that needs percent-encoding.
    await pusher.pushAdd({ jobName: "nightly", groupings: { instance: "host 2" } });
    await pusher.push({ jobName: "ad hoc" });
    samples = await gatewaySamples(gateway);
    assert.equal(pushed(samples, "pg_jobs", { ...group, queue: "mail" }), 7);
    assert.equal(pushed(samples, "pg_jobs", { instance: "host 2", job: "nightly", queue: "mail" }), 7);
    assert.equal(pushed(samples, "pg_jobs", { job: "ad hoc", queue: "mail" }), 7);

    // Prometheus scrapes the Pushgateway and stores what was pushed, labels included.
    prometheus = await startPrometheus(dirname(path), "pushgateway", [new URL(gateway.url).host], { honorLabels: true });
    const p = prometheus;
    const one = async (promql: string) => (await query(p, promql)).get("{}");
    await poll(async () => (await one('count(pg_jobs{job="nightly",queue="mail"})')) === 2 || undefined, 30_000, () => `Prometheus did not store the pushed pg_jobs:\n${p.log()}`);
    assert.equal(await one('sum(pg_jobs{job="nightly",queue="mail",instance="host/1"})'), 7);
    assert.equal(await one('sum(pg_jobs{job="nightly",queue="mail",instance="host 2"})'), 7);
    assert.equal(await one('sum(pg_jobs{job="ad hoc",queue="sms"})'), 1);
    assert.equal(await one('sum(pg_duration_seconds_bucket{job="nightly",le="1"})'), 2);
    assert.equal(await one('sum(pg_last_success_seconds{job="nightly",instance="host/1"})'), 1700000000);

    // push (PUT) replaces the whole group: a registry with one metric leaves only it.
    const small = new Registry();
    new Gauge({ name: "pg_only", help: "The only one.", heap, registers: [small] }).set(42);
    const put = await new Pushgateway(gateway.url, {}, small).push({ jobName: "nightly", groupings });
    assert.equal(put.resp.statusCode, 200);
    samples = await gatewaySamples(gateway);
    assert.equal(pushed(samples, "pg_only", group), 42);
    assert.equal(samples.has(key("pg_jobs", { ...group, queue: "mail" })), false, "push replaced the group");
    assert.equal(pushed(samples, "pg_jobs", { instance: "host 2", job: "nightly", queue: "mail" }), 7, "other groups stay");

    // delete removes one group.
    const deleted = await pusher.delete({ jobName: "nightly", groupings });
    assert.ok(deleted.resp.statusCode === 202 || deleted.resp.statusCode === 200, `delete answered ${deleted.resp.statusCode}`);
    samples = await gatewaySamples(gateway);
    assert.equal(samples.has(key("pg_only", group)), false);
    assert.equal(pushed(samples, "pg_jobs", { instance: "host 2", job: "nightly", queue: "mail" }), 7);

    // A gzipped body, as prom-client sends it with that header.
    jobs.inc({ queue: "sms" }, 9);
    await new Pushgateway(gateway.url, { headers: { "Content-Encoding": "gzip" } }, registry).pushAdd({ jobName: "gzipped" });
    samples = await gatewaySamples(gateway);
    assert.equal(pushed(samples, "pg_jobs", { job: "gzipped", queue: "sms" }), 10);

    // What the Pushgateway refuses is a rejection with its status and answer.
    const noJob = new Pushgateway(gateway.url, { requireJobName: false }, registry);
    await assert.rejects(noJob.pushAdd(), /^Error: push failed with status 4\d\d, /);
  } finally {
    await stop(prometheus?.process);
    await stop(gateway?.process);
    heap.close();
    cleanup();
  }
});

/**
 * A node:http server (node:https with `tls`) that records each request and answers as
 * `answer` says.
 */
async function recordingServer(
  answer: (req: IncomingMessage, body: Buffer) => { status: number; body: string } | "never",
  tls?: { key: Buffer; cert: Buffer },
): Promise<{ url: string; requests: { req: IncomingMessage; body: Buffer }[]; close(): Promise<void> }> {
  const requests: { req: IncomingMessage; body: Buffer }[] = [];
  const listener = (req: IncomingMessage, res: import("node:http").ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      requests.push({ req, body });
      const reply = answer(req, body);
      if (reply === "never") return;
      res.writeHead(reply.status).end(reply.body);
    });
  };
  const server: HttpServer = tls === undefined ? createServer(listener) : createHttpsServer(tls, listener) as unknown as HttpServer;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const address = server.address();
  assert.ok(address !== null && typeof address === "object");
  return {
    url: `${tls === undefined ? "http" : "https"}://127.0.0.1:${address.port}`,
    requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

test("URL scheme, auth from the URL, headers, gzip, the gateway's path prefix, timeouts and missing jobs as prom-client", { timeout: 30_000 }, async () => {
  const { path, cleanup } = temporaryHeapPath();
  const heap = Heap.open({ path, mode: "create" });
  const server = await recordingServer((req) => (req.url?.includes("/slow") ? "never" : { status: 200, body: "ok" }));
  try {
    const registry = new Registry();
    new Counter({ name: "rec_jobs", help: "Jobs.", heap, registers: [registry] }).inc(2);
    const base = new URL(server.url);
    const withAuth = `http://us%20er:p%40ss@${base.host}/prefix/`;
    const pusher = new Pushgateway(withAuth, { headers: { "X-Custom": "yes", "Content-Encoding": "gzip" } }, registry);
    const result = await pusher.pushAdd({ jobName: "a/b", groupings: { instance: "x y", zone: "eu/1" } });
    assert.equal(result.body, "ok");
    assert.equal(result.resp.statusCode, 200);
    const [first] = server.requests;
    assert.equal(first.req.method, "POST");
    assert.equal(first.req.url, "/prefix/metrics/job@base64/YS9i/instance/x%20y/zone@base64/ZXUvMQ==");
    assert.equal(first.req.headers.authorization, `Basic ${btoa("us er:p@ss")}`);
    assert.equal(first.req.headers["x-custom"], "yes");
    assert.equal(gunzipSync(first.body).toString("utf8"), await registry.metrics());

    await pusher.delete({ jobName: "a" });
    const deleted = server.requests[1];
    assert.equal(deleted.req.method, "DELETE");
    assert.equal(deleted.req.url, "/prefix/metrics/job/a");
    assert.equal(deleted.req.headers["content-encoding"], undefined, "no Content-Encoding on a DELETE");
    assert.equal(deleted.body.byteLength, 0);

    await new Pushgateway(server.url, {}, registry).push({ jobName: "plain" });
    const put = server.requests[2];
    assert.equal(put.req.method, "PUT");
    assert.equal(put.req.url, "/metrics/job/plain");
    assert.equal(put.body.toString("utf8"), "# HELP rec_jobs Jobs.\n# TYPE rec_jobs counter\nrec_jobs 2\n");

    assert.throws(() => pusher.pushAdd({} as never), { name: "TypeError", message: /^Missing jobName parameter/ });
    assert.throws(() => pusher.push(), { name: "TypeError", message: /^Missing jobName parameter/ });
    assert.throws(() => pusher.delete(), { name: "TypeError", message: /^Missing jobName parameter/ });
    await new Pushgateway(server.url, { requireJobName: false }, registry).pushAdd();
    assert.equal(server.requests[3].req.url, "/metrics");

    const slow = new Pushgateway(`${server.url}/slow`, { timeout: 300 }, registry);
    await assert.rejects(slow.pushAdd({ jobName: "late" }), /^Error: Pushgateway request timed out/);

    assert.equal(client.Pushgateway, Pushgateway, "in the default export too, as prom-client's client.Pushgateway");
    assert.equal(client.Counter, Counter, "the rest of the default export is still there");
    assert.throws(() => new Pushgateway("not a url"), { name: "TypeError", message: /absolute URL/ });
    assert.throws(() => new Pushgateway("ftp://gw:9091"), { name: "TypeError", message: /http or https/ });
  } finally {
    await server.close();
    heap.close();
    cleanup();
  }
});

test("http and https agents: the request goes through the agent given (an https one trusting the test's own CA)", { timeout: 30_000 }, async () => {
  const { path, cleanup } = temporaryHeapPath();
  const heap = Heap.open({ path, mode: "create" });
  const dir = dirname(path);
  const made = spawnSync("openssl", [
    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"),
  ], { encoding: "utf8" });
  assert.equal(made.status, 0, `openssl could not make a test certificate: ${made.error?.message ?? made.stderr}`);
  const tls = { key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) };
  const secure = await recordingServer(() => ({ status: 200, body: "secure" }), tls);
  const plain = await recordingServer(() => ({ status: 200, body: "plain" }));
  const agents: { close(): void }[] = [];
  try {
    const registry = new Registry();
    new Counter({ name: "agent_jobs", help: "Jobs.", heap, registers: [registry] }).inc();
    // Without the agent the self-signed certificate is refused: the agent is what trusts it.
    await assert.rejects(new Pushgateway(secure.url, { timeout: 10_000 }, registry).pushAdd({ jobName: "tls" }));
    const httpsAgent = new HttpsAgent({ ca: tls.cert, keepAlive: true });
    agents.push({ close: () => httpsAgent.destroy() });
    const viaHttps = await new Pushgateway(secure.url, { agent: httpsAgent, timeout: 10_000 }, registry).pushAdd({ jobName: "tls" });
    assert.equal(viaHttps.body, "secure");
    assert.equal(secure.requests.at(-1)?.req.url, "/metrics/job/tls");
    assert.equal(secure.requests.at(-1)?.body.toString("utf8"), await registry.metrics());

    const httpAgent = new HttpAgent({ keepAlive: true });
    agents.push({ close: () => httpAgent.destroy() });
    const viaHttp = await new Pushgateway(plain.url, { agent: httpAgent }, registry).push({ jobName: "plain" });
    assert.equal(viaHttp.body, "plain");
    assert.equal(plain.requests.at(-1)?.req.method, "PUT");
  } finally {
    for (const agent of agents) agent.close();
    await secure.close();
    await plain.close();
    heap.close();
    cleanup();
  }
});

test("UTF-8 names are pushed escaped with underscores, which a real Pushgateway 1.5 takes", { timeout: 60_000 }, async () => {
  assert.ok(existsSync(PUSHGATEWAY_BINARY), `${PUSHGATEWAY_BINARY} is missing: node scripts/install_validators.mjs installs it (npm test runs it)`);
  const { path, cleanup } = temporaryHeapPath();
  const heap = Heap.open({ path, mode: "create" });
  let gateway: Server | undefined;
  try {
    gateway = await startPushgateway(dirname(path));
    setNameValidationScheme("utf-8");
    const registry = new Registry();
    const duration = new Histogram({ name: "pg.server.duration", help: "Duration.", labelNames: ["http.route"], buckets: [1], heap, registers: [registry] });
    duration.labels("/a").observe(0.5);
    new Counter({ name: "pg_plain", help: "A legacy name.", heap, registers: [registry] }).inc(2);
    const result = await new Pushgateway(gateway.url, { timeout: 10_000 }, registry).push({ jobName: "utf8" });
    assert.equal(result.resp.statusCode, 200, result.body);
    const samples = await gatewaySamples(gateway);
    assert.equal(pushed(samples, "pg_server_duration_count", { job: "utf8", http_route: "/a" }), 1);
    assert.equal(pushed(samples, "pg_server_duration_bucket", { job: "utf8", http_route: "/a", le: "1" }), 1);
    assert.equal(pushed(samples, "pg_plain", { job: "utf8" }), 2);
  } finally {
    setNameValidationScheme("legacy");
    await stop(gateway?.process);
    heap.close();
    cleanup();
  }
});
