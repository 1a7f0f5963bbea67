const client = require("mpmetrics"); // prom-client's style: the module object

new client.Counter({ name: "jobs_total", help: "Jobs done.", labelNames: ["who"] }).inc({ who: "child" });
