const { Counter } = require("mpmetrics");

new Counter({ name: "jobs", help: "Jobs done.", labelNames: ["who"] }).inc({ who: "child" });
