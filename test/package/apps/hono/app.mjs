// A Hono app with @hono/prometheus, the same file on Bun, Deno and Node (@hono/node-server).
// Serves on a free port, makes a fixed set of requests to itself, prints the status and
// Content-Type of /metrics and its body.
import { prometheus } from "@hono/prometheus";
import { Hono } from "hono";

const { printMetrics, registerMetrics } = prometheus();
const app = new Hono();
app.use("*", registerMetrics);
app.get("/metrics", printMetrics);
app.get("/hello", (c) => c.text("hello"));
app.get("/users/:id", (c) => c.json({ id: c.req.param("id") }));
app.post("/items", (c) => c.text("made", 201));

/** Starts `app` on 127.0.0.1 and a free port; returns {port, close}. */
async function listen() {
  if (typeof Bun !== "undefined") {
    const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: app.fetch });
    return { port: server.port, close: () => server.stop(true) };
  }
  if (typeof Deno !== "undefined") {
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, app.fetch);
    return { port: server.addr.port, close: () => server.shutdown() };
  }
  const { serve } = await import("@hono/node-server");
  return await new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, (info) => {
      resolve({ port: info.port, close: () => new Promise((done) => server.close(done)) });
    });
  });
}

const server = await listen();
try {
  const base = `http://127.0.0.1:${server.port}`;
  const requests = [
    ["GET", "/hello"], ["GET", "/hello"], ["GET", "/hello"],
    ["GET", "/users/1"], ["GET", "/users/2"],
    ["POST", "/items"],
    ["GET", "/missing"],
  ];
  for (const [method, path] of requests) await (await fetch(`${base}${path}`, { method })).text();
  const response = await fetch(`${base}/metrics`);
  console.log(`status ${response.status} ${response.headers.get("content-type")}`);
  console.log(await response.text());
} finally {
  await server.close();
}
