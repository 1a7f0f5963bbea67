// express-prom-bundle, a CommonJS consumer of prom-client, with prom-client overridden to
// mpmetrics in package.json. Serves on a free port, makes requests, prints /metrics.
const express = require("express");
const promBundle = require("express-prom-bundle");

const app = express();
app.use(promBundle({ includeMethod: true, includePath: true }));
app.get("/hello", (_req, res) => res.send("hello"));
const server = app.listen(0, "127.0.0.1", async () => {
  try {
    const base = `http://127.0.0.1:${server.address().port}`;
    for (let i = 0; i < 3; i++) await (await fetch(`${base}/hello`)).text();
    const response = await fetch(`${base}/metrics`);
    console.log(`status ${response.status} ${response.headers.get("content-type")}`);
    process.stdout.write(await response.text());
  } finally {
    server.close();
  }
});
