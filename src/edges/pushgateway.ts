/**
 * Pushgateway: pushes a registry's scrape to a Prometheus Pushgateway, as prom-client's
 * `Pushgateway` does, for batch jobs that end before Prometheus could scrape them.
 *
 * The same calls, options and URLs as prom-client 15: `new Pushgateway(url, options?,
 * registry?)`, then `pushAdd` (POST: replaces the pushed metrics of the same names in
 * the group), `push` (PUT: replaces the whole group) and `delete` (DELETE: removes the
 * group), each with `{ jobName, groupings? }` and resolving to `{ resp, body }`. The
 * group's URL is `<gateway>/metrics/job/<job>{/<label>/<value>}`. `options` go to
 * `node:http`'s or `node:https`'s `request` as they are (`timeout`, `headers`, `agent`,
 * `ca`...); `headers: { "Content-Encoding": "gzip" }` gzips the body; a user and password
 * in the URL become basic auth. `requireJobName: false` allows a push without a job.
 *
 * One difference, where prom-client's URL does not work: a job or grouping value that
 * contains `/` or is empty is written in the Pushgateway's base64 form
 * (`/instance@base64/<base64url>`), since the Pushgateway cannot take a `/` in a path
 * segment even percent-encoded, nor an empty segment. Every other value is
 * percent-encoded as prom-client does.
 *
 * The body is the registry's `metrics()` in its content type: with the default
 * registry, the totals of every process on the heap. Names outside the legacy character
 * set (`setNameValidationScheme("utf-8")`) are pushed escaped with `underscores`
 * (`http.server.duration` as `http_server_duration`): the push carries no Accept header
 * to say the Pushgateway takes them, and one without UTF-8 support (Debian's 1.5) answers
 * a quoted name with 400 (test/pushgateway.test.ts).
 *
 * @module
 */

import { request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders, type RequestOptions } from "node:http";
import { request as httpsRequest } from "node:https";
import { gzipSync } from "node:zlib";
import { register, type Registry } from "../metrics/registry.ts";

/** What `pushAdd`, `push` and `delete` take (prom-client's `Pushgateway.Parameters`). */
export interface PushParameters {
  /** The job the metrics belong to (the `job` label the Pushgateway adds). */
  readonly jobName?: string;
  /** More labels of the group, in URL order, for example `{ instance: "worker-1" }`. */
  readonly groupings?: Readonly<Record<string, string | number>>;
}

/** What a push resolves to: the response and its body as text (prom-client's shape). */
export interface PushResult {
  readonly resp: IncomingMessage;
  readonly body: string;
}

/**
 * Options of a {@link Pushgateway}: `node:http`/`node:https` request options (`timeout`
 * in milliseconds, `headers`, `agent`, TLS options...), plus `requireJobName`.
 */
export interface PushgatewayOptions extends RequestOptions {
  /** Whether a push needs a `jobName` (default true, as prom-client). */
  readonly requireJobName?: boolean;
  /** TLS options for https gateways (`ca`, `cert`, `key`, `rejectUnauthorized`...). */
  readonly [tlsOption: string]: unknown;
}

/** The part of a registry a push needs. */
type PushedRegistry = Pick<Registry, "metrics"> & Partial<Pick<Registry, "scrape" | "contentType">>;

/**
 * The body of a push: a registry's scrape negotiated for its own content type with no
 * escaping named, so UTF-8 names arrive escaped with `underscores` (legacy names, the
 * default, give exactly `metrics()`); `metrics()` for another kind of registry.
 */
async function pushBody(registry: PushedRegistry): Promise<string | Uint8Array> {
  if (typeof registry.scrape !== "function" || typeof registry.contentType !== "string") return registry.metrics();
  return (await registry.scrape(registry.contentType)).body;
}

/**
 * Pushes metrics to a Prometheus Pushgateway.
 *
 * @example
 * ```ts
 * import { Counter, Pushgateway, register } from "mpmetrics";
 * const processed = new Counter({ name: "batch_records_processed", help: "Records processed." });
 * processed.inc(1200);
 * const gateway = new Pushgateway("http://127.0.0.1:9091", { timeout: 5000 }, register);
 * const { resp } = await gateway.pushAdd({ jobName: "nightly", groupings: { instance: "host-1" } });
 * ```
 */
export class Pushgateway {
  /** The registry whose scrape is pushed. */
  readonly registry: PushedRegistry;
  /** The Pushgateway's URL, as given. */
  readonly gatewayUrl: string;
  /** Whether a push needs a `jobName`. */
  readonly requireJobName: boolean;
  /** What goes to `request()` besides the URL and method. */
  readonly requestOptions: Readonly<RequestOptions>;

  constructor(gatewayUrl: string, options: PushgatewayOptions = {}, registry: PushedRegistry = register) {
    if (typeof gatewayUrl !== "string" || !URL.canParse(gatewayUrl)) {
      throw new TypeError(`Pushgateway needs the gateway's absolute URL, for example "http://127.0.0.1:9091"; got ${JSON.stringify(gatewayUrl)}`);
    }
    const protocol = new URL(gatewayUrl).protocol;
    if (protocol !== "http:" && protocol !== "https:") throw new TypeError(`Pushgateway URL must be http or https, got ${JSON.stringify(gatewayUrl)}`);
    if (options === null || typeof options !== "object") throw new TypeError("Pushgateway options must be an object of request options");
    if (registry === null || typeof registry?.metrics !== "function") throw new TypeError("Pushgateway's registry must have a metrics() method (a Registry)");
    const { requireJobName = true, ...requestOptions } = options;
    this.gatewayUrl = gatewayUrl;
    this.requireJobName = requireJobName;
    this.requestOptions = requestOptions;
    this.registry = registry;
  }

  /** POSTs the registry's metrics: replaces those of the same names in the group. */
  pushAdd(params: PushParameters = {}): Promise<PushResult> {
    return this.#send("POST", params, "pushAdd");
  }

  /** PUTs the registry's metrics: replaces every metric of the group. */
  push(params: PushParameters = {}): Promise<PushResult> {
    return this.#send("PUT", params, "push");
  }

  /** DELETEs the group. */
  delete(params: PushParameters = {}): Promise<PushResult> {
    return this.#send("DELETE", params, "delete");
  }

  #send(method: "POST" | "PUT" | "DELETE", params: PushParameters, call: string): Promise<PushResult> {
    if (params === null || typeof params !== "object") throw new TypeError(`${call}() takes { jobName, groupings? }`);
    if (this.requireJobName && !params.jobName) {
      // prom-client's message first; thrown, not rejected, as prom-client does.
      throw new TypeError(`Missing jobName parameter: ${call}() takes { jobName, groupings? } (or construct the Pushgateway with requireJobName: false)`);
    }
    const url = groupUrl(this.gatewayUrl, params.jobName, params.groupings);
    return exchange(url, method, this.requestOptions, method === "DELETE" ? undefined : this.registry);
  }
}

/**
 * The group's URL: `<gateway path>/metrics/job/<job>{/<label>/<value>}`, values
 * percent-encoded, or base64url-encoded (`label@base64/...`) when they hold `/` or are
 * empty, which the Pushgateway cannot take otherwise.
 *
 * @example
 * ```ts
 * groupUrl("http://gw:9091", "batch", { instance: "a/b" }).href;
 * // "http://gw:9091/metrics/job/batch/instance@base64/YS9i"
 * ```
 */
export function groupUrl(gatewayUrl: string, jobName: string | undefined, groupings: PushParameters["groupings"]): URL {
  const url = new URL(gatewayUrl);
  const prefix = url.pathname === "/" ? "" : url.pathname.replace(/\/+$/, "");
  let path = `${prefix}/metrics`;
  if (jobName) {
    path += segment("job", String(jobName));
    for (const [name, value] of Object.entries(groupings ?? {})) path += segment(name, String(value));
  }
  url.pathname = path;
  url.search = "";
  url.hash = "";
  return url;
}

function segment(name: string, value: string): string {
  if (value !== "" && !value.includes("/")) return `/${encodeURIComponent(name)}/${encodeURIComponent(value)}`;
  // The Pushgateway's escape for such values; "=" is its spelling of the empty value.
  const base64 = value === "" ? "=" : btoa(String.fromCodePoint(...new TextEncoder().encode(value))).replace(/\+/g, "-").replace(/\//g, "_");
  return `/${encodeURIComponent(name)}@base64/${base64}`;
}

function exchange(url: URL, method: string, options: Readonly<RequestOptions>, registry: PushedRegistry | undefined): Promise<PushResult> {
  const headers: OutgoingHttpHeaders = { ...(options.headers as OutgoingHttpHeaders) };
  const gzip = headers["Content-Encoding"] === "gzip" || headers["content-encoding"] === "gzip";
  if (method === "DELETE") {
    delete headers["Content-Encoding"];
    delete headers["content-encoding"];
  }
  const auth = url.username === "" ? undefined : `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  const target: RequestOptions = {
    protocol: url.protocol,
    hostname: url.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: url.port === "" ? undefined : Number(url.port),
    path: url.pathname,
    ...(auth === undefined ? {} : { auth }),
    ...options,
    headers,
    method,
  };
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise<PushResult>((resolve, reject) => {
    const req = send(target, (resp) => {
      let body = "";
      resp.setEncoding("utf8");
      resp.on("data", (chunk: string) => {
        body += chunk;
      });
      resp.on("error", reject);
      resp.on("end", () => {
        const status = resp.statusCode ?? 0;
        if (status >= 400) reject(new Error(`push failed with status ${status}, ${body}`));
        else resolve({ resp, body });
      });
    });
    req.on("error", reject);
    req.on("timeout", () => {
      const error = new Error(`Pushgateway request timed out: no answer from ${url.origin} within ${options.timeout} ms`);
      // Rejected here too: Deno's node:http emits no "error" for a destroyed request on a kept-alive socket.
      reject(error);
      req.destroy(error);
    });
    if (registry === undefined) {
      req.end();
      return;
    }
    pushBody(registry).then((text) => {
      req.end(gzip ? gzipSync(text) : text);
    }, (error: unknown) => {
      req.destroy();
      reject(error);
    });
  });
}
