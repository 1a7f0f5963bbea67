/**
 * The behaviour of a /metrics endpoint, apart from any HTTP API: which status, headers
 * and body to answer a method and an Accept header with. `web.ts` and `node.ts` only
 * translate this answer into their runtime's response object.
 *
 * The body is produced whole before anything is sent, so a failure never leaves a
 * partial metrics body on the wire: it becomes a 500 with a short text body.
 *
 * @module
 */

import type { ScrapeResult } from "../metrics/registry.ts";

/** What a metrics endpoint needs of a registry: a negotiated scrape. */
export interface ScrapeSource {
  scrape(accept: string | null | undefined): Promise<ScrapeResult>;
}

/** Options shared by {@link metricsHandler} and {@link nodeMetricsHandler}. */
export interface MetricsHandlerOptions {
  /**
   * Called with the error when a scrape fails (the client gets a 500 either way);
   * default `console.error`. It must not throw; if it does, that is ignored.
   */
  readonly onError?: (error: unknown) => void;
}

/**
 * A runtime-neutral HTTP answer: the whole body, encoded, and its `content-length`
 * among the headers. For HEAD, `body` is `null` and `content-length` is what GET would
 * send (Bun.serve and Deno.serve would otherwise announce 0).
 */
export interface MetricsAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array | null;
}

/** The methods the endpoint serves, as the Allow header lists them. */
export const ALLOWED_METHODS = "GET, HEAD";
const failureBody = "Failed to collect metrics\n";
const textContentType = "text/plain; charset=utf-8";
const encoder = new TextEncoder();

function answer(status: number, headers: Record<string, string>, body: string | Uint8Array, head: boolean): MetricsAnswer {
  const bytes = typeof body === "string" ? encoder.encode(body) : body;
  return { status, headers: { ...headers, "content-length": String(bytes.byteLength) }, body: head ? null : bytes };
}

/** Answers one request; never rejects. */
export async function answerScrape(
  registry: ScrapeSource,
  method: string,
  accept: string | null | undefined,
  options: MetricsHandlerOptions,
): Promise<MetricsAnswer> {
  const head = method === "HEAD";
  if (method !== "GET" && !head) {
    const headers = { "content-type": textContentType, "cache-control": "no-store", allow: ALLOWED_METHODS };
    return answer(405, headers, `Method ${method} not allowed: use ${ALLOWED_METHODS}\n`, false);
  }
  try {
    // HEAD collects too, so its headers (and status, on failure) are the ones GET would get.
    const { contentType, body } = await registry.scrape(accept);
    if ((typeof body !== "string" && !(body instanceof Uint8Array)) || typeof contentType !== "string") {
      throw new TypeError(`scrape() must return { contentType: string, body: string | Uint8Array }, got ${typeof contentType} and ${typeof body}`);
    }
    return answer(200, { "content-type": contentType, "cache-control": "no-store", vary: "Accept" }, body, head);
  } catch (error) {
    try {
      (options.onError ?? console.error)(error);
    } catch {
      // A failing error reporter must not turn a 500 into a hung request.
    }
    return answer(500, { "content-type": textContentType, "cache-control": "no-store" }, failureBody, head);
  }
}
