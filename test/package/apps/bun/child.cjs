const { Counter } = require("mpmetrics");

new Counter({ name: "jobs_total", help: "Jobs done.", labelNames: ["who"] }).inc({ who: "child" });
