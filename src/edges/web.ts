/**
 * A /metrics endpoint for web-standard servers: one `(request: Request) => Promise<Response>`
 * function that Bun.serve, Deno.serve, Hono, and anything else built on the Fetch API's
 * Request and Response can use as it is.
 *
 * @module
 */

import { register } from "../metrics/registry.ts";
import { answerScrape, type MetricsHandlerOptions, type ScrapeSource } from "./_respond.ts";

export type { MetricsHandlerOptions, ScrapeSource } from "./_respond.ts";

/**
 * Makes a web-standard handler that answers with a scrape of `registry`.
 *
 * - GET: the scrape, in the format negotiated from the Accept header
 *   (`registry.scrape(accept)`): OpenMetrics 1.0.0 for Prometheus, which asks for it, else
 *   Prometheus text 0.0.4; `Content-Type` says which.
 * - HEAD: the same status and headers, `Content-Length` included, no body.
 * - Other methods: 405 with `Allow: GET, HEAD`.
 * - A failed scrape: 500 with a short text body, never part of a metrics body; the error
 *   goes to `options.onError` (default `console.error`).
 *
 * Every answer carries `Cache-Control: no-store`; scrapes also `Vary: Accept`. The handler
 * does not look at the path: mount it where the metrics should be served.
 *
 * @param registry what to scrape; default {@link register}, the totals of every process
 *   on the default heap.
 *
 * @example Bun.serve
 * ```ts
 * import { metricsHandler } from "mpmetrics";
 * const metrics = metricsHandler();
 * Bun.serve({
 *   port: 9464,
 *   fetch: (request) => new URL(request.url).pathname === "/metrics" ? metrics(request) : new Response("Not found", { status: 404 }),
 * });
 * ```
 *
 * @example Deno.serve
 * ```ts
 * import { metricsHandler } from "mpmetrics";
 * const metrics = metricsHandler();
 * Deno.serve({ port: 9464 }, (request) => new URL(request.url).pathname === "/metrics" ? metrics(request) : new Response("Not found", { status: 404 }));
 * ```
 *
 * @example Hono
 * ```ts
 * import { Hono } from "hono";
 * import { metricsHandler } from "mpmetrics";
 * const metrics = metricsHandler();
 * const app = new Hono();
 * app.get("/metrics", (c) => metrics(c.req.raw));
 * ```
 */
export function metricsHandler(registry: ScrapeSource = register, options: MetricsHandlerOptions = {}): (request: Request) => Promise<Response> {
  return async (request) => {
    const { status, headers, body } = await answerScrape(registry, request.method, request.headers.get("accept"), options);
    // A TextEncoder's output: backed by an ArrayBuffer, never a SharedArrayBuffer, which
    // Deno's and TypeScript's BodyInit refuse in a plain Uint8Array.
    return new Response(body as Uint8Array<ArrayBuffer> | null, { status, headers });
  };
}
