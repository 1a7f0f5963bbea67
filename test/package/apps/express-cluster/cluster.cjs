// express-prom-bundle in a 2-worker Node cluster, as its README sets one up: every worker
// counts its requests with the bundle's middleware and serves /metrics; the primary serves
// the cluster-wide view with promBundle.clusterMetrics() (prom-client's AggregatorRegistry;
// each worker makes one too, which with prom-client answers the primary's requests).
// Each worker listens on its own free port (exclusive), so the primary can send requests to
// each one; then it prints every worker's /metrics and the primary's /cluster_metrics.
//
// `node cluster.cjs` sets up clusterMetrics() before forking; `node cluster.cjs fork-first`
// forks first, as express-prom-bundle's README example does.
const cluster = require("node:cluster");
const http = require("node:http");
const express = require("express");
const promBundle = require("express-prom-bundle");

const host = "127.0.0.1";
const workersCount = 2;
/** The requests sent to worker 1 and to worker 2. */
const plan = [
  [["GET", "/hello"], ["GET", "/hello"], ["GET", "/hello"], ["GET", "/users/1"]],
  [["GET", "/hello"], ["GET", "/hello"], ["POST", "/items"], ["GET", "/missing"]],
];

function listen(app) {
  return new Promise((resolve) => {
    const server = http.createServer(app).listen({ host, port: 0, exclusive: true }, () => resolve(server));
  });
}

async function show(title, url) {
  const response = await fetch(url);
  console.log(`=== ${title}`);
  console.log(`status ${response.status} ${response.headers.get("content-type")}`);
  console.log(await response.text());
}

function forkWorkers() {
  return Promise.all(Array.from({ length: workersCount }, () => new Promise((resolve, reject) => {
    const worker = cluster.fork();
    worker.once("message", (message) => resolve(message.port));
    worker.once("exit", (code) => reject(new Error(`a worker exited ${code} before listening`)));
  })));
}

async function primary() {
  const forkFirst = process.argv.includes("fork-first");
  const forked = forkFirst ? await forkWorkers() : undefined;
  const metricsApp = express();
  metricsApp.get("/cluster_metrics", promBundle.clusterMetrics());
  const metricsServer = await listen(metricsApp);
  const ports = forked ?? await forkWorkers();
  for (const [index, requests] of plan.entries()) {
    for (const [method, path] of requests) await (await fetch(`http://${host}:${ports[index]}${path}`, { method })).text();
  }
  // The bundle counts a request when its response has finished, which the worker learns
  // after this process has read the body: one more request to each worker, served after
  // that, makes sure every count is in before any worker is asked for all of them (the
  // bundle does not count its own /metrics).
  for (const port of ports) await (await fetch(`http://${host}:${port}/metrics`)).text();
  for (const [index, port] of ports.entries()) await show(`worker ${index + 1} /metrics`, `http://${host}:${port}/metrics`);
  await show("primary /cluster_metrics", `http://${host}:${metricsServer.address().port}/cluster_metrics`);
  metricsServer.close();
  for (const worker of Object.values(cluster.workers)) worker.kill();
}

async function worker() {
  new promBundle.promClient.AggregatorRegistry();
  const app = express();
  app.use(promBundle({ includeMethod: true, includePath: true }));
  app.get("/hello", (_req, res) => res.send("hello"));
  app.get("/users/:id", (req, res) => res.json({ id: req.params.id }));
  app.post("/items", (_req, res) => res.status(201).send("made"));
  const server = await listen(app);
  process.send({ port: server.address().port });
}

(cluster.isPrimary ? primary() : worker()).catch((error) => {
  console.error(error);
  process.exit(1);
});
