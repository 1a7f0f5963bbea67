// A Fastify 5 app with fastify-metrics (route histogram and summary, default metrics on, as
// the plugin ships). Serves on a free port, makes a fixed set of requests to itself, prints
// the status and Content-Type of /metrics and its body.
const Fastify = require("fastify");
const metricsPlugin = require("fastify-metrics");

async function main() {
  const app = Fastify();
  await app.register(metricsPlugin.default ?? metricsPlugin, { endpoint: "/metrics" });
  app.get("/hello", async () => "hello");
  app.get("/users/:id", async (request) => ({ id: request.params.id }));
  app.post("/items", async (_request, reply) => reply.code(201).send("made"));
  const address = await app.listen({ host: "127.0.0.1", port: 0 });
  try {
    const requests = [
      ["GET", "/hello"], ["GET", "/hello"], ["GET", "/hello"],
      ["GET", "/users/1"], ["GET", "/users/2"],
      ["POST", "/items"],
      ["GET", "/missing"],
    ];
    for (const [method, path] of requests) await (await fetch(`${address}${path}`, { method })).text();
    const response = await fetch(`${address}/metrics`);
    console.log(`status ${response.status} ${response.headers.get("content-type")}`);
    console.log(await response.text());
  } finally {
    await app.close();
  }
}
main().catch((error) => {
  console.error(error);
  process.exit(1);
});
